// The scripted test server: a Beast HTTP/1.1 server on loopback, plain or TLS, whose routes
// reproduce what a crawler meets in the wild (compression, chunking, redirects, slow and broken
// peers, odd charsets). One io_context runs on `options.threads` threads; every connection is a
// coroutine on its own strand, so route code is sequential and needs no locking of its own.
//
// Shutdown: the destructor marks the server stopping, closes the acceptor and every live
// connection on its strand (that also cancels the timer a hanging route waits on), waits a few
// seconds for the coroutines to finish, then stops the io_context and joins the threads.

#include "support/test_server.hpp"

#include "support/routes.hpp"
#include "support/socket_owner.hpp"
#include "support/tls_cert.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#define ZLIB_CONST
#include <zlib.h>

#include <iconv.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace crawl::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto nothrow = net::as_tuple(net::use_awaitable);
constexpr std::string_view html_type = "text/html; charset=utf-8";
/// A connection with no request for this long is closed (clients normally close idle ones first).
constexpr auto idle_timeout = 120s;

// ---------------------------------------------------------------------------------------------
// Content helpers

/// zlib's deflate in any of its three wrappings: window_bits 15 (zlib), -15 (raw), 31 (gzip).
class deflater {
public:
    explicit deflater(int window_bits)
    {
        if (deflateInit2(&zs_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            throw std::runtime_error("deflateInit2 failed");
        }
    }
    ~deflater() { deflateEnd(&zs_); }
    deflater(const deflater&) = delete;
    deflater& operator=(const deflater&) = delete;

    void feed(std::string_view data, bool finish)
    {
        zs_.next_in = reinterpret_cast<const Bytef*>(data.data());
        zs_.avail_in = static_cast<uInt>(data.size());
        std::array<unsigned char, 64 * 1024> buf{};
        for (;;) {
            zs_.next_out = buf.data();
            zs_.avail_out = static_cast<uInt>(buf.size());
            const int rc = deflate(&zs_, finish ? Z_FINISH : Z_NO_FLUSH);
            if (rc == Z_STREAM_ERROR) {
                throw std::runtime_error("deflate failed");
            }
            out_.append(reinterpret_cast<const char*>(buf.data()), buf.size() - zs_.avail_out);
            // Without finish, deflate is done once it has taken all input and has output space
            // left over; with finish, only when it says the stream ended.
            if (finish ? rc == Z_STREAM_END : (zs_.avail_in == 0 && zs_.avail_out != 0)) {
                return;
            }
        }
    }
    std::string take() { return std::move(out_); }

private:
    z_stream zs_{};
    std::string out_;
};

std::string compress(std::string_view data, int window_bits)
{
    deflater d(window_bits);
    d.feed(data, true);
    return d.take();
}

std::string gzip(std::string_view data)
{
    return compress(data, 31);
}

/// Converts UTF-8 text to `charset` with iconv(3), so the test bytes are produced by an
/// independent converter rather than typed in by hand.
std::string from_utf8(std::string_view utf8, const char* charset)
{
    iconv_t cd = iconv_open(charset, "UTF-8");
    if (cd == reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1))) {
        throw std::runtime_error(std::string("iconv_open failed for ") + charset);
    }
    std::string in(utf8);
    std::string out(in.size() * 4 + 16, '\0');
    char* in_ptr = in.data();
    std::size_t in_left = in.size();
    char* out_ptr = out.data();
    std::size_t out_left = out.size();
    const std::size_t rc = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
    iconv_close(cd);
    if (rc == static_cast<std::size_t>(-1) || in_left != 0) {
        throw std::runtime_error(std::string("iconv failed for ") + charset);
    }
    out.resize(out.size() - out_left);
    return out;
}

/// The body of /huge: a small HTML head, then a 64-byte line repeated. A 64 KiB block of whole
/// lines is built once, so streaming gigabytes only ever slices it.
constexpr std::string_view huge_head = "<!DOCTYPE html>\n<html><head><title>Huge</title></head><body>\n";
const std::string& huge_block()
{
    static const std::string block = [] {
        constexpr std::string_view line = "<p>The quick brown fox jumps over the lazy dog: 0123456789.</p>\n";
        // Whole lines per 64 KiB block, so consecutive blocks join seamlessly.
        static_assert((64 * 1024) % line.size() == 0);
        std::string b;
        b.reserve(64 * 1024);
        while (b.size() < 64 * 1024) {
            b += line;
        }
        return b;
    }();
    return block;
}

/// An IMF-fixdate, written here independently of the crawler's own date code.
std::string http_date(std::chrono::system_clock::time_point t)
{
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

std::optional<std::uint64_t> parse_number(std::string_view text)
{
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

std::string percent_decode(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned value = 0;
        if (text[i] == '%' && i + 2 < text.size()) {
            const auto [ptr, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
            if (ec == std::errc{} && ptr == text.data() + i + 3) {
                out += static_cast<char>(value);
                i += 2;
                continue;
            }
        }
        // '+' stays '+': tests percent-encode what they mean, and /redirect-to must echo exactly.
        out += text[i];
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Server state shared by all connections

class server_core {
public:
    explicit server_core(const server_options& options) : options_(options) {}

    [[nodiscard]] const server_options& options() const noexcept { return options_; }
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    void set_port(std::uint16_t port) noexcept { port_ = port; }
    [[nodiscard]] std::string base_url() const
    {
        if (options_.tls) {
            return "https://localhost:" + std::to_string(port_); // the name the certificate is for
        }
        const bool v6 = options_.address.find(':') != std::string::npos;
        return "http://" + (v6 ? "[" + options_.address + "]" : options_.address) + ":" + std::to_string(port_);
    }

    /// Makes the server HTTPS with a fresh self-signed certificate.
    void enable_tls()
    {
        const self_signed_certificate cert = make_self_signed_certificate();
        certificate_pem_ = cert.certificate_pem;
        ssl_ctx_.emplace(ssl::context::tls_server);
        ssl_ctx_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                              ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        ssl_ctx_->use_certificate_chain(net::buffer(cert.certificate_pem));
        ssl_ctx_->use_private_key(net::buffer(cert.private_key_pem), ssl::context::pem);
    }
    [[nodiscard]] ssl::context* ssl_context() noexcept { return ssl_ctx_ ? &*ssl_ctx_ : nullptr; }
    [[nodiscard]] const std::string& certificate_pem() const noexcept { return certificate_pem_; }

    void count_connection() noexcept { connections_.fetch_add(1); }
    [[nodiscard]] std::uint64_t connections_accepted() const noexcept { return connections_.load(); }
    void count_request(const std::string& path, std::string host, std::string target)
    {
        requests_.fetch_add(1);
        const std::scoped_lock lock(paths_mutex_);
        ++path_counts_[path];
        log_.push_back({std::move(host), std::move(target), std::chrono::steady_clock::now()});
    }
    [[nodiscard]] std::vector<logged_request> requests_log(std::string_view prefix) const
    {
        const std::scoped_lock lock(paths_mutex_);
        std::vector<logged_request> out;
        for (const auto& r : log_) {
            if (std::string_view(r.target).starts_with(prefix)) {
                out.push_back(r);
            }
        }
        return out;
    }
    void set_response(std::string path, scripted_response response)
    {
        const std::scoped_lock lock(scripted_mutex_);
        scripted_[std::move(path)] = std::move(response);
    }
    [[nodiscard]] std::optional<scripted_response> scripted_for(const std::string& path) const
    {
        const std::scoped_lock lock(scripted_mutex_);
        const auto it = scripted_.find(path);
        if (it == scripted_.end()) {
            return std::nullopt;
        }
        return it->second;
    }
    /// Counts a request for `key` and returns how many came before it (for /status-then-ok).
    std::uint64_t next_attempt(const std::string& key)
    {
        const std::scoped_lock lock(scripted_mutex_);
        return attempts_[key]++;
    }
    [[nodiscard]] std::uint64_t requests_received() const noexcept { return requests_.load(); }
    [[nodiscard]] std::uint64_t requests_for(std::string_view prefix) const
    {
        const std::scoped_lock lock(paths_mutex_);
        std::uint64_t total = 0;
        // The map is ordered, so every path with this prefix sits in one run from lower_bound.
        for (auto it = path_counts_.lower_bound(prefix); it != path_counts_.end() && it->first.starts_with(prefix);
             ++it) {
            total += it->second;
        }
        return total;
    }

    /// Registers a live connection; `close` must close it from any thread. False when the server
    /// is already stopping (the caller drops the connection).
    bool add_connection(std::uint64_t& id, std::function<void()> close)
    {
        const std::scoped_lock lock(connections_mutex_);
        if (stopping_) {
            return false;
        }
        id = next_connection_id_++;
        open_connections_.emplace(id, std::move(close));
        return true;
    }
    void remove_connection(std::uint64_t id)
    {
        {
            const std::scoped_lock lock(connections_mutex_);
            open_connections_.erase(id);
        }
        connections_cv_.notify_all();
    }
    void accept_loop_finished()
    {
        {
            const std::scoped_lock lock(connections_mutex_);
            accepting_ = false;
        }
        connections_cv_.notify_all();
    }
    /// Marks the server stopping and closes every live connection; returns once they all ended
    /// (and the accept loop did) or `grace` passed.
    void close_all(std::chrono::milliseconds grace)
    {
        std::vector<std::function<void()>> closers;
        {
            // Under the same lock as add_connection: no connection can slip in after this.
            const std::scoped_lock lock(connections_mutex_);
            stopping_ = true;
            stopping_flag_.store(true);
            for (const auto& entry : open_connections_) {
                closers.push_back(entry.second);
            }
        }
        for (const auto& close : closers) {
            close();
        }
        std::unique_lock lock(connections_mutex_);
        connections_cv_.wait_for(lock, grace, [this] { return open_connections_.empty() && !accepting_; });
    }
    [[nodiscard]] bool stopping() const noexcept { return stopping_flag_.load(); }

    /// gzip of `mb` MiB of zeros, computed once per size (1 GiB takes a few seconds, and blocks
    /// this io thread meanwhile).
    std::shared_ptr<const std::string> gzip_bomb(unsigned mb)
    {
        const std::scoped_lock lock(bomb_mutex_);
        std::shared_ptr<const std::string>& slot = bombs_[mb];
        if (!slot) {
            deflater d(31);
            const std::string zeros(1024 * 1024, '\0');
            for (unsigned i = 0; i < mb; ++i) {
                d.feed(zeros, false);
            }
            d.feed({}, true);
            slot = std::make_shared<const std::string>(d.take());
        }
        return slot;
    }

private:
    server_options options_;
    std::uint16_t port_ = 0;
    std::optional<ssl::context> ssl_ctx_;
    std::string certificate_pem_;

    std::atomic<std::uint64_t> connections_{0};
    std::atomic<std::uint64_t> requests_{0};
    mutable std::mutex paths_mutex_;
    std::map<std::string, std::uint64_t, std::less<>> path_counts_;
    std::vector<logged_request> log_;

    mutable std::mutex scripted_mutex_;
    std::map<std::string, scripted_response> scripted_;
    std::map<std::string, std::uint64_t> attempts_;

    std::mutex connections_mutex_;
    std::condition_variable connections_cv_;
    std::map<std::uint64_t, std::function<void()>> open_connections_;
    std::uint64_t next_connection_id_ = 0;
    bool stopping_ = false;
    bool accepting_ = true;
    std::atomic<bool> stopping_flag_{false};

    std::mutex bomb_mutex_;
    std::map<unsigned, std::shared_ptr<const std::string>> bombs_;
};

// ---------------------------------------------------------------------------------------------
// What a route sees

/// What the session does after a route returns.
enum class next_step {
    keep_alive, ///< read the next request on this connection
    close,      ///< close gracefully (TLS close_notify, FIN, drain)
    abort,      ///< close at once, nothing more is sent
};

/// The I/O a route may do on its connection, independent of plain or TLS.
class connection {
public:
    connection() = default;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    virtual ~connection() = default;
    /// Writes all of `bytes`; throws on error.
    virtual net::awaitable<void> write(std::string_view bytes) = 0;
    /// Waits `d` on a timer that server shutdown cancels (then throws operation_aborted).
    virtual net::awaitable<void> sleep(std::chrono::milliseconds d) = 0;
    /// Reads and discards until the client closes (or the server shuts down).
    virtual net::awaitable<void> wait_for_peer_close() = 0;
};

struct request_view {
    const http::request<http::string_body>* message = nullptr;
    std::string path; ///< target up to '?', not decoded
    std::vector<std::pair<std::string, std::string>> query; ///< decoded names and values
    bool keep_alive = true;
    tcp::endpoint client; ///< the peer
    tcp::endpoint server; ///< our end
};

/// How a response body is delimited.
enum class framing { length, chunked, until_close, none };

using field_list = std::vector<std::pair<std::string_view, std::string>>;

/// A field list of one field. Coroutines build their lists with this (or emplace_back), never
/// with a braced initializer list: GCC 12 destroys the list's backing array wrongly inside a
/// coroutine (ASan reports a bad free).
field_list one_field(std::string_view name, std::string value)
{
    field_list list;
    list.emplace_back(name, std::move(value));
    return list;
}

class exchange {
public:
    exchange(server_core& server, connection& connection_, const request_view& request)
        : core(server), conn(connection_), req(request)
    {
    }

    server_core& core;
    connection& conn;
    const request_view& req;

    [[nodiscard]] std::optional<std::string_view> param(std::string_view name) const
    {
        for (const auto& [key, value] : req.query) {
            if (key == name) {
                return std::string_view(value);
            }
        }
        return std::nullopt;
    }
    [[nodiscard]] std::uint64_t number_param(std::string_view name, std::uint64_t fallback) const
    {
        const auto text = param(name);
        return text ? parse_number(*text).value_or(fallback) : fallback;
    }
    /// The number that is the rest of the path after `prefix` ("/page/" + "12").
    [[nodiscard]] std::optional<std::uint64_t> path_number(std::string_view prefix) const
    {
        return parse_number(std::string_view(req.path).substr(prefix.size()));
    }
    [[nodiscard]] bool accepts_gzip() const
    {
        const auto it = req.message->find(http::field::accept_encoding);
        return it != req.message->end() && it->value().find("gzip") != beast::string_view::npos;
    }
    [[nodiscard]] next_step after_response() const { return req.keep_alive ? next_step::keep_alive : next_step::close; }

    /// The response head: status line, Server, Content-Type, framing, `extra`, Connection.
    [[nodiscard]] std::string head(unsigned status, std::string_view content_type, framing f,
                                   std::uint64_t length = 0, const field_list& extra = {}) const
    {
        const bool close = !req.keep_alive || f == framing::until_close;
        std::string reason(http::obsolete_reason(http::int_to_status(status)));
        if (reason.empty() || reason == "<unknown-status>") {
            reason = "Unknown";
        }
        // A close-delimited body is the HTTP/1.0 way; say so in the status line too.
        std::string h = (f == framing::until_close ? "HTTP/1.0 " : "HTTP/1.1 ") + std::to_string(status) + " " + reason +
                        "\r\n";
        h += "Server: " + std::string(routes::server_name) + "\r\n";
        if (!content_type.empty()) {
            h += "Content-Type: " + std::string(content_type) + "\r\n";
        }
        if (f == framing::length) {
            h += "Content-Length: " + std::to_string(length) + "\r\n";
        } else if (f == framing::chunked) {
            h += "Transfer-Encoding: chunked\r\n";
        }
        for (const auto& [name, value] : extra) {
            h += std::string(name) + ": " + value + "\r\n";
        }
        if (close && f != framing::until_close) {
            h += "Connection: close\r\n";
        } else if (!close && req.message->version() == 10) {
            h += "Connection: keep-alive\r\n";
        }
        h += "\r\n";
        return h;
    }

    /// Sends a complete response with Content-Length.
    net::awaitable<next_step> send(unsigned status, std::string_view content_type, std::string body,
                                   field_list extra = {})
    {
        std::string out = head(status, content_type, framing::length, body.size(), extra);
        out += body;
        co_await conn.write(out);
        co_return after_response();
    }
};

using route_handler = net::awaitable<next_step> (*)(exchange&);

std::string small_html(std::string_view title)
{
    return "<!DOCTYPE html>\n<html><head><title>" + std::string(title) + "</title></head><body><p>" +
           std::string(title) + "</p></body></html>\n";
}

// ---------------------------------------------------------------------------------------------
// Routes: one function each, listed in route_table below.

net::awaitable<next_step> route_not_found(exchange& ex)
{
    co_return co_await ex.send(404, html_type, small_html("Not Found"));
}

net::awaitable<next_step> send_page(exchange& ex, std::uint64_t n)
{
    const std::size_t size = std::min<std::uint64_t>(ex.number_param("size", 0), 256ULL * 1024 * 1024);
    std::string body = routes::page_html(n, size);
    if (ex.param("gz") == "1" && ex.accepts_gzip()) {
        field_list extra = one_field("Content-Encoding", "gzip");
        extra.emplace_back("Vary", "Accept-Encoding");
        co_return co_await ex.send(200, html_type, gzip(body), std::move(extra));
    }
    co_return co_await ex.send(200, html_type, std::move(body));
}

net::awaitable<next_step> route_root(exchange& ex)
{
    co_return co_await send_page(ex, 0);
}

net::awaitable<next_step> route_page(exchange& ex)
{
    const auto n = ex.path_number("/page/");
    if (!n) {
        co_return co_await route_not_found(ex);
    }
    co_return co_await send_page(ex, *n);
}

net::awaitable<next_step> send_compressed_page(exchange& ex, std::string_view prefix, int window_bits,
                                               std::string_view coding)
{
    const auto n = ex.path_number(prefix);
    if (!n) {
        co_return co_await route_not_found(ex);
    }
    field_list extra = one_field("Content-Encoding", std::string(coding));
    co_return co_await ex.send(200, html_type, compress(routes::page_html(*n), window_bits), std::move(extra));
}

net::awaitable<next_step> route_gzip(exchange& ex)
{
    co_return co_await send_compressed_page(ex, "/gzip/", 31, "gzip");
}

net::awaitable<next_step> route_deflate(exchange& ex)
{
    co_return co_await send_compressed_page(ex, "/deflate/", 15, "deflate");
}

net::awaitable<next_step> route_deflate_raw(exchange& ex)
{
    // Raw deflate under the "deflate" label: what some old servers send and clients must accept.
    co_return co_await send_compressed_page(ex, "/deflate-raw/", -15, "deflate");
}

std::string chunk(std::string_view data)
{
    std::array<char, 20> size{};
    const auto [end, ec] = std::to_chars(size.data(), size.data() + size.size(), data.size(), 16);
    return std::string(size.data(), end) + "\r\n" + std::string(data) + "\r\n";
}

net::awaitable<next_step> route_chunked(exchange& ex)
{
    const auto n = ex.path_number("/chunked/");
    if (!n) {
        co_return co_await route_not_found(ex);
    }
    const std::string body = routes::page_html(*n);
    co_await ex.conn.write(ex.head(200, html_type, framing::chunked));
    // Several writes of uneven chunks, so that chunk boundaries fall mid-tag.
    constexpr std::size_t pieces = 5;
    const std::size_t step = body.size() / pieces + 1;
    for (std::size_t offset = 0; offset < body.size(); offset += step) {
        co_await ex.conn.write(chunk(std::string_view(body).substr(offset, step)));
    }
    co_await ex.conn.write("0\r\n\r\n");
    co_return ex.after_response();
}

net::awaitable<next_step> route_close_delimited(exchange& ex)
{
    std::string out = ex.head(200, html_type, framing::until_close);
    out += routes::page_html(1);
    co_await ex.conn.write(out);
    co_return next_step::close;
}

net::awaitable<next_step> send_redirect(exchange& ex, unsigned status, std::string location)
{
    field_list extra = one_field("Location", std::move(location));
    co_return co_await ex.send(status, html_type, small_html("Redirect"), std::move(extra));
}

net::awaitable<next_step> route_redirect(exchange& ex)
{
    const auto k = ex.path_number("/redirect/");
    if (!k) {
        co_return co_await route_not_found(ex);
    }
    // The location is computed before the co_await: GCC has had bugs with ?: inside one.
    std::string location = *k == 0 ? std::string("/page/1") : "/redirect/" + std::to_string(*k - 1);
    co_return co_await send_redirect(ex, 302, std::move(location));
}

net::awaitable<next_step> route_redirect_abs(exchange& ex)
{
    const auto k = ex.path_number("/redirect-abs/");
    if (!k) {
        co_return co_await route_not_found(ex);
    }
    const std::string base = ex.core.base_url();
    std::string location = *k == 0 ? base + "/page/1" : base + "/redirect-abs/" + std::to_string(*k - 1);
    co_return co_await send_redirect(ex, 302, std::move(location));
}

net::awaitable<next_step> route_redirect_rel(exchange& ex)
{
    co_return co_await send_redirect(ex, 302, "../page/2");
}

net::awaitable<next_step> route_redirect_301(exchange& ex)
{
    co_return co_await send_redirect(ex, 301, "/page/1");
}

net::awaitable<next_step> route_redirect_303(exchange& ex)
{
    co_return co_await send_redirect(ex, 303, "/page/1");
}

net::awaitable<next_step> route_redirect_307(exchange& ex)
{
    co_return co_await send_redirect(ex, 307, "/page/1");
}

net::awaitable<next_step> route_redirect_308(exchange& ex)
{
    co_return co_await send_redirect(ex, 308, "/page/1");
}

net::awaitable<next_step> route_loop_a(exchange& ex)
{
    co_return co_await send_redirect(ex, 302, "/loop/b");
}

net::awaitable<next_step> route_loop_b(exchange& ex)
{
    co_return co_await send_redirect(ex, 302, "/loop/a");
}

net::awaitable<next_step> route_redirect_to(exchange& ex)
{
    std::string location(ex.param("location").value_or("/page/1"));
    // The one change to "exactly that Location": CR and LF would end the header early.
    std::erase_if(location, [](char c) { return c == '\r' || c == '\n'; });
    co_return co_await send_redirect(ex, 302, std::move(location));
}

net::awaitable<next_step> route_status(exchange& ex)
{
    const auto code = ex.path_number("/status/");
    if (!code || *code < 200 || *code > 599) {
        co_return co_await route_not_found(ex);
    }
    const auto status = static_cast<unsigned>(*code);
    if (status == 204 || status == 304) {
        // These never have a body, and RFC 9110 forbids Content-Length on 204.
        co_await ex.conn.write(ex.head(status, "", framing::none));
        co_return ex.after_response();
    }
    co_return co_await ex.send(status, html_type, small_html("Status " + std::to_string(status)));
}

net::awaitable<next_step> route_slow(exchange& ex)
{
    co_await ex.conn.sleep(std::chrono::milliseconds(static_cast<std::int64_t>(ex.number_param("ms", 1000))));
    co_return co_await ex.send(200, html_type, routes::page_html(1));
}

net::awaitable<next_step> route_slow_body(exchange& ex)
{
    const std::string body = routes::page_html(1);
    co_await ex.conn.write(ex.head(200, html_type, framing::length, body.size()));
    constexpr std::size_t pieces = 10;
    const std::size_t step = body.size() / pieces + 1;
    const auto pause = std::chrono::milliseconds(static_cast<std::int64_t>(ex.number_param("ms", 1000) / pieces));
    for (std::size_t offset = 0; offset < body.size(); offset += step) {
        co_await ex.conn.sleep(pause);
        co_await ex.conn.write(std::string_view(body).substr(offset, step));
    }
    co_return ex.after_response();
}

net::awaitable<next_step> route_never(exchange& ex)
{
    co_await ex.conn.wait_for_peer_close();
    co_return next_step::abort;
}

net::awaitable<next_step> route_trickle_headers(exchange& ex)
{
    const std::string body = routes::page_html(1);
    const std::string h = ex.head(200, html_type, framing::length, body.size());
    // ms is the time the whole head takes; each byte goes out on its own.
    const auto total = std::chrono::milliseconds(static_cast<std::int64_t>(ex.number_param("ms", 2000)));
    const auto pause = std::max<std::chrono::milliseconds>(1ms, total / static_cast<std::int64_t>(h.size()));
    for (const char c : h) {
        co_await ex.conn.write(std::string_view(&c, 1));
        co_await ex.conn.sleep(pause);
    }
    co_await ex.conn.write(body);
    co_return ex.after_response();
}

net::awaitable<next_step> route_close_mid_body(exchange& ex)
{
    std::string out = ex.head(200, html_type, framing::length, 100000);
    out += huge_head;
    out += huge_block().substr(0, 1000 - huge_head.size());
    co_await ex.conn.write(out);
    co_return next_step::abort;
}

/// Writes `n` bytes of the /huge body as pieces, `chunked` or not.
net::awaitable<void> write_huge_body(exchange& ex, std::uint64_t n, bool chunked)
{
    const std::string_view block = huge_block();
    std::uint64_t sent = 0;
    bool first = true;
    while (sent < n) {
        std::string_view piece = first ? huge_head : block;
        first = false;
        piece = piece.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), n - sent)));
        if (chunked) {
            co_await ex.conn.write(chunk(piece));
        } else {
            co_await ex.conn.write(piece);
        }
        sent += piece.size();
    }
}

net::awaitable<next_step> route_huge(exchange& ex)
{
    const std::uint64_t n = ex.number_param("bytes", 1024 * 1024);
    co_await ex.conn.write(ex.head(200, html_type, framing::length, n));
    co_await write_huge_body(ex, n, false);
    co_return ex.after_response();
}

net::awaitable<next_step> route_huge_chunked(exchange& ex)
{
    const std::uint64_t n = ex.number_param("bytes", 1024 * 1024);
    co_await ex.conn.write(ex.head(200, html_type, framing::chunked));
    co_await write_huge_body(ex, n, true);
    co_await ex.conn.write("0\r\n\r\n");
    co_return ex.after_response();
}

net::awaitable<next_step> route_gzip_bomb(exchange& ex)
{
    const auto mb = static_cast<unsigned>(std::min<std::uint64_t>(ex.number_param("mb", 1024), 16 * 1024));
    const std::shared_ptr<const std::string> body = ex.core.gzip_bomb(mb);
    const field_list extra = one_field("Content-Encoding", "gzip");
    co_await ex.conn.write(ex.head(200, html_type, framing::length, body->size(), extra));
    co_await ex.conn.write(*body);
    co_return ex.after_response();
}

net::awaitable<next_step> route_corrupt_gzip(exchange& ex)
{
    std::string body;
    for (int i = 0; i < 20; ++i) {
        body += "this is not gzip data, whatever the header says\n";
    }
    field_list extra = one_field("Content-Encoding", "gzip");
    co_return co_await ex.send(200, html_type, std::move(body), std::move(extra));
}

net::awaitable<next_step> route_truncated_gzip(exchange& ex)
{
    std::string body = gzip(routes::page_html(1));
    body.resize(body.size() / 2);
    field_list extra = one_field("Content-Encoding", "gzip");
    co_return co_await ex.send(200, html_type, std::move(body), std::move(extra));
}

net::awaitable<next_step> route_br(exchange& ex)
{
    // Not real brotli: a client that does not offer br must report an unsupported coding.
    field_list extra = one_field("Content-Encoding", "br");
    co_return co_await ex.send(200, html_type, routes::pseudo_random_bytes(256, 3), std::move(extra));
}

net::awaitable<next_step> route_binary(exchange& ex)
{
    co_return co_await ex.send(200, "application/octet-stream", routes::binary_body());
}

net::awaitable<next_step> route_json(exchange& ex)
{
    co_return co_await ex.send(200, "application/json", "{\"name\":\"crawl-test\",\"items\":[1,2,3]}\n");
}

net::awaitable<next_step> route_random_html(exchange& ex)
{
    co_return co_await ex.send(200, html_type, routes::random_html_body());
}

net::awaitable<next_step> send_charset_page(exchange& ex, std::string_view title, const char* iconv_name,
                                            std::string_view label, bool in_header)
{
    std::string html = "<!DOCTYPE html>\n<html><head>";
    if (!in_header) {
        html += "<meta charset=\"" + std::string(label) + "\">";
    }
    html += "<title>" + from_utf8(title, iconv_name) + "</title></head><body><p>" + from_utf8(title, iconv_name) +
            "</p><a href=\"/page/1\">1</a></body></html>\n";
    const std::string type = in_header ? "text/html; charset=" + std::string(label) : std::string("text/html");
    co_return co_await ex.send(200, type, std::move(html));
}

net::awaitable<next_step> route_euc_kr_header(exchange& ex)
{
    co_return co_await send_charset_page(ex, routes::euc_kr_title, "EUC-KR", "EUC-KR", true);
}

net::awaitable<next_step> route_euc_kr_meta(exchange& ex)
{
    co_return co_await send_charset_page(ex, routes::euc_kr_title, "EUC-KR", "EUC-KR", false);
}

net::awaitable<next_step> route_sjis_header(exchange& ex)
{
    co_return co_await send_charset_page(ex, routes::sjis_title, "SHIFT_JIS", "Shift_JIS", true);
}

net::awaitable<next_step> route_sjis_meta(exchange& ex)
{
    co_return co_await send_charset_page(ex, routes::sjis_title, "SHIFT_JIS", "Shift_JIS", false);
}

net::awaitable<next_step> route_win1252_meta(exchange& ex)
{
    co_return co_await send_charset_page(ex, routes::win1252_title, "WINDOWS-1252", "windows-1252", false);
}

net::awaitable<next_step> route_keepalive_then_close(exchange& ex)
{
    const std::string body = routes::page_html(1);
    // Say keep-alive explicitly (head() already does for HTTP/1.0, and says close when asked to).
    field_list extra;
    if (ex.req.keep_alive && ex.req.message->version() == 11) {
        extra.emplace_back("Connection", "keep-alive");
    }
    std::string out = ex.head(200, html_type, framing::length, body.size(), extra);
    out += body;
    co_await ex.conn.write(out);
    // The head promised keep-alive; closing anyway is the race every pooled client must survive.
    co_return next_step::abort;
}

net::awaitable<next_step> route_crash(exchange& ex)
{
    for (const pid_t pid : socket_owners(ex.req.client, ex.req.server)) {
        // Never the test process itself (a test may fetch /crash with its own client), nor
        // whatever started it.
        if (pid > 1 && pid != ::getpid() && pid != ::getppid()) {
            ::kill(pid, SIGKILL);
        }
    }
    co_await ex.conn.wait_for_peer_close();
    co_return next_step::abort;
}

net::awaitable<next_step> route_scripted(exchange& ex)
{
    const auto scripted = ex.core.scripted_for(ex.req.path);
    if (!scripted) {
        co_return co_await route_not_found(ex); // removed meanwhile
    }
    if (scripted->delay.count() > 0) {
        co_await ex.conn.sleep(scripted->delay);
    }
    field_list extra;
    for (const auto& [name, value] : scripted->headers) {
        extra.emplace_back(name, value);
    }
    co_return co_await ex.send(scripted->status, scripted->content_type, scripted->body, std::move(extra));
}

net::awaitable<next_step> route_status_then_ok(exchange& ex)
{
    // The first `fail` requests for `key` fail with `code` (0: the connection closes without an
    // answer), optionally with Retry-After (`retry-after` seconds, or `retry-date`: an HTTP-date
    // that many seconds ahead); later ones get page 1.
    const std::string key(ex.param("key").value_or(""));
    const std::uint64_t attempt = ex.core.next_attempt(key);
    if (attempt >= ex.number_param("fail", 1)) {
        co_return co_await ex.send(200, html_type, routes::page_html(1));
    }
    const auto code = static_cast<unsigned>(ex.number_param("code", 503));
    if (code == 0) {
        co_return next_step::abort;
    }
    field_list extra;
    if (const auto secs = ex.param("retry-after")) {
        extra.emplace_back("Retry-After", std::string(*secs));
    }
    if (ex.param("retry-date")) {
        const auto ahead = std::chrono::seconds(static_cast<std::int64_t>(ex.number_param("retry-date", 0)));
        extra.emplace_back("Retry-After", http_date(std::chrono::system_clock::now() + ahead));
    }
    co_return co_await ex.send(code, html_type, small_html("Status " + std::to_string(code)), std::move(extra));
}

struct route {
    std::string_view path;
    bool prefix; ///< match every path that starts with `path`
    route_handler handler;
};

// clang-format off
constexpr std::array route_table{
    route{"/",                     false, &route_root},
    route{"/page/",                true,  &route_page},
    route{"/gzip/",                true,  &route_gzip},
    route{"/deflate/",             true,  &route_deflate},
    route{"/deflate-raw/",         true,  &route_deflate_raw},
    route{"/chunked/",             true,  &route_chunked},
    route{"/close-delimited",      false, &route_close_delimited},
    route{"/redirect/",            true,  &route_redirect},
    route{"/redirect-abs/",        true,  &route_redirect_abs},
    route{"/redirect-rel",         false, &route_redirect_rel},
    route{"/redirect-301",         false, &route_redirect_301},
    route{"/redirect-303",         false, &route_redirect_303},
    route{"/redirect-307",         false, &route_redirect_307},
    route{"/redirect-308",         false, &route_redirect_308},
    route{"/loop/a",               false, &route_loop_a},
    route{"/loop/b",               false, &route_loop_b},
    route{"/redirect-to",          false, &route_redirect_to},
    route{"/status/",              true,  &route_status},
    route{"/slow",                 false, &route_slow},
    route{"/slow-body",            false, &route_slow_body},
    route{"/never",                false, &route_never},
    route{"/trickle-headers",      false, &route_trickle_headers},
    route{"/close-mid-body",       false, &route_close_mid_body},
    route{"/huge",                 false, &route_huge},
    route{"/huge-chunked",         false, &route_huge_chunked},
    route{"/gzip-bomb",            false, &route_gzip_bomb},
    route{"/corrupt-gzip",         false, &route_corrupt_gzip},
    route{"/truncated-gzip",       false, &route_truncated_gzip},
    route{"/br",                   false, &route_br},
    route{"/binary",               false, &route_binary},
    route{"/json",                 false, &route_json},
    route{"/random-html",          false, &route_random_html},
    route{"/charset/euc-kr-header", false, &route_euc_kr_header},
    route{"/charset/euc-kr-meta",  false, &route_euc_kr_meta},
    route{"/charset/sjis-header",  false, &route_sjis_header},
    route{"/charset/sjis-meta",    false, &route_sjis_meta},
    route{"/charset/win1252-meta", false, &route_win1252_meta},
    route{"/keepalive-then-close", false, &route_keepalive_then_close},
    route{"/crash",                false, &route_crash},
    route{"/status-then-ok",       false, &route_status_then_ok},
};
// clang-format on

route_handler find_route(std::string_view path)
{
    for (const route& r : route_table) {
        if (r.prefix ? path.starts_with(r.path) : path == r.path) {
            return r.handler;
        }
    }
    return &route_not_found;
}

request_view make_request_view(const http::request<http::string_body>& msg, tcp::endpoint client,
                               tcp::endpoint server)
{
    request_view req;
    req.message = &msg;
    req.keep_alive = msg.keep_alive();
    req.client = client;
    req.server = server;
    const std::string_view target(msg.target().data(), msg.target().size());
    const std::size_t question = target.find('?');
    req.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) {
        std::string_view rest = target.substr(question + 1);
        while (!rest.empty()) {
            const std::size_t amp = rest.find('&');
            const std::string_view item = rest.substr(0, amp);
            rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
            const std::size_t eq = item.find('=');
            req.query.emplace_back(percent_decode(item.substr(0, eq)),
                                   eq == std::string_view::npos ? std::string() : percent_decode(item.substr(eq + 1)));
        }
    }
    return req;
}

// ---------------------------------------------------------------------------------------------
// Connections

template <class Stream>
class session final : public connection {
public:
    static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

    session(server_core& core, Stream stream, tcp::endpoint client, tcp::endpoint server)
        : core_(core), stream_(std::move(stream)), timer_(stream_.get_executor()), client_(client), server_(server)
    {
    }

    [[nodiscard]] net::any_io_executor executor() { return stream_.get_executor(); }

    /// Closes the socket and cancels the timer; must run on the connection's strand.
    void abort_now()
    {
        aborted_ = true;
        timer_.cancel();
        beast::get_lowest_layer(stream_).close();
    }

    net::awaitable<void> run()
    {
        auto& lowest = beast::get_lowest_layer(stream_);
        if constexpr (is_tls) {
            lowest.expires_after(10s);
            auto [ec] = co_await stream_.async_handshake(ssl::stream_base::server, nothrow);
            lowest.expires_never();
            if (ec) {
                co_return;
            }
        }
        for (;;) {
            // A fresh parser per request, as Beast requires.
            http::request_parser<http::string_body> parser;
            parser.header_limit(16 * 1024);
            parser.body_limit(1024 * 1024);
            lowest.expires_after(idle_timeout);
            [[maybe_unused]] auto [ec, bytes] = co_await http::async_read(stream_, buffer_, parser, nothrow);
            lowest.expires_never();
            if (ec == http::error::end_of_stream) {
                co_await close_gracefully();
                co_return;
            }
            if (ec) {
                co_return;
            }
            const http::request<http::string_body> message = parser.release();
            const request_view req = make_request_view(message, client_, server_);
            const auto host = message.find(http::field::host);
            core_.count_request(req.path, host == message.end() ? std::string() : std::string(host->value()),
                                std::string(message.target()));
            exchange ex(core_, *this, req);
            route_handler handler = &route_scripted;
            if (!core_.scripted_for(req.path)) {
                handler = find_route(req.path);
            }
            const next_step step = co_await handler(ex);
            if (step == next_step::close) {
                co_await close_gracefully();
            }
            if (step != next_step::keep_alive) {
                co_return;
            }
        }
    }

    net::awaitable<void> write(std::string_view bytes) override
    {
        co_await net::async_write(stream_, net::buffer(bytes.data(), bytes.size()), net::use_awaitable);
    }

    net::awaitable<void> sleep(std::chrono::milliseconds d) override
    {
        // The stopping check and the wait are on this strand, and the shutdown's close runs on
        // it too, so either the flag is seen here or the close cancels the wait.
        if (aborted_ || core_.stopping()) {
            throw boost::system::system_error(net::error::operation_aborted);
        }
        timer_.expires_after(d);
        co_await timer_.async_wait(net::use_awaitable);
    }

    net::awaitable<void> wait_for_peer_close() override
    {
        for (;;) {
            [[maybe_unused]] auto [ec, n] = co_await stream_.async_read_some(net::buffer(scratch_), nothrow);
            if (ec) {
                co_return;
            }
        }
    }

private:
    /// TLS close_notify, FIN, then read until the client closes too (briefly): closing with
    /// unread input would send a RST that can destroy the response still in flight.
    net::awaitable<void> close_gracefully()
    {
        auto& lowest = beast::get_lowest_layer(stream_);
        if constexpr (is_tls) {
            lowest.expires_after(1s);
            [[maybe_unused]] auto [ec] = co_await stream_.async_shutdown(nothrow);
        }
        boost::system::error_code ignored;
        lowest.socket().shutdown(tcp::socket::shutdown_send, ignored);
        lowest.expires_after(500ms);
        for (;;) {
            [[maybe_unused]] auto [ec, n] = co_await lowest.async_read_some(net::buffer(scratch_), nothrow);
            if (ec) {
                break;
            }
        }
        lowest.close();
    }

    server_core& core_;
    Stream stream_;
    beast::flat_buffer buffer_;
    net::steady_timer timer_;
    tcp::endpoint client_;
    tcp::endpoint server_;
    std::array<char, 4096> scratch_{};
    bool aborted_ = false;
};

template <class Stream>
net::awaitable<void> run_session(std::shared_ptr<session<Stream>> s)
{
    try {
        co_await s->run();
    } catch (const boost::system::system_error&) {
        // The client went away or the server is stopping: both are normal for a test server.
    } catch (const std::exception& e) {
        std::fprintf(stderr, "test_server: connection failed: %s\n", e.what());
    }
    s->abort_now();
}

template <class Stream>
void start_session(server_core& core, Stream stream, tcp::endpoint client, tcp::endpoint server)
{
    auto s = std::make_shared<session<Stream>>(core, std::move(stream), client, server);
    const net::any_io_executor executor = s->executor();
    std::uint64_t id = 0;
    const std::weak_ptr<session<Stream>> weak = s;
    const bool added = core.add_connection(id, [weak, executor] {
        net::post(executor, [weak] {
            if (auto live = weak.lock()) {
                live->abort_now();
            }
        });
    });
    if (!added) {
        return; // stopping: the stream closes as `s` goes
    }
    net::co_spawn(executor, run_session<Stream>(std::move(s)), [&core, id](const std::exception_ptr&) {
        core.remove_connection(id);
    });
}

} // namespace

// ---------------------------------------------------------------------------------------------

struct test_server::impl {
    explicit impl(server_options options) : core(options) {}

    net::awaitable<void> accept_loop()
    {
        for (;;) {
            auto [ec, socket] = co_await acceptor->async_accept(net::make_strand(ioc), nothrow);
            if (core.stopping() || !acceptor->is_open()) {
                break;
            }
            if (ec) {
                // E.g. EMFILE under a connection storm: wait a moment rather than spin.
                net::steady_timer pause(co_await net::this_coro::executor, 10ms);
                co_await pause.async_wait(nothrow);
                continue;
            }
            core.count_connection();
            boost::system::error_code ep_ec;
            const tcp::endpoint client = socket.remote_endpoint(ep_ec);
            const tcp::endpoint server = socket.local_endpoint(ep_ec);
            if (ep_ec) {
                continue; // already reset by the peer
            }
            // Routes write a head and then body pieces: without this, Nagle holds each piece
            // back until the client's delayed ACK, about 40 ms per exchange on loopback.
            socket.set_option(tcp::no_delay(true), ep_ec);
            if (ssl::context* tls = core.ssl_context()) {
                start_session(core, ssl::stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls), client,
                              server);
            } else {
                start_session(core, beast::tcp_stream(std::move(socket)), client, server);
            }
        }
    }

    // Destruction order matters: the io_context goes before `core` (its leftover coroutine
    // frames refer to core), and the acceptor is reset by hand before the io_context goes.
    server_core core;
    net::io_context ioc;
    std::optional<tcp::acceptor> acceptor;
    std::vector<std::thread> threads;
};

test_server::test_server(server_options options) : impl_(std::make_unique<impl>(options))
{
    server_core& core = impl_->core;
    if (options.tls) {
        core.enable_tls();
    }

    // Listening before the constructor returns: a test may connect right away.
    const tcp::endpoint endpoint(net::ip::make_address(options.address), options.port);
    impl_->acceptor.emplace(net::make_strand(impl_->ioc));
    impl_->acceptor->open(endpoint.protocol());
    impl_->acceptor->set_option(net::socket_base::reuse_address(true));
    impl_->acceptor->bind(endpoint);
    impl_->acceptor->listen(net::socket_base::max_listen_connections);
    core.set_port(impl_->acceptor->local_endpoint().port());

    net::co_spawn(impl_->acceptor->get_executor(), impl_->accept_loop(), [&core](const std::exception_ptr&) {
        core.accept_loop_finished();
    });
    const unsigned threads = std::max(1U, options.threads);
    for (unsigned i = 0; i < threads; ++i) {
        impl_->threads.emplace_back([this] { impl_->ioc.run(); });
    }
}

test_server::~test_server()
{
    impl& self = *impl_;
    net::post(self.acceptor->get_executor(), [&self] {
        boost::system::error_code ignored;
        self.acceptor->close(ignored);
    });
    // Connections close on their strands; anything still running after the grace period (a
    // gzip bomb being computed, say) is cut off by stop() and destroyed with the io_context.
    self.core.close_all(3s);
    self.ioc.stop();
    for (std::thread& t : self.threads) {
        t.join();
    }
    self.acceptor.reset();
}

std::uint16_t test_server::port() const noexcept
{
    return impl_->core.port();
}

std::string test_server::base_url() const
{
    return impl_->core.base_url();
}

std::string test_server::url(std::string_view path) const
{
    return base_url() + std::string(path);
}

const std::string& test_server::certificate_pem() const noexcept
{
    return impl_->core.certificate_pem();
}

std::uint64_t test_server::connections_accepted() const noexcept
{
    return impl_->core.connections_accepted();
}

std::uint64_t test_server::requests_received() const noexcept
{
    return impl_->core.requests_received();
}

std::uint64_t test_server::requests_for(std::string_view prefix) const
{
    return impl_->core.requests_for(prefix);
}

std::vector<logged_request> test_server::requests_log(std::string_view prefix) const
{
    return impl_->core.requests_log(prefix);
}

void test_server::set_response(std::string path, scripted_response response)
{
    impl_->core.set_response(std::move(path), std::move(response));
}

} // namespace crawl::test
