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
    auto [it, inserted] = hosts_.try_emplace(url.host_key);
    it->second.queue.push_front(std::move(url));
    ++queued_;
    mark_ready(it->first, it->second);
}

std::optional<unsigned> scheduler::pick_worker(const host_state& h) const
{
    std::optional<unsigned> best;
    for (unsigned w = 0; w < workers_.size(); ++w) {
        const auto& ws = workers_[w];
        if (!ws.available || ws.load >= credits_) {
            continue;
        }
        if (!best || ws.load < workers_[*best].load) {
            best = w;
        }
    }
    // Among the least loaded, prefer the worker that may still hold a keep-alive connection.
    if (best && h.last_worker >= 0) {
        const auto last = static_cast<unsigned>(h.last_worker);
        if (workers_[last].available && workers_[last].load == workers_[*best].load) {
            best = last;
        }
    }
    return best;
}

std::optional<scheduler::assignment> scheduler::next()
{
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
        ++h.in_flight;
        h.last_worker = static_cast<int>(*worker);
        --queued_;
        ++in_flight_;
        ++workers_[*worker].load;
        mark_ready(it->first, h); // to the back: hosts take turns
        return a;
    }
    return std::nullopt;
}

void scheduler::completed(unsigned worker, const std::string& host_key)
{
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
