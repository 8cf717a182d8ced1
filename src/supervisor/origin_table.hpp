#pragma once
// robots.txt per origin, for the supervisor: the URLs that wait for an origin's answer, and the
// answers, kept within a memory budget. When the answers outgrow it, the one used longest ago
// goes; the next URL of that origin then fetches its robots.txt again. Without a budget, a
// crawl of a million sites (or of one hostile server under many names, each with 500 KiB of
// rules) would keep every site's rules for the whole run. Pure bookkeeping, no I/O.

#include "crawl/robots/robots.hpp"
#include "crawl/util/error_class.hpp"
#include "scheduler.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace crawl::supervisor {

/// What an origin's robots.txt decided.
struct robots_answer {
    robots::rules rules;
    /// Set when nothing may be fetched there: the failure each URL of the origin is recorded
    /// with (robots_disallowed for a 5xx, the network's class when the host is down).
    std::optional<failure> refusal;
    std::chrono::milliseconds delay{0}; ///< --delay, raised by Crawl-delay up to --max-delay
};

class origin_table {
public:
    /// A URL waiting for its origin's answer, with the request target it will be checked on.
    struct parked_url {
        pending_url url;
        std::string path;
    };

    /// `budget_bytes`: what the kept answers may take, roughly (the rules, their strings and
    /// the table's own entries); the newest answer is kept even if it alone is larger.
    explicit origin_table(std::size_t budget_bytes) : budget_(budget_bytes) {}

    /// The origin's answer, or null while there is none (never asked, awaited, or evicted).
    /// Finding it counts as a use. The pointer is good until the next settle().
    [[nodiscard]] const robots_answer* answer(const std::string& origin);

    /// Parks a URL of an origin without an answer. True when it is the first to wait for that
    /// origin: the caller queues the robots.txt fetch.
    bool park(const std::string& origin, parked_url url);

    struct settled {
        const robots_answer* answer = nullptr; ///< null: nobody waited for this origin
        std::vector<parked_url> parked;        ///< in the order they were parked
    };
    /// The origin's answer is in: keeps it, evicts the answers used longest ago while the
    /// budget is exceeded, and hands back the URLs that waited for it.
    settled settle(const std::string& origin, robots_answer answer);

    /// The awaited answer will not come (a shared crawl's host went to another process before
    /// its robots.txt was fetched): forgets the origin and hands back the URLs that waited.
    std::vector<parked_url> abandon(const std::string& origin);

    [[nodiscard]] std::size_t parked() const noexcept { return parked_; }
    [[nodiscard]] std::size_t answers() const noexcept { return lru_.size(); }
    [[nodiscard]] std::size_t answer_bytes() const noexcept { return answer_bytes_; }
    [[nodiscard]] std::uint64_t evictions() const noexcept { return evictions_; }

private:
    struct entry {
        std::optional<robots_answer> answer;
        std::vector<parked_url> parked;
        std::list<const std::string*>::iterator recent; ///< in lru_, once answered
        std::size_t bytes = 0;                   ///< charged to the budget, once answered
    };

    void evict_over_budget();

    std::size_t budget_;
    std::unordered_map<std::string, entry> origins_;
    /// Answered origins, most recently used first: their keys in origins_ (map nodes stay put).
    std::list<const std::string*> lru_;
    std::size_t parked_ = 0;
    std::size_t answer_bytes_ = 0;
    std::uint64_t evictions_ = 0;
};

} // namespace crawl::supervisor
