#include "origin_table.hpp"

namespace crawl::supervisor {
namespace {

/// What an answered origin costs: its answer's heap, its key and the map and recency-list
/// nodes around them, roughly.
std::size_t cost_of(const std::string& origin, const robots_answer& a)
{
    constexpr std::size_t node_overhead = 128;
    return a.rules.memory_bytes() + (a.refusal ? a.refusal->message.capacity() : 0) + origin.capacity() + sizeof(robots_answer) +
           node_overhead;
}

} // namespace

const robots_answer* origin_table::answer(const std::string& origin)
{
    const auto it = origins_.find(origin);
    if (it == origins_.end() || !it->second.answer) {
        return nullptr;
    }
    lru_.splice(lru_.begin(), lru_, it->second.recent);
    return &*it->second.answer;
}

bool origin_table::park(const std::string& origin, parked_url url)
{
    auto [it, inserted] = origins_.try_emplace(origin);
    it->second.parked.push_back(std::move(url));
    ++parked_;
    return inserted;
}

origin_table::settled origin_table::settle(const std::string& origin, robots_answer answer)
{
    const auto it = origins_.find(origin);
    if (it == origins_.end() || it->second.answer) {
        return {}; // not awaited: an answer for an origin nobody asked about is dropped
    }
    entry& e = it->second;
    settled out;
    out.parked = std::move(e.parked);
    e.parked.clear();
    parked_ -= out.parked.size();
    e.answer = std::move(answer);
    e.bytes = cost_of(it->first, *e.answer);
    answer_bytes_ += e.bytes;
    lru_.push_front(&it->first);
    e.recent = lru_.begin();
    evict_over_budget();
    out.answer = &*e.answer;
    return out;
}

std::vector<origin_table::parked_url> origin_table::abandon(const std::string& origin)
{
    const auto it = origins_.find(origin);
    if (it == origins_.end() || it->second.answer) {
        return {};
    }
    std::vector<parked_url> out = std::move(it->second.parked);
    parked_ -= out.size();
    origins_.erase(it);
    return out;
}

void origin_table::evict_over_budget()
{
    // The newest answer (at the front) stays: its parked URLs are about to be decided on it.
    while (answer_bytes_ > budget_ && lru_.size() > 1) {
        const auto it = origins_.find(*lru_.back());
        answer_bytes_ -= it->second.bytes;
        origins_.erase(it);
        lru_.pop_back();
        ++evictions_;
    }
}

} // namespace crawl::supervisor
