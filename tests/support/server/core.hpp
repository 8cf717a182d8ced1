#pragma once
// The test server's state shared by all its connections: address and TLS context, counters and
// the request log, the scripted responses, and the registry of live connections that shutdown
// closes. Every member is safe to use from any io thread and from the test's own thread.

#include "support/test_server.hpp"

#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crawl::test::server_impl {

class server_core {
public:
    explicit server_core(const server_options& options) : options_(options) {}

    [[nodiscard]] const server_options& options() const noexcept { return options_; }
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    void set_port(std::uint16_t port) noexcept { port_ = port; }
    /// "http://ADDRESS:PORT", or "https://localhost:PORT" (the name the certificate is for).
    [[nodiscard]] std::string base_url() const;

    /// Makes the server HTTPS with a fresh self-signed certificate.
    void enable_tls();
    [[nodiscard]] boost::asio::ssl::context* ssl_context() noexcept { return ssl_ctx_ ? &*ssl_ctx_ : nullptr; }
    [[nodiscard]] const std::string& certificate_pem() const noexcept { return certificate_pem_; }

    void count_connection() noexcept { connections_.fetch_add(1); }
    [[nodiscard]] std::uint64_t connections_accepted() const noexcept { return connections_.load(); }
    /// Logs a request whose header was just read; returns its index for finish_request.
    std::size_t count_request(const std::string& path, std::string host, std::string target);
    /// Notes that the server is done with logged request `index`.
    void finish_request(std::size_t index);
    [[nodiscard]] std::uint64_t requests_received() const noexcept { return requests_.load(); }
    [[nodiscard]] std::uint64_t requests_for(std::string_view prefix) const;
    [[nodiscard]] std::vector<logged_request> requests_log(std::string_view prefix) const;

    void set_response(std::string path, scripted_response response);
    [[nodiscard]] std::optional<scripted_response> scripted_for(const std::string& path) const;
    void release_held() noexcept { released_.store(true); }
    [[nodiscard]] bool held_released() const noexcept { return released_.load(); }
    /// Counts a request for `key` and returns how many came before it (for /status-then-ok).
    std::uint64_t next_attempt(const std::string& key);

    /// Registers a live connection; `close` must close it from any thread. False when the server
    /// is already stopping (the caller drops the connection).
    bool add_connection(std::uint64_t& id, std::function<void()> close);
    void remove_connection(std::uint64_t id);
    void accept_loop_finished();
    /// Marks the server stopping and closes every live connection; returns once they all ended
    /// (and the accept loop did) or `grace` passed.
    void close_all(std::chrono::milliseconds grace);
    [[nodiscard]] bool stopping() const noexcept { return stopping_flag_.load(); }

private:
    server_options options_;
    std::uint16_t port_ = 0;
    std::optional<boost::asio::ssl::context> ssl_ctx_;
    std::string certificate_pem_;

    std::atomic<std::uint64_t> connections_{0};
    std::atomic<std::uint64_t> requests_{0};
    mutable std::mutex paths_mutex_;
    std::map<std::string, std::uint64_t, std::less<>> path_counts_;
    std::vector<logged_request> log_;

    mutable std::mutex scripted_mutex_;
    std::map<std::string, scripted_response> scripted_;
    std::map<std::string, std::uint64_t> attempts_;
    std::atomic<bool> released_{false};

    std::mutex connections_mutex_;
    std::condition_variable connections_cv_;
    std::map<std::uint64_t, std::function<void()>> open_connections_;
    std::uint64_t next_connection_id_ = 0;
    bool stopping_ = false;
    bool accepting_ = true;
    std::atomic<bool> stopping_flag_{false};
};

} // namespace crawl::test::server_impl
