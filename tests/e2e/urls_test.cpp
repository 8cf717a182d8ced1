// URLs end to end: one form of each URL (the WHATWG URL Standard's serialization, host names
// through IDNA) wherever crawl reads or writes one: final_url after redirects, canonical and
// links, --dedup fingerprints and robots.txt matching; and invalid host names as invalid_url.

#include "harness.hpp"
#include "support/test_server.hpp"

namespace crawl::test {
namespace {

std::string percent_encode(std::string_view s)
{
    static constexpr std::string_view hex = "0123456789ABCDEF";
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        out += '%';
        out += hex[u >> 4U];
        out += hex[u & 0x0FU];
    }
    return out;
}

std::vector<std::string> strings(const boost::json::array& a)
{
    std::vector<std::string> out;
    for (const auto& v : a) {
        out.emplace_back(v.as_string());
    }
    return out;
}

TEST(UrlsTest, FinalUrlIsTheRedirectTargetAsABrowserReadsIt)
{
    test_server server;
    const std::string origin = "127.0.0.1:" + std::to_string(server.port());
    const auto redirect = [&server](std::string_view location) {
        return server.url("/redirect-to?location=" + percent_encode(location));
    };
    const auto run = run_crawl({redirect("/x\\..\\page\\1"), redirect("HTTP://" + origin + "/a/%2e%2E/page/2"),
                                redirect("\\\\" + origin + "\\page\\3"), redirect("http:page/4")},
                               {"--ignore-robots"});
    ASSERT_EQ(run.records.size(), 4u) << run.process.err;
    for (std::uint64_t seq = 1; seq <= 4; ++seq) {
        SCOPED_TRACE(str(run.at(seq), "url"));
        EXPECT_EQ(error_class_of(run.at(seq)), "none");
        EXPECT_EQ(str(run.at(seq), "final_url"), server.url("/page/" + std::to_string(seq)));
        EXPECT_EQ(str(run.at(seq), "title"), "Page " + std::to_string(seq));
    }
}

TEST(UrlsTest, CanonicalAndLinksAreTheBrowsersLinks)
{
    test_server server;
    const std::string port = std::to_string(server.port());
    scripted_response page;
    page.content_type = "text/html; charset=utf-8";
    page.body = "<!doctype html><html><head><link rel=canonical href='HTTP://LocalHost:" + port +
                "/a/./b/%2E%2E/c?x#f'><base href='/base/dir/'></head><body>"
                "<a href='//fa\xC3\x9F.ExAmPlE/x'>idn</a>"
                "<a href='http:rel'>same scheme, relative</a>"
                "<a href='../up'>up</a>"
                "<a href=''>this page</a>"
                "<a href='\\\\Other.Example\\p'>backslashes</a>"
                "<a href='https://[0:0::1]:443/'>ipv6</a>"
                "<a href='http://0x7f.1:" + port + "/'>ipv4</a>"
                "<a href='http://\xEF\xBF\xBD.com/'>invalid host: no link</a>"
                "<a href='mailto:x@example.com'>no link</a>"
                "</body></html>";
    server.set_response("/links", page);
    const auto run = run_crawl({server.url("/links")}, {"--ignore-robots", "--links"});
    ASSERT_EQ(run.records.size(), 1u) << run.process.err;
    const auto& r = run.at(1);
    EXPECT_EQ(str(r, "canonical"), "http://localhost:" + port + "/a/c?x");
    const std::vector<std::string> expected = {
        "http://xn--fa-hia.example/x", server.url("/base/dir/rel"), server.url("/base/up"),
        server.url("/base/dir/"),      "http://other.example/p",    "https://[::1]/",
        server.url("/"),
    };
    EXPECT_EQ(strings(r.at("links").as_array()), expected);
    EXPECT_EQ(num(r, "links_count"), 7);
}

TEST(UrlsTest, DedupFingerprintsTheNormalizedUrl)
{
    test_server server;
    const std::string port = std::to_string(server.port());
    const auto run = run_crawl({server.url("/page/1"), "HTTP://127.0.0.1:" + port + "/x/../page/1",
                                "http://0x7f.0.0.1:" + port + "/page/1", "http://fa\xC3\x9F.example:" + port + "/page/2",
                                "http://XN--FA-HIA.Example:" + port + "/page/2",
                                "http://xn--fa-hia.example:" + port + "/page/%32"},
                               {"--ignore-robots", "--dedup", "--resolve", "xn--fa-hia.example:" + port + ":127.0.0.1"});
    ASSERT_EQ(run.records.size(), 6u) << run.process.err;
    EXPECT_EQ(str(run.at(1), "final_url"), server.url("/page/1"));
    EXPECT_EQ(num(run.at(2), "duplicate_of"), 1);
    EXPECT_EQ(num(run.at(3), "duplicate_of"), 1);
    EXPECT_EQ(str(run.at(4), "final_url"), "http://xn--fa-hia.example:" + port + "/page/2");
    EXPECT_EQ(str(run.at(4), "title"), "Page 2");
    EXPECT_EQ(num(run.at(5), "duplicate_of"), 4);
    // An escape is kept as written: to a browser "%32" and "2" make two URLs.
    EXPECT_EQ(num(run.at(6), "duplicate_of"), -1);
    EXPECT_EQ(server.requests_for("/page/1"), 1u);
    const auto page2 = server.requests_log("/page/2");
    ASSERT_EQ(page2.size(), 1u);
    EXPECT_EQ(page2[0].host, "xn--fa-hia.example:" + port);
}

TEST(UrlsTest, RobotsRulesMatchTheNormalizedPath)
{
    test_server server;
    scripted_response robots;
    robots.body = "User-agent: *\nDisallow: /private\n";
    server.set_response("/robots.txt", robots);
    const std::string origin = "http://127.0.0.1:" + std::to_string(server.port());
    const auto run = run_crawl({server.url("/public/../private/a"), origin + "/%70rivate/b", origin + "\\private\\c",
                                origin + "/./%2e/private", server.url("/page/1")},
                               {});
    ASSERT_EQ(run.records.size(), 5u) << run.process.err;
    for (std::uint64_t seq = 1; seq <= 4; ++seq) {
        EXPECT_EQ(error_class_of(run.at(seq)), "robots_disallowed") << str(run.at(seq), "url");
    }
    EXPECT_EQ(error_class_of(run.at(5)), "none");
    EXPECT_EQ(server.requests_for("/private"), 0u);
    EXPECT_EQ(server.requests_for("/%70rivate"), 0u);
}

TEST(UrlsTest, InvalidHostsAreInvalidUrlRecords)
{
    const auto run = run_crawl({"http://\xEF\xBF\xBD.com/", "http://exa mple.com/", "http://1.2.3.256/",
                                "http://[::1/", "http://user@/x"},
                               {});
    ASSERT_EQ(run.records.size(), 5u) << run.process.err;
    for (const auto& [seq, r] : run.records) {
        SCOPED_TRACE(str(r, "url"));
        EXPECT_EQ(error_class_of(r), "invalid_url");
        EXPECT_EQ(num(r, "worker"), -1) << "rejected by the supervisor, never fetched";
    }
    EXPECT_NE(str(run.at(1).at("error").as_object(), "message").find("IDNA"), std::string::npos);
    EXPECT_EQ(run.process.exit_code, 1);
}

} // namespace
} // namespace crawl::test
