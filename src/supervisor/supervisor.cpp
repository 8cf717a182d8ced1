// The supervisor: forks the workers, feeds them URLs under per-host limits and credits, merges
// their records into one output, replaces workers that die, and stops cleanly on signals.

#include "crawl/supervisor/options.hpp"

#include "crawl/record/record.hpp"
#include "crawl/url/url.hpp"
#include "crawl/util/text.hpp"
#include "crawl/wire/frame.hpp"
#include "descriptor_limit.hpp"
#include "input.hpp"
#include "scheduler.hpp"
#include "spawn.hpp"
#include "summary.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <unordered_map>

namespace crawl::supervisor {

namespace net = boost::asio;
using clock = std::chrono::steady_clock;

namespace {

constexpr auto nothrow = net::as_tuple(net::use_awaitable);
constexpr int exit_ok = 0;
constexpr int exit_some_failed = 1;
constexpr int exit_usage = 2;

/// Jobs a worker may hold beyond its concurrency, so it never waits for the next URL.
unsigned credits_for(unsigned concurrency)
{
    return concurrency + std::max(4u, concurrency / 4);
}

void write_all(int fd, std::string_view data)
{
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw std::system_error(errno, std::generic_category(), "writing output");
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

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

struct worker_slot {
    unsigned id = 0;
    pid_t pid = -1;
    unsigned generation = 0;
    std::optional<net::posix::stream_descriptor> jobs;
    std::optional<net::posix::stream_descriptor> results;
    std::string outbox; ///< job frames not yet handed to the pipe
    bool writing = false;
    bool closing = false; ///< we ended its input: its exit is expected
    bool exited = false;
    std::unordered_map<std::uint64_t, pending_url> in_flight;
};

class supervisor_loop {
public:
    supervisor_loop(net::io_context& ioc, const options& opts, unique_fd input, int out_fd,
                    std::vector<spawned_worker> initial)
        : ioc_(ioc), opts_(opts), out_fd_(out_fd), input_(ioc.get_executor(), std::move(input)),
          sched_(opts.workers, credits_for(opts.worker.concurrency), opts.per_host),
          window_(std::max<std::size_t>(1024, 4ull * opts.workers * credits_for(opts.worker.concurrency))),
          signals_(ioc, SIGINT, SIGTERM), input_wake_(ioc, net::steady_timer::time_point::max()),
          progress_timer_(ioc), slots_(opts.workers)
    {
        stats_.workers = opts.workers;
        stats_.per_worker.assign(opts.workers, 0);
        for (unsigned i = 0; i < opts.workers; ++i) {
            slots_[i].id = i;
            attach(slots_[i], std::move(initial[i]));
        }
    }

    int run()
    {
        start_ = clock::now();
        if (opts_.worker.format == record::format::csv) {
            record::append_csv_header(out_buf_);
        }
        wait_for_signal();
        net::co_spawn(ioc_, feed_input(), rethrow);
        if (show_progress()) {
            net::co_spawn(ioc_, report_progress(), net::detached);
        }
        ioc_.run();
        flush_output();
        stats_.wall_seconds = std::chrono::duration<double>(clock::now() - start_).count();
        struct rusage usage {};
        if (::getrusage(RUSAGE_SELF, &usage) == 0) {
            stats_.supervisor_peak_rss_kb = own_peak_rss_kb(usage.ru_maxrss);
            stats_.supervisor_user_seconds = cpu_seconds(usage.ru_utime);
            stats_.supervisor_sys_seconds = cpu_seconds(usage.ru_stime);
        }
        return finish_report();
    }

private:
    static void rethrow(const std::exception_ptr& e)
    {
        if (e) {
            std::rethrow_exception(e);
        }
    }

    bool show_progress() const
    {
        return opts_.progress.value_or(!opts_.quiet && ::isatty(STDERR_FILENO) != 0);
    }

    void attach(worker_slot& slot, spawned_worker w)
    {
        slot.pid = w.pid;
        slot.jobs.emplace(ioc_, w.jobs.release());
        slot.results.emplace(ioc_, w.results.release());
        slot.closing = false;
        slot.exited = false;
        net::co_spawn(ioc_, read_results(slot.id, slot.generation), rethrow);
        sched_.set_available(slot.id, true);
    }

    // ---- input ---------------------------------------------------------------------------

    net::awaitable<void> feed_input()
    {
        for (;;) {
            while (!stopping_ && sched_.queued() >= window_) {
                co_await input_wake_.async_wait(nothrow);
            }
            if (stopping_) {
                break;
            }
            auto line = co_await input_.next();
            if (!line) {
                break;
            }
            take_line(*line);
            dispatch();
            if (out_buf_.size() >= 64 * 1024) {
                flush_output();
            }
        }
        input_done_ = true;
        flush_output();
        maybe_finish();
    }

    void take_line(const input_lines::line& line)
    {
        const auto text = text::trim(line.text);
        if (text.empty() || text.front() == '#') {
            return; // blank lines and comments keep their numbers but yield no record
        }
        if (line.too_long) {
            emit_own(line.number, text,
                     {error_class::invalid_url,
                      "line longer than " + std::to_string(input_lines::max_line) + " bytes"});
            return;
        }
        auto target = url::parse_input(text);
        if (!target) {
            emit_own(line.number, text, target.error());
            return;
        }
        sched_.add(pending_url{line.number, std::string(text), target->host_port(), 0});
    }

    // ---- dispatch ------------------------------------------------------------------------

    void dispatch()
    {
        if (stopping_) {
            return;
        }
        while (auto a = sched_.next()) {
            auto& slot = slots_[a->worker];
            wire::append_frame(wire::job{a->url.seq, a->url.url}, slot.outbox);
            const auto seq = a->url.seq;
            slot.in_flight.emplace(seq, std::move(a->url));
            start_writer(slot);
        }
        if (sched_.queued() < window_) {
            input_wake_.cancel();
        }
    }

    void start_writer(worker_slot& slot)
    {
        if (!slot.writing && !slot.outbox.empty() && slot.jobs) {
            slot.writing = true;
            net::co_spawn(ioc_, write_jobs(slot.id, slot.generation), rethrow);
        }
    }

    net::awaitable<void> write_jobs(unsigned id, unsigned generation)
    {
        auto& slot = slots_[id];
        std::string sending;
        while (!slot.outbox.empty()) {
            sending.clear();
            sending.swap(slot.outbox);
            auto [ec, n] = co_await net::async_write(*slot.jobs, net::buffer(sending), nothrow);
            (void)n;
            if (slot.generation != generation) {
                co_return; // that worker died and was replaced meanwhile
            }
            if (ec) {
                break; // the worker died; its reader sees EOF and handles it
            }
        }
        slot.writing = false;
        if (slot.closing && slot.outbox.empty()) {
            slot.jobs.reset(); // EOF tells the worker to finish and exit
        }
    }

    // ---- results -------------------------------------------------------------------------

    net::awaitable<void> read_results(unsigned id, unsigned generation)
    {
        auto& slot = slots_[id];
        wire::frame_reader reader;
        bool violated = false;
        for (;;) {
            auto space = reader.prepare();
            auto [ec, n] = co_await slot.results->async_read_some(net::buffer(space.data(), space.size()), nothrow);
            if (ec) {
                break;
            }
            reader.commit(n);
            try {
                while (auto frame = reader.next()) {
                    take_frame(slot, *frame);
                }
            } catch (const std::exception& e) {
                std::fprintf(stderr, "crawl: worker %u broke the frame protocol (%s); replacing it\n", id, e.what());
                ::kill(slot.pid, SIGKILL);
                violated = true;
            }
            flush_output();
            if (violated) {
                break;
            }
            dispatch();
            maybe_finish();
        }
        if (slot.generation == generation) {
            worker_exited(slot);
        }
    }

    void take_frame(worker_slot& slot, const wire::frame_view& frame)
    {
        if (frame.type == wire::frame_type::hello) {
            const auto hello = wire::decode_hello(frame.payload);
            if (!hello || hello->version != wire::protocol_version) {
                throw std::runtime_error("bad hello frame");
            }
            return;
        }
        if (frame.type != wire::frame_type::result) {
            throw std::runtime_error("unexpected frame type");
        }
        const auto result = wire::decode_result(frame.payload);
        if (!result) {
            throw std::runtime_error("malformed result frame");
        }
        const auto it = slot.in_flight.find(result->seq);
        if (it == slot.in_flight.end()) {
            throw std::runtime_error("result for a URL it does not hold");
        }
        sched_.completed(slot.id, it->second.host_key);
        slot.in_flight.erase(it);
        out_buf_.append(result->line);
        stats_.add(result->error, result->http_status, result->wire_bytes, result->body_bytes,
                   static_cast<int>(slot.id));
        crashes_without_progress_ = 0;
    }

    /// A record the supervisor answers itself (bad input line, URL that kills workers).
    void emit_own(std::uint64_t seq, std::string_view url, const failure& f)
    {
        record::record r;
        r.seq = seq;
        r.url = std::string(url);
        r.error = f.cls;
        r.error_message = f.message;
        record::append(r, opts_.worker.format, opts_.worker.links, out_buf_);
        stats_.add(f.cls, 0, 0, 0, -1);
        crashes_without_progress_ = 0;
    }

    void flush_output()
    {
        if (out_buf_.empty() || output_broken_) {
            out_buf_.clear();
            return;
        }
        try {
            write_all(out_fd_, out_buf_);
        } catch (const std::system_error& e) {
            output_broken_ = true;
            if (e.code().value() != EPIPE) {
                std::fprintf(stderr, "crawl: error: %s\n", e.what());
            }
            begin_stop(0);
        }
        out_buf_.clear();
    }

    // ---- worker lifecycle ----------------------------------------------------------------

    void worker_exited(worker_slot& slot)
    {
        sched_.set_available(slot.id, false);
        slot.results.reset();
        slot.jobs.reset();
        slot.writing = false;
        slot.outbox.clear();
        ++slot.generation;
        auto reaped = reap(slot.pid);
        stats_.worker_processes.push_back({slot.id, static_cast<int>(slot.pid), reaped.peak_rss_kb,
                                           reaped.user_seconds, reaped.sys_seconds, reaped.how});
        if (slot.closing) {
            if (!reaped.clean) {
                // Every record is in, but a worker that fails on its way out (a crash in
                // teardown, a sanitizer's leak report) is a bug worth saying so, even with -q.
                std::fprintf(stderr, "crawl: worker %u (pid %d) %s after its last record\n", slot.id,
                             static_cast<int>(slot.pid), reaped.how.c_str());
            }
            slot.exited = true;
            slot.in_flight.clear(); // stopped by a signal: unfinished URLs get no record
            if (all_exited()) {
                ioc_.stop();
            }
            return;
        }

        if (!opts_.quiet) {
            std::fprintf(stderr, "crawl: worker %u (pid %d) %s; re-dispatching its %zu URLs\n", slot.id,
                         static_cast<int>(slot.pid), reaped.how.c_str(), slot.in_flight.size());
        }
        // Alone on its worker, a suspect that dies again is the culprit; otherwise every URL the
        // worker held becomes a suspect, to be retried alone.
        const bool alone = sched_.quarantined(slot.id);
        for (auto& [seq, url] : slot.in_flight) {
            sched_.released(slot.id, url.host_key);
            url.crashes = alone ? url.crashes + 1 : 1;
            if (url.crashes >= 2) {
                emit_own(seq, url.url,
                         {error_class::worker_crash, "a worker died twice while fetching this URL"});
            } else {
                sched_.requeue(std::move(url));
            }
        }
        slot.in_flight.clear();
        flush_output();

        ++stats_.worker_restarts;
        if (++crashes_without_progress_ > 3 * opts_.workers + 3) {
            std::fprintf(stderr, "crawl: error: workers keep dying without finishing any URL; giving up\n");
            fatal_ = true;
            begin_stop(0);
        }
        if (stopping_) {
            slot.exited = true;
            if (all_exited()) {
                ioc_.stop();
            }
            return;
        }
        // The io_context already exists here, so the child must not touch it: spawn_worker's
        // child closes all inherited descriptors (epoll's included) and builds its own.
        attach(slot, spawn_worker(slot.id, opts_.worker));
        dispatch();
        maybe_finish();
    }

    [[nodiscard]] bool all_exited() const
    {
        return std::all_of(slots_.begin(), slots_.end(), [](const worker_slot& s) { return s.exited; });
    }

    /// When every URL is answered, end the workers' input so they exit.
    void maybe_finish()
    {
        if (finishing_ || stopping_ || !input_done_ || sched_.queued() != 0 || sched_.in_flight() != 0) {
            return;
        }
        finishing_ = true;
        for (auto& slot : slots_) {
            slot.closing = true;
            if (!slot.writing) {
                slot.jobs.reset();
            }
        }
    }

    // ---- signals and stopping ------------------------------------------------------------

    void wait_for_signal()
    {
        signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
            if (ec) {
                return;
            }
            if (stopping_ && stop_signal_ != 0) {
                // Second signal: leave at once with what is already written.
                flush_output();
                ::_exit(128 + sig);
            }
            begin_stop(sig);
            wait_for_signal();
        });
    }

    /// Stop dispatching; workers drop what is in flight, send what is finished, and exit.
    void begin_stop(int sig)
    {
        if (sig != 0 && stop_signal_ == 0) {
            stop_signal_ = sig;
            stats_.interrupted_by = sig;
        }
        if (stopping_) {
            return;
        }
        stopping_ = true;
        input_wake_.cancel();
        for (auto& slot : slots_) {
            if (slot.exited) {
                continue;
            }
            slot.closing = true;
            if (slot.jobs) {
                wire::append_shutdown_frame(slot.outbox);
                start_writer(slot);
            }
        }
        if (all_exited()) {
            ioc_.stop();
        }
    }

    net::awaitable<void> report_progress()
    {
        for (;;) {
            progress_timer_.expires_after(std::chrono::milliseconds(500));
            auto [ec] = co_await progress_timer_.async_wait(nothrow);
            if (ec) {
                co_return;
            }
            const double secs = std::chrono::duration<double>(clock::now() - start_).count();
            std::fprintf(stderr, "\r\033[Kcrawl: %llu done, %.1f/s, %llu failed, %zu in flight, %zu queued",
                         static_cast<unsigned long long>(stats_.urls),
                         secs > 0 ? static_cast<double>(stats_.urls) / secs : 0.0,
                         static_cast<unsigned long long>(stats_.failed()), sched_.in_flight(), sched_.queued());
            progress_shown_ = true;
        }
    }

    int finish_report()
    {
        if (progress_shown_) {
            std::fputs("\r\033[K", stderr);
        }
        if (!opts_.quiet) {
            std::fputs(format_summary(stats_).c_str(), stderr);
        }
        if (!opts_.stats_file.empty()) {
            try {
                write_file_atomically(opts_.stats_file, format_stats_json(stats_));
            } catch (const std::exception& e) {
                std::fprintf(stderr, "crawl: error: writing --stats: %s\n", e.what());
                return exit_some_failed;
            }
        }
        if (stop_signal_ != 0) {
            return 128 + stop_signal_;
        }
        if (output_broken_) {
            return 128 + SIGPIPE;
        }
        if (fatal_) {
            return exit_some_failed;
        }
        return stats_.failed() == 0 ? exit_ok : exit_some_failed;
    }

    net::io_context& ioc_;
    const options& opts_;
    int out_fd_;
    input_lines input_;
    scheduler sched_;
    std::size_t window_;
    net::signal_set signals_;
    net::steady_timer input_wake_;
    net::steady_timer progress_timer_;
    std::vector<worker_slot> slots_;
    run_stats stats_;
    std::string out_buf_;
    clock::time_point start_;
    unsigned crashes_without_progress_ = 0;
    int stop_signal_ = 0;
    bool input_done_ = false;
    bool finishing_ = false;
    bool stopping_ = false;
    bool output_broken_ = false;
    bool fatal_ = false;
    bool progress_shown_ = false;
};

} // namespace

int run(const options& opts)
{
    unique_fd input;
    unique_fd output_file;
    try {
        input = open_input(opts.input);
        if (!opts.output.empty()) {
            const int fd = ::open(opts.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0) {
                throw std::system_error(errno, std::generic_category(), opts.output);
            }
            output_file.reset(fd);
        }
    } catch (const std::system_error& e) {
        std::fprintf(stderr, "crawl: error: %s\n", e.what());
        return exit_usage;
    }
    // A closed reader of our output shows up as EPIPE from write(), handled as a stop.
    ::signal(SIGPIPE, SIG_IGN);

    // Every connection is a descriptor: take all the kernel allows before forking (the workers
    // inherit it). Running out anyway only slows fetches down (fetch::client waits for one).
    const descriptor_limit fds = raise_descriptor_limit();
    if (opts.verbose) {
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

    // Fork first: the workers start from a process that has no io_context, no threads and
    // no Asio descriptors yet.
    std::vector<spawned_worker> workers;
    workers.reserve(opts.workers);
    for (unsigned i = 0; i < opts.workers; ++i) {
        workers.push_back(spawn_worker(i, opts.worker));
    }

    net::io_context ioc{1};
    supervisor_loop loop(ioc, opts, std::move(input), output_file ? output_file.get() : STDOUT_FILENO,
                         std::move(workers));
    return loop.run();
}

} // namespace crawl::supervisor
