// crawl::redis against a real redis-server (tests/support/redis_server.hpp), over TCP and over
// its Unix socket: replies of every kind and binary values, pipelining, SELECT, commands sent
// before the connection is up, a refused connection, a server killed mid-session, and a
// connection destroyed with commands in flight (run under ASan, that is the test). Then
// parse_address, valid and invalid.

#include "crawl/redis/address.hpp"
#include "crawl/redis/connection.hpp"

#include "support/redis_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <signal.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace crawl::redis {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

address parsed(const std::string& text)
{
    auto result = parse_address(text);
    if (const std::string* why = std::get_if<std::string>(&result)) {
        ADD_FAILURE() << *why;
        return {};
    }
    return std::get<address>(result);
}

/// Runs the io_context until `done` is true (false when `limit` passed first).
bool run_until(net::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds limit = 10s)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        io.restart();
        io.run_for(5ms);
    }
    return true;
}

/// Runs the io_context for `how_long`, whatever happens.
void run_for(net::io_context& io, std::chrono::milliseconds how_long)
{
    const auto deadline = std::chrono::steady_clock::now() + how_long;
    while (std::chrono::steady_clock::now() < deadline) {
        io.restart();
        io.run_for(5ms);
    }
}

/// A connection and what it reported.
struct client {
    client(net::io_context& io, const address& a)
        : conn(std::make_unique<connection>(io.get_executor(), a, [this](std::string_view why) {
              lost_messages.emplace_back(why);
          }))
    {
    }
    std::vector<std::string> lost_messages;
    std::unique_ptr<connection> conn;
};

/// One command's reply (nullopt when it did not come within the limit).
std::optional<reply> call(net::io_context& io, connection& conn, std::vector<std::string> args)
{
    std::optional<reply> got;
    conn.command(std::move(args), [&got](reply r) { got = std::move(r); });
    if (!run_until(io, [&] { return got.has_value(); })) {
        ADD_FAILURE() << "no reply";
    }
    return got;
}

reply status(std::string text)
{
    reply r;
    r.type = reply::kind::status;
    r.text = std::move(text);
    return r;
}

reply string(std::string text)
{
    reply r;
    r.type = reply::kind::string;
    r.text = std::move(text);
    return r;
}

reply integer(long long value)
{
    reply r;
    r.type = reply::kind::integer;
    r.integer = value;
    return r;
}

// reply has no operator== of its own (its users never compare replies); the tests do.
bool same(const reply& a, const reply& b)
{
    if (a.type != b.type || a.integer != b.integer || a.text != b.text || a.elements.size() != b.elements.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.elements.size(); ++i) {
        if (!same(a.elements[i], b.elements[i])) {
            return false;
        }
    }
    return true;
}

enum class transport { tcp, unix_socket };

class RedisConnection : public ::testing::TestWithParam<transport> {
protected:
    [[nodiscard]] address server_address(unsigned db = 0) const
    {
        address a = parsed(GetParam() == transport::tcp ? server.url() : server.unix_url());
        a.db = db;
        return a;
    }

    test::redis_server server;
    net::io_context io;
};

INSTANTIATE_TEST_SUITE_P(Transports, RedisConnection, ::testing::Values(transport::tcp, transport::unix_socket),
                         [](const ::testing::TestParamInfo<transport>& param) {
                             return param.param == transport::tcp ? std::string("Tcp") : std::string("Unix");
                         });

TEST_P(RedisConnection, BinaryValueRoundTrips)
{
    client c(io, server_address());
    const std::string value("a\0b\xff\r\n$3\r\n", 11);
    std::optional<reply> set = call(io, *c.conn, {"SET", std::string("key\0with nul", 12), value});
    ASSERT_TRUE(set);
    EXPECT_TRUE(same(*set, status("OK"))) << set->text;
    std::optional<reply> get = call(io, *c.conn, {"GET", std::string("key\0with nul", 12)});
    ASSERT_TRUE(get);
    EXPECT_EQ(get->type, reply::kind::string);
    EXPECT_EQ(get->text, value);
    EXPECT_EQ(get->text.size(), 11U);
    EXPECT_TRUE(c.lost_messages.empty());
    EXPECT_FALSE(c.conn->lost());
}

TEST_P(RedisConnection, EveryKindOfReply)
{
    client c(io, server_address());
    EXPECT_TRUE(same(*call(io, *c.conn, {"INCR", "counter"}), integer(1)));
    EXPECT_TRUE(same(*call(io, *c.conn, {"INCRBY", "counter", "-5"}), integer(-4)));
    EXPECT_TRUE(same(*call(io, *c.conn, {"GET", "no such key"}), reply{}));
    EXPECT_TRUE(same(*call(io, *c.conn, {"PING"}), status("PONG")));

    EXPECT_TRUE(same(*call(io, *c.conn, {"RPUSH", "list", "a", "", "c"}), integer(3)));
    reply list;
    list.type = reply::kind::array;
    list.elements = {string("a"), string(""), string("c")};
    EXPECT_TRUE(same(*call(io, *c.conn, {"LRANGE", "list", "0", "-1"}), list));
    reply empty;
    empty.type = reply::kind::array;
    EXPECT_TRUE(same(*call(io, *c.conn, {"LRANGE", "no such list", "0", "-1"}), empty));

    // Nested arrays, a nil inside an array (Lua's false), an integer and a status inside.
    reply nested;
    nested.type = reply::kind::array;
    reply inner;
    inner.type = reply::kind::array;
    inner.elements = {string("x"), reply{}, status("fine")};
    nested.elements = {integer(7), inner};
    const std::optional<reply> eval =
        call(io, *c.conn, {"EVAL", "return {7, {'x', false, {ok = 'fine'}}}", "0"});
    EXPECT_TRUE(same(*eval, nested));

    const std::optional<reply> error = call(io, *c.conn, {"NO-SUCH-COMMAND", "x"});
    ASSERT_TRUE(error);
    EXPECT_TRUE(error->is_error());
    EXPECT_TRUE(error->text.starts_with("ERR unknown command")) << error->text;
    const std::optional<reply> wrong_type = call(io, *c.conn, {"INCR", "list"});
    EXPECT_TRUE(wrong_type->is_error());
    EXPECT_TRUE(wrong_type->text.starts_with("WRONGTYPE")) << wrong_type->text;
    // An error reply is one command's answer, not the connection's end.
    EXPECT_TRUE(same(*call(io, *c.conn, {"PING"}), status("PONG")));
    EXPECT_TRUE(c.lost_messages.empty());
}

TEST_P(RedisConnection, PipelinedRepliesArriveInOrder)
{
    client c(io, server_address());
    std::vector<long long> seen;
    for (int i = 0; i < 1000; ++i) {
        c.conn->command({"INCR", "n"}, [&seen](reply r) {
            EXPECT_EQ(r.type, reply::kind::integer);
            seen.push_back(r.integer);
        });
    }
    EXPECT_EQ(c.conn->waiting(), 1000U);
    ASSERT_TRUE(run_until(io, [&] { return seen.size() == 1000; }));
    for (std::size_t i = 0; i < seen.size(); ++i) {
        ASSERT_EQ(seen[i], static_cast<long long>(i + 1)) << "reply " << i;
    }
    EXPECT_EQ(c.conn->waiting(), 0U);
    EXPECT_EQ(server.cli({"GET", "n"}), "1000\n");
}

TEST_P(RedisConnection, SelectsTheDatabaseOfTheAddress)
{
    client in_3(io, server_address(3));
    EXPECT_TRUE(same(*call(io, *in_3.conn, {"SET", "k", "in db 3"}), status("OK")));
    client in_0(io, server_address(0));
    EXPECT_TRUE(same(*call(io, *in_0.conn, {"GET", "k"}), reply{}));
    EXPECT_TRUE(same(*call(io, *in_3.conn, {"GET", "k"}), string("in db 3")));
    EXPECT_EQ(server.cli({"-n", "3", "GET", "k"}), "in db 3\n");
    EXPECT_EQ(server.cli({"-n", "0", "EXISTS", "k"}), "0\n");
}

TEST_P(RedisConnection, SelectThroughTheParsedAddress)
{
    const std::string text = GetParam() == transport::tcp ? server.url() + "/3" : server.unix_url() + "?db=3";
    client c(io, parsed(text));
    EXPECT_TRUE(same(*call(io, *c.conn, {"SET", "k", "v"}), status("OK")));
    EXPECT_EQ(server.cli({"-n", "3", "GET", "k"}), "v\n");
    EXPECT_EQ(server.cli({"-n", "0", "EXISTS", "k"}), "0\n");
}

TEST_P(RedisConnection, RefusedSelectLosesTheConnectionAndRunsNothing)
{
    client c(io, server_address(99)); // the server has 16 databases
    std::vector<reply> replies;
    c.conn->command({"SET", "k", "must not land in db 0"}, [&](reply r) { replies.push_back(std::move(r)); });
    c.conn->command({"PING"}, [&](reply r) { replies.push_back(std::move(r)); });
    ASSERT_TRUE(run_until(io, [&] { return replies.size() == 2 && !c.lost_messages.empty(); }));
    ASSERT_EQ(c.lost_messages.size(), 1U);
    EXPECT_NE(c.lost_messages[0].find("SELECT 99 failed"), std::string::npos) << c.lost_messages[0];
    for (const reply& r : replies) {
        EXPECT_TRUE(r.is_error());
        EXPECT_EQ(r.text, c.lost_messages[0]);
    }
    EXPECT_TRUE(c.conn->lost());
    EXPECT_EQ(server.cli({"EXISTS", "k"}), "0\n");
}

TEST_P(RedisConnection, CommandsSentBeforeTheConnectionIsUp)
{
    client c(io, server_address(2));
    std::vector<reply> replies;
    // Nothing has run yet: the connection is not up, SELECT not even sent.
    c.conn->command({"SET", "early", "1"}, [&](reply r) { replies.push_back(std::move(r)); });
    c.conn->command({"INCR", "early"}, [&](reply r) { replies.push_back(std::move(r)); });
    c.conn->command({"GET", "early"}, [&](reply r) { replies.push_back(std::move(r)); });
    EXPECT_EQ(c.conn->waiting(), 3U);
    EXPECT_FALSE(c.conn->lost());
    ASSERT_TRUE(run_until(io, [&] { return replies.size() == 3; }));
    EXPECT_TRUE(same(replies[0], status("OK")));
    EXPECT_TRUE(same(replies[1], integer(2)));
    EXPECT_TRUE(same(replies[2], string("2")));
    EXPECT_EQ(c.conn->waiting(), 0U);
    EXPECT_EQ(server.cli({"-n", "2", "GET", "early"}), "2\n");
}

TEST_P(RedisConnection, KilledServerFailsWaitingCommandsAndCallsOnLostOnce)
{
    client c(io, server_address());
    EXPECT_TRUE(same(*call(io, *c.conn, {"PING"}), status("PONG")));
    // BLPOP on an empty list waits, so its reply is outstanding when the server dies.
    std::vector<reply> replies;
    c.conn->command({"BLPOP", "empty", "0"}, [&](reply r) { replies.push_back(std::move(r)); });
    c.conn->command({"BLPOP", "empty", "0"}, [&](reply r) { replies.push_back(std::move(r)); });
    run_for(io, 100ms); // both sent and waiting on the server
    EXPECT_TRUE(replies.empty());
    ASSERT_EQ(::kill(server.pid(), SIGKILL), 0);
    ASSERT_TRUE(run_until(io, [&] { return replies.size() == 2 && !c.lost_messages.empty(); }));
    for (const reply& r : replies) {
        EXPECT_TRUE(r.is_error());
        EXPECT_EQ(r.text, c.lost_messages[0]);
    }
    EXPECT_TRUE(c.conn->lost());
    std::optional<reply> later = call(io, *c.conn, {"PING"});
    ASSERT_TRUE(later);
    EXPECT_TRUE(later->is_error());
    EXPECT_EQ(later->text, c.lost_messages[0]);
    run_for(io, 100ms);
    EXPECT_EQ(c.lost_messages.size(), 1U);
    EXPECT_EQ(c.conn->waiting(), 0U);
}

TEST_P(RedisConnection, DestroyedWithCommandsInFlight)
{
    client c(io, server_address());
    EXPECT_TRUE(same(*call(io, *c.conn, {"PING"}), status("PONG")));
    int called = 0;
    // BLPOP on an empty list holds this client's pipeline: the INCRs behind it are written
    // but not answered.
    c.conn->command({"BLPOP", "empty", "0"}, [&](reply) { ++called; });
    for (int i = 0; i < 500; ++i) {
        c.conn->command({"INCR", "n"}, [&](reply) { ++called; });
    }
    run_for(io, 100ms);
    EXPECT_EQ(c.conn->waiting(), 501U);
    c.conn.reset();
    run_for(io, 200ms);
    EXPECT_EQ(called, 0);
    EXPECT_TRUE(c.lost_messages.empty());
    // The server saw the connection go: its BLPOP no longer blocks anyone.
    EXPECT_EQ(server.cli({"RPUSH", "empty", "x"}), "1\n");
    EXPECT_EQ(server.cli({"LLEN", "empty"}), "1\n");
}

TEST_P(RedisConnection, DestroyedWithRepliesPosted)
{
    client c(io, server_address());
    int called = 0;
    for (int i = 0; i < 100; ++i) {
        c.conn->command({"PING"}, [&](reply) {
            ++called;
            io.stop(); // the replies read with this one stay posted, not yet called
        });
    }
    ASSERT_TRUE(run_until(io, [&] { return called > 0; }));
    EXPECT_EQ(called, 1);
    EXPECT_LT(c.conn->waiting(), 100U);
    c.conn.reset();
    run_for(io, 100ms);
    EXPECT_EQ(called, 1);
}

TEST_P(RedisConnection, DestroyedBeforeConnecting)
{
    {
        client c(io, server_address());
        c.conn->command({"PING"}, [](reply) { ADD_FAILURE() << "called after destruction"; });
    }
    run_for(io, 100ms);
}

TEST_P(RedisConnection, CallbacksMaySendAndDestroy)
{
    client c(io, server_address());
    std::vector<std::string> order;
    c.conn->command({"SET", "a", "1"}, [&](reply) {
        order.emplace_back("set");
        // A command from inside a callback goes after those already sent.
        c.conn->command({"GET", "a"}, [&](reply r) {
            order.push_back("get " + r.text);
            c.conn.reset(); // from inside its own callback
        });
    });
    c.conn->command({"PING"}, [&](reply r) { order.push_back(r.text); });
    ASSERT_TRUE(run_until(io, [&] { return !c.conn; }));
    run_for(io, 100ms);
    EXPECT_EQ(order, (std::vector<std::string>{"set", "PONG", "get 1"}));
}

TEST_P(RedisConnection, DestroyedFromACallbackWithMoreRepliesPosted)
{
    client c(io, server_address());
    int called = 0;
    for (int i = 0; i < 10; ++i) {
        c.conn->command({"PING"}, [&](reply) {
            if (++called == 3) {
                c.conn.reset();
            }
        });
    }
    ASSERT_TRUE(run_until(io, [&] { return !c.conn; }));
    run_for(io, 100ms);
    EXPECT_EQ(called, 3);
}

TEST_P(RedisConnection, RefusesPushCommandsAndEmptyCommands)
{
    client c(io, server_address());
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"SUBSCRIBE", "channel"}, {"psubscribe", "c*"}, {"Monitor"}, {"SSUBSCRIBE", "s"}, {}}) {
        const std::optional<reply> r = call(io, *c.conn, args);
        ASSERT_TRUE(r);
        EXPECT_TRUE(r->is_error()) << (args.empty() ? "(empty)" : args[0]);
    }
    // The connection is untouched: a subscribed connection would refuse PING's plain reply.
    EXPECT_TRUE(same(*call(io, *c.conn, {"PING"}), status("PONG")));
    EXPECT_EQ(server.cli({"PUBSUB", "NUMSUB", "channel"}), "channel\n0\n");
    EXPECT_FALSE(c.conn->lost());
}

// ---------------------------------------------------------------------------------------------
// No server: refused connections.

TEST(RedisConnectionRefused, ClosedPortCallsOnLostAndFailsCommands)
{
    net::io_context io;
    address a;
    a.host = "127.0.0.1";
    a.port = test::unused_loopback_port();
    client c(io, a);
    std::vector<reply> replies;
    c.conn->command({"PING"}, [&](reply r) { replies.push_back(std::move(r)); });
    c.conn->command({"GET", "x"}, [&](reply r) { replies.push_back(std::move(r)); });
    ASSERT_TRUE(run_until(io, [&] { return replies.size() == 2 && !c.lost_messages.empty(); }));
    ASSERT_EQ(c.lost_messages.size(), 1U);
    const std::string& why = c.lost_messages[0];
    EXPECT_TRUE(why.starts_with(a.text() + ": ")) << why;
    EXPECT_NE(why.find("refused"), std::string::npos) << why;
    for (const reply& r : replies) {
        EXPECT_TRUE(r.is_error());
        EXPECT_EQ(r.text, why);
    }
    EXPECT_TRUE(c.conn->lost());
    const std::optional<reply> later = call(io, *c.conn, {"PING"});
    EXPECT_TRUE(later->is_error());
    run_for(io, 50ms);
    EXPECT_EQ(c.lost_messages.size(), 1U);
    EXPECT_EQ(c.conn->waiting(), 0U);
}

TEST(RedisConnectionRefused, MissingSocketCallsOnLost)
{
    net::io_context io;
    client c(io, parsed("unix:///nonexistent/crawl-redis-test.sock"));
    std::optional<reply> r;
    c.conn->command({"PING"}, [&](reply got) { r = std::move(got); });
    ASSERT_TRUE(run_until(io, [&] { return r && !c.lost_messages.empty(); }));
    EXPECT_TRUE(r->is_error());
    EXPECT_NE(c.lost_messages[0].find("/nonexistent/crawl-redis-test.sock"), std::string::npos)
        << c.lost_messages[0];
}

TEST(RedisConnectionRefused, DestroyedBeforeOnLostRuns)
{
    net::io_context io;
    address a;
    a.host = "127.0.0.1";
    a.port = test::unused_loopback_port();
    {
        client c(io, a);
        c.conn->command({"PING"}, [](reply) { ADD_FAILURE() << "called after destruction"; });
        c.conn.reset();
        EXPECT_TRUE(c.lost_messages.empty());
        run_for(io, 100ms);
        EXPECT_TRUE(c.lost_messages.empty());
    }
}

// ---------------------------------------------------------------------------------------------
// parse_address

TEST(RedisAddress, Valid)
{
    struct valid_case {
        std::string text;
        address expected;
    };
    const std::vector<valid_case> cases = {
        {"redis://127.0.0.1", {"127.0.0.1", 6379, "", 0}},
        {"redis://localhost:6380", {"localhost", 6380, "", 0}},
        {"redis://cache.example_1-a.net:1/2", {"cache.example_1-a.net", 1, "", 2}},
        {"redis://h:65535/", {"h", 65535, "", 0}},
        {"redis://h/15", {"h", 6379, "", 15}},
        {"redis://h/4294967295", {"h", 6379, "", 4294967295U}},
        {"redis://[::1]", {"::1", 6379, "", 0}},
        {"redis://[::1]:7000/3", {"::1", 7000, "", 3}},
        {"redis://[2001:db8::ffff:192.0.2.1]:7000", {"2001:db8::ffff:192.0.2.1", 7000, "", 0}},
        {"unix:///run/redis.sock", {"", 6379, "/run/redis.sock", 0}},
        {"unix:///tmp/r.sock?db=4", {"", 6379, "/tmp/r.sock", 4}},
    };
    for (const valid_case& c : cases) {
        const auto result = parse_address(c.text);
        ASSERT_TRUE(std::holds_alternative<address>(result)) << c.text << ": " << std::get<std::string>(result);
        const address& a = std::get<address>(result);
        EXPECT_EQ(a, c.expected) << c.text;
        // What text() writes reads back the same.
        const auto again = parse_address(a.text());
        ASSERT_TRUE(std::holds_alternative<address>(again)) << a.text();
        EXPECT_EQ(std::get<address>(again), a) << a.text();
    }
}

TEST(RedisAddress, Text)
{
    EXPECT_EQ(parsed("redis://h").text(), "redis://h:6379");
    EXPECT_EQ(parsed("redis://[::1]:7/3").text(), "redis://[::1]:7/3");
    EXPECT_EQ(parsed("unix:///s?db=0").text(), "unix:///s");
    EXPECT_EQ(parsed("unix:///s?db=2").text(), "unix:///s?db=2");
}

TEST(RedisAddress, Invalid)
{
    struct invalid_case {
        std::string text;
        std::string why;
    };
    const std::string port = "the port is not a number from 1 to 65535";
    const std::string db = "the database is not a non-negative decimal number";
    const std::vector<invalid_case> cases = {
        {"redis://h:99999", port},
        {"redis://h:65536", port},
        {"redis://h:0", port},
        {"redis://h:", port},
        {"redis://h:+80", port},
        {"redis://h:8o", port},
        {"redis://[::1]:", port},
        {"redis://h/x", db},
        {"redis://h/-1", db},
        {"redis://h/ 1", db},
        {"redis://h/1/2", db},
        {"redis://h/4294967296", db},
        {"unix:///s?db=", db},
        {"unix:///s?db=one", db},
        {"redis://", "the host is missing"},
        {"redis://:6379", "the host is missing"},
        {"redis://h h", "the host is neither a name nor an IP address (an IPv6 one goes in brackets)"},
        {"redis://::1", "an IPv6 address goes in brackets: redis://[::1]:6379"},
        {"redis://h:80:81", "an IPv6 address goes in brackets: redis://[::1]:6379"},
        {"redis://[::1", "the IPv6 address has no closing ']'"},
        {"redis://[]", "the host in brackets is not an IPv6 address"},
        {"redis://[h]", "the host in brackets is not an IPv6 address"},
        {"redis://[::1]x", "the IPv6 address is followed by something other than :PORT"},
        {"redis://user:secret@h", "user names and passwords are not supported"},
        {"redis://h?db=1", "a redis:// address takes no query or fragment (the database goes in the path: /DB)"},
        {"rediss://h", "TLS (rediss://) is not supported"},
        {"http://h", "not a Redis address (redis://HOST[:PORT][/DB] or unix://PATH[?db=N])"},
        {"REDIS://h", "not a Redis address (redis://HOST[:PORT][/DB] or unix://PATH[?db=N])"},
        {"", "not a Redis address (redis://HOST[:PORT][/DB] or unix://PATH[?db=N])"},
        {"unix://", "the socket's path is not absolute (unix:///path/to/redis.sock)"},
        {"unix://run/redis.sock", "the socket's path is not absolute (unix:///path/to/redis.sock)"},
        {"unix:///s?database=1", "the only query a unix:// address takes is ?db=N"},
    };
    for (const invalid_case& c : cases) {
        const auto result = parse_address(c.text);
        ASSERT_TRUE(std::holds_alternative<std::string>(result)) << c.text << " was accepted";
        EXPECT_EQ(std::get<std::string>(result), "\"" + c.text + "\": " + c.why);
    }
}

} // namespace
} // namespace crawl::redis
