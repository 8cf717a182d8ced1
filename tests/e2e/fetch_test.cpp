// The real crawl binary against the in-process test server: what each kind of response
// turns into.

#include "harness.hpp"
#include "support/routes.hpp"
#include "support/test_server.hpp"

#include <chrono>

namespace crawl::test {
namespace {

using namespace std::chrono_literals;

class FetchTest : public ::testing::Test {
protected:
    test_server server_;
};

TEST_F(FetchTest, PagesInEveryTransferAndContentEncoding)
{
    const auto run = run_crawl({server_.url("/page/1"), server_.url("/gzip/1"), server_.url("/deflate/1"),
                                server_.url("/deflate-raw/1"), server_.url("/chunked/1"),
                                server_.url("/close-delimited")},
                               {"-w", "2"});
    EXPECT_EQ(run.process.exit_code, 0) << run.process.err;
    ASSERT_EQ(run.records.size(), 6u) << run.process.out;
    const auto plain_hash = str(run.at(1), "hash");
    EXPECT_EQ(plain_hash.rfind("sha256:", 0), 0u);
    for (std::uint64_t seq = 1; seq <= 5; ++seq) {
        const auto& r = run.at(seq);
        SCOPED_TRACE(str(r, "url"));
        EXPECT_TRUE(r.at("ok").as_bool());
        EXPECT_EQ(num(r, "status"), 200);
        EXPECT_EQ(str(r, "title"), "Page 1");
        EXPECT_EQ(str(r, "description"), "Description of page 1");
        EXPECT_EQ(str(r, "canonical"), server_.url("/page/1"));
        EXPECT_EQ(str(r, "lang"), "en");
        EXPECT_EQ(num(r, "links_count"), 3); // /page/2, /page/3 (fragment dropped), example.com
        EXPECT_EQ(str(r, "hash"), plain_hash) << "decoded bodies must be identical";
        EXPECT_EQ(static_cast<std::size_t>(num(r, "body_bytes")), routes::page_html(1).size());
        EXPECT_GT(num(r, "wire_bytes"), 0);
    }
    EXPECT_EQ(str(run.at(2), "content_encoding"), "gzip");
    EXPECT_EQ(str(run.at(3), "content_encoding"), "deflate");
    EXPECT_EQ(str(run.at(4), "content_encoding"), "deflate");
    EXPECT_LT(num(run.at(2), "wire_bytes"), num(run.at(1), "wire_bytes"));
    EXPECT_TRUE(run.at(6).at("ok").as_bool()) << "close-delimited bodies are valid";
}

TEST_F(FetchTest, LinksAreResolvedNormalizedAndListedOnRequest)
{
    const auto run = run_crawl({server_.url("/page/7")}, {"--links"});
    ASSERT_EQ(run.records.size(), 1u) << run.process.err;
    const auto& links = run.at(1).at("links").as_array();
    ASSERT_EQ(links.size(), 3u);
    EXPECT_EQ(links[0].as_string(), server_.url("/page/8"));
    EXPECT_EQ(links[1].as_string(), server_.url("/page/9"));
    EXPECT_EQ(links[2].as_string(), "https://example.com/x");
    const auto without = run_crawl({server_.url("/page/7")}, {});
    EXPECT_FALSE(without.at(1).contains("links"));
}

TEST_F(FetchTest, RedirectsAreFollowedAndBounded)
{
    const auto run = run_crawl({server_.url("/redirect/3"), server_.url("/redirect/8"), server_.url("/loop/a"),
                                server_.url("/redirect-rel"), server_.url("/redirect-to?location=ftp%3A%2F%2Fx%2F"),
                                server_.url("/redirect-to?location=javascript%3Aalert(1)"),
                                server_.url("/redirect-301"), server_.url("/redirect-303"),
                                server_.url("/redirect-307"), server_.url("/redirect-308"),
                                server_.url("/redirect-to?location=%2Fpage%2F%2E%2E%2Fpage%2F4%3Fa%3Db%20c")},
                               {"--max-redirects", "5"});
    ASSERT_EQ(run.records.size(), 11u) << run.process.err;
    EXPECT_EQ(run.process.exit_code, 1);
    EXPECT_TRUE(run.at(1).at("ok").as_bool());
    EXPECT_EQ(num(run.at(1), "redirects"), 4);
    EXPECT_EQ(str(run.at(1), "final_url"), server_.url("/page/1"));
    EXPECT_EQ(error_class_of(run.at(2)), "too_many_redirects");
    EXPECT_EQ(error_class_of(run.at(3)), "redirect_loop");
    EXPECT_TRUE(run.at(4).at("ok").as_bool()) << str(run.at(4), "final_url");
    EXPECT_EQ(error_class_of(run.at(5)), "unsupported_scheme");
    EXPECT_EQ(num(run.at(5), "status"), 302);
    EXPECT_EQ(error_class_of(run.at(6)), "unsupported_scheme");
    for (std::uint64_t seq = 7; seq <= 10; ++seq) {
        EXPECT_EQ(str(run.at(seq), "final_url"), server_.url("/page/1")) << seq;
        EXPECT_EQ(num(run.at(seq), "redirects"), 1);
    }
    EXPECT_EQ(str(run.at(11), "final_url"), server_.url("/page/4?a=b%20c"));
}

TEST_F(FetchTest, HttpErrorsAreRecordedInFull)
{
    const auto run = run_crawl({server_.url("/status/404"), server_.url("/status/503"), server_.url("/nowhere")}, {});
    ASSERT_EQ(run.records.size(), 3u);
    EXPECT_EQ(run.process.exit_code, 1);
    const auto& r = run.at(1);
    EXPECT_FALSE(r.at("ok").as_bool());
    EXPECT_EQ(num(r, "status"), 404);
    EXPECT_EQ(error_class_of(r), "http_status");
    EXPECT_NE(str(r, "title"), "<null>") << "the error page is still parsed";
    EXPECT_NE(str(r, "hash"), "<null>");
    EXPECT_EQ(num(run.at(2), "status"), 503);
    EXPECT_EQ(num(run.at(3), "status"), 404);
}

TEST_F(FetchTest, DeadlinesBoundSlowAndSilentServers)
{
    const auto run = run_crawl({server_.url("/slow?ms=5000"), server_.url("/never"), server_.url("/slow-body?ms=5000"),
                                server_.url("/page/1")},
                               {"--timeout", "1.5", "--read-timeout", "1", "-w", "1", "--retries", "0"});
    ASSERT_EQ(run.records.size(), 4u) << run.process.err;
    EXPECT_EQ(error_class_of(run.at(1)), "timeout");
    EXPECT_EQ(error_class_of(run.at(2)), "timeout");
    EXPECT_EQ(error_class_of(run.at(3)), "timeout");
    EXPECT_TRUE(run.at(4).at("ok").as_bool()) << "a slow URL never holds back the others";
    // The deadlines run side by side: every slow request was in flight before the client gave
    // up on /never (which the server sees at once: it only waits for the client to close).
    const auto never = server_.requests_log("/never").at(0);
    ASSERT_TRUE(never.done.has_value());
    for (const std::string_view slow : {"/slow?", "/slow-body?"}) {
        EXPECT_LT(server_.requests_log(slow).at(0).at, *never.done) << slow;
    }
    // Time, because --read-timeout is a deadline: the client hung up on the silent server by it.
    EXPECT_LT(*never.done - never.at, 4s) << "--read-timeout 1, --timeout 1.5";
}

TEST_F(FetchTest, BrokenBodiesAndEncodings)
{
    const auto run = run_crawl({server_.url("/close-mid-body"), server_.url("/unsupported-encoding"), server_.url("/corrupt-gzip"),
                                server_.url("/truncated-gzip")},
                               {});
    ASSERT_EQ(run.records.size(), 4u) << run.process.err;
    EXPECT_EQ(error_class_of(run.at(1)), "read");
    EXPECT_EQ(error_class_of(run.at(2)), "unsupported_encoding");
    EXPECT_EQ(error_class_of(run.at(3)), "decode");
    EXPECT_EQ(error_class_of(run.at(4)), "decode");
}

TEST_F(FetchTest, BodyCapStopsHugeBodiesAndBombs)
{
    const auto run = run_crawl({server_.url("/huge?bytes=5000000"), server_.url("/huge-chunked?bytes=5000000"),
                                server_.url("/gzip-bomb?mb=1024"), server_.url("/huge?bytes=500000")},
                               {"--max-body", "1M"});
    ASSERT_EQ(run.records.size(), 4u) << run.process.err;
    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
        EXPECT_EQ(error_class_of(run.at(seq)), "body_too_large") << seq;
        EXPECT_LE(num(run.at(seq), "body_bytes"), 1 << 20);
    }
    EXPECT_TRUE(run.at(4).at("ok").as_bool());
    EXPECT_EQ(num(run.at(4), "body_bytes"), 500000);
}

TEST_F(FetchTest, NonHtmlIsSizedAndHashedOnly)
{
    const auto run = run_crawl({server_.url("/binary"), server_.url("/json")}, {});
    ASSERT_EQ(run.records.size(), 2u);
    const auto& r = run.at(1);
    EXPECT_TRUE(r.at("ok").as_bool());
    EXPECT_EQ(num(r, "body_bytes"), static_cast<std::int64_t>(routes::binary_body().size()));
    EXPECT_EQ(str(r, "title"), "<null>");
    EXPECT_EQ(num(r, "links_count"), 0);
    EXPECT_EQ(str(r, "content_type"), "application/octet-stream");
    EXPECT_NE(str(r, "hash"), "<null>");
}

TEST_F(FetchTest, RandomBytesLabelledHtmlGiveValidUtf8)
{
    const auto run = run_crawl({server_.url("/random-html")}, {});
    ASSERT_EQ(run.records.size(), 1u) << run.process.err;
    EXPECT_TRUE(run.at(1).at("ok").as_bool());
}

TEST_F(FetchTest, LegacyCharsetsBecomeUtf8)
{
    const auto run = run_crawl({server_.url("/charset/euc-kr-header"), server_.url("/charset/euc-kr-meta"),
                                server_.url("/charset/sjis-header"), server_.url("/charset/sjis-meta"),
                                server_.url("/charset/win1252-meta")},
                               {});
    ASSERT_EQ(run.records.size(), 5u) << run.process.err;
    EXPECT_EQ(str(run.at(1), "title"), routes::euc_kr_title);
    EXPECT_EQ(str(run.at(2), "title"), routes::euc_kr_title);
    EXPECT_EQ(str(run.at(3), "title"), routes::sjis_title);
    EXPECT_EQ(str(run.at(4), "title"), routes::sjis_title);
    EXPECT_EQ(str(run.at(5), "title"), routes::win1252_title);
    EXPECT_NE(str(run.at(1), "charset"), "<null>");
}

TEST_F(FetchTest, KeepAliveReusesConnections)
{
    std::vector<std::string> urls;
    for (int i = 0; i < 20; ++i) {
        urls.push_back(server_.url("/page/" + std::to_string(i)));
    }
    const auto run = run_crawl(urls, {"-w", "1", "-c", "1"});
    ASSERT_EQ(run.records.size(), 20u);
    EXPECT_EQ(server_.requests_for("/page/"), 20u);
    EXPECT_EQ(server_.connections_accepted(), 1u);
}

TEST_F(FetchTest, ClosedKeepAliveConnectionIsRetriedOnce)
{
    const auto run = run_crawl({server_.url("/keepalive-then-close"), server_.url("/page/1"),
                                server_.url("/keepalive-then-close"), server_.url("/page/2")},
                               {"-w", "1", "-c", "1"});
    ASSERT_EQ(run.records.size(), 4u);
    EXPECT_EQ(run.process.exit_code, 0) << run.process.out;
}

TEST_F(FetchTest, ConnectionRefusedAndUnresolvableHosts)
{
    // Without robots.txt, whose failed fetch would answer for both (unreachable: disallow all).
    const auto run = run_crawl({"http://127.0.0.1:1/", "http://no-such-host.invalid/"},
                               {"--connect-timeout", "5", "--ignore-robots", "--retries", "0"});
    ASSERT_EQ(run.records.size(), 2u);
    EXPECT_EQ(error_class_of(run.at(1)), "connect");
    EXPECT_EQ(error_class_of(run.at(2)), "dns");
}

TEST_F(FetchTest, ResolveOverridesDns)
{
    const auto host_url = "http://crawl.test:" + std::to_string(server_.port()) + "/page/3";
    const auto run = run_crawl({host_url}, {"--resolve", "crawl.test:" + std::to_string(server_.port()) + ":127.0.0.1"});
    ASSERT_EQ(run.records.size(), 1u);
    EXPECT_TRUE(run.at(1).at("ok").as_bool()) << run.process.out;
    EXPECT_EQ(str(run.at(1), "title"), "Page 3");
}

class HttpsTest : public ::testing::Test {
protected:
    test_server server_{server_options{.tls = true}};
    std::string cacert_ = write_temp_file("ca.pem", server_.certificate_pem());
};

TEST_F(HttpsTest, VerifiedAgainstGivenCa)
{
    // Without robots.txt, whose fetch would leave a warm connection (no handshake to time).
    const auto run = run_crawl({server_.url("/page/1"), server_.url("/gzip/2")}, {"--cacert", cacert_, "--ignore-robots"});
    ASSERT_EQ(run.records.size(), 2u) << run.process.err;
    EXPECT_EQ(run.process.exit_code, 0) << run.process.out;
    EXPECT_EQ(str(run.at(1), "title"), "Page 1");
    EXPECT_GE(run.at(1).at("time_ms").as_object().at("tls").to_number<double>(), 0.0);
}

TEST_F(HttpsTest, UntrustedCertificateIsATlsError)
{
    const auto run = run_crawl({server_.url("/page/1")}, {"--ignore-robots"});
    ASSERT_EQ(run.records.size(), 1u);
    EXPECT_EQ(error_class_of(run.at(1)), "tls");
    const auto insecure = run_crawl({server_.url("/page/1")}, {"--insecure"});
    EXPECT_TRUE(insecure.at(1).at("ok").as_bool());
}

TEST_F(HttpsTest, HostNameMustMatchCertificate)
{
    // The certificate names localhost and 127.0.0.1; crawl.test is not among them.
    const auto port = std::to_string(server_.port());
    const auto run = run_crawl({"https://crawl.test:" + port + "/page/1"},
                               {"--cacert", cacert_, "--resolve", "crawl.test:" + port + ":127.0.0.1", "--ignore-robots"});
    ASSERT_EQ(run.records.size(), 1u);
    EXPECT_EQ(error_class_of(run.at(1)), "tls");
}

} // namespace
} // namespace crawl::test
