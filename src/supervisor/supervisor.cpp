// The supervisor: forks the workers, feeds them URLs under per-host limits, pacing, robots.txt
// and credits, merges their records into one output, retries transient failures on its own
// timers, replaces workers that die, and stops cleanly on signals and at --max-time.

#include "crawl/supervisor/options.hpp"

#include "crawl/record/record.hpp"
#include "crawl/robots/robots.hpp"
#include "crawl/url/url.hpp"
#include "crawl/util/fingerprint_set.hpp"
#include "crawl/util/text.hpp"
#include "crawl/wire/channel.hpp"
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
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

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
    /// Job frames out, result frames in; replaced with the worker (destroying it is safe at
    /// any time: nothing of the old worker's is called back after).
    std::optional<wire::channel> channel;
    bool closing = false; ///< we ended its input: its exit is expected
    bool exited = false;
    std::unordered_map<std::uint64_t, pending_url> in_flight; ///< by seq (robots: by id)
};

/// The rules a worker sent, moved into robots::rules (already canonical and in order, so
/// nothing is re-sorted).
robots::rules rules_from_the_wire(std::vector<wire::rule_data> rules)
{
    std::vector<robots::rule> list;
    list.reserve(rules.size());
    for (auto& rule : rules) {
        list.push_back(robots::rule{rule.allow, std::move(rule.pattern)});
    }
    return robots::rules(std::move(list));
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
        slot.channel.emplace(ioc_.get_executor(), std::move(w.results), std::move(w.jobs));
        slot.closing = false;
        slot.exited = false;
        slot.channel->start({
            .on_frame = [this, &slot](const wire::frame_view& frame) { return take_frame(slot, frame); },
            .on_frames_handled = [this] { after_results(); },
            .on_read_end = [this, &slot](const wire::channel_error& why) { results_ended(slot, why); },
            .on_write_end = nullptr, // a worker that cannot take jobs has died: its results end too
        });
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
        url.target = std::move(*target);
        url.delay = opts_.delay;
        if (refused_as_given_up(url)) {
            return;
        }
        if (!opts_.robots) {
            sched_.add(std::move(url));
            return;
        }
        admit(std::move(url));
    }

    // ---- robots.txt ----------------------------------------------------------------------

    /// Sends the URL on once its origin's robots.txt is known; the first URL of an origin
    /// queues the robots.txt fetch, and it and the next ones wait (parked, holding no worker)
    /// until the answer is in. Other origins go on meanwhile.
    void admit(pending_url url)
    {
        std::string origin = url.target.scheme + "://" + url.host_key;
        if (const robots_answer* known = origins_.answer(origin)) {
            const std::string path = url.target.request_target;
            decide(*known, std::move(url), path);
            return;
        }
        pending_url robots_job;
        robots_job.target.scheme = url.target.scheme;
        robots_job.target.host = url.target.host;
        robots_job.target.port = url.target.port;
        robots_job.host_key = url.host_key;
        std::string path = url.target.request_target;
        if (origins_.park(origin, {std::move(url), std::move(path)})) {
            robots_job.seq = robots_id_base | next_robots_id_++;
            robots_job.origin = std::move(origin);
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
            a.rules = rules_from_the_wire(std::move(answer->rules));
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
            const pending_url& url = a->url;
            if (url.kind == job_kind::robots) {
                wire::append_frame(wire::robots_job{url.seq, url.target.scheme, url.target.host, url.target.port},
                                   slot.channel->outbox());
            } else {
                wire::append_frame(wire::job{url.seq, url.attempt, url.url, url.target}, slot.channel->outbox());
            }
            slot.channel->flush();
            const auto seq = url.seq;
            slot.in_flight.emplace(seq, std::move(a->url));
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

    // ---- results -------------------------------------------------------------------------

    /// What the results of one read may have changed: their records go out, freed credits and
    /// hosts take the next jobs, and the run may be over.
    void after_results()
    {
        flush_output();
        dispatch();
        maybe_finish();
    }

    /// The worker's results have ended: it died, closed its pipe on its way out, or broke the
    /// protocol (then it is killed here).
    void results_ended(worker_slot& slot, const wire::channel_error& why)
    {
        if (why.what == wire::channel_error::kind::protocol) {
            std::fprintf(stderr, "crawl: worker %u broke the frame protocol (%s); replacing it\n", slot.id,
                         why.message.c_str());
            ::kill(slot.pid, SIGKILL);
            flush_output();
        }
        worker_exited(slot);
    }

    /// Takes the job a result answers out of the slot; nullopt when the slot holds no such job
    /// of that kind.
    std::optional<pending_url> take_in_flight(worker_slot& slot, std::uint64_t seq, job_kind kind)
    {
        const auto it = slot.in_flight.find(seq);
        if (it == slot.in_flight.end() || it->second.kind != kind) {
            return std::nullopt;
        }
        pending_url job = std::move(it->second);
        slot.in_flight.erase(it);
        sched_.completed(slot.id, job.host_key, clock::now());
        crashes_without_progress_ = 0;
        return job;
    }

    /// One frame from a worker. A message when it breaks the protocol.
    std::optional<std::string> take_frame(worker_slot& slot, const wire::frame_view& frame)
    {
        switch (frame.type) {
        case wire::frame_type::hello: {
            const auto hello = wire::decode_hello(frame.payload);
            if (!hello || hello->version != wire::protocol_version) {
                return "bad hello frame";
            }
            sched_.set_available(slot.id, true);
            return std::nullopt;
        }
        case wire::frame_type::result: {
            const auto result = wire::decode_result(frame.payload);
            if (!result) {
                return "malformed result frame";
            }
            auto job = take_in_flight(slot, result->seq, job_kind::page);
            if (!job) {
                return "result for a job it does not hold";
            }
            take_result(slot, std::move(*job), *result);
            return std::nullopt;
        }
        case wire::frame_type::robots_result: {
            auto result = wire::decode_robots_result(frame.payload);
            if (!result) {
                return "malformed robots result frame";
            }
            auto job = take_in_flight(slot, result->id, job_kind::robots);
            if (!job) {
                return "robots result for a job it does not hold";
            }
            take_robots_result(std::move(*job), *result);
            return std::nullopt;
        }
        default:
            return "unexpected frame type " + std::to_string(static_cast<int>(frame.type));
        }
    }

    void take_result(const worker_slot& slot, pending_url job, const wire::result_view& result)
    {
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

    void take_robots_result(pending_url job, wire::robots_result& result)
    {
        stats_.wire_bytes += result.wire_bytes;
        note_host(job.host_key, result.error, result.http_status);
        pause_host_if_asked(job, result.http_status, result.retry_after_ms);
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
        settle_origin(job.origin, &result, std::move(unreachable));
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
                settle_origin(url.origin, nullptr, reason);
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
        slot.channel.reset();
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
                settle_origin(url.origin, nullptr, "a worker died twice while fetching robots.txt");
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
            if (slot.channel) {
                slot.channel->close_after_flush(); // EOF tells the worker to finish and exit
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
            if (slot.channel) {
                wire::append_drain_frame(slot.channel->outbox());
                slot.channel->close_after_flush(); // EOF follows the drain frame
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
            if (slot.channel) {
                wire::append_shutdown_frame(slot.channel->outbox());
                slot.channel->close_after_flush();
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
