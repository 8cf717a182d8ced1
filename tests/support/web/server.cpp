#include "support/web/server.hpp"

#include "support/arrival_stamp.hpp"
#include "support/serve_loop.hpp"
#include "support/web/responder.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>

#include <array>
#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace crawl::test::web {

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
constexpr auto nothrow = net::as_tuple(net::use_awaitable);

} // namespace

struct web_server::impl {
    impl(web_params params, const server_options& o) : site(params), log(params.hosts, o.keep_entries, o.tsv) {}

    std::chrono::milliseconds delay_of(std::uint32_t host)
    {
        if (!any_delay.load(std::memory_order_relaxed)) {
            return std::chrono::milliseconds(0);
        }
        const std::scoped_lock lock(delay_mutex);
        const auto it = delays.find(host);
        return it == delays.end() ? std::chrono::milliseconds(0) : it->second;
    }

    net::awaitable<void> session(tcp::socket socket)
    {
        connections.fetch_add(1, std::memory_order_relaxed);
        co_await serve_keep_alive(socket, [this](tcp::socket& s, const bodiless_request& req, clock::time_point arrived,
                                                 net::steady_timer& t) { return answer(s, req, arrived, t); });
    }

    /// Routes, logs, delays and writes one response; whether the connection goes on.
    net::awaitable<bool> answer(tcp::socket& socket, const bodiless_request& req, clock::time_point arrived,
                                net::steady_timer& timer)
    {
        const std::string_view host_field = req[http::field::host];
        const std::string_view target = req.target();
        const destination to = locate(site, host_field, target);
        const std::size_t ticket = log.begin(host_field, target, to.host, to.key, arrived);

        const response r = respond(site, to, req[http::field::accept_encoding].find("gzip") != std::string_view::npos);
        if (to.host) {
            if (const auto delay = delay_of(*to.host); delay.count() > 0) {
                timer.expires_after(delay);
                auto [timer_ec] = co_await timer.async_wait(nothrow);
                (void)timer_ec;
            }
        }
        const bool keep_alive = req.keep_alive();
        const std::string head = response_head(r, keep_alive);
        const bool with_body = req.method() != http::verb::head;
        std::array<net::const_buffer, 2> out{net::buffer(head), net::buffer(r.body.data(), with_body ? r.body.size() : 0)};
        log.answering(ticket);
        auto [write_ec, written] = co_await net::async_write(socket, out, nothrow);
        (void)written;
        log.finish(ticket, r.status, write_ec ? 0 : out[1].size());
        co_return !write_ec && keep_alive;
    }

    web site;
    request_log log;
    std::atomic<std::uint64_t> connections{0};
    std::mutex delay_mutex;
    std::unordered_map<std::uint32_t, std::chrono::milliseconds> delays;
    std::atomic<bool> any_delay{false};
    // Destroyed first (see ~web_server): the sessions refer to everything above.
    std::vector<std::unique_ptr<net::io_context>> loops;
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
    std::vector<std::thread> threads;
};

namespace {

/// Binds `loop`'s acceptor on `address`:`port` with SO_REUSEPORT, so that each thread accepts
/// on its own socket of one port and the kernel spreads the connections.
std::unique_ptr<tcp::acceptor> listen_on(net::io_context& loop, const std::string& address, std::uint16_t port)
{
    const tcp::endpoint ep(net::ip::make_address(address), port);
    auto a = std::make_unique<tcp::acceptor>(loop);
    a->open(ep.protocol());
    a->set_option(tcp::acceptor::reuse_address(true));
    const int one = 1;
    if (::setsockopt(a->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        throw std::system_error(errno, std::generic_category(), "SO_REUSEPORT");
    }
    // Asked here, before any connection, because the kernel turns its stamping on a moment
    // after the first socket asks (the connections inherit the option).
    stamp_arrivals(a->native_handle());
    a->bind(ep);
    a->listen(4096);
    return a;
}

} // namespace

web_server::web_server(web_params params, server_options options)
{
    const unsigned threads = std::max(1U, options.threads);
    auto first_loop = std::make_unique<net::io_context>(1);
    auto first = listen_on(*first_loop, options.address, options.port);
    params.port = first->local_endpoint().port();
    impl_ = std::make_unique<impl>(params, options);
    impl_->loops.push_back(std::move(first_loop));
    impl_->acceptors.push_back(std::move(first));
    for (unsigned t = 1; t < threads; ++t) {
        impl_->loops.push_back(std::make_unique<net::io_context>(1));
        impl_->acceptors.push_back(listen_on(*impl_->loops.back(), options.address, params.port));
    }
    for (std::size_t t = 0; t < threads; ++t) {
        const auto serve = [impl = impl_.get()](tcp::socket s) { return impl->session(std::move(s)); };
        net::co_spawn(*impl_->loops[t], accept_each(*impl_->acceptors[t], serve), net::detached);
        impl_->threads.emplace_back([loop = impl_->loops[t].get()] { loop->run(); });
    }
}

web_server::~web_server()
{
    for (auto& loop : impl_->loops) {
        loop->stop();
    }
    for (std::thread& t : impl_->threads) {
        t.join();
    }
    impl_->acceptors.clear();
    impl_->loops.clear(); // destroys the sessions' coroutines, which close their sockets
}

const web& web_server::site() const noexcept
{
    return impl_->site;
}

std::uint16_t web_server::port() const noexcept
{
    return impl_->site.params().port;
}

std::string web_server::url(const resource& r) const
{
    return impl_->site.url(r);
}

std::vector<std::string> web_server::resolve_args(std::uint32_t first, std::uint32_t count) const
{
    std::vector<std::string> out;
    for (std::uint32_t h = first; h < first + count && h < impl_->site.hosts(); ++h) {
        out.push_back(impl_->site.host_name(h) + ":" + std::to_string(port()) + ":127.0.0.1");
    }
    return out;
}

const request_log& web_server::log() const noexcept
{
    return impl_->log;
}

std::uint64_t web_server::connections() const noexcept
{
    return impl_->connections.load();
}

std::uint64_t web_server::requests_for(const resource& r) const
{
    return impl_->log.count(r.key());
}

void web_server::set_delay(std::uint32_t host, std::chrono::milliseconds delay)
{
    const std::scoped_lock lock(impl_->delay_mutex);
    if (delay.count() > 0) {
        impl_->delays[host] = delay;
    } else {
        impl_->delays.erase(host);
    }
    impl_->any_delay.store(!impl_->delays.empty());
}

} // namespace crawl::test::web
