#pragma once
// Run totals: what the summary on stderr and --stats report.

#include "crawl/util/error_class.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace crawl::supervisor {

/// One worker process after it was reaped (a slot may have several when workers were replaced).
struct worker_usage {
    unsigned slot = 0;
    int pid = 0;
    long peak_rss_kb = 0;
    double user_seconds = 0;
    double sys_seconds = 0;
    std::string ended; ///< how it ended, e.g. "exited with status 0"
};

struct run_stats {
    std::uint64_t urls = 0; ///< records written
    std::uint64_t ok = 0;
    std::array<std::uint64_t, error_class_count> by_error{};
    std::array<std::uint64_t, 6> by_status_class{}; ///< [0] no response, [1..5] 1xx..5xx
    std::uint64_t wire_bytes = 0;
    std::uint64_t body_bytes = 0;
    std::vector<std::uint64_t> per_worker; ///< records per worker slot
    std::uint64_t by_supervisor = 0;       ///< records answered without a worker
    std::uint64_t worker_restarts = 0;
    std::uint64_t duplicates = 0;      ///< --dedup records pointing at an earlier line
    std::uint64_t retries = 0;         ///< attempts scheduled again (pages and robots.txt)
    std::uint64_t robots_fetched = 0;  ///< robots.txt answers received
    std::uint64_t discovered = 0;      ///< recursive crawls: URLs added to the frontier
    bool recursive = false;            ///< --depth above 0
    std::uint64_t frontier_waiting = 0; ///< recursive crawls: URLs left in the frontier unfetched
    std::uint64_t seen_memory_bytes = 0; ///< recursive crawls: the seen-set's fingerprints
    std::uint64_t frontier_bytes = 0;    ///< recursive crawls: the frontier database's size
    std::uint64_t robots_evicted = 0;  ///< origins' rules dropped to stay within --robots-cache
    std::uint64_t hosts_unreachable = 0; ///< hosts given up after --host-errors failures
    std::uint64_t resumed_lines = 0;   ///< input lines skipped: recorded by an earlier run
    std::uint64_t other_shard_lines = 0; ///< --shard: input lines that belong to other shards
    std::string shard;                 ///< --shard: "K/N", else empty
    /// --frontier redis://: what this process did with the shared frontier.
    struct shared_counts {
        std::string address;          ///< the server; empty: no shared frontier
        std::uint64_t seeds = 0;      ///< input URLs published
        std::uint64_t published = 0;  ///< URLs new to the shared seen-set (seeds and links)
        std::uint64_t known = 0;      ///< URLs published that another process had published first
        std::uint64_t delivered = 0;  ///< URLs handed to this process by the slots it held
        std::uint64_t let_go = 0;     ///< URLs left to another owner (their slot was lost or given back)
        std::uint64_t fenced = 0;     ///< records whose slot was lost before they were acknowledged
        std::uint64_t slots_taken = 0; ///< leases acquired
        std::uint64_t slots_lost = 0;  ///< leases that expired or were taken while held
        std::uint64_t slots_given_back = 0; ///< leases given back to even out the work
        std::uint64_t unsent = 0;      ///< jobs a worker held past their host's lease: not sent
        std::uint64_t robots_shared = 0; ///< robots.txt answers taken from another owner, not fetched
    } shared;
    std::uint64_t torn_bytes = 0;      ///< unfinished last line cut off the output by --resume
    std::uint64_t dedup_fingerprints = 0;
    std::uint64_t dedup_memory_bytes = 0;
    bool dedup = false;
    bool resume = false;
    bool out_of_time = false; ///< --max-time expired before the input was done
    double wall_seconds = 0;
    long supervisor_peak_rss_kb = 0; ///< getrusage(RUSAGE_SELF).ru_maxrss at the end
    double supervisor_user_seconds = 0;
    double supervisor_sys_seconds = 0;
    std::vector<worker_usage> worker_processes; ///< in the order they were reaped
    unsigned workers = 0;
    int interrupted_by = 0; ///< signal number, 0 if the run completed

    void add(error_class error, unsigned http_status, std::uint64_t wire, std::uint64_t body, int worker);
    /// A --dedup record: written, but neither ok nor failed.
    void add_duplicate();
    [[nodiscard]] std::uint64_t failed() const noexcept { return urls - ok - duplicates; }
};

/// The human summary (several lines, for stderr).
std::string format_summary(const run_stats& s);

/// The summary as one JSON object (for --stats).
std::string format_stats_json(const run_stats& s);

/// Writes `content` to `path` atomically (temporary file in the same directory, then rename).
/// Throws std::system_error.
void write_file_atomically(const std::string& path, const std::string& content);

} // namespace crawl::supervisor
