#include "scheduler.hpp"

namespace crawl::supervisor {

scheduler::scheduler(unsigned workers, unsigned credits, unsigned per_host)
    : workers_(workers), credits_(credits), per_host_(per_host)
{
}

void scheduler::mark_ready(const std::string& key, host_state& h)
{
    if (!h.ready && host_can_start(h)) {
        h.ready = true;
        ready_.push_back(key);
    }
}

void scheduler::add(pending_url url)
{
    auto [it, inserted] = hosts_.try_emplace(url.host_key);
    it->second.queue.push_back(std::move(url));
    ++queued_;
    mark_ready(it->first, it->second);
}

void scheduler::requeue(pending_url url)
{
    ++queued_;
    if (url.crashes > 0) {
        suspects_.push_back(std::move(url));
        return;
    }
    auto [it, inserted] = hosts_.try_emplace(url.host_key);
    it->second.queue.push_front(std::move(url));
    mark_ready(it->first, it->second);
}

void scheduler::start(unsigned worker, const std::string& host_key)
{
    auto& h = hosts_[host_key];
    ++h.in_flight;
    h.last_worker = static_cast<int>(worker);
    --queued_;
    ++in_flight_;
    ++workers_[worker].load;
}

std::optional<scheduler::assignment> scheduler::next_suspect()
{
    // Suspects bypass the per-host limit: they are rare, one at a time, and already late.
    if (draining_ < 0 || !workers_[static_cast<unsigned>(draining_)].available) {
        draining_ = -1;
        for (unsigned w = 0; w < workers_.size(); ++w) {
            if (workers_[w].available &&
                (draining_ < 0 || workers_[w].load < workers_[static_cast<unsigned>(draining_)].load)) {
                draining_ = static_cast<int>(w);
            }
        }
    }
    if (draining_ < 0 || workers_[static_cast<unsigned>(draining_)].load != 0) {
        return std::nullopt; // wait until the drained worker is idle
    }
    const auto worker = static_cast<unsigned>(draining_);
    assignment a{std::move(suspects_.front()), worker};
    suspects_.pop_front();
    start(worker, a.url.host_key);
    workers_[worker].quarantined = true;
    return a;
}

std::optional<unsigned> scheduler::pick_worker(const host_state& h) const
{
    std::optional<unsigned> best;
    for (unsigned w = 0; w < workers_.size(); ++w) {
        const auto& ws = workers_[w];
        const bool kept_for_suspect = !suspects_.empty() && static_cast<int>(w) == draining_;
        if (!ws.available || ws.quarantined || kept_for_suspect || ws.load >= credits_) {
            continue;
        }
        if (!best || ws.load < workers_[*best].load) {
            best = w;
        }
    }
    // Among the least loaded, prefer the worker that may still hold a keep-alive connection.
    if (best && h.last_worker >= 0) {
        const auto last = static_cast<unsigned>(h.last_worker);
        if (workers_[last].available && !workers_[last].quarantined && workers_[last].load == workers_[*best].load &&
            !(static_cast<int>(last) == draining_ && !suspects_.empty())) {
            best = last;
        }
    }
    return best;
}

std::optional<scheduler::assignment> scheduler::next()
{
    if (!suspects_.empty()) {
        if (auto a = next_suspect()) {
            return a;
        }
    }
    while (!ready_.empty()) {
        auto it = hosts_.find(ready_.front());
        if (it == hosts_.end() || !host_can_start(it->second)) { // stale entry
            if (it != hosts_.end()) {
                it->second.ready = false;
            }
            ready_.pop_front();
            continue;
        }
        auto& h = it->second;
        const auto worker = pick_worker(h);
        if (!worker) {
            return std::nullopt; // every worker is out of credit
        }
        ready_.pop_front();
        h.ready = false;
        assignment a{std::move(h.queue.front()), *worker};
        h.queue.pop_front();
        start(*worker, it->first);
        mark_ready(it->first, h); // to the back: hosts take turns
        return a;
    }
    return std::nullopt;
}

void scheduler::completed(unsigned worker, const std::string& host_key)
{
    workers_[worker].quarantined = false;
    --workers_[worker].load;
    --in_flight_;
    auto it = hosts_.find(host_key);
    auto& h = it->second;
    --h.in_flight;
    if (h.queue.empty() && h.in_flight == 0) {
        hosts_.erase(it); // nothing left for this host: forget it, memory stays bounded
        return;
    }
    mark_ready(it->first, h);
}

void scheduler::set_available(unsigned worker, bool available)
{
    workers_[worker].available = available;
}

} // namespace crawl::supervisor
