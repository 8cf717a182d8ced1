#pragma once
// What the synthetic web's server saw: every request's host, target, arrival (when its first
// byte reached the server: arrival_stamp.hpp) and completion (its response written), and how many requests of its host were in flight
// when it arrived; per host, the request count, the most in flight at once and the smallest
// gap between two request starts; per URL, how many times it was requested. Safe from any
// thread. The in-process server keeps every entry (tests read them); the standalone one keeps
// the counters and may write each entry to a file instead.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace crawl::test::web {

using clock = std::chrono::steady_clock;

struct web_request {
    std::string host;   ///< the Host field as sent
    std::string target; ///< path and query as sent
    std::optional<std::uint32_t> host_index; ///< the web's host it names, if any
    clock::time_point at; ///< its first byte reached the server
    std::optional<clock::time_point> done; ///< its response written (empty while in flight, or if never)
    std::uint32_t in_flight = 0; ///< requests of its host in flight when it arrived, itself included
    unsigned status = 0;
    std::uint64_t bytes = 0; ///< body bytes sent
};

struct host_counters {
    std::uint64_t requests = 0;
    std::uint32_t max_in_flight = 0;
    std::optional<clock::duration> min_gap; ///< between two consecutive arrivals
};

class request_log {
public:
    /// `hosts`: the web's hosts (requests naming no host of the web are counted apart);
    /// `keep_entries`: keep every web_request; `tsv`: write each finished request there, one
    /// line: arrival µs, completion µs (since the log began), status, body bytes, in flight at
    /// arrival, Host, target.
    request_log(std::uint32_t hosts, bool keep_entries, std::FILE* tsv = nullptr);

    /// Notes a request whose header was just read; returns its ticket for finish().
    /// `key`: what identifies its URL (the resource key, or a hash for anything else);
    /// `arrived`: when its first byte reached the server. Threads may note requests in
    /// another order than they arrived: the gaps are between arrivals in time order.
    std::size_t begin(std::string_view host, std::string_view target, std::optional<std::uint32_t> host_index,
                      std::uint64_t key, clock::time_point arrived);
    /// Notes that its response starts going out: from here the client may have it, and send
    /// its next request, so the request no longer counts as in flight at its host. (Noted when
    /// the write completes instead, another thread could log that next request first.)
    void answering(std::size_t ticket);
    /// Notes that its response was written (or the connection is gone); ends its time in
    /// flight too if answering() did not.
    void finish(std::size_t ticket, unsigned status, std::uint64_t bytes);

    [[nodiscard]] std::uint64_t requests() const;
    [[nodiscard]] std::vector<web_request> entries() const; ///< in order of arrival (keep_entries)
    [[nodiscard]] host_counters host(std::uint32_t host_index) const;
    [[nodiscard]] host_counters unknown_hosts() const;
    /// How many times the URL `key` was requested.
    [[nodiscard]] std::uint64_t count(std::uint64_t key) const;
    /// URLs requested more than once: "host target" and the count, sorted.
    [[nodiscard]] std::map<std::string, std::uint64_t> repeated() const;
    /// Distinct URLs requested.
    [[nodiscard]] std::uint64_t distinct() const;

private:
    struct host_state {
        host_counters counters;
        std::uint32_t in_flight = 0;
        /// The latest arrivals, in time order: one noted late goes between its neighbours.
        std::vector<clock::time_point> recent;
    };
    static void note_arrival(host_state& h, clock::time_point arrived);
    struct ticket {
        std::uint32_t slot = 0; ///< host_ index
        clock::time_point at;
        std::uint32_t in_flight = 0;
        std::string host;
        std::string target;
        bool live = false;
        bool counted = false; ///< still counts in its host's in_flight
        std::size_t entry = 0; ///< its index in entries_ (keep_entries)
    };
    std::uint32_t slot_of(std::optional<std::uint32_t> host_index) const;

    const bool keep_entries_;
    std::FILE* const tsv_;
    const clock::time_point started_ = clock::now();
    mutable std::mutex mutex_;
    std::vector<host_state> hosts_; ///< one per host, then one for every other name
    std::vector<web_request> entries_;
    std::vector<ticket> tickets_; ///< open requests (reused slots)
    std::vector<std::size_t> free_tickets_;
    std::unordered_map<std::uint64_t, std::uint32_t> counts_;
    std::map<std::string, std::uint64_t> repeated_;
    std::uint64_t requests_ = 0;
};

} // namespace crawl::test::web
