// Name resolution through c-ares: a DNS server given with --dns-server, lookups in parallel
// (never one at a time), a cache that honours TTLs, NXDOMAIN and a silent server. These count
// lookups and time them per page, so they run without robots.txt (whose fetch would look each
// name up first, and answer for the page when the lookup fails) and without retries.

#include "harness.hpp"
#include "support/dns_server.hpp"
#include "support/test_server.hpp"

namespace crawl::test {
namespace {

using namespace std::chrono_literals;

std::string name_url(const test_server& server, const std::string& host, std::string_view path = "/page/1")
{
    return "http://" + host + ":" + std::to_string(server.port()) + std::string(path);
}

TEST(DnsTest, LookupsThroughTheGivenServerRunInParallel)
{
    test_server server;
    dns_options o;
    o.zone = "crawl.test";
    o.delay = 100ms;
    dns_server dns(o);
    std::vector<std::string> urls;
    for (int i = 0; i < 100; ++i) {
        urls.push_back(name_url(server, "n" + std::to_string(i) + ".crawl.test"));
    }
    const auto run = run_crawl(urls, {"-w", "1", "-c", "100", "--per-host", "0", "--dns-server", dns.address(), "--ignore-robots"});
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;
    for (const auto& [seq, r] : run.records) {
        EXPECT_TRUE(r.at("ok").as_bool()) << str(r, "url") << " " << error_class_of(r);
        EXPECT_GT(r.at("time_ms").as_object().at("dns").to_number<double>(), 90.0) << "each name was looked up";
    }
    for (int i = 0; i < 100; ++i) {
        EXPECT_GE(dns.queries_for("n" + std::to_string(i) + ".crawl.test"), 1u);
    }
    // One lookup at a time would leave the server at most one name's A and AAAA to answer.
    std::printf("DNS answers waiting at once: %llu of 200 questions\n",
                static_cast<unsigned long long>(dns.max_waiting()));
    EXPECT_GE(dns.max_waiting(), 10u);
}

TEST(DnsTest, CacheHonoursTheTtl)
{
    test_server server;
    dns_options cached;
    cached.zone = "crawl.test";
    cached.ttl = 300;
    dns_server long_ttl(cached);
    // Connection: close, so that every fetch connects (and resolves) afresh.
    std::vector<std::string> urls(20, name_url(server, "cached.crawl.test"));
    const auto run =
        run_crawl(urls, {"-w", "1", "-c", "1", "-H", "Connection: close", "--dns-server", long_ttl.address(),
                         "--ignore-robots"});
    ASSERT_EQ(run.records.size(), 20u) << run.process.err;
    EXPECT_EQ(run.process.exit_code, 0) << run.process.err;
    EXPECT_EQ(long_ttl.queries_for("cached.crawl.test"), 2u) << "one A and one AAAA query for 20 connections";
    EXPECT_GE(server.connections_accepted(), 20u);

    dns_options uncached = cached;
    uncached.ttl = 0;
    dns_server zero_ttl(uncached);
    std::vector<std::string> again(5, name_url(server, "fresh.crawl.test"));
    const auto second =
        run_crawl(again, {"-w", "1", "-c", "1", "-H", "Connection: close", "--dns-server", zero_ttl.address(),
                          "--ignore-robots"});
    ASSERT_EQ(second.records.size(), 5u) << second.process.err;
    EXPECT_EQ(zero_ttl.queries_for("fresh.crawl.test"), 10u) << "TTL 0: asked again for every fetch";
}

TEST(DnsTest, UnknownNameIsADnsError)
{
    test_server server;
    dns_options o;
    o.zone = "crawl.test";
    dns_server dns(o);
    const auto run = run_crawl({name_url(server, "missing.elsewhere.example")},
                               {"--dns-server", dns.address(), "--ignore-robots"});
    ASSERT_EQ(run.records.size(), 1u) << run.process.err;
    EXPECT_EQ(error_class_of(run.at(1)), "dns");
    EXPECT_NE(str(run.at(1).at("error").as_object(), "message").find("cannot resolve missing.elsewhere.example"),
              std::string::npos);
    EXPECT_GE(dns.queries_for("missing.elsewhere.example"), 1u);
}

TEST(DnsTest, SilentServerTimesOutAtTheConnectDeadline)
{
    test_server server;
    dns_options o;
    o.silent = true;
    dns_server dns(o);
    const auto start = std::chrono::steady_clock::now();
    const auto run = run_crawl({name_url(server, "quiet.test")},
                               {"--connect-timeout", "1", "--dns-server", dns.address(), "--ignore-robots", "--retries", "0"});
    ASSERT_EQ(run.records.size(), 1u) << run.process.err;
    EXPECT_EQ(error_class_of(run.at(1)), "timeout");
    // Wall time, because --connect-timeout is a deadline (whatever the DNS server does).
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(DnsTest, BadDnsServerIsAUsageError)
{
    // "ADDR:" names no port: refused, not read as port 53.
    for (const char* server : {"not-an-address", "127.0.0.1:", "[::1]:", "127.0.0.1:0", "[::1]x"}) {
        const auto r = run_process({CRAWL_BIN, "--dns-server", server, "/dev/null"});
        EXPECT_EQ(r.exit_code, 2) << server;
        EXPECT_NE(r.err.find("--dns-server"), std::string::npos) << r.err;
    }
}

} // namespace
} // namespace crawl::test
