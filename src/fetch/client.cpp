// HTTP/1.1 client: pooled keep-alive connections, TLS, redirects, deadlines, streamed bodies.

#include "crawl/fetch/client.hpp"

#include "resolver.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace crawl::fetch {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using clock = std::chrono::steady_clock;
using error_code = boost::system::error_code;

namespace {

constexpr auto nothrow = net::as_tuple(net::use_awaitable);
constexpr std::size_t chunk_size = 16 * 1024;
// A redirect's body is read and dropped to keep the connection when it is this small.
constexpr std::size_t max_drained_redirect_body = 64 * 1024;
// Idle pooled connections older than this are likely closed by the server already.
constexpr auto max_idle_age = std::chrono::seconds(30);

double ms_since(clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(clock::now() - start).count();
}

std::string seconds_text(std::chrono::milliseconds d)
{
    const auto ms = d.count();
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

bool is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Errors that mean "the peer closed the connection": on a reused connection before any byte
// of the response, the request is retried once on a fresh one.
bool is_closed_by_peer(const error_code& ec)
{
    return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == ssl::error::stream_truncated;
}

bool is_http_error(const error_code& ec)
{
    return ec.category() == http::make_error_code(http::error::end_of_stream).category();
}

failure http_parse_failure(const error_code& ec, const options& opts)
{
    if (ec == http::error::header_limit) {
        return {error_class::protocol,
                "response header exceeds " + std::to_string(opts.max_header_bytes) + " bytes"};
    }
    return {error_class::protocol, "malformed response: " + ec.message()};
}

/// One connection: plain or TLS, plus the read buffer that must persist between responses.
struct connection {
    std::string key;
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer;
    clock::time_point idle_since;
    unsigned uses = 0;

    beast::tcp_stream& tcp() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
    void close()
    {
        error_code ignored;
        tcp().socket().close(ignored);
    }
};

/// How one request/response exchange ended.
struct exchange_result {
    failure error;
    bool retry_fresh = false;   ///< reused connection closed before any response byte
    std::string location;       ///< non-empty: follow this redirect
    bool reusable = false;      ///< connection may go back to the pool
};

/// Which deadline was binding, for an honest timeout message.
failure timeout_failure(clock::time_point total_deadline, const options& opts, std::string phase)
{
    if (clock::now() + std::chrono::milliseconds(5) >= total_deadline) {
        return {error_class::timeout, "request exceeded --timeout of " + seconds_text(opts.total_timeout)};
    }
    return {error_class::timeout, std::move(phase)};
}

} // namespace

struct client::impl {
    impl(net::any_io_executor ex, const options& o)
        : executor(ex), opts(o), tls(ssl::context::tls_client), dns(ex, o)
    {
        tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3);
        // Idle pooled TLS connections keep no read/write buffers.
        SSL_CTX_set_mode(tls.native_handle(), SSL_MODE_RELEASE_BUFFERS);
        if (opts.insecure) {
            tls.set_verify_mode(ssl::verify_none);
        } else {
            tls.set_verify_mode(ssl::verify_peer);
            if (opts.cacert.empty()) {
                tls.set_default_verify_paths();
            } else {
                tls.load_verify_file(opts.cacert);
            }
        }
    }

    net::any_io_executor executor;
    const options& opts;
    ssl::context tls;
    resolver dns;
    std::unordered_map<std::string, std::vector<std::unique_ptr<connection>>> idle;
    std::size_t idle_count = 0;

    static std::string pool_key(const url::target& t) { return t.scheme + "://" + t.host_port(); }

    std::unique_ptr<connection> take_idle(const std::string& key)
    {
        auto it = idle.find(key);
        while (it != idle.end() && !it->second.empty()) {
            auto conn = std::move(it->second.back());
            it->second.pop_back();
            --idle_count;
            if (it->second.empty()) {
                idle.erase(it);
                it = idle.end();
            }
            if (clock::now() - conn->idle_since < max_idle_age) {
                return conn;
            }
            conn->close();
        }
        return nullptr;
    }

    void put_idle(std::unique_ptr<connection> conn)
    {
        auto& list = idle[conn->key];
        if (list.size() >= opts.max_idle_per_host || idle_count >= opts.max_idle_total) {
            conn->close();
            if (list.empty()) {
                idle.erase(conn->key);
            }
            return;
        }
        conn->idle_since = clock::now();
        conn->buffer.shrink_to_fit(); // an idle connection holds no read buffer (empty after a whole response)
        list.push_back(std::move(conn));
        ++idle_count;
    }

    net::awaitable<std::unique_ptr<connection>> connect(const url::target& t, clock::time_point deadline,
                                                        outcome& out)
    {
        const auto connect_deadline = std::min(deadline, clock::now() + opts.connect_timeout);
        const auto dns_start = clock::now();
        auto answer = co_await dns.resolve(t.host, t.port, connect_deadline);
        out.time_ms.dns = answer.looked_up ? ms_since(dns_start) : 0.0;
        if (answer.error.cls != error_class::none) {
            if (answer.error.cls == error_class::timeout) {
                answer.error = timeout_failure(deadline, opts, answer.error.message);
            }
            out.error = std::move(answer.error);
            co_return nullptr;
        }

        auto conn = std::make_unique<connection>();
        conn->key = pool_key(t);
        if (t.tls()) {
            conn->secure.emplace(executor, tls);
        } else {
            conn->plain.emplace(executor);
        }
        auto& stream = conn->tcp();
        const auto connect_start = clock::now();
        stream.expires_at(connect_deadline);
        auto [ec, endpoint] = co_await stream.async_connect(answer.endpoints, nothrow);
        if (ec) {
            out.error = ec == beast::error::timeout
                            ? timeout_failure(deadline, opts,
                                              "connect to " + t.host_port() + " timed out after " +
                                                  seconds_text(opts.connect_timeout))
                            : failure{error_class::connect, "connect to " + t.host_port() + ": " + ec.message()};
            co_return nullptr;
        }
        out.time_ms.connect = ms_since(connect_start);
        error_code ignored;
        stream.socket().set_option(tcp::no_delay(true), ignored);

        if (conn->secure) {
            if (!co_await handshake(*conn, t, connect_deadline, deadline, out)) {
                co_return nullptr;
            }
        }
        co_return conn;
    }

    net::awaitable<bool> handshake(connection& conn, const url::target& t, clock::time_point connect_deadline,
                                   clock::time_point deadline, outcome& out)
    {
        SSL* native = conn.secure->native_handle();
        error_code literal_error;
        (void)net::ip::make_address(t.host, literal_error);
        const bool host_is_ip = !literal_error;
        if (!host_is_ip) {
            // SNI (SSL_set_tlsext_host_name is a macro with an old-style cast).
            SSL_ctrl(native, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(t.host.c_str()));
        }
        if (!opts.insecure) {
            if (host_is_ip) {
                X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(native), t.host.c_str());
            } else {
                SSL_set1_host(native, t.host.c_str());
            }
        }
        const auto start = clock::now();
        conn.tcp().expires_at(connect_deadline);
        auto [ec] = co_await conn.secure->async_handshake(ssl::stream_base::client, nothrow);
        if (ec) {
            if (ec == beast::error::timeout) {
                out.error = timeout_failure(deadline, opts,
                                            "TLS handshake with " + t.host_port() + " timed out after " +
                                                seconds_text(opts.connect_timeout));
            } else {
                std::string why = ec.message();
                const long verify = SSL_get_verify_result(native);
                if (verify != X509_V_OK) {
                    why = std::string("certificate verification failed: ") +
                          X509_verify_cert_error_string(verify);
                }
                out.error = {error_class::tls, "TLS handshake with " + t.host_port() + ": " + why};
            }
            co_return false;
        }
        out.time_ms.tls = ms_since(start);
        co_return true;
    }

    http::request<http::empty_body> make_request(const url::target& t) const
    {
        http::request<http::empty_body> req{http::verb::get, t.request_target, 11};
        req.set(http::field::host, t.host_header());
        req.set(http::field::user_agent, opts.user_agent);
        req.set(http::field::accept, "text/html,application/xhtml+xml,*/*;q=0.8");
        req.set(http::field::accept_encoding, "gzip, deflate");
        for (const auto& [name, value] : opts.headers) {
            if (value.empty()) {
                req.erase(name);
            } else {
                req.set(name, value);
            }
        }
        return req;
    }

    template <class Stream>
    net::awaitable<exchange_result> exchange(Stream& stream, connection& conn, const url::target& t,
                                             clock::time_point deadline, body_handler& handler, outcome& out)
    {
        exchange_result result;
        const bool reused = conn.uses++ > 0;
        auto& lowest = conn.tcp();
        const auto arm = [&] { lowest.expires_at(std::min(deadline, clock::now() + opts.read_timeout)); };

        auto req = make_request(t);
        const auto sent = clock::now();
        arm();
        auto [write_ec, written] = co_await http::async_write(stream, req, nothrow);
        (void)written;
        if (write_ec) {
            if (reused && is_closed_by_peer(write_ec)) {
                result.retry_fresh = true;
            } else if (write_ec == beast::error::timeout) {
                result.error = timeout_failure(deadline, opts, "sending the request timed out");
            } else {
                result.error = {error_class::write, "sending the request: " + write_ec.message()};
            }
            co_return result;
        }

        // Beast reads as much as the buffer has room for (at least 512 bytes): without room for
        // a whole chunk, a 20 KB body takes 40 recvmsg calls instead of two.
        conn.buffer.reserve(chunk_size);
        // The response header; informational 1xx responses (100 Continue) are skipped.
        std::optional<http::response_parser<http::buffer_body>> parser;
        for (;;) {
            parser.emplace();
            parser->header_limit(opts.max_header_bytes);
            parser->body_limit(opts.max_body + opts.max_body / 8 + 64 * 1024);
            arm();
            auto [ec, n] = co_await http::async_read_header(stream, conn.buffer, *parser, nothrow);
            out.wire_bytes += n;
            if (ec) {
                if (reused && n == 0 && conn.buffer.size() == 0 && is_closed_by_peer(ec)) {
                    result.retry_fresh = true;
                } else if (ec == beast::error::timeout) {
                    result.error = timeout_failure(deadline, opts,
                                                   "no response header within " + seconds_text(opts.read_timeout));
                } else if (ec == http::error::body_limit) { // Content-Length alone is over the cap
                    result.error = {error_class::body_too_large,
                                    "Content-Length exceeds --max-body of " + std::to_string(opts.max_body) + " bytes"};
                } else if (is_closed_by_peer(ec) || !is_http_error(ec)) {
                    result.error = {error_class::read, "reading the response header: " + ec.message()};
                } else {
                    result.error = http_parse_failure(ec, opts);
                }
                co_return result;
            }
            const auto status = static_cast<int>(parser->get().result_int());
            if (status >= 200 || status == 101 || status < 100) {
                break;
            }
        }
        out.time_ms.ttfb = ms_since(sent);
        auto& head = parser->get();
        out.status = static_cast<int>(head.result_int());
        out.content_type = std::string(head[http::field::content_type]);
        out.content_encoding = std::string(head[http::field::content_encoding]);
        out.retry_after = std::string(head[http::field::retry_after]);

        const bool redirect = is_redirect(out.status) && head.count(http::field::location) > 0;
        if (redirect) {
            result.location = std::string(head[http::field::location]);
        } else {
            const response_info info{out.status, out.content_type, out.content_encoding, out.final_url};
            if (auto f = handler.on_header(info); f.cls != error_class::none) {
                result.error = std::move(f);
                co_return result;
            }
        }

        std::array<char, chunk_size> chunk;
        std::size_t drained = 0;
        while (!parser->is_done()) {
            if (redirect && drained > max_drained_redirect_body) {
                co_return result; // not worth reading: the connection is dropped instead
            }
            parser->get().body().data = chunk.data();
            parser->get().body().size = chunk.size();
            arm();
            auto [ec, n] = co_await http::async_read(stream, conn.buffer, *parser, nothrow);
            out.wire_bytes += n;
            const std::size_t got = chunk.size() - parser->get().body().size;
            if (ec == http::error::need_buffer) {
                ec = {};
            }
            if (ec == ssl::error::stream_truncated && parser->need_eof()) {
                // Servers often close TLS without close_notify; for a close-delimited body
                // that is the end of the body, not an attack on it.
                parser->put_eof(ec);
            }
            if (got > 0) {
                drained += got;
                if (!redirect) {
                    if (auto f = handler.on_body({chunk.data(), got}); f.cls != error_class::none) {
                        result.error = std::move(f);
                        co_return result;
                    }
                }
            }
            if (ec) {
                if (ec == beast::error::timeout) {
                    result.error = timeout_failure(deadline, opts,
                                                   "body read idle for " + seconds_text(opts.read_timeout));
                } else if (ec == http::error::body_limit) {
                    result.error = {error_class::body_too_large,
                                    "body exceeds " + std::to_string(opts.max_body) + " bytes"};
                } else if (ec == http::error::partial_message || is_closed_by_peer(ec) ||
                           !is_http_error(ec)) {
                    result.error = {error_class::read, "connection closed mid-body: " + ec.message()};
                } else {
                    result.error = http_parse_failure(ec, opts);
                }
                co_return result;
            }
        }
        if (!redirect) {
            if (auto f = handler.on_end(); f.cls != error_class::none) {
                result.error = std::move(f);
                co_return result;
            }
        }
        result.reusable = parser->keep_alive();
        co_return result;
    }

    /// One hop: a pooled or fresh connection, one exchange, retried once on a fresh
    /// connection when a reused one turns out to be closed.
    net::awaitable<exchange_result> hop(const url::target& t, clock::time_point deadline, body_handler& handler,
                                        outcome& out)
    {
        const auto key = pool_key(t);
        for (int attempt = 0;; ++attempt) {
            auto conn = attempt == 0 ? take_idle(key) : nullptr;
            if (conn) {
                out.time_ms.dns = out.time_ms.connect = out.time_ms.tls = -1;
            } else {
                out.time_ms = record::timings{};
                conn = co_await connect(t, deadline, out);
                if (!conn) {
                    exchange_result failed;
                    failed.error = out.error;
                    co_return failed;
                }
            }
            // Two statements, not ?: around co_await (a GCC 12 / Clang coroutine miscompile).
            exchange_result r;
            if (conn->secure) {
                r = co_await exchange(*conn->secure, *conn, t, deadline, handler, out);
            } else {
                r = co_await exchange(*conn->plain, *conn, t, deadline, handler, out);
            }
            if (r.retry_fresh && attempt == 0) {
                conn->close();
                continue;
            }
            if (r.retry_fresh) {
                r.error = {error_class::read, "connection closed before the response"};
            }
            if (r.reusable && r.error.cls == error_class::none) {
                put_idle(std::move(conn));
            } else {
                conn->close();
            }
            co_return r;
        }
    }

    net::awaitable<outcome> get(url::target target, body_handler& handler, int max_redirects)
    {
        outcome out;
        const auto start = clock::now();
        const auto deadline = start + opts.total_timeout;
        std::unordered_set<std::string> visited; // no braced list here: GCC 12 coroutine bug
        visited.insert(target.href);
        for (;;) {
            out.final_url = target.href;
            out.status = 0;
            out.retry_after.clear();
            auto r = co_await hop(target, deadline, handler, out);
            if (r.error.cls != error_class::none) {
                out.error = std::move(r.error);
                break;
            }
            if (r.location.empty()) {
                break;
            }
            auto next = url::resolve_redirect(target, r.location);
            if (!next) {
                out.error = next.error();
                out.error.message = "redirect to " + out.error.message;
                break;
            }
            if (out.redirects >= max_redirects) {
                out.error = {error_class::too_many_redirects,
                             "more than " + std::to_string(max_redirects) + " redirects"};
                break;
            }
            ++out.redirects;
            if (!visited.insert(next->href).second) {
                out.error = {error_class::redirect_loop, "redirect loop back to " + next->href};
                break;
            }
            target = std::move(*next);
        }
        out.time_ms.total = ms_since(start);
        co_return out;
    }
};

client::client(net::any_io_executor executor, const options& opts) : impl_(std::make_unique<impl>(executor, opts)) {}

client::~client() = default;

net::awaitable<outcome> client::get(url::target target, body_handler& handler, int max_redirects)
{
    return impl_->get(std::move(target), handler, max_redirects);
}

} // namespace crawl::fetch
