#include "process_pool.hpp"

#include <signal.h>

#include <chrono>
#include <system_error>

namespace crawl::supervisor {

namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

// How long a worker may live on after its result pipe ended. One whose input we ended is on
// its way out (a sanitizer build checks for leaks first, which takes a while); one that closed
// its pipe unasked is broken, and only given the time to exit with a status worth reporting.
constexpr auto exit_grace_when_asked = 10s;
constexpr auto exit_grace_unasked = 2s;

} // namespace

process_pool::process_pool(net::io_context& ioc, const worker::options& opts, std::vector<spawned_worker> workers)
    : ioc_(ioc), opts_(opts), child_ended_(ioc, SIGCHLD)
{
    slots_.reserve(workers.size());
    for (std::size_t i = 0; i < workers.size(); ++i) {
        slots_.emplace_back(ioc);
    }
    for (unsigned i = 0; i < workers.size(); ++i) {
        attach(i, std::move(workers[i]));
    }
}

void process_pool::start(pool_events& events)
{
    events_ = &events;
    wait_for_children();
    // A worker that ended before SIGCHLD was caught left no signal behind, only a zombie.
    reap_children();
}

void process_pool::attach(unsigned worker, spawned_worker w)
{
    auto& s = slots_[worker];
    s.pid = static_cast<int>(w.pid);
    s.input_ended = false;
    s.killed = false;
    s.results_ended = false;
    s.hung = false;
    s.reaped.reset();
    s.channel = std::make_unique<wire::channel>(ioc_.get_executor(), std::move(w.results), std::move(w.jobs));
    wire::channel_handlers handlers;
    handlers.on_frame = [this, worker](const wire::frame_view& frame) { return take_frame(worker, frame); };
    handlers.on_read_end = [this, worker](const wire::channel_error& why) { results_ended(worker, why); };
    // A failed write means the worker is gone: its result pipe ends too, and that is handled.
    s.channel->start(std::move(handlers));
}

// ---- what the coordinator asks -----------------------------------------------------------

void process_pool::send(unsigned worker, const pending_url& job)
{
    auto& s = slots_[worker];
    if (!s.channel || s.input_ended) {
        return;
    }
    // The same clock in every process of the machine (CLOCK_MONOTONIC): the worker compares.
    const std::int64_t send_by_ns =
        job.send_by ? std::chrono::duration_cast<std::chrono::nanoseconds>(job.send_by->time_since_epoch()).count() : 0;
    if (job.kind == job_kind::robots) {
        wire::append_frame(wire::robots_job{job.seq, job.target.scheme, job.target.host, job.target.port,
                                            pacing_bits(job), send_by_ns},
                           s.channel->outbox());
    } else {
        wire::append_job_frame(job.seq, job.attempt, job.url, job.target, pacing_bits(job), job.crawl, send_by_ns,
                               s.channel->outbox());
    }
    s.channel->flush();
}

void process_pool::grant_turn(unsigned worker, const wire::go& go)
{
    auto& s = slots_[worker];
    if (!s.channel || s.input_ended) {
        return; // its input has ended: the worker goes ahead without asking (pacing_desk::release_all)
    }
    wire::append_frame(go, s.channel->outbox());
    s.channel->flush();
}

void process_pool::end_input(unsigned worker, void (*last_frame)(std::string&))
{
    auto& s = slots_[worker];
    if (!s.channel || s.input_ended) {
        return;
    }
    s.input_ended = true;
    if (last_frame != nullptr) {
        last_frame(s.channel->outbox());
    }
    s.channel->close_after_flush(); // the worker reads the end of its jobs after that frame
}

void process_pool::finish(unsigned worker)
{
    end_input(worker, nullptr);
}

void process_pool::drain(unsigned worker)
{
    end_input(worker, &wire::append_drain_frame);
}

void process_pool::shut_down(unsigned worker)
{
    end_input(worker, &wire::append_shutdown_frame);
}

void process_pool::kill(unsigned worker)
{
    auto& s = slots_[worker];
    if (s.pid > 0 && !s.reaped) {
        ::kill(s.pid, SIGKILL);
    }
    s.killed = true;
}

std::error_code process_pool::replace(unsigned worker)
{
    try {
        // The io_context exists here, so the child must not touch it: spawn_worker's child
        // closes every inherited descriptor (epoll's included) and builds its own.
        attach(worker, spawn_worker(worker, opts_));
    } catch (const std::system_error& e) {
        return e.code();
    }
    return {};
}

// ---- what the workers say ----------------------------------------------------------------

std::optional<std::string> process_pool::take_frame(unsigned worker, const wire::frame_view& frame)
{
    if (slots_[worker].killed) {
        return std::nullopt; // beyond trust: read on to the end, hand nothing on
    }
    switch (frame.type) {
    case wire::frame_type::hello: {
        const auto hello = wire::decode_hello(frame.payload);
        if (!hello || hello->version != wire::protocol_version) {
            return "bad hello frame";
        }
        events_->worker_ready(worker);
        return std::nullopt;
    }
    case wire::frame_type::result: {
        const auto result = wire::decode_result(frame.payload);
        if (!result) {
            return "malformed result frame";
        }
        events_->page_result(worker, *result);
        return std::nullopt;
    }
    case wire::frame_type::robots_result: {
        auto result = wire::decode_robots_result(frame.payload);
        if (!result) {
            return "malformed robots result frame";
        }
        events_->robots_result(worker, *result);
        return std::nullopt;
    }
    case wire::frame_type::failed: {
        const auto failure = wire::decode_worker_failed(frame.payload);
        if (!failure) {
            return "malformed failed frame";
        }
        events_->worker_failed(worker, *failure);
        return std::nullopt;
    }
    case wire::frame_type::turn: {
        const auto turn = wire::decode_turn(frame.payload);
        if (!turn) {
            return "malformed turn frame";
        }
        events_->turn_asked(worker, *turn);
        return std::nullopt;
    }
    case wire::frame_type::sent: {
        const auto sent = wire::decode_sent(frame.payload);
        if (!sent) {
            return "malformed sent frame";
        }
        events_->request_sent(worker, *sent);
        return std::nullopt;
    }
    case wire::frame_type::unsent: {
        const auto unsent = wire::decode_unsent(frame.payload);
        if (!unsent) {
            return "malformed unsent frame";
        }
        events_->job_unsent(worker, *unsent);
        return std::nullopt;
    }
    default:
        return "a frame a worker never sends";
    }
}

void process_pool::results_ended(unsigned worker, const wire::channel_error& why)
{
    auto& s = slots_[worker];
    s.results_ended = true;
    if (why.what == wire::channel_error::kind::protocol) {
        events_->protocol_error(worker, why.message); // the coordinator has it killed
    }
    if (!s.reaped) {
        s.reaped = reap_ended(s.pid);
    }
    if (s.reaped) {
        report_exit_when_complete(worker);
        return;
    }
    // Its results are over but the process lives on: it gets a while to exit, then SIGKILL.
    s.grace.expires_after(s.input_ended ? exit_grace_when_asked : exit_grace_unasked);
    s.grace.async_wait([this, worker, pid = s.pid](const boost::system::error_code& ec) {
        auto& hung = slots_[worker];
        if (ec || hung.pid != pid || hung.reaped) {
            return;
        }
        hung.hung = true;
        ::kill(pid, SIGKILL); // SIGCHLD follows, and the exit is reported then
    });
}

void process_pool::wait_for_children()
{
    child_ended_.async_wait([this](const boost::system::error_code& ec, int) {
        if (ec) {
            return;
        }
        reap_children();
        wait_for_children();
    });
}

/// Reaps every worker that has ended (one SIGCHLD may stand for several).
void process_pool::reap_children()
{
    while (auto exit = reap_ended()) {
        for (unsigned i = 0; i < slots_.size(); ++i) {
            if (slots_[i].pid == exit->pid && !slots_[i].reaped) {
                slots_[i].reaped = std::move(*exit);
                report_exit_when_complete(i);
                break;
            }
        }
    }
}

/// A worker's exit is news once its records are all in and its process is reaped.
void process_pool::report_exit_when_complete(unsigned worker)
{
    auto& s = slots_[worker];
    if (!s.results_ended || !s.reaped) {
        return;
    }
    s.grace.cancel();
    worker_exit exit = std::move(*s.reaped);
    if (s.hung) {
        exit.how = "closed its result pipe without exiting and was " + exit.how;
    }
    s.reaped.reset();
    s.pid = -1;
    s.channel.reset();
    events_->worker_exited(worker, exit); // may replace the worker in this slot
}

} // namespace crawl::supervisor
