#pragma once
// What a fetch may do and how long it may take. Plain data: no Asio here.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace crawl::fetch {

/// `--resolve HOST:PORT:ADDR`: connect to ADDR for HOST:PORT without asking DNS (as curl).
struct resolve_override {
    std::string host; ///< lowercase, IPv6 without brackets
    std::uint16_t port = 0;
    std::string address;
};

struct options {
    std::chrono::milliseconds total_timeout{30'000};   ///< whole URL, redirects included
    std::chrono::milliseconds connect_timeout{10'000}; ///< DNS + TCP connect + TLS handshake
    std::chrono::milliseconds read_timeout{15'000};    ///< response header wait, then each idle read
    int max_redirects = 5;
    std::uint64_t max_body = 16u << 20;                ///< decoded bytes
    std::uint32_t max_header_bytes = 128u << 10;       ///< response header block (status line + fields)
    std::uint32_t max_header_fields = 1000;            ///< field lines per response
    std::string user_agent;
    /// Extra request headers in order; an empty value removes a default header (as curl -H "X:").
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<resolve_override> resolve;
    /// `--dns-server ADDR[:PORT]`: name servers to ask instead of /etc/resolv.conf's
    /// (IPv6 as [ADDR]:PORT); /etc/hosts is still read first.
    std::vector<std::string> dns_servers;
    std::string cacert;    ///< PEM bundle replacing the system CA store when non-empty
    bool insecure = false; ///< skip certificate and hostname verification
    /// Let redirects lead to loopback, private and link-local addresses even when the URL
    /// started on a public one (an inward URL's redirects may always stay inward).
    bool allow_private = false;
    /// Idle keep-alive connections kept per host:port and in total (per worker). The worker
    /// raises the first to what it may have in flight to one host, so a burst of answers from one
    /// host does not close connections that the next requests would have reused.
    unsigned max_idle_per_host = 8;
    unsigned max_idle_total = 512;
};

} // namespace crawl::fetch
