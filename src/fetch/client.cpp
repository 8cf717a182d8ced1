// HTTP/1.1 client: pooled keep-alive connections, TLS, redirects, deadlines, streamed bodies.

#include "crawl/fetch/client.hpp"

#include "resolver.hpp"

#include "crawl/response/reader.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/resource.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <limits>
#include <list>
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

// Errors that mean "the peer closed the connection": on a reused connection before any byte
// of the response, the request is retried once on a fresh one.
bool is_closed_by_peer(const error_code& ec)
{
    return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == ssl::error::stream_truncated;
}

// The process is out of descriptors (RLIMIT_NOFILE) or the system is (ENFILE): not the URL's
// fault, so the fetch waits for one instead of failing.
bool is_descriptor_shortage(const error_code& ec)
{
    return ec == net::error::no_descriptors ||
           ec == error_code(ENFILE, boost::system::system_category());
}

// Descriptors a worker leaves to everything but its sockets: DNS lookups, iconv loading a
// charset module, the sanitizers' own pipes and /proc reads. Without them, running out of
// sockets would also break those.
constexpr std::size_t descriptor_headroom = 16;

/// How many sockets this process may hold: its share of RLIMIT_NOFILE once the descriptors
/// already open (stdio, pipes, the event loop's own) and the headroom are set aside.
std::size_t socket_budget()
{
    struct rlimit lim {};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) {
        return std::numeric_limits<std::size_t>::max();
    }
    std::size_t in_use = 0;
    std::error_code ec;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
        ++in_use;
    }
    const auto limit = static_cast<std::size_t>(lim.rlim_cur);
    return limit > in_use + descriptor_headroom ? limit - in_use - descriptor_headroom : 1;
}

/// Counts this client's open sockets and wakes a fetch waiting for a descriptor when one of
/// them closes (the longest waiter first). Single-threaded, like the client.
class descriptor_gate {
public:
    explicit descriptor_gate(net::any_io_executor ex) : executor_(ex) {}

    void opened() noexcept { ++open_; }
    void closed() noexcept
    {
        --open_;
        if (!waiters_.empty()) { // one descriptor back: one waiter may retry
            waiter* w = waiters_.front();
            waiters_.pop_front();
            w->woken = true;
            w->timer.cancel();
        }
    }
    [[nodiscard]] std::size_t open() const noexcept { return open_; }

    /// Until one of our sockets closes, or `at_most` passed (a descriptor may also come back
    /// from elsewhere: a finished DNS lookup, another process for ENFILE).
    net::awaitable<void> wait(clock::duration at_most)
    {
        waiter w(executor_, at_most);
        const auto me = waiters_.insert(waiters_.end(), &w);
        co_await w.timer.async_wait(nothrow);
        if (!w.woken) {
            waiters_.erase(me);
        }
    }

private:
    struct waiter {
        waiter(net::any_io_executor ex, clock::duration d) : timer(ex, d) {}
        net::steady_timer timer;
        bool woken = false;
    };

    net::any_io_executor executor_;
    std::list<waiter*> waiters_;
    std::size_t open_ = 0;
};

/// One connection: plain or TLS, plus the read buffer that must persist between responses.
struct connection {
    explicit connection(std::weak_ptr<descriptor_gate> g) : gate(std::move(g)) {}
    ~connection()
    {
        // Weak: a coroutine frame destroyed with the io_context may outlive the client.
        if (const auto g = gate.lock(); g && counted) {
            g->closed();
        }
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    std::weak_ptr<descriptor_gate> gate;
    bool counted = false; ///< counted in the gate as holding a descriptor
    std::string key;
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer; ///< capped at response::buffer_limit
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
        : executor(ex), opts(o), limits{o.max_header_bytes, o.max_header_fields, o.max_body},
          tls(ssl::context::tls_client), dns(ex, o), descriptors(std::make_shared<descriptor_gate>(ex)),
          max_sockets(socket_budget())
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
    response::limits limits;
    ssl::context tls;
    resolver dns;
    std::shared_ptr<descriptor_gate> descriptors;
    std::size_t max_sockets; ///< sockets open at once, connecting, in use or idle
    std::uint64_t descriptor_waits = 0;
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
            // Bytes waiting on an idle connection were sent unasked (or are the server's close):
            // either way they must not be read as the answer to the next request.
            error_code ec;
            const auto unsolicited = conn->tcp().socket().available(ec);
            if (clock::now() - conn->idle_since < max_idle_age && !ec && unsolicited == 0) {
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

    /// Closes the idle connection unused the longest, whatever its host; false when none.
    bool close_oldest_idle()
    {
        auto oldest = idle.end();
        for (auto it = idle.begin(); it != idle.end(); ++it) {
            if (oldest == idle.end() || it->second.front()->idle_since < oldest->second.front()->idle_since) {
                oldest = it;
            }
        }
        if (oldest == idle.end()) {
            return false;
        }
        oldest->second.erase(oldest->second.begin()); // its destructor closes it
        --idle_count;
        if (oldest->second.empty()) {
            idle.erase(oldest);
        }
        return true;
    }

    /// Called when this client holds max_sockets sockets, or connecting ran out of descriptors
    /// anyway (DNS lookups live off the headroom). Frees an idle connection if there is one; otherwise waits until one
    /// of ours closes. That wait does not count against
    /// the URL's deadlines (they move by as much), as long as this worker holds sockets that
    /// will close; holding none, it counts, so a limit too low for even one socket ends in a
    /// connect error instead of a hang. Returns false when the URL has to give up.
    net::awaitable<bool> wait_for_descriptor(clock::time_point& deadline, clock::time_point& connect_deadline)
    {
        ++descriptor_waits;
        if (close_oldest_idle()) {
            co_return true;
        }
        const auto start = clock::now();
        if (descriptors->open() > 0) {
            co_await descriptors->wait(std::chrono::milliseconds(100));
            const auto waited = clock::now() - start;
            deadline += waited;
            connect_deadline += waited;
            co_return true;
        }
        if (start >= connect_deadline) {
            co_return false;
        }
        co_await descriptors->wait(std::min<clock::duration>(std::chrono::milliseconds(50), connect_deadline - start));
        co_return true;
    }

    net::awaitable<std::unique_ptr<connection>> connect(const url::target& t, clock::time_point& deadline,
                                                        outcome& out)
    {
        auto connect_deadline = std::min(deadline, clock::now() + opts.connect_timeout);
        for (;;) {
            if (descriptors->open() >= max_sockets) { // our share of the descriptors is in use
                co_await wait_for_descriptor(deadline, connect_deadline);
                continue;
            }
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

            auto conn = std::make_unique<connection>(descriptors);
            conn->key = pool_key(t);
            conn->buffer.max_size(response::buffer_limit(limits));
            if (t.tls()) {
                conn->secure.emplace(executor, tls);
            } else {
                conn->plain.emplace(executor);
            }
            auto& stream = conn->tcp();
            conn->counted = true; // from here on it holds (or is about to hold) a descriptor
            descriptors->opened();
            const auto connect_start = clock::now();
            stream.expires_at(connect_deadline);
            auto [ec, endpoint] = co_await stream.async_connect(answer.endpoints, nothrow);
            if (ec && is_descriptor_shortage(ec)) {
                const bool retry = co_await wait_for_descriptor(deadline, connect_deadline);
                if (retry) {
                    continue;
                }
                out.error = {error_class::connect, "connect to " + t.host_port() +
                                                       ": no file descriptor free and none held by this worker"};
                co_return nullptr;
            }
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
                                             clock::time_point deadline, response::body_handler& handler, outcome& out)
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
        conn.buffer.reserve(response::chunk_size);
        // The response: crawl's caps, 1xx skipping and body handling live in the reader; this
        // loop only does the reads and knows the deadlines.
        response::reader rd(limits, out.final_url, handler);
        while (rd.next() == response::step::read_header) {
            arm();
            auto [ec, n] = co_await http::async_read_header(stream, conn.buffer, rd.parser(), nothrow);
            out.wire_bytes += n;
            if (ec && reused && n == 0 && conn.buffer.size() == 0 && is_closed_by_peer(ec)) {
                result.retry_fresh = true;
                co_return result;
            }
            rd.header_read(ec, n);
            if (rd.error().cls == error_class::timeout) {
                result.error = timeout_failure(deadline, opts,
                                               "no response header within " + seconds_text(opts.read_timeout));
                co_return result;
            }
        }
        out.time_ms.ttfb = ms_since(sent);
        out.status = rd.status();
        out.content_type = std::string(rd.content_type());
        out.content_encoding = std::string(rd.content_encoding());
        out.retry_after = std::string(rd.retry_after());
        while (rd.next() == response::step::read_body) {
            rd.prepare_body();
            arm();
            // read_some returns after each batch the socket delivers, so the read timeout is an idle
            // timeout (async_read would wait for a full chunk under one arming).
            auto [ec, n] = co_await http::async_read_some(stream, conn.buffer, rd.parser(), nothrow);
            out.wire_bytes += n;
            if (ec == ssl::error::stream_truncated && rd.parser().need_eof()) {
                // Servers often close TLS without close_notify; for a close-delimited body
                // that is the end of the body, not an attack on it.
                rd.parser().put_eof(ec);
            }
            rd.body_read(ec);
        }
        result.error = rd.error();
        if (result.error.cls == error_class::timeout) {
            result.error = timeout_failure(deadline, opts, "body read idle for " + seconds_text(opts.read_timeout));
        }
        result.location = rd.location();
        // Bytes past the end of the response are not ours to interpret: a server that sends
        // more than it declared could otherwise answer the next request on this connection.
        result.reusable = rd.reusable() && conn.buffer.size() == 0;
        co_return result;
    }

    /// One hop: a pooled or fresh connection, one exchange, retried once on a fresh
    /// connection when a reused one turns out to be closed.
    net::awaitable<exchange_result> hop(const url::target& t, clock::time_point& deadline, response::body_handler& handler,
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

    net::awaitable<outcome> get(url::target target, response::body_handler& handler, int max_redirects)
    {
        outcome out;
        const auto start = clock::now();
        auto deadline = start + opts.total_timeout; // moved on by waits for a descriptor
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

net::awaitable<outcome> client::get(url::target target, response::body_handler& handler, int max_redirects)
{
    return impl_->get(std::move(target), handler, max_redirects);
}

std::uint64_t client::descriptor_waits() const noexcept
{
    return impl_->descriptor_waits;
}

} // namespace crawl::fetch
