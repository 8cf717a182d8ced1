#pragma once
// A small authoritative DNS server on UDP loopback for tests and the DNS benchmark. It answers
// A queries for names under its zone with a loopback address, AAAA queries with no data, and
// anything else with NXDOMAIN; every answer can be held back by a fixed delay, so a resolver
// that asks one name at a time shows up at once. Runs on its own thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace crawl::test {

struct dns_options {
    std::string zone = "test";   ///< answers names ending in ".<zone>" (case-insensitive)
    std::uint16_t port = 0;      ///< 0: a free port on 127.0.0.1
    std::chrono::milliseconds delay{0}; ///< how long each answer is held back
    std::uint32_t ttl = 300;     ///< TTL of every A record
    bool silent = false;         ///< read queries, never answer
    /// The A record: 127.0.0.<1 + hash(name) % spread>; 1 puts every name on 127.0.0.1.
    unsigned spread = 1;
};

class dns_server {
public:
    explicit dns_server(dns_options options = {});
    ~dns_server(); ///< stops and joins its thread
    dns_server(const dns_server&) = delete;
    dns_server& operator=(const dns_server&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept;
    /// "127.0.0.1:PORT", as --dns-server takes it.
    [[nodiscard]] std::string address() const;
    /// Queries received so far, all names and types.
    [[nodiscard]] std::uint64_t queries() const noexcept;
    /// A and AAAA queries received for `name` (lowercase, no trailing dot).
    [[nodiscard]] std::uint64_t queries_for(const std::string& name) const;
    /// The most queries that were waiting for their answer at one time: with a delay, how many
    /// lookups a client had out at once.
    [[nodiscard]] std::uint64_t max_waiting() const noexcept;
    /// The address the A record of `name` holds.
    [[nodiscard]] std::string address_of(const std::string& name) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace crawl::test
