#pragma once
// A scripted HTTP/1.1 + HTTPS server on loopback for the end-to-end tests and the demo.
// It runs its own io_context on its own thread, so a test can run the crawl binary with
// blocking calls while the server answers. Routes: see tests/support/README.md ("Test server routes")
// and the route tables of the families in server/ (server/route_table.hpp).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crawl::test {

struct server_options {
    bool tls = false;            ///< serve HTTPS with a self-signed certificate for localhost/127.0.0.1
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;      ///< 0: pick a free port
    unsigned threads = 1;        ///< io_context threads (the demo uses more)
};

/// A fixed answer for one path, set by a test (robots.txt variants, say).
struct scripted_response {
    unsigned status = 200;
    std::string content_type = "text/plain";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers; ///< extra fields
    std::chrono::milliseconds delay{0}; ///< wait this long before answering
    bool hold = false; ///< answer only once test_server::release_held() has been called
};

/// One request as the server saw it.
struct logged_request {
    std::string host;   ///< the Host field
    std::string target; ///< path and query, as sent
    std::chrono::steady_clock::time_point at; ///< when its header had been read
    /// When the server was done with it: its response written, or the connection gone (a
    /// route that sleeps notices a client that left only when it writes next). Empty while
    /// it is in flight.
    std::optional<std::chrono::steady_clock::time_point> done;
};

/// The most requests of `log` in flight at the server at one instant (from `at` to `done`; a
/// request that ends at the instant another arrives does not overlap it).
[[nodiscard]] std::size_t max_in_flight(const std::vector<logged_request>& log);

class test_server {
public:
    explicit test_server(server_options options = {});
    ~test_server(); ///< stops accepting, closes every connection, joins the thread
    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept;
    /// Base URL without trailing slash: "http://127.0.0.1:PORT" or "https://localhost:PORT".
    [[nodiscard]] std::string base_url() const;
    /// base_url() + path (path starts with '/').
    [[nodiscard]] std::string url(std::string_view path) const;
    /// PEM of the self-signed certificate (empty without tls); write it to a file for --cacert.
    [[nodiscard]] const std::string& certificate_pem() const noexcept;

    /// TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests).
    [[nodiscard]] std::uint64_t connections_accepted() const noexcept;
    /// Requests whose header was read so far.
    [[nodiscard]] std::uint64_t requests_received() const noexcept;
    /// Requests received for paths starting with `prefix`.
    [[nodiscard]] std::uint64_t requests_for(std::string_view prefix) const;
    /// Every request so far whose target starts with `prefix`, in arrival order.
    [[nodiscard]] std::vector<logged_request> requests_log(std::string_view prefix = "/") const;
    /// max_in_flight(requests_log(prefix)): e.g. what a per-host limit allowed at this port.
    [[nodiscard]] std::size_t max_in_flight(std::string_view prefix = "/") const;

    /// Serves `response` for requests whose path (without query) is exactly `path`, ahead of
    /// the built-in routes; thread-safe, may be called while a crawl runs.
    void set_response(std::string path, scripted_response response);
    /// Lets every scripted response with `hold` answer: those waiting now and any later one.
    void release_held();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace crawl::test
