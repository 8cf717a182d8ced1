#pragma once
// Which URL goes to which worker next: global per-host limits, worker credits, least-loaded
// first with a preference for the worker that last fetched from the host (keep-alive reuse),
// and quarantine for URLs that were in flight in a worker that died.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace crawl::supervisor {

/// A URL waiting for, or assigned to, a worker.
struct pending_url {
    std::uint64_t seq = 0;
    std::string url;      ///< the input line, trimmed
    std::string host_key; ///< "scheme://host:port": the unit of the per-host limit
    unsigned crashes = 0; ///< deaths of workers holding it (counted fully only when alone)
};

class scheduler {
public:
    /// `credits`: jobs a worker may hold at once; `per_host`: 0 = unlimited.
    scheduler(unsigned workers, unsigned credits, unsigned per_host);

    void add(pending_url url);
    /// Takes back a URL whose worker died. A URL with crashes > 0 is a suspect: it runs alone on
    /// a worker drained for it (quarantined), so that a second death names the culprit and
    /// spares the URLs that merely shared its worker.
    void requeue(pending_url url);

    struct assignment {
        pending_url url;
        unsigned worker;
    };
    /// The next URL that may start now and the worker to run it, or nullopt.
    std::optional<assignment> next();

    /// A worker finished a URL of `host_key`.
    void completed(unsigned worker, const std::string& host_key);
    /// A worker died: its jobs are requeued by the caller one by one via requeue(); its load
    /// and host slots are released here for each of them.
    void released(unsigned worker, const std::string& host_key) { completed(worker, host_key); }

    /// Marks a worker slot as able (or not, while it is being replaced) to take jobs.
    void set_available(unsigned worker, bool available);

    /// True while the worker runs a suspect alone.
    [[nodiscard]] bool quarantined(unsigned worker) const { return workers_[worker].quarantined; }

    [[nodiscard]] std::size_t queued() const noexcept { return queued_; }
    [[nodiscard]] std::size_t in_flight() const noexcept { return in_flight_; }
    [[nodiscard]] unsigned load(unsigned worker) const { return workers_[worker].load; }

private:
    struct host_state {
        std::deque<pending_url> queue;
        unsigned in_flight = 0;
        int last_worker = -1;
        bool ready = false; ///< listed in ready_
    };
    struct worker_state {
        unsigned load = 0;
        bool available = true;
        bool quarantined = false;
    };

    [[nodiscard]] bool host_can_start(const host_state& h) const noexcept
    {
        return !h.queue.empty() && (per_host_ == 0 || h.in_flight < per_host_);
    }
    void mark_ready(const std::string& key, host_state& h);
    [[nodiscard]] std::optional<unsigned> pick_worker(const host_state& h) const;
    [[nodiscard]] std::optional<assignment> next_suspect();
    void start(unsigned worker, const std::string& host_key);

    std::vector<worker_state> workers_;
    unsigned credits_;
    unsigned per_host_;
    std::unordered_map<std::string, host_state> hosts_;
    std::deque<std::string> ready_; ///< hosts with queued URLs and a free slot, round robin
    std::deque<pending_url> suspects_; ///< URLs that were in a worker that died
    int draining_ = -1;                ///< worker kept free of new jobs for the next suspect
    std::size_t queued_ = 0;
    std::size_t in_flight_ = 0;
};

} // namespace crawl::supervisor
