// The supervisor: forks the workers, feeds them URLs under per-host limits, pacing, robots.txt
// and credits, merges their records into one output, retries transient failures on its own
// timers, replaces workers that die, and stops cleanly on signals and at --max-time.

#include "crawl/supervisor/options.hpp"

#include "crawl/record/record.hpp"
#include "crawl/robots/robots.hpp"
#include "crawl/url/url.hpp"
#include "crawl/util/fingerprint_set.hpp"
#include "crawl/util/text.hpp"
#include "crawl/wire/frame.hpp"
#include "descriptor_limit.hpp"
#include "host_health.hpp"
#include "input.hpp"
#include "origin_table.hpp"
#include "resume.hpp"
#include "retry_policy.hpp"
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
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <random>
#include <unordered_map>
#include <unordered_set>

namespace crawl::supervisor {

namespace net = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr auto nothrow = net::as_tuple(net::use_awaitable);
/// Robots job ids live above every possible line number, so one in-flight map holds both.
constexpr std::uint64_t robots_id_base = std::uint64_t{1} << 63;

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
    std::unordered_map<std::uint64_t, pending_url> in_flight; ///< by seq (robots: by id)
};

/// The origin a robots.txt job is for: its URL without "/robots.txt".
std::string origin_of_robots_url(const std::string& robots_url)
{
    constexpr std::string_view suffix = "/robots.txt";
    return robots_url.substr(0, robots_url.size() - suffix.size());
}

/// What main() set up before the loop: the output, and what --resume found in it.
struct output_setup {
    int fd = STDOUT_FILENO;
    done_lines done;
    bool write_csv_header = true;
    std::uint64_t torn_bytes = 0;
};

class supervisor_loop {
public:
    supervisor_loop(net::io_context& ioc, const options& opts, unique_fd input, output_setup out,
                    std::vector<spawned_worker> initial)
        : ioc_(ioc), opts_(opts), out_fd_(out.fd), done_(std::move(out.done)),
          write_csv_header_(out.write_csv_header), input_(ioc.get_executor(), std::move(input)),
          sched_(opts.workers, credits_for(opts.worker.concurrency), opts.worker.concurrency, opts.per_host),
          window_(std::max<std::size_t>(1024, 4ull * opts.workers * credits_for(opts.worker.concurrency))),
          signals_(ioc, SIGINT, SIGTERM), input_wake_(ioc, net::steady_timer::time_point::max()),
          wake_timer_(ioc), deadline_timer_(ioc), progress_timer_(ioc), slots_(opts.workers),
          origins_(opts.robots_cache), hosts_(opts.host_errors),
          retry_(opts.retries, opts.retry_base, opts.max_retry_wait, std::random_device{}())
    {
        stats_.workers = opts.workers;
        stats_.per_worker.assign(opts.workers, 0);
        stats_.dedup = opts.dedup;
        stats_.resume = opts.resume;
        stats_.torn_bytes = out.torn_bytes;
        for (unsigned i = 0; i < opts.workers; ++i) {
            slots_[i].id = i;
            attach(slots_[i], std::move(initial[i]));
        }
    }

    int run()
    {
        start_ = clock::now();
        if (opts_.worker.format == record::format::csv && write_csv_header_) {
            record::append_csv_header(out_buf_);
        }
        wait_for_signal();
        if (opts_.max_time) {
            deadline_timer_.expires_at(start_ + *opts_.max_time);
            deadline_timer_.async_wait([this](const boost::system::error_code& ec) {
                if (!ec) {
                    out_of_time();
                }
            });
        }
        net::co_spawn(ioc_, feed_input(), rethrow);
        if (show_progress()) {
            net::co_spawn(ioc_, report_progress(), net::detached);
        }
        ioc_.run();
        flush_output();
        // Exit 3 only when --max-time really left lines without a record.
        stats_.out_of_time = out_of_time_ && (!input_done_ || waiting() != 0 || undone_ != 0);
        stats_.wall_seconds = std::chrono::duration<double>(clock::now() - start_).count();
        stats_.dedup_fingerprints = fingerprints_.size();
        stats_.dedup_memory_bytes = fingerprints_.memory_bytes();
        stats_.robots_evicted = origins_.evictions();
        stats_.hosts_unreachable = hosts_.hosts_given_up();
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
        // Jobs go to it once it says hello: until then it is still setting up (TLS trust store
        // and all), and a job sent now would start later than the pacing assumes.
        sched_.set_available(slot.id, false);
    }

    /// URLs taken from the input that have no record yet and are not in flight.
    [[nodiscard]] std::size_t waiting() const noexcept { return sched_.queued() + origins_.parked(); }

    // ---- input ---------------------------------------------------------------------------

    net::awaitable<void> feed_input()
    {
        for (;;) {
            while (!stopping_ && !out_of_time_ && waiting() >= window_) {
                co_await input_wake_.async_wait(nothrow);
            }
            if (stopping_ || out_of_time_) {
                co_return;
            }
            auto line = co_await input_.next();
            if (!line) {
                break;
            }
            if (stopping_ || out_of_time_) {
                co_return; // this line stays unrecorded: a resume takes it
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
        // A line recorded by an earlier run is skipped; with --dedup its URL still claims its
        // fingerprint, so a later repeat points at it.
        const bool done = done_.contains(line.number);
        if (done && !opts_.dedup) {
            ++stats_.resumed_lines;
            return;
        }
        if (line.too_long) {
            if (done) {
                ++stats_.resumed_lines;
                return;
            }
            emit_own(line.number, text,
                     {error_class::invalid_url,
                      "line longer than " + std::to_string(input_lines::max_line) + " bytes"});
            return;
        }
        auto target = url::parse_input(text);
        if (done) {
            if (target) {
                (void)fingerprints_.insert(fingerprint64(target->href), line.number);
            }
            ++stats_.resumed_lines;
            return;
        }
        if (!target) {
            emit_own(line.number, text, target.error());
            return;
        }
        if (opts_.dedup) {
            if (const auto first = fingerprints_.insert(fingerprint64(target->href), line.number)) {
                emit_duplicate(line.number, text, *first);
                return;
            }
        }
        pending_url url;
        url.seq = line.number;
        url.url = std::string(text);
        url.host_key = target->host_port();
        url.delay = opts_.delay;
        if (refused_as_given_up(url)) {
            return;
        }
        if (!opts_.robots) {
            sched_.add(std::move(url));
            return;
        }
        std::string origin = target->scheme + "://" + url.host_key;
        admit(origin, std::move(url), target->request_target);
    }

    // ---- robots.txt ----------------------------------------------------------------------

    /// Sends the URL on once its origin's robots.txt is known; the first URL of an origin
    /// queues the robots.txt fetch, and it and the next ones wait (parked, holding no worker)
    /// until the answer is in. Other origins go on meanwhile.
    void admit(const std::string& origin, pending_url url, std::string_view path)
    {
        if (const robots_answer* known = origins_.answer(origin)) {
            decide(*known, std::move(url), path);
            return;
        }
        const std::string host_key = url.host_key;
        if (origins_.park(origin, {std::move(url), std::string(path)})) {
            pending_url robots_job;
            robots_job.seq = robots_id_base | next_robots_id_++;
            robots_job.url = origin + "/robots.txt";
            robots_job.host_key = host_key;
            robots_job.kind = job_kind::robots;
            robots_job.delay = opts_.delay;
            sched_.add(std::move(robots_job));
        }
    }

    /// A URL whose origin's robots.txt is known: a record if it may not be fetched, else queued.
    void decide(const robots_answer& a, pending_url url, std::string_view path)
    {
        if (refused_as_given_up(url)) {
            return;
        }
        if (!a.unreachable.empty()) {
            emit_own(url.seq, url.url,
                     {error_class::robots_disallowed,
                      "robots.txt unreachable (" + a.unreachable + "): nothing may be fetched there"});
            return;
        }
        const auto verdict = a.rules.check(path);
        if (!verdict.allowed) {
            emit_own(url.seq, url.url,
                     {error_class::robots_disallowed, "disallowed by robots.txt: Disallow: " + verdict.matched->pattern});
            return;
        }
        url.delay = a.delay;
        sched_.add(std::move(url));
    }

    /// The origin's robots.txt answer is final: decide every URL that waited for it.
    void settle_origin(const std::string& origin, wire::robots_result* answer, std::string unreachable)
    {
        robots_answer a;
        a.delay = opts_.delay;
        a.unreachable = std::move(unreachable);
        if (answer != nullptr && answer->verdict == wire::robots_verdict::rules) {
            a.rules = robots::rules(std::move(answer->rules));
            if (answer->crawl_delay_ms != wire::no_millis) {
                a.delay = std::max(opts_.delay, std::min(milliseconds(answer->crawl_delay_ms), opts_.max_delay));
            }
        }
        auto settled = origins_.settle(origin, std::move(a));
        for (auto& p : settled.parked) {
            decide(*settled.answer, std::move(p.url), p.path);
        }
    }

    // ---- dispatch ------------------------------------------------------------------------

    void dispatch()
    {
        if (stopping_ || out_of_time_) {
            return;
        }
        const auto now = clock::now();
        while (auto a = sched_.next(now)) {
            auto& slot = slots_[a->worker];
            if (a->url.kind == job_kind::robots) {
                wire::append_frame(wire::robots_job{a->url.seq, a->url.url}, slot.outbox);
            } else {
                wire::append_frame(wire::job{a->url.seq, a->url.attempt, a->url.url}, slot.outbox);
            }
            const auto seq = a->url.seq;
            slot.in_flight.emplace(seq, std::move(a->url));
            start_writer(slot);
        }
        if (waiting() < window_) {
            input_wake_.cancel();
        }
        arm_wake();
    }

    /// One timer for everything that waits for time (paced hosts, retries): it wakes the
    /// dispatcher at the earliest of them.
    void arm_wake()
    {
        const auto when = sched_.next_wakeup();
        if (!when || (wake_armed_ && *when >= wake_at_)) {
            return;
        }
        wake_armed_ = true;
        wake_at_ = *when;
        wake_timer_.expires_at(*when);
        wake_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (ec) {
                return; // re-armed earlier, or the run ended
            }
            wake_armed_ = false;
            dispatch();
            flush_output();
            maybe_finish();
        });
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

    /// Takes the job a result answers out of the slot, checking it is one of that kind.
    pending_url take_in_flight(worker_slot& slot, std::uint64_t seq, job_kind kind)
    {
        const auto it = slot.in_flight.find(seq);
        if (it == slot.in_flight.end() || it->second.kind != kind) {
            throw std::runtime_error("result for a job it does not hold");
        }
        pending_url job = std::move(it->second);
        slot.in_flight.erase(it);
        sched_.completed(slot.id, job.host_key, clock::now());
        crashes_without_progress_ = 0;
        return job;
    }

    void take_frame(worker_slot& slot, const wire::frame_view& frame)
    {
        switch (frame.type) {
        case wire::frame_type::hello: {
            const auto hello = wire::decode_hello(frame.payload);
            if (!hello || hello->version != wire::protocol_version) {
                throw std::runtime_error("bad hello frame");
            }
            sched_.set_available(slot.id, true);
            return;
        }
        case wire::frame_type::result: {
            const auto result = wire::decode_result(frame.payload);
            if (!result) {
                throw std::runtime_error("malformed result frame");
            }
            take_result(slot, *result);
            return;
        }
        case wire::frame_type::robots_result: {
            auto result = wire::decode_robots_result(frame.payload);
            if (!result) {
                throw std::runtime_error("malformed robots result frame");
            }
            take_robots_result(slot, *result);
            return;
        }
        default:
            throw std::runtime_error("unexpected frame type");
        }
    }

    void take_result(worker_slot& slot, const wire::result_view& result)
    {
        pending_url job = take_in_flight(slot, result.seq, job_kind::page);
        note_host(job.host_key, result.error, result.http_status);
        pause_host_if_asked(job, result.http_status, result.retry_after_ms);
        if (schedule_retry(job, result.error, result.http_status, result.retry_after_ms)) {
            return;
        }
        if (out_of_time_ && would_retry(job, result.error, result.http_status)) {
            ++undone_; // not final: no record, so that a resume tries it again
            return;
        }
        out_buf_.append(result.line);
        stats_.add(result.error, result.http_status, result.wire_bytes, result.body_bytes,
                   static_cast<int>(slot.id));
    }

    void take_robots_result(worker_slot& slot, wire::robots_result& result)
    {
        pending_url job = take_in_flight(slot, result.id, job_kind::robots);
        stats_.wire_bytes += result.wire_bytes;
        note_host(job.host_key, result.error, result.http_status);
        pause_host_if_asked(job, result.http_status, result.retry_after_ms);
        const std::string origin = origin_of_robots_url(job.url);
        if (schedule_retry(job, result.error, result.http_status, result.retry_after_ms)) {
            return;
        }
        if (out_of_time_) {
            return; // its URLs stay unrecorded, for a resume
        }
        ++stats_.robots_fetched;
        std::string unreachable;
        if (result.verdict == wire::robots_verdict::disallow_all) {
            unreachable = result.message;
        }
        settle_origin(origin, &result, std::move(unreachable));
    }

    [[nodiscard]] bool would_retry(const pending_url& job, error_class error, unsigned status) const
    {
        return retry_.allows_retry(job.attempt, error, status) && !hosts_.given_up(job.host_key);
    }

    static std::optional<milliseconds> retry_after(std::uint32_t retry_after_ms)
    {
        if (retry_after_ms == wire::no_millis) {
            return std::nullopt;
        }
        return milliseconds(retry_after_ms);
    }

    /// Retries a transient failure on a supervisor timer (the worker slot is free meanwhile).
    /// False when the job's result is final.
    bool schedule_retry(pending_url& job, error_class error, unsigned status, std::uint32_t retry_after_ms)
    {
        if (stopping_ || out_of_time_ || !would_retry(job, error, status)) {
            return false;
        }
        const auto wait = retry_.wait_before_retry(job.attempt, retry_after(retry_after_ms));
        if (!wait) {
            return false;
        }
        ++job.attempt;
        ++stats_.retries;
        sched_.add_later(std::move(job), clock::now() + *wait);
        return true;
    }

    /// A 429 or 503 asks the whole host to slow down, whether or not this URL is tried again.
    void pause_host_if_asked(const pending_url& job, unsigned status, std::uint32_t retry_after_ms)
    {
        if (const auto pause = retry_.host_pause(job.attempt, status, retry_after(retry_after_ms))) {
            sched_.hold_host(job.host_key, clock::now() + *pause);
        }
    }

    void note_host(const std::string& host_key, error_class error, unsigned status)
    {
        if (hosts_.note(host_key, error, status)) {
            give_up_host(host_key);
        }
    }

    /// Every URL of the host that is not in flight gets host_unreachable now, and so does
    /// every later one.
    void give_up_host(const std::string& host_key)
    {
        const std::string reason = hosts_.why_given_up(host_key);
        for (auto& url : sched_.drop_host(host_key)) {
            if (url.kind == job_kind::robots) {
                settle_origin(origin_of_robots_url(url.url), nullptr, reason);
            } else {
                emit_own(url.seq, url.url, {error_class::host_unreachable, reason});
            }
        }
    }

    /// A URL of a host given up gets its host_unreachable record here. True when it did.
    bool refused_as_given_up(const pending_url& url)
    {
        if (!hosts_.given_up(url.host_key)) {
            return false;
        }
        emit_own(url.seq, url.url, {error_class::host_unreachable, hosts_.why_given_up(url.host_key)});
        return true;
    }

    /// A record the supervisor answers itself (bad input line, robots.txt, dead host, URL that
    /// kills workers).
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

    void emit_duplicate(std::uint64_t seq, std::string_view url, std::uint64_t first)
    {
        record::record r;
        r.seq = seq;
        r.url = std::string(url);
        r.duplicate_of = first;
        record::append(r, opts_.worker.format, opts_.worker.links, out_buf_);
        stats_.add_duplicate();
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
            // Stopped by a signal or --max-time: unfinished URLs get no record.
            undone_ += slot.in_flight.size();
            slot.in_flight.clear();
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
        const auto now = clock::now();
        for (auto& [seq, url] : slot.in_flight) {
            sched_.released(slot.id, url.host_key, now);
            url.crashes = alone ? url.crashes + 1 : 1;
            if (url.crashes < 2) {
                sched_.requeue(std::move(url));
            } else if (url.kind == job_kind::robots) {
                settle_origin(origin_of_robots_url(url.url), nullptr, "a worker died twice while fetching robots.txt");
            } else {
                emit_own(seq, url.url, {error_class::worker_crash, "a worker died twice while fetching this URL"});
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
        if (finishing_ || stopping_ || out_of_time_ || !input_done_ || waiting() != 0 || sched_.in_flight() != 0) {
            return;
        }
        finishing_ = true;
        wake_timer_.cancel();
        deadline_timer_.cancel();
        for (auto& slot : slots_) {
            slot.closing = true;
            if (!slot.writing) {
                slot.jobs.reset();
            }
        }
    }

    /// --max-time: nothing new starts, not even what already waits in a worker's queue; the
    /// requests in flight finish within their own deadlines and are recorded; then the
    /// workers exit. What is left has no record, for a resume to take.
    void out_of_time()
    {
        if (finishing_ || stopping_) {
            return;
        }
        out_of_time_ = true;
        input_wake_.cancel();
        wake_timer_.cancel();
        for (auto& slot : slots_) {
            if (slot.exited) {
                continue;
            }
            slot.closing = true;
            if (slot.jobs) {
                wire::append_drain_frame(slot.outbox); // then EOF, once the outbox is written
                start_writer(slot);
            }
        }
        if (all_exited()) {
            ioc_.stop();
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
        wake_timer_.cancel();
        deadline_timer_.cancel();
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
                         static_cast<unsigned long long>(stats_.failed()), sched_.in_flight(), waiting());
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
        if (stats_.out_of_time) {
            return exit_out_of_time;
        }
        return stats_.failed() == 0 ? exit_ok : exit_some_failed;
    }

    net::io_context& ioc_;
    const options& opts_;
    int out_fd_;
    done_lines done_;
    bool write_csv_header_;
    input_lines input_;
    scheduler sched_;
    std::size_t window_;
    net::signal_set signals_;
    net::steady_timer input_wake_;
    net::steady_timer wake_timer_;
    net::steady_timer deadline_timer_;
    net::steady_timer progress_timer_;
    std::vector<worker_slot> slots_;
    origin_table origins_; ///< robots.txt per origin, within --robots-cache
    std::uint64_t next_robots_id_ = 0;
    host_health hosts_;
    fingerprint_set fingerprints_;
    retry_policy retry_;
    run_stats stats_;
    std::string out_buf_;
    clock::time_point start_;
    clock::time_point wake_at_;
    unsigned crashes_without_progress_ = 0;
    int stop_signal_ = 0;
    bool wake_armed_ = false;
    bool input_done_ = false;
    bool finishing_ = false;
    bool stopping_ = false;
    bool out_of_time_ = false;
    std::size_t undone_ = 0; ///< URLs taken from the input that this run leaves without a record
    bool output_broken_ = false;
    bool fatal_ = false;
    bool progress_shown_ = false;
};

} // namespace

int run(const options& opts)
{
    unique_fd input;
    output_setup out;
    unique_fd output_file;
    try {
        input = open_input(opts.input);
        if (opts.resume) {
            struct stat st {};
            if (::fstat(input.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
                throw resume_error("--resume needs the input in a regular file (its identity is checked)");
            }
            auto prepared = open_for_resume(opts.output, identify_input(input.get(), opts.worker.format),
                                            opts.worker.format);
            output_file = std::move(prepared.fd);
            out.done = std::move(prepared.done);
            out.write_csv_header = prepared.empty;
            out.torn_bytes = prepared.torn_bytes;
        } else if (!opts.output.empty()) {
            const int fd = ::open(opts.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0) {
                throw std::system_error(errno, std::generic_category(), opts.output);
            }
            output_file.reset(fd);
        }
    } catch (const resume_error& e) {
        std::fprintf(stderr, "crawl: error: %s\n", e.what());
        return exit_usage;
    } catch (const std::system_error& e) {
        std::fprintf(stderr, "crawl: error: %s\n", e.what());
        return exit_usage;
    }
    if (output_file) {
        out.fd = output_file.get();
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
    supervisor_loop loop(ioc, opts, std::move(input), std::move(out), std::move(workers));
    return loop.run();
}

} // namespace crawl::supervisor
