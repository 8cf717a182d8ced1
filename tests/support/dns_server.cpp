// The test DNS server. One io_context thread; a coroutine reads datagrams and each answer waits
// on its own timer, so a delay holds back answers without holding back later questions.

#include "support/dns_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace crawl::test {

namespace net = boost::asio;
using udp = net::ip::udp;

namespace {

constexpr auto nothrow = net::as_tuple(net::use_awaitable);
constexpr std::uint16_t type_a = 1;
constexpr std::uint16_t type_aaaa = 28;
constexpr std::uint16_t rcode_nxdomain = 3;
constexpr std::uint16_t rcode_formerr = 1;

std::uint16_t get16(const std::string& m, std::size_t at)
{
    return static_cast<std::uint16_t>((static_cast<unsigned char>(m[at]) << 8) | static_cast<unsigned char>(m[at + 1]));
}

void put16(std::string& m, std::uint16_t v)
{
    m += static_cast<char>(v >> 8);
    m += static_cast<char>(v & 0xFF);
}

struct question {
    std::string name; ///< lowercase, dotted, no trailing dot
    std::uint16_t type = 0;
    std::size_t end = 0; ///< offset just past the question section
};

/// The first question of a query, or nullopt when the message is malformed.
std::optional<question> parse_question(const std::string& m)
{
    if (m.size() < 12 || get16(m, 4) == 0) {
        return std::nullopt;
    }
    question q;
    std::size_t at = 12;
    while (at < m.size()) {
        const auto len = static_cast<unsigned char>(m[at]);
        if (len == 0) {
            ++at;
            break;
        }
        if (len > 63 || at + 1 + len > m.size()) {
            return std::nullopt; // compression is not used in questions
        }
        if (!q.name.empty()) {
            q.name += '.';
        }
        for (std::size_t i = 0; i < len; ++i) {
            const char c = m[at + 1 + i];
            q.name += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        }
        at += 1 + len;
    }
    if (at + 4 > m.size()) {
        return std::nullopt;
    }
    q.type = get16(m, at);
    q.end = at + 4;
    return q;
}

} // namespace

struct dns_server::impl {
    explicit impl(dns_options o) : options(std::move(o)), socket(ioc, udp::endpoint(net::ip::address_v4::loopback(), options.port))
    {
    }

    std::string address_of(const std::string& name) const
    {
        const auto n = options.spread <= 1 ? 0 : std::hash<std::string>{}(name) % options.spread;
        return "127.0.0." + std::to_string(1 + n);
    }

    bool in_zone(const std::string& name) const
    {
        const std::string suffix = "." + options.zone;
        return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    }

    std::string answer(const std::string& query, const question& q) const
    {
        std::string r = query.substr(0, 2); // the id
        const std::uint16_t rd = get16(query, 2) & 0x0100;
        const bool known = in_zone(q.name);
        const std::uint16_t rcode = known ? 0 : rcode_nxdomain;
        const bool with_a = known && q.type == type_a;
        put16(r, static_cast<std::uint16_t>(0x8000 | 0x0400 | rd | rcode)); // QR, AA
        put16(r, 1);                                                          // QDCOUNT
        put16(r, with_a ? 1 : 0);                                             // ANCOUNT
        put16(r, 0);
        put16(r, 0);
        r.append(query, 12, q.end - 12); // the question as asked
        if (with_a) {
            put16(r, 0xC00C); // the name: a pointer to the question's
            put16(r, type_a);
            put16(r, 1); // IN
            put16(r, static_cast<std::uint16_t>(options.ttl >> 16));
            put16(r, static_cast<std::uint16_t>(options.ttl & 0xFFFF));
            put16(r, 4);
            const auto a = net::ip::make_address_v4(address_of(q.name)).to_bytes();
            r.append(reinterpret_cast<const char*>(a.data()), a.size());
        }
        return r;
    }

    static std::string formerr(const std::string& query)
    {
        std::string r = query.size() >= 2 ? query.substr(0, 2) : std::string(2, '\0');
        put16(r, static_cast<std::uint16_t>(0x8000 | rcode_formerr));
        r.append(8, '\0');
        return r;
    }

    net::awaitable<void> reply(std::string message, udp::endpoint to)
    {
        // Only the io thread changes these; the atomics are for the test's thread to read.
        most_waiting.store(std::max(most_waiting.load(), waiting.fetch_add(1) + 1));
        if (options.delay.count() > 0) {
            net::steady_timer t(ioc, options.delay);
            co_await t.async_wait(nothrow);
        }
        waiting.fetch_sub(1); // before the answer goes out, so a question it prompts finds it gone
        co_await socket.async_send_to(net::buffer(message), to, nothrow);
    }

    net::awaitable<void> serve()
    {
        std::array<char, 1500> buf;
        for (;;) {
            udp::endpoint from;
            auto [ec, n] = co_await socket.async_receive_from(net::buffer(buf), from, nothrow);
            if (ec == net::error::operation_aborted || !socket.is_open()) {
                co_return;
            }
            if (ec) {
                continue;
            }
            ++total;
            const std::string query(buf.data(), n);
            const auto q = parse_question(query);
            if (q && (q->type == type_a || q->type == type_aaaa)) {
                const std::lock_guard lock(mutex);
                ++per_name[q->name];
            }
            if (options.silent) {
                continue;
            }
            net::co_spawn(ioc, reply(q ? answer(query, *q) : formerr(query), from), net::detached);
        }
    }

    dns_options options;
    net::io_context ioc;
    udp::socket socket;
    std::atomic<std::uint64_t> total{0};
    std::atomic<std::uint64_t> waiting{0};
    std::atomic<std::uint64_t> most_waiting{0};
    mutable std::mutex mutex;
    std::map<std::string, std::uint64_t> per_name;
    std::thread thread;
};

dns_server::dns_server(dns_options options) : impl_(std::make_unique<impl>(std::move(options)))
{
    net::co_spawn(impl_->ioc, impl_->serve(), net::detached);
    impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

dns_server::~dns_server()
{
    impl_->ioc.stop();
    impl_->thread.join();
}

std::uint16_t dns_server::port() const noexcept
{
    return impl_->socket.local_endpoint().port();
}

std::string dns_server::address() const
{
    return "127.0.0.1:" + std::to_string(port());
}

std::uint64_t dns_server::queries() const noexcept
{
    return impl_->total.load();
}

std::uint64_t dns_server::queries_for(const std::string& name) const
{
    const std::lock_guard lock(impl_->mutex);
    const auto it = impl_->per_name.find(name);
    return it == impl_->per_name.end() ? 0 : it->second;
}

std::uint64_t dns_server::max_waiting() const noexcept
{
    return impl_->most_waiting.load();
}

std::string dns_server::address_of(const std::string& name) const
{
    return impl_->address_of(name);
}

} // namespace crawl::test
