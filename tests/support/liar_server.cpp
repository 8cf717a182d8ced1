// The liar server: scripted raw bytes on loopback. Each route is a function that writes what a
// broken or hostile server would, byte for byte, with its own pacing; nothing here parses or
// validates HTTP beyond finding the request's path.

#include "support/liar_server.hpp"

#include "support/routes.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

namespace crawl::test {

namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------------
// Content

std::string html_head(std::string_view content_type, std::string_view framing)
{
    std::string h = "HTTP/1.1 200 OK\r\nServer: crawl-liar\r\nContent-Type: ";
    h += content_type;
    h += "\r\n";
    h += framing;
    h += "\r\n";
    return h;
}

/// A complete keep-alive response with Content-Length.
std::string response(std::string_view body, std::string_view content_type = "text/html; charset=utf-8")
{
    return html_head(content_type, "Content-Length: " + std::to_string(body.size()) + "\r\n") + std::string(body);
}

// ---------------------------------------------------------------------------------------------
// One connection

/// The socket of one connection, with the operations scripts use. Every call returns false
/// (and the script ends) once the client is gone or the server is stopping.
class connection {
public:
    connection(int fd, const std::atomic<bool>& stopping) : fd_(fd), stopping_(stopping) {}

    bool write(std::string_view bytes)
    {
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0 || stopping_) {
                return false;
            }
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    /// Sleeps `d`, waking early when the server stops.
    bool pause(std::chrono::milliseconds d)
    {
        const auto until = std::chrono::steady_clock::now() + d;
        while (!stopping_ && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
                20ms, until - std::chrono::steady_clock::now()));
        }
        return !stopping_;
    }

    /// Reads and drops until the client closes (or the server stops).
    void hold()
    {
        std::array<char, 4096> buf{};
        while (::recv(fd_, buf.data(), buf.size(), 0) > 0) {
        }
    }

    /// Closes with a TCP RST instead of a FIN.
    void reset()
    {
        const linger l{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        ::shutdown(fd_, SHUT_RDWR);
    }

    /// Reads a request head; returns its path, or nothing when the client closed first.
    std::optional<std::string> read_request()
    {
        std::string head;
        std::array<char, 4096> buf{};
        while (head.find("\r\n\r\n") == std::string::npos) {
            const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
            if (n <= 0 || head.size() > 64 * 1024) {
                return std::nullopt;
            }
            head.append(buf.data(), static_cast<std::size_t>(n));
        }
        // "GET /path?query HTTP/1.1": the path is the target up to '?'.
        const std::size_t start = head.find(' ');
        const std::size_t end = start == std::string::npos ? start : head.find_first_of(" ?", start + 1);
        if (end == std::string::npos) {
            return std::string();
        }
        return head.substr(start + 1, end - start - 1);
    }

    /// Reads whatever the client sends first (a TLS ClientHello), up to one buffer.
    void read_some()
    {
        std::array<char, 4096> buf{};
        (void)::recv(fd_, buf.data(), buf.size(), 0);
    }

private:
    int fd_;
    const std::atomic<bool>& stopping_;
};

/// What the connection does after a route: serve the next request or close.
enum class after { keep_alive, close };

using route_fn = std::function<after(connection&)>;

// ---------------------------------------------------------------------------------------------
// Routes

after send_and_close(connection& c, std::string_view bytes)
{
    (void)c.write(bytes);
    return after::close;
}

/// Writes `head`, then `generate(i)` for i = 0, 1, ... until the client goes away.
after stream_forever(connection& c, std::string_view head, const std::function<std::string(std::size_t)>& generate)
{
    if (!c.write(head)) {
        return after::close;
    }
    for (std::size_t i = 0;; ++i) {
        if (!c.write(generate(i))) {
            return after::close;
        }
    }
}

const std::map<std::string, route_fn, std::less<>>& route_table()
{
    static const std::map<std::string, route_fn, std::less<>> table = {
        {"/status-garbage",
         [](connection& c) { return send_and_close(c, "HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nhi"); }},
        {"/no-status-line",
         [](connection& c) { return send_and_close(c, liar::titled_page("No status line") + std::string(2000, ' ')); }},
        {"/binary-garbage", [](connection& c) { return send_and_close(c, routes::pseudo_random_bytes(4096, 9)); }},
        {"/continue",
         [](connection& c) {
             if (!c.write("HTTP/1.1 100 Continue\r\n\r\n") || !c.pause(100ms)) {
                 return after::close;
             }
             return c.write(response(liar::titled_page(liar::after_continue_title))) ? after::keep_alive : after::close;
         }},
        {"/continue-forever",
         [](connection& c) {
             return stream_forever(c, "", [](std::size_t) { return std::string("HTTP/1.1 100 Continue\r\n\r\n"); });
         }},
        {"/length-short",
         [](connection& c) {
             // Declares 10 bytes, sends 10, then a whole second response nobody asked for.
             const std::string declared = html_head("text/html; charset=utf-8", "Content-Length: 10\r\n") + "0123456789";
             return c.write(declared + response(liar::titled_page(liar::smuggled_title))) ? after::keep_alive : after::close;
         }},
        {"/after-short",
         [](connection& c) {
             return c.write(response(liar::titled_page(liar::after_short_title))) ? after::keep_alive : after::close;
         }},
        {"/length-long-close",
         [](connection& c) {
             return send_and_close(c, html_head("text/html", "Content-Length: 100000\r\n") + std::string(1000, 'x'));
         }},
        {"/length-long-hang",
         [](connection& c) {
             if (c.write(html_head("text/html", "Content-Length: 100000\r\n") + std::string(1000, 'x'))) {
                 c.hold();
             }
             return after::close;
         }},
        {"/bad-chunk",
         [](connection& c) {
             return send_and_close(c, html_head("text/html", "Transfer-Encoding: chunked\r\n") + "ZZ\r\nhello\r\n0\r\n\r\n");
         }},
        {"/endless-chunked",
         [](connection& c) {
             const std::string chunk = "4000\r\n" + std::string(0x4000, 'a') + "\r\n";
             return stream_forever(c, html_head("text/html", "Transfer-Encoding: chunked\r\n"),
                                   [&](std::size_t) { return chunk; });
         }},
        {"/endless-chunk-extension",
         [](connection& c) {
             const std::string ext(16 * 1024, 'e');
             return stream_forever(c, html_head("text/html", "Transfer-Encoding: chunked\r\n") + "5;x=",
                                   [&](std::size_t) { return ext; });
         }},
        {"/many-headers",
         [](connection& c) {
             std::string h = "HTTP/1.1 200 OK\r\n";
             for (int i = 0; i < 20'000; ++i) {
                 h += "X:1\r\n"; // 100,000 bytes in all: under the size cap, over the count cap
             }
             return send_and_close(c, h + "Content-Length: 2\r\n\r\nok");
         }},
        {"/many-long-headers",
         [](connection& c) {
             std::string h = "HTTP/1.1 200 OK\r\n";
             for (int i = 0; i < 20'000; ++i) {
                 h += "X-Header-" + std::to_string(i) + ": some value of a header line\r\n";
             }
             return send_and_close(c, h + "Content-Length: 2\r\n\r\nok");
         }},
        {"/huge-header-line",
         [](connection& c) {
             return send_and_close(c, "HTTP/1.1 200 OK\r\nX-Huge: " + std::string(2u << 20, 'h') +
                                          "\r\nContent-Length: 2\r\n\r\nok");
         }},
        {"/reset-mid-body",
         [](connection& c) {
             if (c.write(html_head("text/html", "Content-Length: 100000\r\n") + std::string(5000, 'x')) &&
                 c.pause(50ms)) {
                 c.reset();
             }
             return after::close;
         }},
        {"/trickle-body-forever",
         [](connection& c) {
             // A byte every 200 ms: each read is well inside the idle timeout; only the total
             // deadline can end it.
             if (!c.write(html_head("text/html", "Content-Length: 10000000\r\n"))) {
                 return after::close;
             }
             while (c.write("x") && c.pause(200ms)) {
             }
             return after::close;
         }},
        {"/title-invalid-utf8",
         [](connection& c) {
             return c.write(response(liar::invalid_utf8_title_page())) ? after::keep_alive : after::close;
         }},
        {"/title-entities",
         [](connection& c) {
             return c.write(response(liar::entities_title_page())) ? after::keep_alive : after::close;
         }},
        {"/title-hidden",
         [](connection& c) {
             return c.write(response(liar::hidden_title_page())) ? after::keep_alive : after::close;
         }},
        {"/links",
         [](connection& c) {
             static const std::string page = liar::many_links_page();
             return c.write(response(page)) ? after::keep_alive : after::close;
         }},
        {"/deep-nesting",
         [](connection& c) {
             static const std::string page = liar::deep_nesting_page();
             return c.write(response(page)) ? after::keep_alive : after::close;
         }},
        {"/huge-attribute",
         [](connection& c) {
             static const std::string page = liar::huge_attribute_page();
             return c.write(response(page)) ? after::keep_alive : after::close;
         }},
    };
    return table;
}

after route_not_found(connection& c)
{
    const std::string body = liar::titled_page("Not Found");
    return c.write("HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body)
               ? after::keep_alive
               : after::close;
}

} // namespace

// ---------------------------------------------------------------------------------------------

struct liar_server::impl {
    mode how = mode::http;
    int listen_fd = -1;
    std::uint16_t port = 0;
    std::atomic<bool> stopping{false};
    std::thread acceptor;

    std::mutex mutex; // guards everything below
    std::vector<std::thread> threads;
    std::vector<int> open_fds;

    void accept_loop()
    {
        for (;;) {
            const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (stopping) {
                if (fd >= 0) {
                    ::close(fd);
                }
                return;
            }
            if (fd < 0) {
                if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE) {
                    std::this_thread::sleep_for(10ms);
                    continue;
                }
                return;
            }
            const std::scoped_lock lock(mutex);
            open_fds.push_back(fd);
            threads.emplace_back([this, fd] { serve(fd); });
        }
    }

    void serve(int fd)
    {
        connection c(fd, stopping);
        if (how == mode::tls_garbage) {
            c.read_some();
            (void)c.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        } else if (how == mode::tls_silent) {
            c.hold();
        } else {
            while (const auto path = c.read_request()) {
                const auto& table = route_table();
                const auto it = table.find(*path);
                const after next = it == table.end() ? route_not_found(c) : it->second(c);
                if (next == after::close || stopping) {
                    break;
                }
            }
        }
        const std::scoped_lock lock(mutex);
        open_fds.erase(std::remove(open_fds.begin(), open_fds.end(), fd), open_fds.end());
        ::close(fd);
    }
};

liar_server::liar_server(mode m) : impl_(std::make_unique<impl>())
{
    impl_->how = m;
    impl_->listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (impl_->listen_fd < 0) {
        throw std::system_error(errno, std::generic_category(), "liar_server socket");
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(impl_->listen_fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(impl_->listen_fd, SOMAXCONN) != 0 ||
        ::getsockname(impl_->listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        const int err = errno;
        ::close(impl_->listen_fd);
        throw std::system_error(err, std::generic_category(), "liar_server bind/listen");
    }
    impl_->port = ntohs(addr.sin_port);
    impl_->acceptor = std::thread([this] { impl_->accept_loop(); });
}

liar_server::~liar_server()
{
    impl& self = *impl_;
    self.stopping = true;
    ::shutdown(self.listen_fd, SHUT_RDWR); // wakes accept()
    self.acceptor.join();
    ::close(self.listen_fd);
    std::vector<std::thread> threads;
    {
        const std::scoped_lock lock(self.mutex);
        for (const int fd : self.open_fds) {
            ::shutdown(fd, SHUT_RDWR); // wakes a blocked send() or recv()
        }
        threads.swap(self.threads);
    }
    for (std::thread& t : threads) {
        t.join();
    }
}

std::uint16_t liar_server::port() const noexcept
{
    return impl_->port;
}

std::string liar_server::url(std::string_view path) const
{
    const char* scheme = impl_->how == mode::http ? "http" : "https";
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(impl_->port) + std::string(path);
}

} // namespace crawl::test
