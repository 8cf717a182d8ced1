#pragma once
// The synthetic web on a loopback port: every host of the web on one address and port, told
// apart by the Host field (resolve the names with --resolve NAME:PORT:127.0.0.1, or with a
// DNS server for the zone "test": tests/support/dns_server.hpp, bench/crawl-bench-dns).
// HTTP/1.1 with keep-alive; several threads, each with its own io_context and SO_REUSEPORT
// acceptor. In-process for the end-to-end tests; bench/web_server.cpp runs it standalone.

#include "support/web/request_log.hpp"
#include "support/web/web.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace crawl::test::web {

struct server_options {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;     ///< 0: a free port
    unsigned threads = 2;
    bool keep_entries = true;   ///< keep every request in the log (request_log::entries)
    std::FILE* tsv = nullptr;   ///< also write each request there (request_log)
};

class web_server {
public:
    /// Listens before it returns. `params.port` is replaced by the port bound, so every link
    /// of the web names it. Throws what binding throws, and std::invalid_argument for bad params.
    explicit web_server(web_params params, server_options options = {});
    ~web_server(); ///< stops the threads; requests in flight are cut off
    web_server(const web_server&) = delete;
    web_server& operator=(const web_server&) = delete;

    [[nodiscard]] const web& site() const noexcept;
    [[nodiscard]] std::uint16_t port() const noexcept;
    /// The URL of `r` (as web::url).
    [[nodiscard]] std::string url(const resource& r) const;
    /// "--resolve" values for hosts [first, first + count): "NAME:PORT:127.0.0.1".
    [[nodiscard]] std::vector<std::string> resolve_args(std::uint32_t first, std::uint32_t count) const;

    [[nodiscard]] const request_log& log() const noexcept;
    [[nodiscard]] std::uint64_t connections() const noexcept;
    /// Requests of `r`'s URL so far.
    [[nodiscard]] std::uint64_t requests_for(const resource& r) const;

    /// Every answer of `host` waits `delay` first (a slow host); zero removes the delay.
    void set_delay(std::uint32_t host, std::chrono::milliseconds delay);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace crawl::test::web
