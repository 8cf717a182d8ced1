// The scripted test server: a Beast HTTP/1.1 server on loopback, plain or TLS, whose routes
// (server/route_table.hpp) reproduce what a crawler meets in the wild. This file is the
// listener and the connections. One io_context runs on `options.threads` threads; every
// connection is a coroutine on its own strand, so route code is sequential and needs no locking
// of its own.
//
// Shutdown: the destructor marks the server stopping, closes the acceptor and every live
// connection on its strand (that also cancels the timer a hanging route waits on), waits a few
// seconds for the coroutines to finish, then stops the io_context and joins the threads.

#include "support/test_server.hpp"

#include "support/server/core.hpp"
#include "support/server/exchange.hpp"
#include "support/server/route_table.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace crawl::test {

namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using namespace server_impl;
using namespace std::chrono_literals;

namespace {

constexpr auto nothrow = net::as_tuple(net::use_awaitable);
/// A connection with no request for this long is closed (clients normally close idle ones first).
constexpr auto idle_timeout = 120s;

/// Marks a logged request done when its route ends, however it ends (a throw included).
class request_in_flight {
public:
    request_in_flight(server_core& core, std::size_t index) : core_(core), index_(index) {}
    ~request_in_flight() { core_.finish_request(index_); }
    request_in_flight(const request_in_flight&) = delete;
    request_in_flight& operator=(const request_in_flight&) = delete;

private:
    server_core& core_;
    std::size_t index_;
};

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
            next_step step{};
            {
                const request_in_flight in_flight(
                    core_, core_.count_request(req.path, host == message.end() ? std::string() : std::string(host->value()),
                                               std::string(message.target())));
                exchange ex(core_, *this, req);
                route_handler handler = &route_scripted;
                if (!core_.scripted_for(req.path)) {
                    handler = find_route(req.path);
                }
                step = co_await handler(ex);
            }
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

std::size_t test_server::max_in_flight(std::string_view prefix) const
{
    return crawl::test::max_in_flight(requests_log(prefix));
}

void test_server::set_response(std::string path, scripted_response response)
{
    impl_->core.set_response(std::move(path), std::move(response));
}

void test_server::release_held()
{
    impl_->core.release_held();
}

} // namespace crawl::test
