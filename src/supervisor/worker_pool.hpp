#pragma once
// The seam between the coordinator, which decides, and the worker processes, which fetch.
// The coordinator talks to a worker_pool; the pool reports back through pool_events. The real
// pool (process_pool) forks, writes job frames, reads result frames and reaps; the unit tests
// drive the coordinator through a fake one, without a process or a pipe.

#include "crawl/wire/frame.hpp"
#include "scheduler.hpp"

#include <string>
#include <string_view>
#include <system_error>

namespace crawl::supervisor {

/// How a worker process ended and what it used, once it is reaped.
struct worker_exit {
    int pid = 0;
    std::string how;    ///< "exited with status 1", "killed by signal 9 (SIGKILL)"
    bool clean = false; ///< exited with status 0
    long peak_rss_kb = 0;
    double user_seconds = 0;
    double sys_seconds = 0;
};

/// What the coordinator asks of the workers. Calls never block and never call back into
/// pool_events before they return: everything they cause is reported later, as an event.
class worker_pool {
public:
    worker_pool() = default;
    worker_pool(const worker_pool&) = delete;
    worker_pool& operator=(const worker_pool&) = delete;
    virtual ~worker_pool() = default;

    /// Hands a job to the worker, behind the jobs sent to it before.
    virtual void send(unsigned worker, const pending_url& job) = 0;
    /// Lets a paced job's redirect hop start (the answer to pool_events::turn_asked).
    virtual void grant_turn(unsigned worker, const wire::go& go) = 0;
    /// No more jobs: the worker finishes what it holds, sends the records and exits.
    virtual void finish(unsigned worker) = 0;
    /// The worker starts nothing more (its queued jobs are dropped), finishes what runs,
    /// sends the records and exits.
    virtual void drain(unsigned worker) = 0;
    /// The worker drops everything it holds, sends the records it finished and exits.
    virtual void shut_down(unsigned worker) = 0;
    /// The worker is beyond trust (it broke the protocol): it is killed; its exit follows.
    virtual void kill(unsigned worker) = 0;
    /// Starts a fresh worker in the slot of one that exited; it is ready when it says so.
    [[nodiscard]] virtual std::error_code replace(unsigned worker) = 0;
};

/// The frame's pacing bits for a job as the coordinator dispatched it.
[[nodiscard]] inline std::uint8_t pacing_bits(const pending_url& job) noexcept
{
    return static_cast<std::uint8_t>((job.unconfirmed ? wire::report_sends : 0) | (job.ask_turns ? wire::ask_turns : 0));
}

/// What the workers report. `worker` is a slot number, 0 .. workers-1.
class pool_events {
public:
    pool_events() = default;
    pool_events(const pool_events&) = delete;
    pool_events& operator=(const pool_events&) = delete;
    virtual ~pool_events() = default;

    /// The worker said hello: it takes jobs from now on.
    virtual void worker_ready(unsigned worker) = 0;
    virtual void page_result(unsigned worker, const wire::result_view& result) = 0;
    virtual void robots_result(unsigned worker, wire::robots_result& result) = 0;
    /// The worker cannot go on (its WARC files cannot be written): it sends nothing more and
    /// exits on its own.
    virtual void worker_failed(unsigned worker, const wire::worker_failed& failure) = 0;
    /// A paced job's redirect hop asks to start (docs/design.md, "Politeness").
    virtual void turn_asked(unsigned worker, const wire::turn& turn) = 0;
    /// A paced job's request was written.
    virtual void request_sent(unsigned worker, const wire::sent& sent) = 0;
    /// A job's time to send passed before its request was written: it has no result.
    virtual void job_unsent(unsigned worker, const wire::unsent& unsent) = 0;
    /// The worker sent bytes that are not the protocol; the coordinator has it killed.
    virtual void protocol_error(unsigned worker, std::string_view what) = 0;
    /// The worker's results ended and its process is reaped: every record it sent came
    /// before this.
    virtual void worker_exited(unsigned worker, const worker_exit& exit) = 0;
};

} // namespace crawl::supervisor
