#pragma once
// Which URL goes to which worker next: global per-host limits and pacing, worker credits,
// least-loaded first with a preference for the worker that last fetched from the host
// (keep-alive reuse), retries waiting for their time, and quarantine for URLs that were in
// flight in a worker that died. Pure bookkeeping: the caller passes the time in.

#include "crawl/url/target.hpp"
#include "crawl/wire/frame.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace crawl::supervisor {

using clock = std::chrono::steady_clock;

/// What a job asks a worker to do.
enum class job_kind : std::uint8_t {
    page,   ///< fetch an input URL and send its record
    robots, ///< fetch the robots.txt of an origin
};

/// A URL waiting for, or assigned to, a worker.
struct pending_url {
    std::uint64_t seq = 0; ///< input line number; for robots jobs an id with the top bit set
    std::string url;       ///< the input line, trimmed (robots: empty)
    url::target target;    ///< `url` parsed (robots: the origin's scheme, host and port)
    std::string origin;    ///< robots: the origin's key in the robots.txt table; sitemaps: their seed's
    std::string host_key;  ///< "host:port": the unit of per-host limits and pacing
    unsigned crashes = 0;  ///< deaths of workers holding it (counted fully only when alone)
    unsigned attempt = 1;  ///< 1-based; retries count up
    job_kind kind = job_kind::page;
    /// Least time between request starts to its host (--delay raised by Crawl-delay).
    std::chrono::milliseconds delay{0};
    /// Dispatched with wire::ask_turns: its redirect hops ask for a turn at their host.
    bool ask_turns = false;
    /// In flight: the paced host of its current hop (empty: not paced) and that host's delay.
    std::string paced_host;
    std::chrono::milliseconds paced_delay{0};
    /// The current hop may have started at paced_host, and the worker has not said when yet.
    bool unconfirmed = false;
    /// Recursive crawls: depth, found_on, and how the job is fetched (wire::crawl_context).
    wire::crawl_context crawl;
    /// Recursive crawls: the directory its seed lies in (--no-parent), inherited by its links.
    std::string scope_prefix;
    std::uint32_t redirect_hops = 0; ///< recursive crawls: redirects in a row that led here
    /// Recursive crawls: an input URL, or where its redirects led: a redirect from here goes
    /// wherever it points, and its target's host becomes the scope of what follows.
    bool seed_chain = false;
    std::uint32_t sitemap_level = 0; ///< sitemap jobs: 0 named by robots.txt (or /sitemap.xml), 1 by an index
    bool counted = false; ///< its first fetch was counted (--max-pages, --max-per-host)
    /// A shared crawl's job: no request may be written after this (its host's lease).
    std::optional<clock::time_point> send_by;
};

/// A paced job's request for a turn at a host (a redirect hop): who asked, and the host's delay.
struct turn_request {
    unsigned worker = 0;
    std::uint64_t id = 0; ///< the job's seq (robots: its id)
    std::chrono::milliseconds delay{0};
};

class scheduler {
public:
    /// `credits`: jobs a worker may hold at once; `concurrency`: jobs it runs at once (the rest
    /// wait in its queue); `per_host`: 0 = unlimited.
    scheduler(unsigned workers, unsigned credits, unsigned concurrency, unsigned per_host);

    /// Queues a URL at the back of its host's queue.
    void add(pending_url url);
    /// Takes back a URL whose worker died. A URL with crashes > 0 is a suspect: it runs alone on
    /// a worker drained for it (quarantined), so that a second death names the culprit and
    /// spares the URLs that merely shared its worker.
    void requeue(pending_url url);
    /// A retry: the URL waits (holding no worker) until `when`, then goes to the front of its
    /// host's queue.
    void add_later(pending_url url, clock::time_point when);
    /// No request to the host starts before `until` (a 429 or 503 asked us to back off).
    void hold_host(const std::string& host_key, clock::time_point until);
    /// Removes and returns every URL of the host that is queued or waiting to retry.
    std::vector<pending_url> drop_host(const std::string& host_key);

    struct assignment {
        pending_url url;
        unsigned worker;
    };
    /// The next URL that may start at `now` and the worker to run it, or nullopt.
    std::optional<assignment> next(clock::time_point now);
    /// When next() may have something that it has not now: the earliest paced host or
    /// waiting retry. nullopt when nothing waits for time.
    [[nodiscard]] std::optional<clock::time_point> next_wakeup() const;

    /// A worker finished a URL of `host_key`.
    void completed(unsigned worker, const std::string& host_key, clock::time_point now);
    /// An assignment next() made is taken back before it reached its worker (the coordinator's
    /// fencing): the worker's load and the host's slot are freed, and no request started.
    void withdraw(unsigned worker, const std::string& host_key, clock::time_point now);
    /// A worker died: its jobs are requeued by the caller one by one via requeue(); its load
    /// and host slots are released here for each of them.
    void released(unsigned worker, const std::string& host_key, clock::time_point now)
    {
        completed(worker, host_key, now);
    }

    // ---- pacing from the actual send (docs/design.md, "Politeness") ------------------------
    // A paced start (a dispatch, or a turn granted) leaves its host unconfirmed: nothing else
    // starts there until the worker says when the request was written (or that it was not).

    /// The request allowed to start at `host_key` was written at `sent`: the next may start
    /// `delay` after it.
    void confirm_sent(const std::string& host_key, clock::time_point sent, std::chrono::milliseconds delay,
                      clock::time_point now);
    /// A redirect hop of a paced job waits to start at `host_key`; its turn comes before the
    /// host's queued URLs (the job already holds a worker).
    void request_turn(const std::string& host_key, turn_request request);
    struct granted_turn {
        turn_request request;
        std::string host_key;
    };
    /// The next turn that may be granted at `now` (its host is then unconfirmed), or nullopt.
    std::optional<granted_turn> next_turn(clock::time_point now);
    /// Forgets the turns `worker` asked for (it died).
    void drop_turns(unsigned worker);

    /// Marks a worker slot as able (or not, while it is being replaced) to take jobs.
    void set_available(unsigned worker, bool available);

    /// True while the worker runs a suspect alone.
    [[nodiscard]] bool quarantined(unsigned worker) const { return workers_[worker].quarantined; }

    /// URLs not yet assigned: queued, suspects and waiting retries.
    [[nodiscard]] std::size_t queued() const noexcept { return queued_; }
    [[nodiscard]] std::size_t in_flight() const noexcept { return in_flight_; }
    [[nodiscard]] unsigned load(unsigned worker) const { return workers_[worker].load; }

private:
    struct host_state {
        std::deque<pending_url> queue;
        unsigned in_flight = 0;
        int last_worker = -1;
        clock::time_point next_start{}; ///< no request starts before this
        std::deque<turn_request> turns; ///< redirect hops waiting to start here
        bool unconfirmed = false;       ///< a paced request may have started: its send time is not known yet
        bool ready = false;             ///< listed in ready_
        bool timed = false;             ///< listed in timed_
    };
    struct worker_state {
        unsigned load = 0;
        bool available = true;
        bool quarantined = false;
    };
    /// An entry of a min-heap on `when`; `order` keeps equal times first-in first-out.
    template <class T>
    struct timed_entry {
        clock::time_point when;
        std::uint64_t order;
        T item;
    };
    struct later {
        template <class T>
        bool operator()(const timed_entry<T>& a, const timed_entry<T>& b) const noexcept
        {
            return a.when != b.when ? a.when > b.when : a.order > b.order;
        }
    };

    [[nodiscard]] bool has_work_and_room(const host_state& h) const noexcept
    {
        return !h.queue.empty() && h.turns.empty() && !h.unconfirmed && (per_host_ == 0 || h.in_flight < per_host_);
    }
    void mark_ready(const std::string& key, host_state& h);
    void time_host(const std::string& key, host_state& h);
    void forget_if_idle(std::unordered_map<std::string, host_state>::iterator it, clock::time_point now);
    void release_due(clock::time_point now);
    [[nodiscard]] std::optional<unsigned> pick_worker(const host_state& h, bool paced) const;
    [[nodiscard]] std::optional<assignment> next_suspect(clock::time_point now);
    void start(unsigned worker, const pending_url& url, clock::time_point now);

    std::vector<worker_state> workers_;
    unsigned credits_;
    unsigned concurrency_;
    unsigned per_host_;
    std::unordered_map<std::string, host_state> hosts_;
    std::deque<std::string> ready_; ///< hosts with queued URLs and a free slot, round robin
    std::vector<std::string> turn_hosts_; ///< hosts with turns waiting (few: one per paced redirect in flight)
    std::vector<timed_entry<std::string>> timed_; ///< heap: hosts paced until `when`
    std::vector<timed_entry<pending_url>> waiting_; ///< heap: retries due at `when`
    std::uint64_t order_ = 0;
    std::deque<pending_url> suspects_; ///< URLs that were in a worker that died
    int draining_ = -1;                ///< worker kept free of new jobs for the next suspect
    std::size_t queued_ = 0;
    std::size_t in_flight_ = 0;
};

} // namespace crawl::supervisor
