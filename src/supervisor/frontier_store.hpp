#pragma once
// The frontier of a recursive crawl: every URL discovered so far, on disk (an SQLite database
// in WAL mode beside the output), with per-host queues that the coordinator draws from a few
// URLs at a time. Memory holds only what the decisions need per URL (its fingerprint, in the
// seen-set) and per host (a count of URLs waiting); the URLs themselves stay on disk until
// their turn (docs/design.md, "Recursive crawl").
//
// Durability: a batch of discoveries is one transaction, committed before the records of the
// pages they came from are written (the driver commits, then writes). A crawl killed at any moment (SIGKILL) leaves a frontier
// that holds at least the links of every recorded page; the output says which URLs have a
// record, so a resume re-queues every URL taken but not recorded.

#include "crawl/util/fingerprint_set.hpp" // fingerprint64
#include "crawl/util/seen_fingerprints.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace crawl::supervisor {

/// A discovered URL, as the frontier keeps it.
struct frontier_entry {
    std::string url;          ///< normalized (url::target::href)
    std::uint64_t fingerprint = 0; ///< fingerprint64(url)
    std::string host_key;     ///< "host:port": the unit of per-host queues and limits
    std::uint32_t depth = 0;  ///< links from the seed
    std::uint32_t redirect_hops = 0; ///< redirects in a row that led here (bounded by --max-redirects)
    std::string found_on;     ///< the page whose link or redirect led here
    std::string scope_prefix; ///< --no-parent: the seed's directory
    bool outward_only = false; ///< may not connect to loopback or private addresses
    bool seed_chain = false;   ///< on an input URL's own redirect chain (pending_url::seed_chain)
};

class frontier_store {
public:
    struct open_options {
        bool fresh = true;    ///< start empty, dropping what a file holds
        bool lowering = false; ///< lower() will be called (--sitemaps): URLs are found by fingerprint
    };
    /// Opens (creating if needed) the frontier at `path` (":memory:" for a frontier that
    /// lives and dies with the process). An error message on failure, also for a file another
    /// version of crawl made.
    static std::variant<frontier_store, std::string> open(const std::string& path, open_options o);

    frontier_store(frontier_store&&) noexcept;
    frontier_store& operator=(frontier_store&&) = delete;
    ~frontier_store();

    /// Claims a URL's fingerprint (fingerprint64 of the normalized URL): true the first time,
    /// false when it was seen before (a seed or a discovered URL). Claiming is what
    /// deduplicates the crawl.
    bool claim(std::uint64_t fingerprint) { return seen_.insert(fingerprint); }
    /// Whether a fingerprint was claimed.
    [[nodiscard]] bool seen(std::uint64_t fingerprint) const noexcept { return seen_.contains(fingerprint); }

    /// Queues a discovered URL (already claimed). Part of the open batch.
    void add(const frontier_entry& e);
    /// A URL claimed already is found again at a smaller depth (a sitemap lists what a page of
    /// its level linked to): if it still waits, it moves up to `e.depth` and `e.found_on`.
    /// True when it did. Part of the open batch.
    bool lower(const frontier_entry& e);
    /// Ends the batch: what add() queued is on disk (the caller writes records only after).
    void commit();

    /// Resume: URLs that already have a record (by fingerprint) are taken when met, never
    /// handed out again.
    void skip_recorded(const std::vector<std::uint64_t>& fingerprints);

    /// Takes up to `n` waiting URLs of `host_key` at `depth`, in discovery order.
    std::vector<frontier_entry> take(const std::string& host_key, std::uint32_t depth, std::size_t n);

    /// The smallest depth with URLs waiting, if any.
    [[nodiscard]] std::optional<std::uint32_t> lowest_depth() const;
    /// The hosts with URLs waiting at `depth` take turns: the next one (nullopt when none
    /// waits). The caller takes what it wants of it, then gives it back with end_turn().
    std::optional<std::string> next_host(std::uint32_t depth);
    /// Puts the host at the back of the turns at `depth` if it still has URLs waiting there.
    void end_turn(std::string host_key, std::uint32_t depth);
    /// Hosts that have URLs waiting at `depth`.
    [[nodiscard]] std::size_t hosts_waiting(std::uint32_t depth) const;
    /// URLs waiting on disk, in all.
    [[nodiscard]] std::uint64_t waiting() const noexcept { return waiting_total_; }

    /// Fingerprints claimed (seeds and discoveries) and the bytes the seen-set holds.
    [[nodiscard]] std::size_t seen_count() const noexcept { return seen_.size(); }
    [[nodiscard]] std::size_t seen_memory_bytes() const noexcept { return seen_.memory_bytes(); }
    /// The database's size (its pages, whether still in the WAL or checkpointed).
    [[nodiscard]] std::uint64_t disk_bytes() const;

private:
    frontier_store() = default;
    void exec(const char* sql);
    void prepare(sqlite3_stmt*& statement, const char* sql);
    void begin_batch();
    void check_version();
    void load_existing();
    std::int64_t insert(const frontier_entry& e);
    std::int64_t host_id(const std::string& host_key);
    void count_waiting(const std::string& host_key, std::uint32_t depth, std::int64_t id);
    void uncount_waiting(const std::string& host_key, std::uint32_t depth, std::uint64_t n);
    [[nodiscard]] bool waits(const std::string& host_key, std::uint32_t depth, std::int64_t id) const;

    sqlite3* db_ = nullptr;
    sqlite3_stmt* insert_ = nullptr;
    sqlite3_stmt* insert_host_ = nullptr;
    sqlite3_stmt* select_ = nullptr;
    sqlite3_stmt* find_ = nullptr;   ///< lower(): a URL by fingerprint
    sqlite3_stmt* remove_ = nullptr; ///< lower(): the row it leaves
    bool in_batch_ = false;
    seen_fingerprints seen_;
    seen_fingerprints recorded_; ///< resume: URLs that have a record already
    std::unordered_map<std::string, std::int64_t> host_ids_; ///< host_key → its row in `host`
    /// A host's queue at one depth: its rows with an id above `taken_to` wait (ids only grow,
    /// so taking is moving the mark, and nothing on disk changes).
    struct host_queue {
        std::uint64_t waiting = 0;
        std::int64_t taken_to = 0;
    };
    /// URLs on disk and not taken, per depth and host; the hosts of each depth take turns.
    struct level {
        std::unordered_map<std::string, host_queue> hosts;
        std::deque<std::string> turns;
    };
    std::map<std::uint32_t, level> levels_;
    std::uint64_t waiting_total_ = 0;
};

} // namespace crawl::supervisor
