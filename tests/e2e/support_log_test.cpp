// Self-test of what the e2e tests measure scheduling with: the test server's request log
// (arrival and done times, the most requests in flight at once), held responses, the kernel's
// arrival stamps the synthetic web's server logs, and the DNS server's count of answers
// waiting. A test that measures through these is only as good as they.

#include "support/arrival_stamp.hpp"
#include "support/dns_server.hpp"
#include "support/test_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace crawl::test {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

/// A GET sent on its own connection at construction; its response is read when asked for.
class pending_get {
public:
    pending_get(std::uint16_t port, const std::string& target) : socket_(ioc_)
    {
        socket_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
        send(target);
    }

    void send(const std::string& target)
    {
        const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        net::write(socket_, net::buffer(request));
    }

    unsigned status()
    {
        http::response<http::string_body> res;
        http::read(socket_, buffer_, res);
        return res.result_int();
    }

private:
    net::io_context ioc_;
    net::ip::tcp::socket socket_;
    boost::beast::flat_buffer buffer_;
};

/// Waits (at most 10 s) until the server has received `n` requests for `prefix`.
void wait_for_requests(const test_server& server, std::string_view prefix, std::uint64_t n)
{
    const auto deadline = steady::now() + 10s;
    while (server.requests_for(prefix) < n && steady::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    ASSERT_EQ(server.requests_for(prefix), n);
}

/// Waits (at most 10 s) until the server is done with every request for `prefix`.
void wait_until_done(const test_server& server, std::string_view prefix)
{
    const auto deadline = steady::now() + 10s;
    const auto all_done = [&] {
        const auto log = server.requests_log(prefix);
        return std::all_of(log.begin(), log.end(), [](const logged_request& r) { return r.done.has_value(); });
    };
    while (!all_done() && steady::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
}

TEST(SupportLog, HeldResponsesStayInFlightUntilReleased)
{
    test_server server;
    scripted_response held;
    held.hold = true;
    held.body = "released";
    server.set_response("/held", held);
    pending_get first(server.port(), "/held?n=1");
    pending_get second(server.port(), "/held?n=2");
    wait_for_requests(server, "/held", 2);
    std::this_thread::sleep_for(100ms); // a chance to answer, which a held response must not take
    for (const logged_request& r : server.requests_log("/held")) {
        EXPECT_FALSE(r.done.has_value()) << r.target;
    }
    EXPECT_EQ(server.max_in_flight("/held"), 2u);

    const auto released_at = steady::now();
    server.release_held();
    EXPECT_EQ(first.status(), 200u);
    EXPECT_EQ(second.status(), 200u);
    // The server notes a request done just after its last write, which the client may see first.
    wait_until_done(server, "/held");
    const auto log = server.requests_log("/held");
    ASSERT_EQ(log.size(), 2u);
    for (const logged_request& r : log) {
        ASSERT_TRUE(r.done.has_value()) << r.target;
        EXPECT_GE(*r.done, released_at);
        EXPECT_EQ(r.host, "127.0.0.1");
    }
    EXPECT_EQ(log[0].target, "/held?n=1");
    EXPECT_EQ(server.max_in_flight("/held"), 2u);

    // Released for good: a later request for a held path is answered at once.
    pending_get later(server.port(), "/held?n=3");
    EXPECT_EQ(later.status(), 200u);
}

TEST(SupportLog, RequestsOneAfterAnotherAreNeverInFlightTogether)
{
    test_server server;
    pending_get conn(server.port(), "/page/1");
    EXPECT_EQ(conn.status(), 200u);
    for (const std::string target : {"/slow?ms=50", "/page/2"}) {
        conn.send(target);
        EXPECT_EQ(conn.status(), 200u);
    }
    wait_until_done(server, "/");
    const auto log = server.requests_log("/");
    ASSERT_EQ(log.size(), 3u);
    for (std::size_t i = 0; i < log.size(); ++i) {
        ASSERT_TRUE(log[i].done.has_value());
        EXPECT_GE(*log[i].done, log[i].at);
        if (i > 0) {
            EXPECT_GE(log[i].at, *log[i - 1].done) << "the client waited for each answer";
        }
    }
    EXPECT_GE(*log[1].done - log[1].at, 50ms) << "/slow?ms=50 is in flight for its delay";
    EXPECT_EQ(server.max_in_flight(), 1u);
    EXPECT_EQ(server.max_in_flight("/page/"), 1u);
}

TEST(SupportLog, MaxInFlightCountsOverlaps)
{
    const steady::time_point t0{};
    const auto request = [&](int from, std::optional<int> to) {
        logged_request r;
        r.at = t0 + std::chrono::milliseconds(from);
        if (to) {
            r.done = t0 + std::chrono::milliseconds(*to);
        }
        return r;
    };
    EXPECT_EQ(max_in_flight({}), 0u);
    EXPECT_EQ(max_in_flight({request(0, 10), request(10, 20)}), 1u) << "one ends as the next arrives";
    EXPECT_EQ(max_in_flight({request(0, 10), request(5, 20), request(6, 7), request(30, 40)}), 3u);
    EXPECT_EQ(max_in_flight({request(0, std::nullopt), request(100, 110)}), 2u) << "one still in flight";
}

/// A DNS query for the A record of `name`.
std::string a_query(std::uint16_t id, const std::string& name)
{
    std::string q;
    for (const std::uint16_t field : {id, std::uint16_t{0x0100}, std::uint16_t{1}, std::uint16_t{0},
                                      std::uint16_t{0}, std::uint16_t{0}}) {
        q += static_cast<char>(field >> 8);
        q += static_cast<char>(field & 0xFF);
    }
    std::size_t start = 0;
    while (start <= name.size()) {
        const std::size_t dot = std::min(name.find('.', start), name.size());
        q += static_cast<char>(dot - start);
        q += name.substr(start, dot - start);
        start = dot + 1;
    }
    q += std::string("\0\0\1\0\1", 5); // root, type A, class IN
    return q;
}

// A request read late (its server thread waited for a core) is stamped when it arrived: the
// kernel's stamp of its first byte, not the time of the read.
TEST(SupportLog, ArrivalIsWhenTheFirstByteCameNotWhenItWasRead)
{
    net::io_context ioc;
    net::ip::tcp::acceptor acceptor(ioc, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    stamp_arrivals(acceptor.native_handle()); // (as the web server does: its sockets inherit it)
    net::ip::tcp::socket client(ioc);
    client.connect(acceptor.local_endpoint());
    net::ip::tcp::socket server = acceptor.accept();
    const int fd = server.native_handle();
    // The kernel turns its stamping on in a deferred work item when the first socket asks: a
    // byte that arrived before that is stamped when read. Wait for a byte stamped on arrival.
    for (int tries = 0; tries < 200; ++tries) {
        const auto sent = steady::now();
        net::write(client, net::buffer(std::string_view("w")));
        std::this_thread::sleep_for(5ms);
        const bool on = first_unread_arrival(fd) - sent < 4ms;
        char byte = 0;
        net::read(server, net::buffer(&byte, 1));
        if (on) {
            break;
        }
    }

    const auto nothing_waits = steady::now();
    EXPECT_GE(first_unread_arrival(fd), nothing_waits) << "no byte waiting: now";

    for (const std::string request : {"GET /a HTTP/1.1\r\nHost: x\r\n\r\n", "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"}) {
        const auto sent = steady::now();
        net::write(client, net::buffer(request));
        std::this_thread::sleep_for(150ms); // the server is slow to read it
        const auto read_at = steady::now();
        const auto arrived = first_unread_arrival(fd);
        EXPECT_GE(arrived, sent) << request;
        EXPECT_LT(arrived - sent, 75ms) << request << "stamped at the read, not at the arrival";
        EXPECT_GE(read_at - arrived, 75ms) << request;
        // Read it all: the next request's stamp is its own.
        std::string got(request.size(), '\0');
        net::read(server, net::buffer(got));
        EXPECT_EQ(got, request);
    }
}

TEST(SupportDns, MaxWaitingCountsAnswersHeldBackAtOnce)
{
    dns_options o;
    o.zone = "crawl.test";
    o.delay = 200ms;
    dns_server dns(o);
    net::io_context ioc;
    net::ip::udp::socket socket(ioc, net::ip::udp::endpoint(net::ip::udp::v4(), 0));
    const net::ip::udp::endpoint to(net::ip::make_address("127.0.0.1"), dns.port());
    std::array<char, 512> answer{};
    for (std::uint16_t i = 0; i < 5; ++i) {
        socket.send_to(net::buffer(a_query(i, "n" + std::to_string(i) + ".crawl.test")), to);
    }
    for (int i = 0; i < 5; ++i) {
        socket.receive(net::buffer(answer));
    }
    EXPECT_EQ(dns.queries(), 5u);
    EXPECT_EQ(dns.max_waiting(), 5u) << "five questions asked at once, all answered 200 ms later";

    o.delay = 20ms;
    dns_server one_by_one(o);
    const net::ip::udp::endpoint to_second(net::ip::make_address("127.0.0.1"), one_by_one.port());
    for (std::uint16_t i = 0; i < 3; ++i) {
        socket.send_to(net::buffer(a_query(i, "m.crawl.test")), to_second);
        socket.receive(net::buffer(answer));
    }
    EXPECT_EQ(one_by_one.queries(), 3u);
    EXPECT_EQ(one_by_one.max_waiting(), 1u);
}

} // namespace
} // namespace crawl::test
