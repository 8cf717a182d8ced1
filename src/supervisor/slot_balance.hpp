#pragma once
// Which host slots a process of a shared crawl (--frontier redis://) takes and gives back, so
// that the URLs waiting are spread evenly over the live processes. Slots are not equal amounts
// of work: 64 hosts hashed into 64 slots leave about 24 slots empty and others with two or
// three hosts, and a host's pages come as they are found. Sharing slots out by count let one
// process of four record 457 of 1,464 pages while another recorded 271 (bench/shared-scaling);
// sharing out the URLs waiting is what makes four processes finish together.
//
// A pure decision on a survey of every slot (its waiting URLs and its lease holder), taken
// each round by redis_frontier; the unit test drives it directly (docs/design.md, "Many
// machines").

#include <cstdint>
#include <random>
#include <span>
#include <string_view>
#include <vector>

namespace crawl::supervisor {

struct slot_view {
    std::uint64_t waiting = 0; ///< URLs in the slot's stream: found and not yet recorded
    std::string_view holder;   ///< the process holding its lease; empty: free
    bool draining = false;     ///< (this process's) being given back already
};

struct balance_plan {
    std::vector<std::uint32_t> take;      ///< free slots with work to acquire
    std::vector<std::uint32_t> give_back; ///< held slots to drain and release
};

struct balance_rules {
    /// A slot moves only when it narrows the gap by at least the even share divided by this
    /// (and by one URL): a handover costs a robots.txt fetch, the --delay wait and a claim, so
    /// small differences stay; at the start, when every slot holds one seed, any move counts.
    std::uint64_t gap_divisor = 16;
    /// Whether slots may be given back in this round (the last give-back has settled).
    bool may_give_back = true;
};

/// `me` holds the slots whose holder is `me`; `members` processes are alive (some may hold
/// nothing yet). A free slot with URLs is taken when it fits under the even share, or by the
/// least loaded process whatever its size, so that every such slot finds an owner. A process
/// above the share gives back a held slot when that brings it and the least loaded one closer:
/// the slot's URLs go to whichever process is then below its share.
balance_plan plan_balance(std::span<const slot_view> slots, std::string_view me, std::uint64_t members,
                          const balance_rules& rules, std::minstd_rand& random);

} // namespace crawl::supervisor
