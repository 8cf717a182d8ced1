#include "slot_balance.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <queue>
#include <unordered_map>

namespace crawl::supervisor {

balance_plan plan_balance(std::span<const slot_view> slots, std::string_view me, std::uint64_t members,
                          const balance_rules& rules, std::minstd_rand& random)
{
    std::uint64_t total = 0;
    std::uint64_t mine = 0; // what waits in the slots this process keeps
    std::unordered_map<std::string_view, std::uint64_t> others;
    for (const auto& slot : slots) {
        total += slot.waiting;
        if (slot.holder == me) {
            mine += slot.draining ? 0 : slot.waiting;
        } else if (!slot.holder.empty()) {
            others[slot.holder] += slot.waiting;
        }
    }
    // The other processes' loads, those that hold nothing (just joined) counting 0.
    const std::uint64_t processes = std::max<std::uint64_t>(members, others.size() + 1);
    std::vector<std::uint64_t> loads;
    loads.reserve(processes - 1);
    for (const auto& [holder, waiting] : others) {
        loads.push_back(waiting);
    }
    loads.resize(processes - 1, 0);
    const std::uint64_t lowest = loads.empty() ? std::numeric_limits<std::uint64_t>::max()
                                               : *std::min_element(loads.begin(), loads.end());
    const std::uint64_t share = (total + processes - 1) / processes;

    balance_plan plan;
    // Free slots with work, in random order: the processes below their share race for them,
    // and a random order makes them collide less.
    std::vector<std::uint32_t> free_slots;
    for (std::uint32_t s = 0; s < slots.size(); ++s) {
        if (slots[s].holder.empty() && slots[s].waiting > 0) {
            free_slots.push_back(s);
        }
    }
    std::shuffle(free_slots.begin(), free_slots.end(), random);
    for (const auto s : free_slots) {
        const std::uint64_t w = slots[s].waiting;
        if (mine + w <= share || mine <= lowest) {
            plan.take.push_back(s);
            mine += w;
        }
    }

    if (!rules.may_give_back || loads.empty() || mine <= share) {
        return plan;
    }
    // Give back while a move narrows the gap to the least loaded process enough: moving w URLs
    // from here (mine) to there (m) leaves the larger of the two smaller by min(w, mine - m - w),
    // best when w is half the gap.
    const std::uint64_t min_gain = std::max<std::uint64_t>(1, share / std::max<std::uint64_t>(1, rules.gap_divisor));
    std::vector<std::pair<std::uint64_t, std::uint32_t>> held; // (waiting, slot)
    for (std::uint32_t s = 0; s < slots.size(); ++s) {
        if (slots[s].holder == me && !slots[s].draining && slots[s].waiting > 0) {
            held.emplace_back(slots[s].waiting, s);
        }
    }
    std::priority_queue<std::uint64_t, std::vector<std::uint64_t>, std::greater<>> receivers(loads.begin(),
                                                                                               loads.end());
    while (mine > share && !held.empty()) {
        const std::uint64_t m = receivers.top();
        if (mine <= m) {
            break;
        }
        const std::uint64_t gap = mine - m;
        auto best = held.end();
        std::uint64_t best_gain = 0;
        for (auto it = held.begin(); it != held.end(); ++it) {
            const std::uint64_t w = it->first;
            const std::uint64_t gain = w < gap ? std::min(w, gap - w) : 0;
            if (gain >= min_gain && gain > best_gain) {
                best = it;
                best_gain = gain;
            }
        }
        if (best == held.end()) {
            break;
        }
        plan.give_back.push_back(best->second);
        mine -= best->first;
        receivers.pop();
        receivers.push(m + best->first);
        held.erase(best);
    }
    return plan;
}

} // namespace crawl::supervisor
