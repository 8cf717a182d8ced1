#pragma once
// The whole run's configuration, as validated by the command line.

#include "crawl/frontier/scope.hpp"
#include "crawl/redis/address.hpp"
#include "crawl/supervisor/shard.hpp"
#include "crawl/worker/options.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace crawl::supervisor {

/// A recursive crawl (docs/crawl.1, RECURSIVE CRAWL). depth 0: a list crawl.
struct crawl_options {
    std::uint32_t depth = 0;       ///< links followed from the input URLs, at most
    frontier::scope_rules scope;   ///< --scope, --accept-regex, --reject-regex, --no-parent
    std::uint64_t max_pages = 0;   ///< fetches in the whole crawl; 0 = no limit
    std::uint64_t max_per_host = 0; ///< fetches per host:port; 0 = no limit
    bool sitemaps = false;         ///< also seed from each seed host's sitemaps
    /// --frontier redis://: the frontier several processes share (docs/sharding.md).
    std::optional<redis::address> shared;
    std::chrono::milliseconds lease{10'000}; ///< --frontier-lease: how long a host slot's owner may go silent
};

struct options {
    worker::options worker;
    unsigned workers = 1;
    unsigned per_host = 8;     ///< in-flight requests per host:port across all workers; 0 = no cap
    std::string input = "-";   ///< path, or "-" for stdin
    std::string output;        ///< path; empty = stdout
    std::string stats_file;    ///< summary as JSON; empty = none
    bool quiet = false;
    bool verbose = false;      ///< diagnostics on stderr: limits, caps, per-worker counters
    std::optional<bool> progress; ///< unset: on when stderr is a terminal

    bool robots = true;                   ///< obey robots.txt (--ignore-robots turns it off)
    std::size_t robots_cache = 64u << 20; ///< bytes of robots.txt rules kept, least recently used evicted
    std::chrono::milliseconds delay{0};   ///< least time between request starts to one host
    std::chrono::milliseconds max_delay{30'000}; ///< cap on what Crawl-delay may raise it to
    unsigned retries = 2;                 ///< extra attempts after a transient failure
    std::chrono::milliseconds retry_base{500};      ///< backoff before the first retry (then doubled)
    std::chrono::milliseconds max_retry_wait{60'000}; ///< longest backoff; longer Retry-After: give up
    unsigned host_errors = 10;            ///< consecutive connect failures/timeouts that end a host; 0 = never
    bool resume = false;                  ///< skip input lines already recorded in `output`, append the rest
    std::optional<std::chrono::milliseconds> max_time; ///< budget for the whole run
    bool dedup = false;                   ///< fetch each normalized URL once
    crawl_options crawl;                  ///< --depth and what goes with it
    shard_spec shard;                     ///< --shard K/N: the input lines this process owns
};

/// Exit statuses (docs/crawl.1, EXIT STATUS).
inline constexpr int exit_ok = 0;
inline constexpr int exit_some_failed = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_out_of_time = 3;
inline constexpr int exit_archive_failed = 4;

/// Runs the crawl and returns the process exit status (docs/crawl.1, EXIT STATUS).
int run(const options& opts);

} // namespace crawl::supervisor
