#include "support/web/request_log.hpp"

#include <algorithm>

namespace crawl::test::web {

namespace {

long long micros(clock::duration d)
{
    return static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

} // namespace

request_log::request_log(std::uint32_t hosts, bool keep_entries, std::FILE* tsv)
    : keep_entries_(keep_entries), tsv_(tsv), hosts_(static_cast<std::size_t>(hosts) + 1)
{
}

std::uint32_t request_log::slot_of(std::optional<std::uint32_t> host_index) const
{
    const auto unknown = static_cast<std::uint32_t>(hosts_.size() - 1);
    return host_index && *host_index < unknown ? *host_index : unknown;
}

/// The smallest gap can only shrink: an arrival noted between two others makes two gaps, each
/// no larger than the one they split, so keeping the old one in the minimum changes nothing.
void request_log::note_arrival(host_state& h, clock::time_point arrived)
{
    // A server thread notes a request at most a few scheduling delays late: a handful of
    // arrivals is enough to place it.
    constexpr std::size_t kept = 16;
    auto& recent = h.recent;
    const auto at = std::upper_bound(recent.begin(), recent.end(), arrived);
    auto shrink_to = [&](clock::duration gap) {
        h.counters.min_gap = h.counters.min_gap ? std::min(*h.counters.min_gap, gap) : gap;
    };
    if (at != recent.begin()) {
        shrink_to(arrived - *std::prev(at));
    }
    if (at != recent.end()) {
        shrink_to(*at - arrived);
    }
    recent.insert(at, arrived);
    if (recent.size() > kept) {
        recent.erase(recent.begin());
    }
}

std::size_t request_log::begin(std::string_view host, std::string_view target, std::optional<std::uint32_t> host_index,
                               std::uint64_t key, clock::time_point arrived)
{
    const std::scoped_lock lock(mutex_);
    ++requests_;
    host_state& h = hosts_[slot_of(host_index)];
    ++h.counters.requests;
    ++h.in_flight;
    h.counters.max_in_flight = std::max(h.counters.max_in_flight, h.in_flight);
    note_arrival(h, arrived);

    const std::uint32_t seen = ++counts_[key];
    if (seen >= 2) {
        repeated_[std::string(host) + " " + std::string(target)] = seen;
    }

    ticket t{slot_of(host_index), arrived, h.in_flight, std::string(host), std::string(target), true, true, entries_.size()};
    if (keep_entries_) {
        entries_.push_back(web_request{t.host, t.target, host_index, arrived, std::nullopt, h.in_flight, 0, 0});
    }
    std::size_t id = 0;
    if (free_tickets_.empty()) {
        id = tickets_.size();
        tickets_.push_back(std::move(t));
    } else {
        id = free_tickets_.back();
        free_tickets_.pop_back();
        tickets_[id] = std::move(t);
    }
    return id;
}

void request_log::answering(std::size_t id)
{
    const std::scoped_lock lock(mutex_);
    ticket& t = tickets_.at(id);
    if (t.live && t.counted) {
        t.counted = false;
        --hosts_[t.slot].in_flight;
    }
}

void request_log::finish(std::size_t id, unsigned status, std::uint64_t bytes)
{
    const std::scoped_lock lock(mutex_);
    const clock::time_point now = clock::now();
    ticket& t = tickets_.at(id);
    if (!t.live) {
        return;
    }
    t.live = false;
    if (t.counted) {
        t.counted = false;
        --hosts_[t.slot].in_flight;
    }
    if (keep_entries_) {
        web_request& e = entries_.at(t.entry);
        e.done = now;
        e.status = status;
        e.bytes = bytes;
    }
    if (tsv_ != nullptr) {
        std::fprintf(tsv_, "%lld\t%lld\t%u\t%llu\t%u\t%s\t%s\n", micros(t.at - started_), micros(now - started_), status,
                     static_cast<unsigned long long>(bytes), t.in_flight, t.host.c_str(), t.target.c_str());
    }
    t.host.clear();
    t.target.clear();
    free_tickets_.push_back(id);
}

std::uint64_t request_log::requests() const
{
    const std::scoped_lock lock(mutex_);
    return requests_;
}

std::vector<web_request> request_log::entries() const
{
    std::vector<web_request> out;
    {
        const std::scoped_lock lock(mutex_);
        out = entries_;
    }
    std::stable_sort(out.begin(), out.end(), [](const web_request& a, const web_request& b) { return a.at < b.at; });
    return out;
}

host_counters request_log::host(std::uint32_t host_index) const
{
    const std::scoped_lock lock(mutex_);
    return hosts_[slot_of(host_index)].counters;
}

host_counters request_log::unknown_hosts() const
{
    const std::scoped_lock lock(mutex_);
    return hosts_.back().counters;
}

std::uint64_t request_log::count(std::uint64_t key) const
{
    const std::scoped_lock lock(mutex_);
    const auto it = counts_.find(key);
    return it == counts_.end() ? 0 : it->second;
}

std::map<std::string, std::uint64_t> request_log::repeated() const
{
    const std::scoped_lock lock(mutex_);
    return repeated_;
}

std::uint64_t request_log::distinct() const
{
    const std::scoped_lock lock(mutex_);
    return counts_.size();
}

} // namespace crawl::test::web
