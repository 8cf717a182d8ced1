// The supervisor process: forks the workers, then runs one event loop that feeds the
// coordinator (coordinator.hpp, every decision) from the real world: input lines, the
// workers' frames and exits (process_pool), timers, signals. It writes what the coordinator
// records, and the summary at the end.

#include "crawl/supervisor/options.hpp"
#include "crawl/util/write_all.hpp"
#include "crawl/warc/writer.hpp"

#include "coordinator.hpp"
#include "frontier_store.hpp"
#include "descriptor_limit.hpp"
#include "input.hpp"
#include "output_file.hpp"
#include "process_pool.hpp"
#include "redis_frontier.hpp"
#include "spawn.hpp"
#include "summary.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <random>

namespace crawl::supervisor {

namespace net = boost::asio;

namespace {

constexpr auto nothrow = net::as_tuple(net::use_awaitable);
/// Records gathered while reading input are written once this many bytes wait.
constexpr std::size_t output_batch = 64 * 1024;

/// This process's peak RSS. ru_maxrss survives execve, so it would report the peak of whatever
/// forked us (a Python benchmark driver, say); VmHWM belongs to our own address space.
long own_peak_rss_kb(long fallback_kb)
{
    std::FILE* f = std::fopen("/proc/self/status", "re");
    if (f == nullptr) {
        return fallback_kb;
    }
    char line[256];
    long kb = fallback_kb;
    while (std::fgets(line, sizeof line, f) != nullptr) {
        if (std::sscanf(line, "VmHWM: %ld kB", &kb) == 1) {
            break;
        }
    }
    std::fclose(f);
    return kb;
}

class supervisor_loop final : public pool_events {
public:
    supervisor_loop(net::io_context& ioc, const options& opts, unique_fd input, output_file out,
                    std::vector<spawned_worker> workers, frontier_store* links)
        : ioc_(ioc), opts_(opts), out_(std::move(out)), frontier_(links), input_(ioc.get_executor(), std::move(input)),
          pool_(ioc, opts.worker, std::move(workers)), shared_(open_shared()), coordinator_(opts, pool_, environment()),
          signals_(ioc, SIGINT, SIGTERM), input_wake_(ioc, net::steady_timer::time_point::max()),
          wake_timer_(ioc), deadline_timer_(ioc), progress_timer_(ioc)
    {
    }

    int run()
    {
        start_ = clock::now();
        pool_.start(*this);
        if (shared_) {
            shared_->start();
        }
        wait_for_signal();
        if (opts_.max_time) {
            deadline_timer_.expires_at(start_ + *opts_.max_time);
            deadline_timer_.async_wait([this](const boost::system::error_code& ec) {
                if (!ec) {
                    coordinator_.out_of_time();
                    settle();
                }
            });
        }
        net::co_spawn(ioc_, feed_input(), [](const std::exception_ptr& e) {
            if (e) {
                std::rethrow_exception(e);
            }
        });
        if (show_progress()) {
            net::co_spawn(ioc_, report_progress(), net::detached);
        }
        ioc_.run();
        flush_output();
        leave_shared();
        return finish_report();
    }

    [[nodiscard]] bool completed() const noexcept { return coordinator_.completed(); }

    // ---- pool_events: each goes to the coordinator, then the world catches up --------------

    void worker_ready(unsigned worker) override
    {
        coordinator_.worker_ready(worker);
        settle_soon();
    }
    void page_result(unsigned worker, const wire::result_view& result) override
    {
        coordinator_.page_result(worker, result);
        settle_soon();
    }
    void robots_result(unsigned worker, wire::robots_result& result) override
    {
        coordinator_.robots_result(worker, result);
        settle_soon();
    }
    void worker_failed(unsigned worker, const wire::worker_failed& failure) override
    {
        coordinator_.worker_failed(worker, failure);
        settle_soon();
    }
    void turn_asked(unsigned worker, const wire::turn& turn) override
    {
        coordinator_.turn_asked(worker, turn);
        settle_soon();
    }
    void request_sent(unsigned worker, const wire::sent& sent) override
    {
        coordinator_.request_sent(worker, sent);
        settle_soon();
    }
    void job_unsent(unsigned worker, const wire::unsent& unsent) override
    {
        coordinator_.job_unsent(worker, unsent);
        settle_soon();
    }
    void protocol_error(unsigned worker, std::string_view what) override
    {
        coordinator_.protocol_error(worker, what);
        settle_soon();
    }
    void worker_exited(unsigned worker, const worker_exit& exit) override
    {
        coordinator_.worker_exited(worker, exit);
        settle_soon();
    }

private:
    coordinator::environment environment()
    {
        coordinator::environment env;
        env.now = [] { return clock::now(); };
        env.warn = [](std::string_view line) {
            std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
        };
        env.seed = std::random_device{}();
        env.done = std::move(out_.done);
        env.torn_bytes = out_.torn_bytes;
        env.output_is_new = out_.is_new;
        env.frontier = frontier_;
        env.shared = shared_.get();
        if (frontier_ != nullptr) {
            frontier_->skip_recorded(out_.done_discovered);
            out_.done_discovered = {};
        }
        return env;
    }

    /// --frontier redis://: the shared frontier, fed into the local one as its slots deliver.
    std::unique_ptr<redis_frontier> open_shared()
    {
        const auto& c = opts_.crawl;
        if (!c.shared) {
            return nullptr;
        }
        redis_frontier::handlers h;
        h.delivered = [this](std::vector<frontier_entry> batch) {
            for (auto& e : batch) {
                (void)frontier_->claim(e.fingerprint); // (claimed already when this process published it)
                frontier_->add(e);
            }
            coordinator_.tick();
            settle_soon();
        };
        h.changed = [this] {
            coordinator_.tick();
            settle_soon();
        };
        h.failed = [this](std::string_view why) {
            coordinator_.shared_failed(why);
            settle_soon();
        };
        h.backlog = [this] { return frontier_->waiting() + coordinator_.waiting(); };
        h.robots_known = [this](const std::string& origin, std::optional<wire::robots_result> answer) {
            coordinator_.robots_shared(origin, std::move(answer));
            settle_soon();
        };
        redis_frontier::settings s;
        s.lease = c.lease;
        s.handover = opts_.delay;
        s.by_domain = c.scope.mode == frontier::scope_mode::domain;
        s.robots_agent = opts_.worker.robots_agent;
        return std::make_unique<redis_frontier>(ioc_.get_executor(), *c.shared, s, std::move(h));
    }

    /// The run is over: what is recorded is acknowledged and the leases go back, so that other
    /// processes take the hosts over at once. A server that does not answer within a few
    /// seconds leaves the leases to expire.
    void leave_shared()
    {
        if (!shared_) {
            return;
        }
        shared_->leave();
        ioc_.restart();
        const auto until = clock::now() + std::chrono::seconds(3);
        while (!shared_->settled() && clock::now() < until) {
            ioc_.run_one_for(std::chrono::milliseconds(100));
        }
    }

    bool show_progress() const
    {
        return opts_.progress.value_or(!opts_.quiet && ::isatty(STDERR_FILENO) != 0);
    }

    /// After a batch of events (the frames of one read, say), once: write the records, and
    /// let input, timers and the end of the run follow what the coordinator now wants.
    void settle_soon()
    {
        if (!settle_posted_) {
            settle_posted_ = true;
            net::post(ioc_, [this] { settle(); });
        }
    }

    void settle()
    {
        settle_posted_ = false;
        flush_output();
        if (coordinator_.done()) {
            ioc_.stop();
            return;
        }
        arm_wake();
        if (coordinator_.wants_input()) {
            input_wake_.cancel();
        }
    }

    /// One timer for everything that waits for time (paced hosts, retries, held hosts): it
    /// wakes the coordinator at the earliest of them.
    void arm_wake()
    {
        const auto when = coordinator_.next_wakeup();
        if (!when || (wake_armed_ && *when >= wake_at_)) {
            return;
        }
        wake_armed_ = true;
        wake_at_ = *when;
        wake_timer_.expires_at(*when);
        wake_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (ec) {
                return; // re-armed earlier
            }
            wake_armed_ = false;
            coordinator_.tick();
            settle();
        });
    }

    net::awaitable<void> feed_input()
    {
        for (;;) {
            while (!coordinator_.wants_input()) {
                co_await input_wake_.async_wait(nothrow);
            }
            auto line = co_await input_.next();
            if (!line) {
                break;
            }
            if (!coordinator_.running()) {
                co_return; // stopping: this line stays unrecorded, for a resume to take
            }
            coordinator_.take_line(line->number, line->text, line->too_long);
            if (coordinator_.output().size() >= output_batch) {
                flush_output();
            }
        }
        coordinator_.input_ended();
        settle();
    }

    void flush_output()
    {
        auto& records = coordinator_.output();
        if (records.empty()) {
            return;
        }
        if (frontier_ != nullptr) {
            frontier_->commit(); // the links of the pages recorded here are on disk first
        }
        const int error = write_all(out_.fd, records);
        records.clear();
        if (error != 0) {
            coordinator_.output_failed(error);
        } else if (shared_) {
            shared_->acknowledge(); // only what is written is done
        }
    }

    void wait_for_signal()
    {
        signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
            if (ec) {
                return;
            }
            if (coordinator_.interrupted(sig) == coordinator::signal_action::exit_now) {
                flush_output();
                ::_exit(128 + sig);
            }
            settle();
            wait_for_signal();
        });
    }

    net::awaitable<void> report_progress()
    {
        for (;;) {
            progress_timer_.expires_after(std::chrono::milliseconds(500));
            auto [ec] = co_await progress_timer_.async_wait(nothrow);
            if (ec) {
                co_return;
            }
            const auto& stats = coordinator_.stats();
            const double secs = std::chrono::duration<double>(clock::now() - start_).count();
            std::fprintf(stderr, "\r\033[Kcrawl: %llu done, %.1f/s, %llu failed, %zu in flight, %zu queued",
                         static_cast<unsigned long long>(stats.urls),
                         secs > 0 ? static_cast<double>(stats.urls) / secs : 0.0,
                         static_cast<unsigned long long>(stats.failed()), coordinator_.in_flight(),
                         coordinator_.waiting());
            progress_shown_ = true;
        }
    }

    int finish_report()
    {
        run_stats stats = coordinator_.final_stats();
        if (shared_) {
            // (The coordinator counts seeds, unsent jobs and robots.txt answers taken.)
            const auto counted_here = stats.shared;
            stats.shared = shared_->counts();
            stats.shared.seeds = counted_here.seeds;
            stats.shared.unsent = counted_here.unsent;
            stats.shared.robots_shared = counted_here.robots_shared;
        }
        stats.wall_seconds = std::chrono::duration<double>(clock::now() - start_).count();
        struct rusage usage {};
        if (::getrusage(RUSAGE_SELF, &usage) == 0) {
            stats.supervisor_peak_rss_kb = own_peak_rss_kb(usage.ru_maxrss);
            stats.supervisor_user_seconds = cpu_seconds(usage.ru_utime);
            stats.supervisor_sys_seconds = cpu_seconds(usage.ru_stime);
        }
        if (progress_shown_) {
            std::fputs("\r\033[K", stderr);
        }
        if (!opts_.quiet) {
            std::fputs(format_summary(stats).c_str(), stderr);
        }
        if (!opts_.stats_file.empty()) {
            try {
                write_file_atomically(opts_.stats_file, format_stats_json(stats));
            } catch (const std::exception& e) {
                std::fprintf(stderr, "crawl: error: writing --stats: %s\n", e.what());
                return exit_some_failed;
            }
        }
        return coordinator_.exit_status();
    }

    net::io_context& ioc_;
    const options& opts_;
    output_file out_;
    frontier_store* frontier_;
    input_lines input_;
    process_pool pool_;
    std::unique_ptr<redis_frontier> shared_;
    coordinator coordinator_;
    net::signal_set signals_;
    net::steady_timer input_wake_;
    net::steady_timer wake_timer_;
    net::steady_timer deadline_timer_;
    net::steady_timer progress_timer_;
    clock::time_point start_;
    clock::time_point wake_at_;
    bool wake_armed_ = false;
    bool settle_posted_ = false;
    bool progress_shown_ = false;
};

void report_limits(const options& opts, const descriptor_limit& fds)
{
    std::fprintf(stderr, "crawl: descriptor limit (RLIMIT_NOFILE): %llu, raised from %llu (hard limit %llu)\n",
                 static_cast<unsigned long long>(fds.after), static_cast<unsigned long long>(fds.before),
                 static_cast<unsigned long long>(fds.hard));
    const auto& w = opts.worker;
    std::fprintf(stderr,
                 "crawl: %u workers, %u requests in flight each, %u per host; per response at most %u header "
                 "bytes, %u header fields, %llu decoded body bytes, %d redirects\n",
                 opts.workers, w.concurrency, opts.per_host, w.fetch.max_header_bytes, w.fetch.max_header_fields,
                 static_cast<unsigned long long>(w.fetch.max_body), w.fetch.max_redirects);
}

/// Where a recursive crawl's frontier lives: FILE.frontier beside the output (what --resume
/// continues from), or, for records on stdout, a directory of its own under $TMPDIR that goes
/// when the run ends.
struct frontier_place {
    explicit frontier_place(const std::string& output)
    {
        if (!output.empty()) {
            path = output + ".frontier";
            return;
        }
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/crawl-frontier-XXXXXX";
        if (::mkdtemp(pattern.data()) != nullptr) {
            temporary_dir = pattern;
            path = pattern + "/frontier";
        } else {
            path = ":memory:";
        }
    }
    frontier_place(const frontier_place&) = delete;
    frontier_place& operator=(const frontier_place&) = delete;
    ~frontier_place()
    {
        if (temporary_dir.empty()) {
            return;
        }
        remove();
        ::rmdir(temporary_dir.c_str());
    }

    void remove() const
    {
        for (const char* suffix : {"", "-wal", "-shm"}) {
            ::unlink((path + suffix).c_str());
        }
    }

    std::string path;
    std::string temporary_dir;
};

} // namespace

int run(const options& opts)
{
    unique_fd input;
    try {
        input = open_input(opts.input);
    } catch (const std::system_error& e) {
        std::fprintf(stderr, "crawl: error: %s\n", e.what());
        return exit_usage;
    }
    // Before the output is opened (and truncated): a run refused for its WARC prefix changes
    // nothing.
    if (const auto& warc = opts.worker.warc) {
        if (const auto refusal = warc::check_prefix(warc->prefix, opts.resume)) {
            std::fprintf(stderr, "crawl: error: %s\n", refusal->c_str());
            return exit_usage;
        }
    }
    auto opened = open_output(opts, input.get());
    if (auto* refusal = std::get_if<std::string>(&opened)) {
        std::fprintf(stderr, "crawl: error: %s\n", refusal->c_str());
        return exit_usage;
    }
    // A closed reader of our output shows up as EPIPE from write(), handled as a stop.
    ::signal(SIGPIPE, SIG_IGN);

    // Every connection is a descriptor: take all the kernel allows before forking (the workers
    // inherit it). Running out anyway only slows fetches down (fetch::client waits for one).
    const descriptor_limit fds = raise_descriptor_limit();
    if (opts.verbose) {
        report_limits(opts, fds);
    }

    // Fork first: the workers start from a process that has no io_context, no threads and
    // no Asio descriptors yet.
    std::vector<spawned_worker> workers;
    workers.reserve(opts.workers);
    for (unsigned i = 0; i < opts.workers; ++i) {
        workers.push_back(spawn_worker(i, opts.worker));
    }

    // After the fork: the workers never hold the frontier's files.
    std::optional<frontier_place> place;
    std::optional<frontier_store> links;
    if (opts.crawl.depth > 0) {
        place.emplace(opts.output);
        auto f = frontier_store::open(place->path, {.fresh = !opts.resume || std::get<output_file>(opened).is_new,
                                                    .lowering = opts.crawl.sitemaps});
        if (auto* error = std::get_if<std::string>(&f)) {
            std::fprintf(stderr, "crawl: error: the frontier %s\n", error->c_str());
            return exit_some_failed;
        }
        links.emplace(std::move(std::get<frontier_store>(f)));
    }

    net::io_context ioc{1};
    supervisor_loop loop(ioc, opts, std::move(input), std::move(std::get<output_file>(opened)), std::move(workers),
                         links ? &*links : nullptr);
    const int status = loop.run();
    if (place && loop.completed()) {
        // Nothing is left to resume: the frontier goes (the output says what was crawled).
        links.reset();
        place->remove();
    }
    return status;
}

} // namespace crawl::supervisor
