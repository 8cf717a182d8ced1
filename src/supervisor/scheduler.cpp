#include "scheduler.hpp"

#include <algorithm>

namespace crawl::supervisor {

scheduler::scheduler(unsigned workers, unsigned credits, unsigned concurrency, unsigned per_host)
    : workers_(workers), credits_(credits), concurrency_(concurrency), per_host_(per_host)
{
}

void scheduler::mark_ready(const std::string& key, host_state& h)
{
    // Pacing is checked when next() reaches the host, not here: callers need not know the time.
    if (!h.ready && has_work_and_room(h)) {
        h.ready = true;
        ready_.push_back(key);
    }
}

void scheduler::time_host(const std::string& key, host_state& h)
{
    if (!h.timed) {
        h.timed = true;
        timed_.push_back({h.next_start, order_++, key});
        std::push_heap(timed_.begin(), timed_.end(), later{});
    }
}

void scheduler::forget_if_idle(std::unordered_map<std::string, host_state>::iterator it, clock::time_point now)
{
    host_state& h = it->second;
    if (!h.queue.empty() || h.in_flight != 0 || !h.turns.empty() || h.unconfirmed) {
        return;
    }
    if (h.next_start <= now) {
        hosts_.erase(it); // nothing left for this host: forget it, memory stays bounded
    } else {
        // Keep its pacing until it expires, then forget it (when timed_ reaches it).
        time_host(it->first, h);
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

void scheduler::add_later(pending_url url, clock::time_point when)
{
    ++queued_;
    waiting_.push_back({when, order_++, std::move(url)});
    std::push_heap(waiting_.begin(), waiting_.end(), later{});
}

void scheduler::hold_host(const std::string& host_key, clock::time_point until)
{
    auto [it, inserted] = hosts_.try_emplace(host_key);
    host_state& h = it->second;
    if (until > h.next_start) {
        h.next_start = until;
        if (h.queue.empty() && h.in_flight == 0) {
            time_host(it->first, h); // so that an idle held host is forgotten afterwards
        }
    }
}

std::vector<pending_url> scheduler::drop_host(const std::string& host_key)
{
    std::vector<pending_url> dropped;
    if (auto it = hosts_.find(host_key); it != hosts_.end()) {
        for (auto& url : it->second.queue) {
            dropped.push_back(std::move(url));
        }
        it->second.queue.clear();
    }
    const auto kept_end = std::partition(waiting_.begin(), waiting_.end(), [&](const auto& e) {
        return e.item.host_key != host_key;
    });
    for (auto i = kept_end; i != waiting_.end(); ++i) {
        dropped.push_back(std::move(i->item));
    }
    waiting_.erase(kept_end, waiting_.end());
    std::make_heap(waiting_.begin(), waiting_.end(), later{});
    queued_ -= dropped.size();
    return dropped;
}

void scheduler::release_due(clock::time_point now)
{
    while (!waiting_.empty() && waiting_.front().when <= now) {
        std::pop_heap(waiting_.begin(), waiting_.end(), later{});
        pending_url url = std::move(waiting_.back().item);
        waiting_.pop_back();
        auto [it, inserted] = hosts_.try_emplace(url.host_key);
        // A retry has waited already: it goes before the host's other URLs.
        it->second.queue.push_front(std::move(url));
        mark_ready(it->first, it->second);
    }
    while (!timed_.empty() && timed_.front().when <= now) {
        std::pop_heap(timed_.begin(), timed_.end(), later{});
        const std::string key = std::move(timed_.back().item);
        timed_.pop_back();
        auto it = hosts_.find(key);
        if (it == hosts_.end()) {
            continue; // forgotten meanwhile
        }
        it->second.timed = false;
        if (it->second.next_start > now) {
            time_host(key, it->second); // held longer since this entry was made
            continue;
        }
        mark_ready(key, it->second);
        forget_if_idle(it, now);
    }
}

std::optional<clock::time_point> scheduler::next_wakeup() const
{
    std::optional<clock::time_point> t;
    if (!timed_.empty()) {
        t = timed_.front().when;
    }
    if (!waiting_.empty() && (!t || waiting_.front().when < *t)) {
        t = waiting_.front().when;
    }
    return t;
}

void scheduler::start(unsigned worker, const pending_url& url, clock::time_point now)
{
    auto& h = hosts_[url.host_key];
    ++h.in_flight;
    h.last_worker = static_cast<int>(worker);
    h.next_start = std::max(h.next_start, now + url.delay);
    h.unconfirmed = url.delay.count() > 0;
    --queued_;
    ++in_flight_;
    ++workers_[worker].load;
}

std::optional<scheduler::assignment> scheduler::next_suspect(clock::time_point now)
{
    // Suspects bypass the per-host limit and pacing: they are rare, one at a time, and already
    // late.
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
    start(worker, a.url, now);
    workers_[worker].quarantined = true;
    return a;
}

std::optional<unsigned> scheduler::pick_worker(const host_state& h, bool paced) const
{
    // A paced URL goes only where a fetcher is idle: queued behind others in a worker, it
    // would start later than sent, and the next one to its host could follow too closely.
    const unsigned limit = paced ? std::min(credits_, concurrency_) : credits_;
    std::optional<unsigned> best;
    for (unsigned w = 0; w < workers_.size(); ++w) {
        const auto& ws = workers_[w];
        const bool kept_for_suspect = !suspects_.empty() && static_cast<int>(w) == draining_;
        if (!ws.available || ws.quarantined || kept_for_suspect || ws.load >= limit) {
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

std::optional<scheduler::assignment> scheduler::next(clock::time_point now)
{
    release_due(now);
    if (!suspects_.empty()) {
        if (auto a = next_suspect(now)) {
            return a;
        }
    }
    while (!ready_.empty()) {
        auto it = hosts_.find(ready_.front());
        if (it == hosts_.end() || !has_work_and_room(it->second)) { // stale entry
            if (it != hosts_.end()) {
                it->second.ready = false;
            }
            ready_.pop_front();
            continue;
        }
        auto& h = it->second;
        if (h.next_start > now) { // paced: it comes back through timed_ when its time comes
            h.ready = false;
            ready_.pop_front();
            time_host(it->first, h);
            continue;
        }
        const auto worker = pick_worker(h, h.queue.front().delay.count() > 0);
        if (!worker) {
            return std::nullopt; // every worker is out of credit
        }
        ready_.pop_front();
        h.ready = false;
        assignment a{std::move(h.queue.front()), *worker};
        h.queue.pop_front();
        start(*worker, a.url, now);
        mark_ready(it->first, h); // to the back: hosts take turns
        return a;
    }
    return std::nullopt;
}

void scheduler::completed(unsigned worker, const std::string& host_key, clock::time_point now)
{
    workers_[worker].quarantined = false;
    --workers_[worker].load;
    --in_flight_;
    auto it = hosts_.find(host_key);
    auto& h = it->second;
    --h.in_flight;
    mark_ready(it->first, h);
    forget_if_idle(it, now);
}

void scheduler::withdraw(unsigned worker, const std::string& host_key, clock::time_point now)
{
    if (const auto it = hosts_.find(host_key); it != hosts_.end()) {
        it->second.unconfirmed = false; // nothing was sent
    }
    completed(worker, host_key, now);
}

void scheduler::confirm_sent(const std::string& host_key, clock::time_point sent, std::chrono::milliseconds delay,
                             clock::time_point now)
{
    const auto it = hosts_.find(host_key);
    if (it == hosts_.end()) {
        return;
    }
    host_state& h = it->second;
    h.unconfirmed = false;
    h.next_start = std::max(h.next_start, sent + delay);
    mark_ready(it->first, h);
    if (!h.turns.empty() && h.next_start > now) {
        time_host(it->first, h); // so that next_wakeup() names the turn's time
    }
    forget_if_idle(it, now);
}

void scheduler::request_turn(const std::string& host_key, turn_request request)
{
    auto [it, inserted] = hosts_.try_emplace(host_key);
    if (it->second.turns.empty()) {
        turn_hosts_.push_back(host_key);
    }
    it->second.turns.push_back(request);
}

std::optional<scheduler::granted_turn> scheduler::next_turn(clock::time_point now)
{
    for (std::size_t i = 0; i < turn_hosts_.size();) {
        const auto it = hosts_.find(turn_hosts_[i]);
        if (it == hosts_.end() || it->second.turns.empty()) { // drop_turns() emptied it
            turn_hosts_[i] = std::move(turn_hosts_.back());
            turn_hosts_.pop_back();
            if (it != hosts_.end()) {
                forget_if_idle(it, now);
            }
            continue;
        }
        host_state& h = it->second;
        if (h.unconfirmed) {
            ++i; // its confirmation comes first
            continue;
        }
        if (h.next_start > now) {
            time_host(it->first, h);
            ++i;
            continue;
        }
        granted_turn g{h.turns.front(), it->first};
        h.turns.pop_front();
        h.unconfirmed = g.request.delay.count() > 0;
        h.next_start = std::max(h.next_start, now + g.request.delay);
        if (h.turns.empty()) {
            turn_hosts_[i] = std::move(turn_hosts_.back());
            turn_hosts_.pop_back();
            mark_ready(it->first, h);
        }
        return g;
    }
    return std::nullopt;
}

void scheduler::drop_turns(unsigned worker)
{
    for (const auto& key : turn_hosts_) {
        if (const auto it = hosts_.find(key); it != hosts_.end()) {
            std::erase_if(it->second.turns, [worker](const turn_request& r) { return r.worker == worker; });
        }
    }
}

void scheduler::set_available(unsigned worker, bool available)
{
    workers_[worker].available = available;
}

} // namespace crawl::supervisor
