#pragma once
// Every decision of a crawl, and none of its I/O. The coordinator takes events (input lines,
// the workers' hellos, results, robots.txt answers and exits, the passing of time, signals,
// the time budget, a broken output) and answers with jobs and stop requests to a worker_pool,
// records in an output buffer, and the wish to be woken at a given time. supervisor.cpp feeds
// it from the real world (pipes, timers, signals); tests feed it from a script, with a fake
// pool and a fake clock, so every decision can be checked without a process.
//
// Per URL it decides: resume skipping, deduplication, robots.txt admission, which worker and
// when (the scheduler: per-host limits, pacing, credits), retries and host pauses, hosts given
// up, what a worker's death does to the URLs it held. Per run: when the input may be read
// further, and when and how the run stops. Its phases:
//
//   running    takes input lines, dispatches, records
//   finishing  every URL has its record: the workers' input is ended and they exit
//   draining   --max-time passed: nothing new starts, what runs is recorded, the workers exit
//   stopping   a signal, a broken output, an archive that cannot be written or a fatal error:
//              the workers drop what they hold, send what they finished and exit
//
// running may go to any other phase; finishing and draining may still go to stopping. The run
// is over when every worker has exited (done()).

#include "crawl/supervisor/options.hpp"
#include "crawl/util/fingerprint_set.hpp"
#include "frontier_store.hpp"
#include "host_health.hpp"
#include "origin_table.hpp"
#include "resume.hpp"
#include "retry_policy.hpp"
#include "scheduler.hpp"
#include "shared_frontier.hpp"
#include "summary.hpp"
#include "worker_pool.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace crawl::supervisor {

class coordinator final : public pool_events {
public:
    /// What the coordinator needs from the world besides the options and the pool.
    struct environment {
        std::function<clock::time_point()> now;      ///< the time (tests: a fake clock)
        std::function<void(std::string_view)> warn;  ///< one diagnostic line, for stderr
        std::uint64_t seed = 0;                      ///< the retry jitter's random source
        done_lines done;                             ///< --resume: lines an earlier run recorded
        std::uint64_t torn_bytes = 0;                ///< --resume: what was cut off the output
        bool output_is_new = true;                   ///< no records yet: a CSV output needs its header
        /// Recursive crawls (--depth above 0): where discovered URLs wait; null otherwise.
        frontier_store* frontier = nullptr;
        /// --frontier redis://: what this process shares with the others of the crawl; the
        /// `frontier` above then holds only what was delivered to this process. Null otherwise.
        shared_frontier* shared = nullptr;
    };

    /// The workers start unavailable: each takes jobs once it has said hello.
    coordinator(const options& opts, worker_pool& pool, environment env);

    // ---- events from the driver ----------------------------------------------------------

    /// One input line (1-based `number`; `text` untrimmed, without its newline). `too_long`:
    /// the line was longer than the input reader keeps.
    void take_line(std::uint64_t number, std::string_view text, bool too_long);
    /// The input has no more lines.
    void input_ended();
    /// A time that next_wakeup() named has come: paced hosts and retries may go.
    void tick();

    enum class signal_action : std::uint8_t {
        stop,     ///< the stop has begun: workers send what is finished and exit
        exit_now, ///< a second signal: the driver writes what it has and exits 128 + signal
    };
    signal_action interrupted(int signal);
    /// --max-time has passed: nothing new starts; what runs is finished and recorded.
    void out_of_time();
    /// Writing the records failed with `error` (an errno value): the run stops; EPIPE (the
    /// reader went away) is not worth a message.
    void output_failed(int error);
    /// The shared frontier failed (its server went away): the run stops as for an error.
    void shared_failed(std::string_view why);
    /// The shared frontier's answer to ask_robots: `origin`'s robots.txt as another process
    /// (or this one, earlier) had it, or nothing, and then it is fetched here.
    void robots_shared(const std::string& origin, std::optional<wire::robots_result> answer);

    // ---- pool_events ---------------------------------------------------------------------

    void worker_ready(unsigned worker) override;
    void page_result(unsigned worker, const wire::result_view& result) override;
    void robots_result(unsigned worker, wire::robots_result& result) override;
    void worker_failed(unsigned worker, const wire::worker_failed& failure) override;
    void turn_asked(unsigned worker, const wire::turn& turn) override;
    void request_sent(unsigned worker, const wire::sent& sent) override;
    void job_unsent(unsigned worker, const wire::unsent& unsent) override;
    void protocol_error(unsigned worker, std::string_view what) override;
    void worker_exited(unsigned worker, const worker_exit& exit) override;

    // ---- what the driver reads -----------------------------------------------------------

    /// True until the run finishes or stops: input lines are still taken.
    [[nodiscard]] bool running() const noexcept { return phase_ == phase::running; }
    /// True while another input line is welcome: the run goes on and fewer URLs than the
    /// window wait for a worker.
    [[nodiscard]] bool wants_input() const noexcept;
    /// When tick() is next due, or nullopt when nothing waits for time.
    [[nodiscard]] std::optional<clock::time_point> next_wakeup() const { return sched_.next_wakeup(); }
    /// Every worker has exited: the run is over.
    [[nodiscard]] bool done() const noexcept;
    /// The run finished with nothing left for a --resume to do: every URL it took has its
    /// record (no signal, no --max-time, no error cut it short).
    [[nodiscard]] bool completed() const noexcept { return phase_ == phase::finishing && undone_ == 0 && !fatal_; }
    /// Records not yet written, whole lines only; the driver writes and clears it.
    [[nodiscard]] std::string& output() noexcept { return out_; }

    /// For the progress line.
    [[nodiscard]] const run_stats& stats() const noexcept { return stats_; }
    [[nodiscard]] std::size_t in_flight() const noexcept { return sched_.in_flight(); }
    /// URLs taken from the input that have no record yet and are not in flight.
    [[nodiscard]] std::size_t waiting() const noexcept { return sched_.queued() + origins_.parked(); }

    /// The totals once the run is over (the driver adds time and the supervisor's usage).
    [[nodiscard]] run_stats final_stats() const;
    /// The process exit status (docs/crawl.1, EXIT STATUS).
    [[nodiscard]] int exit_status() const noexcept;

private:
    enum class phase : std::uint8_t { running, finishing, draining, stopping };

    struct worker_slot {
        std::unordered_map<std::uint64_t, pending_url> in_flight; ///< by seq (robots: by id)
        bool ending = false; ///< we ended its input (finish, drain, shut down): its exit is expected
        bool killed = false; ///< it broke the protocol: nothing more is taken from it
        bool exited = false; ///< gone, and not replaced
    };

    // input (coordinator_input.cpp)
    void admit_line(std::uint64_t number, std::string_view raw, bool too_long);
    [[nodiscard]] bool owns(const url::target* target) const;
    void enqueue(pending_url url);
    void admit(pending_url url);
    void decide(const robots_answer& a, pending_url url, std::string_view path);
    void settle_origin(const std::string& origin, wire::robots_result* answer, std::optional<failure> refusal);
    void settle_answered(const std::string& origin, wire::robots_result& answer);

    // dispatch and results
    void after_event();
    void dispatch();
    void maybe_finish();
    [[nodiscard]] std::optional<pending_url> take_in_flight(unsigned worker, std::uint64_t seq, job_kind kind);
    [[nodiscard]] bool would_retry(const pending_url& job, error_class error, unsigned status) const;
    bool schedule_retry(pending_url& job, error_class error, unsigned status, std::uint32_t retry_after_ms);
    void pause_host_if_asked(const pending_url& job, unsigned status, std::uint32_t retry_after_ms);
    void note_host(const std::string& host_key, error_class error, unsigned status);
    void give_up_host(const std::string& host_key);
    bool refused_as_given_up(const pending_url& url);
    void emit_own(const pending_url& url, const failure& f);
    void emit_own(std::uint64_t seq, std::string_view url, const failure& f, const wire::crawl_context& crawl = {});
    void emit_duplicate(std::uint64_t seq, std::string_view url, std::uint64_t first);
    void append_record(std::string_view line);

    // pacing from the actual send (coordinator_pacing.cpp)
    void pace(pending_url& job);
    void grant_turns(clock::time_point now);
    void release_pacing(pending_url& job, clock::time_point now);
    [[nodiscard]] std::chrono::milliseconds delay_of(const std::string& scheme, const std::string& host_key);
    [[nodiscard]] pending_url* held_job(unsigned worker, std::uint64_t id);

    // the recursive crawl (coordinator_crawl.cpp)
    [[nodiscard]] bool recursive() const noexcept;
    [[nodiscard]] std::uint64_t next_discovered_id() noexcept;
    [[nodiscard]] wire::crawl_context seed_context() const;
    void seed_admitted(pending_url& url);
    void take_links(const pending_url& page, const wire::result_view& result);
    void take_seed_redirect(const wire::result_view& result, frontier_entry& e);
    void discover(url::target target, frontier_entry& e);
    [[nodiscard]] bool in_scope(const url::target& link, const pending_url& page) const;
    void draw_from_frontier();
    void draw_level(std::uint32_t depth);
    [[nodiscard]] bool open_below(std::uint32_t depth) const;
    void open_page(const pending_url& url);
    void close_page(const pending_url& url);
    void page_recorded(const pending_url& url);
    void admit_discovered(frontier_entry e);
    void publish_seed(url::target target);
    [[nodiscard]] bool fence_to_lease(pending_url& job);
    void robots_out(const pending_url& job, bool out);
    void let_go(const pending_url& url);
    void count_fetch(pending_url& job);
    void settle_loaded(const std::string& host_key);
    [[nodiscard]] static bool from_frontier(const pending_url& url) noexcept;

    // --sitemaps (coordinator_sitemaps.cpp)
    void note_sitemap_seed(const pending_url& seed);
    void sitemaps_named(const std::string& origin, const std::vector<std::string>& named);
    void queue_sitemaps(const std::string& origin, const std::vector<std::string>& named);
    void queue_sitemap(std::string_view url, const std::string& origin, std::uint32_t level, std::string found_on);
    void take_sitemap(const pending_url& job, const wire::result_view& result);

    // workers and stopping
    void redispatch_after_crash(unsigned worker, const worker_exit& exit);
    void begin_stop();

    const options& opts_;
    worker_pool& pool_;
    environment env_;
    scheduler sched_;
    std::size_t window_;
    std::vector<worker_slot> slots_;
    origin_table origins_; ///< robots.txt per origin, within --robots-cache
    /// A shared crawl's robots.txt jobs held back while the shared frontier is asked whether
    /// another process has the answer, by origin.
    std::unordered_map<std::string, pending_url> robots_asked_;
    std::uint64_t next_robots_id_ = 0;
    bool crawl_delay_seen_ = false; ///< some origin's robots.txt asked for a Crawl-delay
    host_health hosts_;
    fingerprint_set fingerprints_;
    retry_policy retry_;
    run_stats stats_;
    std::string out_;
    phase phase_ = phase::running;
    bool input_done_ = false;
    // Why the run stopped early, when it did (the exit status tells them apart).
    int stop_signal_ = 0;
    bool output_broken_ = false;
    bool archive_failed_ = false; ///< a worker could not write its WARC files
    bool fatal_ = false;
    bool out_of_time_ = false; ///< --max-time passed before the run finished
    unsigned crashes_without_progress_ = 0;
    std::size_t undone_ = 0; ///< URLs taken from the input that this run leaves without a record
    // The recursive crawl's counts: page fetches started (each URL once, retries not counted),
    // per host, and the frontier's URLs held here (queued or waiting for robots.txt), per host.
    frontier::scope scope_; ///< --scope, the regexes and --no-parent, compiled
    /// --sitemaps: the first input URL of each origin, whose scope its sitemaps' pages share.
    struct sitemap_seed {
        url::target target;
        std::string prefix; ///< --no-parent
        bool queued = false; ///< its sitemaps are asked for
    };
    std::unordered_map<std::string, sitemap_seed> sitemap_seeds_;
    std::uint64_t fetches_ = 0;
    std::unordered_map<std::string, std::uint64_t> host_fetches_;
    std::unordered_map<std::string, std::uint64_t> loaded_;
    std::uint64_t loaded_total_ = 0;
    std::vector<std::uint64_t> open_at_depth_; ///< pages admitted and not yet recorded, by depth
    std::uint64_t next_discovered_id_ = 0;
};

} // namespace crawl::supervisor
