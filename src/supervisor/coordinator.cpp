// The coordinator's handling of workers: dispatch, results (retry, host health, the record),
// worker deaths, and the stop state machine. Input admission is in coordinator_input.cpp.

#include "coordinator.hpp"

#include "crawl/record/record.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>

namespace crawl::supervisor {

using std::chrono::milliseconds;

namespace {

/// Jobs a worker may hold beyond its concurrency, so it never waits for the next URL.
unsigned credits_for(unsigned concurrency)
{
    return concurrency + std::max(4u, concurrency / 4);
}

/// What the URLs of an origin whose robots.txt is unreachable are recorded with (RFC 9309:
/// nothing is fetched there). A server that answered (a 5xx, a broken response) refuses; a host
/// that could not be reached at all is down, and its URLs say so with the network's class, so
/// that nobody counts them as refusals.
failure robots_refusal(const wire::robots_result& result)
{
    const std::string why = "robots.txt unreachable (" + result.message + "): nothing may be fetched there";
    switch (result.error) {
    case error_class::dns:
    case error_class::connect:
    case error_class::tls:
    case error_class::timeout:
    case error_class::write:
    case error_class::read:
        return {result.error, why};
    default:
        return {error_class::robots_disallowed, why};
    }
}

/// A robots.txt answer that holds for the host's next owners too: the file, or a 4xx (no
/// file). A 5xx or a failed fetch says only that the host is in trouble now.
bool worth_sharing(const wire::robots_result& result)
{
    return result.error == error_class::none && result.http_status >= 200 && result.http_status < 500;
}

std::optional<milliseconds> retry_after(std::uint32_t retry_after_ms)
{
    if (retry_after_ms == wire::no_millis) {
        return std::nullopt;
    }
    return milliseconds(retry_after_ms);
}

} // namespace

coordinator::coordinator(const options& opts, worker_pool& pool, environment env)
    : opts_(opts), pool_(pool), env_(std::move(env)),
      sched_(opts.workers, credits_for(opts.worker.concurrency), opts.worker.concurrency, opts.per_host),
      window_(std::max<std::size_t>(1024, 4ull * opts.workers * credits_for(opts.worker.concurrency))),
      slots_(opts.workers), origins_(opts.robots_cache), hosts_(opts.host_errors),
      retry_(opts.retries, opts.retry_base, opts.max_retry_wait, env_.seed),
      scope_(frontier::scope::make(opts.crawl.scope).value()) // the command line checked the patterns
{
    stats_.workers = opts.workers;
    stats_.per_worker.assign(opts.workers, 0);
    stats_.dedup = opts.dedup;
    stats_.resume = opts.resume;
    stats_.shard = opts.shard.text();
    stats_.torn_bytes = env_.torn_bytes;
    if (opts.worker.format == record::format::csv && env_.output_is_new) {
        record::append_csv_header(opts.crawl.depth > 0, out_);
    }
    for (unsigned i = 0; i < opts.workers; ++i) {
        sched_.set_available(i, false); // until its hello: it is still setting up (TLS trust store and all)
    }
}

// ---- what the driver reads ---------------------------------------------------------------

bool coordinator::wants_input() const noexcept
{
    return phase_ == phase::running && !input_done_ && waiting() < window_;
}

bool coordinator::done() const noexcept
{
    return std::all_of(slots_.begin(), slots_.end(), [](const worker_slot& s) { return s.exited; });
}

run_stats coordinator::final_stats() const
{
    run_stats s = stats_;
    // Exit 3 only when --max-time really left lines without a record.
    s.out_of_time = out_of_time_ && (!input_done_ || waiting() != 0 || undone_ != 0);
    s.dedup_fingerprints = fingerprints_.size();
    s.dedup_memory_bytes = fingerprints_.memory_bytes();
    s.robots_evicted = origins_.evictions();
    s.hosts_unreachable = hosts_.hosts_given_up();
    if (env_.frontier != nullptr) {
        s.recursive = true;
        s.frontier_waiting = env_.frontier->waiting();
        s.seen_memory_bytes = env_.frontier->seen_memory_bytes();
        s.frontier_bytes = env_.frontier->disk_bytes();
    }
    return s;
}

int coordinator::exit_status() const noexcept
{
    if (stop_signal_ != 0) {
        return 128 + stop_signal_;
    }
    if (output_broken_) {
        return 128 + SIGPIPE;
    }
    if (archive_failed_) {
        return exit_archive_failed;
    }
    if (fatal_) {
        return exit_some_failed;
    }
    if (final_stats().out_of_time) {
        return exit_out_of_time;
    }
    return stats_.failed() == 0 ? exit_ok : exit_some_failed;
}

// ---- dispatch ----------------------------------------------------------------------------

void coordinator::tick()
{
    after_event();
}

void coordinator::after_event()
{
    draw_from_frontier();
    dispatch();
    maybe_finish();
}

void coordinator::dispatch()
{
    const auto now = env_.now();
    grant_turns(now);
    if (phase_ != phase::running) {
        return;
    }
    while (auto a = sched_.next(now)) {
        if (fence_to_lease(a->url)) {
            sched_.withdraw(a->worker, a->url.host_key, now);
            continue;
        }
        count_fetch(a->url);
        pace(a->url);
        pool_.send(a->worker, a->url);
        robots_out(a->url, true);
        const auto seq = a->url.seq;
        slots_[a->worker].in_flight.emplace(seq, std::move(a->url));
    }
}

/// When every URL is answered, end the workers' input so they exit.
void coordinator::maybe_finish()
{
    if (phase_ != phase::running || !input_done_ || sched_.in_flight() != 0) {
        return;
    }
    // A shared crawl is over when every process's URLs are: what still waits here then was
    // let go to another owner, who recorded it.
    if (env_.shared != nullptr ? !env_.shared->finished() : waiting() != 0) {
        return;
    }
    phase_ = phase::finishing;
    for (unsigned i = 0; i < slots_.size(); ++i) {
        if (!slots_[i].exited) {
            slots_[i].ending = true;
            pool_.finish(i);
        }
    }
}

// ---- results -----------------------------------------------------------------------------

void coordinator::worker_ready(unsigned worker)
{
    if (!slots_[worker].killed) {
        sched_.set_available(worker, true);
    }
    after_event();
}

/// Takes the job a result answers out of the worker's slot; nothing (and the worker is killed)
/// when it holds no such job: a worker that answers what it was not asked is broken.
std::optional<pending_url> coordinator::take_in_flight(unsigned worker, std::uint64_t seq, job_kind kind)
{
    auto& slot = slots_[worker];
    const auto it = slot.in_flight.find(seq);
    if (it == slot.in_flight.end() || it->second.kind != kind) {
        protocol_error(worker, "a result for a job it does not hold");
        return std::nullopt;
    }
    pending_url job = std::move(it->second);
    slot.in_flight.erase(it);
    robots_out(job, false);
    const auto now = env_.now();
    release_pacing(job, now);
    sched_.completed(worker, job.host_key, now);
    crashes_without_progress_ = 0;
    return job;
}

void coordinator::page_result(unsigned worker, const wire::result_view& result)
{
    if (slots_[worker].killed) {
        return;
    }
    auto job = take_in_flight(worker, result.seq, job_kind::page);
    if (!job) {
        return;
    }
    note_host(job->host_key, result.error, result.http_status);
    pause_host_if_asked(*job, result.http_status, result.retry_after_ms);
    if (schedule_retry(*job, result.error, result.http_status, result.retry_after_ms)) {
        after_event();
        return;
    }
    if (out_of_time_ && would_retry(*job, result.error, result.http_status)) {
        ++undone_; // not final: no record, so that a resume tries it again
    } else {
        take_links(*job, result); // committed before the record: a resume finds them
        page_recorded(*job);
        append_record(result.line);
        stats_.add(result.error, result.http_status, result.wire_bytes, result.body_bytes, static_cast<int>(worker));
    }
    after_event();
}

void coordinator::robots_result(unsigned worker, wire::robots_result& result)
{
    if (slots_[worker].killed) {
        return;
    }
    auto job = take_in_flight(worker, result.id, job_kind::robots);
    if (!job) {
        return;
    }
    stats_.wire_bytes += result.wire_bytes;
    note_host(job->host_key, result.error, result.http_status);
    pause_host_if_asked(*job, result.http_status, result.retry_after_ms);
    if (!schedule_retry(*job, result.error, result.http_status, result.retry_after_ms) && !out_of_time_) {
        // (Out of time, its URLs stay unrecorded, for a resume.)
        ++stats_.robots_fetched;
        if (env_.shared != nullptr && worth_sharing(result)) {
            env_.shared->share_robots(job->origin, result);
        }
        settle_answered(job->origin, result);
    }
    after_event();
}

void coordinator::robots_shared(const std::string& origin, std::optional<wire::robots_result> answer)
{
    const auto it = robots_asked_.find(origin);
    if (it == robots_asked_.end()) {
        return;
    }
    pending_url job = std::move(it->second);
    robots_asked_.erase(it);
    if (!answer) {
        sched_.add(std::move(job)); // nobody had it: fetched here
    } else if (!out_of_time_) {
        ++stats_.shared.robots_shared;
        // The host's last owner may have sent a request there just before it let the host go,
        // and the handover waits only --delay: the first request here waits its Crawl-delay.
        if (answer->crawl_delay_ms != wire::no_millis) {
            const auto crawl_delay = std::min(milliseconds(answer->crawl_delay_ms), opts_.max_delay);
            if (crawl_delay > opts_.delay) {
                sched_.hold_host(job.host_key, env_.now() + crawl_delay);
            }
        }
        settle_answered(origin, *answer);
    }
    after_event();
}

/// The URLs waiting for `origin`'s robots.txt go on with its answer.
void coordinator::settle_answered(const std::string& origin, wire::robots_result& answer)
{
    std::optional<failure> refusal;
    if (answer.verdict == wire::robots_verdict::disallow_all) {
        refusal = robots_refusal(answer);
    }
    settle_origin(origin, &answer, std::move(refusal));
}

bool coordinator::would_retry(const pending_url& job, error_class error, unsigned status) const
{
    return retry_.allows_retry(job.attempt, error, status) && !hosts_.given_up(job.host_key);
}

/// Retries a transient failure on a timer (the worker slot is free meanwhile). False when the
/// job's result is final.
bool coordinator::schedule_retry(pending_url& job, error_class error, unsigned status, std::uint32_t retry_after_ms)
{
    if (phase_ != phase::running || !would_retry(job, error, status)) {
        return false;
    }
    const auto wait = retry_.wait_before_retry(job.attempt, retry_after(retry_after_ms));
    if (!wait) {
        return false;
    }
    ++job.attempt;
    ++stats_.retries;
    sched_.add_later(std::move(job), env_.now() + *wait);
    return true;
}

/// A 429 or 503 asks the whole host to slow down, whether or not this URL is tried again.
void coordinator::pause_host_if_asked(const pending_url& job, unsigned status, std::uint32_t retry_after_ms)
{
    if (const auto pause = retry_.host_pause(job.attempt, status, retry_after(retry_after_ms))) {
        sched_.hold_host(job.host_key, env_.now() + *pause);
    }
}

void coordinator::note_host(const std::string& host_key, error_class error, unsigned status)
{
    if (hosts_.note(host_key, error, status)) {
        give_up_host(host_key);
    }
}

/// Every URL of the host that is not in flight gets host_unreachable now, and so does every
/// later one.
void coordinator::give_up_host(const std::string& host_key)
{
    const std::string reason = hosts_.why_given_up(host_key);
    for (auto& url : sched_.drop_host(host_key)) {
        if (url.kind == job_kind::robots) {
            settle_origin(url.origin, nullptr, failure{error_class::host_unreachable, reason});
        } else {
            emit_own(url, {error_class::host_unreachable, reason});
        }
    }
}

/// A URL of a host given up gets its host_unreachable record here. True when it did.
bool coordinator::refused_as_given_up(const pending_url& url)
{
    if (!hosts_.given_up(url.host_key)) {
        return false;
    }
    emit_own(url, {error_class::host_unreachable, hosts_.why_given_up(url.host_key)});
    return true;
}

// ---- records -----------------------------------------------------------------------------

/// A record the coordinator answers itself (bad input line, robots.txt, dead host, URL that
/// kills workers).
void coordinator::emit_own(const pending_url& url, const failure& f)
{
    if (from_frontier(url) && !url.counted) {
        settle_loaded(url.host_key);
    }
    page_recorded(url);
    emit_own(url.seq, url.url, f, url.crawl);
}

void coordinator::emit_own(std::uint64_t seq, std::string_view url, const failure& f, const wire::crawl_context& crawl)
{
    record::record r;
    r.seq = seq;
    r.url = std::string(url);
    r.place = {(crawl.flags & wire::recursive) != 0, (crawl.flags & wire::discovered) != 0, crawl.depth,
               crawl.found_on};
    r.error = f.cls;
    r.error_message = f.message;
    std::string line;
    record::append(r, opts_.worker.format, opts_.worker.links, line);
    append_record(line);
    stats_.add(f.cls, 0, 0, 0, -1);
    crashes_without_progress_ = 0;
}

void coordinator::emit_duplicate(std::uint64_t seq, std::string_view url, std::uint64_t first)
{
    record::record r;
    r.seq = seq;
    r.url = std::string(url);
    r.place.recursive = recursive();
    r.duplicate_of = first;
    std::string line;
    record::append(r, opts_.worker.format, opts_.worker.links, line);
    append_record(line);
    stats_.add_duplicate();
}

void coordinator::append_record(std::string_view line)
{
    if (!output_broken_) {
        out_.append(line);
    }
}

// ---- workers -----------------------------------------------------------------------------

/// A worker's WARC files cannot be written (a full disk, a file size limit, a permission): the
/// run stops as for a signal. The worker sends nothing more; what the others finished is
/// recorded, what runs is left for a resume. With a full disk every worker fails in turn:
/// one message says why.
void coordinator::worker_failed(unsigned worker, const wire::worker_failed& failure)
{
    if (slots_[worker].killed) {
        return;
    }
    if (!archive_failed_) {
        env_.warn("crawl: error: worker " + std::to_string(worker) + ": " + failure.message + "; stopping");
    }
    archive_failed_ = true;
    begin_stop();
}

void coordinator::protocol_error(unsigned worker, std::string_view what)
{
    auto& slot = slots_[worker];
    if (slot.killed || slot.exited) {
        return;
    }
    env_.warn("crawl: worker " + std::to_string(worker) + " broke the frame protocol (" + std::string(what) +
              "); replacing it");
    slot.killed = true;
    sched_.set_available(worker, false);
    pool_.kill(worker);
}

void coordinator::worker_exited(unsigned worker, const worker_exit& exit)
{
    auto& slot = slots_[worker];
    sched_.set_available(worker, false);
    sched_.drop_turns(worker);
    for (auto& held : slot.in_flight) {
        release_pacing(held.second, env_.now());
        robots_out(held.second, false);
    }
    stats_.worker_processes.push_back(
        {worker, exit.pid, exit.peak_rss_kb, exit.user_seconds, exit.sys_seconds, exit.how});
    if (slot.ending) {
        if (!exit.clean) {
            // Every record is in, but a worker that fails on its way out (a crash in teardown,
            // a sanitizer's leak report) is a bug worth saying so, even with -q.
            env_.warn("crawl: worker " + std::to_string(worker) + " (pid " + std::to_string(exit.pid) + ") " +
                      exit.how + " after its last record");
        }
        // Stopped by a signal or --max-time: unfinished URLs get no record.
        undone_ += slot.in_flight.size();
        slot.in_flight.clear();
        slot.exited = true;
        return;
    }
    redispatch_after_crash(worker, exit);
    ++stats_.worker_restarts;
    if (++crashes_without_progress_ > 3 * opts_.workers + 3) {
        env_.warn("crawl: error: workers keep dying without finishing any URL; giving up");
        fatal_ = true;
        begin_stop();
    }
    if (phase_ == phase::stopping) {
        slot.exited = true;
        return;
    }
    slot.killed = false;
    if (const auto ec = pool_.replace(worker)) {
        env_.warn("crawl: error: cannot start a worker: " + ec.message());
        slot.exited = true;
        fatal_ = true;
        begin_stop();
        return;
    }
    after_event();
}

/// The URLs a dead worker held go back to the queues. Alone on its worker, a suspect that dies
/// again is the culprit and gets worker_crash; otherwise every URL the worker held becomes a
/// suspect, to be retried alone.
void coordinator::redispatch_after_crash(unsigned worker, const worker_exit& exit)
{
    auto& slot = slots_[worker];
    if (!opts_.quiet) {
        env_.warn("crawl: worker " + std::to_string(worker) + " (pid " + std::to_string(exit.pid) + ") " + exit.how +
                  "; re-dispatching its " + std::to_string(slot.in_flight.size()) + " URLs");
    }
    const bool alone = sched_.quarantined(worker);
    const auto now = env_.now();
    for (auto& [seq, url] : slot.in_flight) {
        sched_.released(worker, url.host_key, now);
        url.crashes = alone ? url.crashes + 1 : 1;
        if (url.crashes < 2) {
            sched_.requeue(std::move(url));
        } else if (url.kind == job_kind::robots) {
            settle_origin(url.origin, nullptr,
                          failure{error_class::robots_disallowed,
                                  "robots.txt unreachable (a worker died twice while fetching it): nothing may be "
                                  "fetched there"});
        } else {
            emit_own(url, {error_class::worker_crash, "a worker died twice while fetching this URL"});
        }
    }
    slot.in_flight.clear();
}

// ---- stopping ----------------------------------------------------------------------------

coordinator::signal_action coordinator::interrupted(int signal)
{
    if (phase_ == phase::stopping && stop_signal_ != 0) {
        return signal_action::exit_now; // a second signal: leave at once
    }
    if (stop_signal_ == 0) {
        stop_signal_ = signal;
        stats_.interrupted_by = signal;
    }
    begin_stop();
    return signal_action::stop;
}

void coordinator::output_failed(int error)
{
    if (output_broken_) {
        return;
    }
    output_broken_ = true;
    out_.clear();
    if (error != EPIPE) {
        env_.warn(std::string("crawl: error: writing output: ") + std::strerror(error));
    }
    begin_stop();
}

void coordinator::shared_failed(std::string_view why)
{
    if (fatal_) {
        return;
    }
    env_.warn("crawl: error: the shared frontier: " + std::string(why) + "; stopping");
    fatal_ = true;
    begin_stop();
}

/// Stop dispatching; workers drop what is in flight, send what is finished, and exit.
void coordinator::begin_stop()
{
    if (phase_ == phase::stopping) {
        return;
    }
    phase_ = phase::stopping;
    for (unsigned i = 0; i < slots_.size(); ++i) {
        auto& slot = slots_[i];
        if (!slot.exited) {
            slot.ending = true;
            pool_.shut_down(i);
        }
    }
}

/// --max-time: nothing new starts, not even what already waits in a worker's queue; the
/// requests in flight finish within their own deadlines and are recorded; then the workers
/// exit. What is left has no record, for a resume to take.
void coordinator::out_of_time()
{
    if (phase_ != phase::running) {
        return;
    }
    phase_ = phase::draining;
    out_of_time_ = true;
    for (unsigned i = 0; i < slots_.size(); ++i) {
        auto& slot = slots_[i];
        if (!slot.exited) {
            slot.ending = true;
            pool_.drain(i);
        }
    }
}

} // namespace crawl::supervisor
