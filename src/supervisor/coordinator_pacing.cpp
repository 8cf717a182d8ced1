// Pacing from the actual send: a paced host's next request starts --delay (or Crawl-delay)
// after the previous one was written, as the worker reports it, not after it was dispatched;
// and a redirect hop of a paced job starts only when its host's pacing allows (the worker asks
// for a turn). docs/design.md, "Politeness".

#include "coordinator.hpp"

namespace crawl::supervisor {

std::chrono::milliseconds coordinator::delay_of(const std::string& scheme, const std::string& host_key)
{
    if (const robots_answer* a = origins_.answer(scheme + "://" + host_key)) {
        return a->delay;
    }
    return opts_.delay;
}

/// Marks a job being dispatched: paced when its host is (its sends are reported), and asking
/// turns for its redirect hops whenever any host of the crawl may be paced.
void coordinator::pace(pending_url& job)
{
    job.ask_turns = opts_.delay.count() > 0 || crawl_delay_seen_;
    job.unconfirmed = job.delay.count() > 0;
    job.paced_host = job.unconfirmed ? job.host_key : std::string();
    job.paced_delay = job.delay;
}

pending_url* coordinator::held_job(unsigned worker, std::uint64_t id)
{
    auto& slot = slots_[worker];
    const auto it = slot.in_flight.find(id);
    return it == slot.in_flight.end() ? nullptr : &it->second;
}

void coordinator::turn_asked(unsigned worker, const wire::turn& turn)
{
    if (slots_[worker].killed) {
        return;
    }
    pending_url* job = held_job(worker, turn.id);
    // A hop follows a response, so a paced job's previous send was reported before it asks.
    if (job == nullptr || !job->ask_turns || job->unconfirmed) {
        protocol_error(worker, "a turn for a job that may not ask for one");
        return;
    }
    const auto delay = delay_of(turn.scheme, turn.host_port);
    if (delay.count() == 0) {
        job->paced_host.clear();
        pool_.grant_turn(worker, wire::go{turn.id, false});
        return;
    }
    sched_.request_turn(turn.host_port, turn_request{worker, turn.id, delay});
    grant_turns(env_.now());
}

void coordinator::request_sent(unsigned worker, const wire::sent& sent)
{
    if (slots_[worker].killed) {
        return;
    }
    pending_url* job = held_job(worker, sent.id);
    if (job == nullptr || job->paced_host.empty()) {
        protocol_error(worker, "a send report for a request that is not paced");
        return;
    }
    const auto now = env_.now();
    // One clock for every process (CLOCK_MONOTONIC); a time ahead of ours would be a broken worker's.
    const auto at = std::min(now, clock::time_point{std::chrono::duration_cast<clock::duration>(
                                     std::chrono::nanoseconds(sent.at_ns))});
    if (job->unconfirmed) {
        job->unconfirmed = false;
        sched_.confirm_sent(job->paced_host, at, job->paced_delay, now);
    } else {
        sched_.hold_host(job->paced_host, at + job->paced_delay); // written again on a fresh connection
    }
    after_event();
}

/// A shared crawl's job reached its time to send before its request was written (it waited
/// in the worker's queue, or connecting): nothing went out. While this process still holds the
/// host, the job goes back to the front of its host's queue, with a new time; once it does
/// not, it is let go like a job never dispatched.
void coordinator::job_unsent(unsigned worker, const wire::unsent& unsent)
{
    if (slots_[worker].killed) {
        return;
    }
    const auto& in_flight = slots_[worker].in_flight;
    const auto it = in_flight.find(unsent.id);
    const job_kind kind = it != in_flight.end() ? it->second.kind : job_kind::page;
    auto job = take_in_flight(worker, unsent.id, kind);
    if (!job) {
        return;
    }
    ++stats_.shared.unsent;
    if (!fence_to_lease(*job)) {
        sched_.requeue(std::move(*job));
    }
    after_event();
}

/// Grants the turns whose hosts' pacing allows them now. They go out whatever the phase: the
/// jobs that asked are running, and a drain lets them finish.
void coordinator::grant_turns(clock::time_point now)
{
    while (auto g = sched_.next_turn(now)) {
        pending_url* job = held_job(g->request.worker, g->request.id);
        if (job == nullptr) {
            continue; // its worker died meanwhile
        }
        job->paced_host = std::move(g->host_key);
        job->paced_delay = g->request.delay;
        job->unconfirmed = true;
        pool_.grant_turn(g->request.worker, wire::go{g->request.id, true});
    }
}

/// A job leaves its worker (finished, or the worker died): a send it never confirmed may have
/// happened just now, so its host waits its delay from now.
void coordinator::release_pacing(pending_url& job, clock::time_point now)
{
    if (job.unconfirmed) {
        job.unconfirmed = false;
        sched_.confirm_sent(job.paced_host, now, job.paced_delay, now);
    }
    job.paced_host.clear();
}

} // namespace crawl::supervisor
