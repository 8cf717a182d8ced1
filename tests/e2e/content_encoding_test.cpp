// Content-Encoding end to end: br, zstd and stacked codings decoded to the same page as plain
// HTML; broken streams, bombs and codings crawl does not speak, each with its class; robots.txt
// in br; and the Accept-Encoding crawl sends, by default and under -H.

#include "harness.hpp"
#include "support/encoder.hpp"
#include "support/routes.hpp"
#include "support/test_server.hpp"

namespace crawl::test {
namespace {

class ContentEncodingTest : public ::testing::Test {
protected:
    test_server server_;
};

std::string error_message_of(const boost::json::object& r)
{
    return std::string(r.at("error").as_object().at("message").as_string());
}

TEST_F(ContentEncodingTest, BrZstdAndStackedCodingsDecodeToThePlainPage)
{
    const std::vector<std::string> urls{
        server_.url("/page/1"),
        server_.url("/br/1"),
        server_.url("/zstd/1"),
        server_.url("/stacked/1?ce=gzip,%20br"),
        server_.url("/stacked/1?ce=gzip,br&fields=1"), // two Content-Encoding fields
        server_.url("/stacked/1?ce=zstd,%20deflate,%20gzip"),
        server_.url("/stacked/1?ce=identity,%20br"),
    };
    const auto run = run_crawl(urls, {"-w", "2"});
    EXPECT_EQ(run.process.exit_code, 0) << run.process.err;
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.out;
    for (std::uint64_t seq = 1; seq <= urls.size(); ++seq) {
        const auto& r = run.at(seq);
        SCOPED_TRACE(str(r, "url"));
        EXPECT_TRUE(r.at("ok").as_bool()) << r;
        EXPECT_EQ(str(r, "title"), "Page 1");
        EXPECT_EQ(num(r, "links_count"), 3);
        EXPECT_EQ(str(r, "hash"), str(run.at(1), "hash")) << "decoded bodies must be identical";
        EXPECT_EQ(static_cast<std::size_t>(num(r, "body_bytes")), routes::page_html(1).size());
    }
    EXPECT_EQ(str(run.at(2), "content_encoding"), "br");
    EXPECT_EQ(str(run.at(3), "content_encoding"), "zstd");
    EXPECT_EQ(str(run.at(4), "content_encoding"), "gzip, br");
    EXPECT_EQ(str(run.at(5), "content_encoding"), "gzip, br") << "two fields are one list";
    EXPECT_EQ(str(run.at(6), "content_encoding"), "zstd, deflate, gzip");
    EXPECT_LT(num(run.at(2), "wire_bytes"), num(run.at(1), "wire_bytes"));
    EXPECT_LT(num(run.at(3), "wire_bytes"), num(run.at(1), "wire_bytes"));
}

TEST_F(ContentEncodingTest, BrokenStreamsAndUnknownCodingsHaveTheirClass)
{
    struct expectation {
        std::string path;
        std::string error_class;
        std::string message; ///< the start of the error's message
    };
    const std::vector<expectation> cases{
        {"/corrupt-br", "decode", "corrupt br stream: "},
        {"/corrupt-zstd", "decode", "corrupt zstd stream: "},
        {"/truncated-br", "decode", "truncated br stream"},
        {"/truncated-zstd", "decode", "truncated zstd stream"},
        {"/zstd-window", "decode", "corrupt zstd stream: the frame needs a window over 8 MiB"},
        {"/zstd-window?log=23", "none", ""}, // 8 MiB: RFC 9659's limit, still decoded
        {"/unsupported-encoding", "unsupported_encoding", "unsupported Content-Encoding: compress"},
        {"/stacked/1?ce=gzip,compress", "unsupported_encoding", "unsupported Content-Encoding: compress"},
        {"/stacked/1?ce=gzip,gzip,gzip,gzip,gzip,gzip", "unsupported_encoding",
         "Content-Encoding stacks 6 codings, more than the 5 crawl decodes"},
        {"/stacked/1?ce=gzip,gzip,gzip,gzip,gzip", "none", ""},
    };
    std::vector<std::string> urls;
    for (const auto& c : cases) {
        urls.push_back(server_.url(c.path));
    }
    const auto run = run_crawl(urls, {});
    ASSERT_EQ(run.records.size(), cases.size()) << run.process.err;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto& r = run.at(i + 1);
        SCOPED_TRACE(cases[i].path);
        EXPECT_EQ(error_class_of(r), cases[i].error_class) << r;
        if (cases[i].error_class == "none") {
            EXPECT_EQ(str(r, "title"), "Page 1");
        } else {
            EXPECT_TRUE(error_message_of(r).starts_with(cases[i].message)) << error_message_of(r);
            EXPECT_EQ(str(r, "hash"), "<null>") << "a body that did not decode has no hash";
        }
    }
}

TEST_F(ContentEncodingTest, BombsOfEveryKindStopAtMaxBody)
{
    const std::vector<std::string> urls{server_.url("/gzip-bomb?mb=256"), server_.url("/br-bomb?mb=256"),
                                        server_.url("/zstd-bomb?mb=256"), server_.url("/stacked-bomb?mb=256")};
    const auto run = run_crawl(urls, {"--max-body", "1M"});
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;
    for (std::uint64_t seq = 1; seq <= urls.size(); ++seq) {
        const auto& r = run.at(seq);
        SCOPED_TRACE(str(r, "url"));
        EXPECT_EQ(error_class_of(r), "body_too_large");
        EXPECT_EQ(num(r, "body_bytes"), 1 << 20);
        EXPECT_EQ(error_message_of(r), "decoded body exceeds 1048576 bytes");
    }
}

TEST_F(ContentEncodingTest, RobotsTxtInBrIsDecoded)
{
    scripted_response robots;
    robots.body = encode(wrapping::br, "User-agent: *\nDisallow: /page/2\n");
    robots.headers.emplace_back("Content-Encoding", "br");
    server_.set_response("/robots.txt", robots);
    const auto run = run_crawl({server_.url("/page/1"), server_.url("/page/2")}, {});
    ASSERT_EQ(run.records.size(), 2u) << run.process.err;
    EXPECT_TRUE(run.at(1).at("ok").as_bool());
    EXPECT_EQ(error_class_of(run.at(2)), "robots_disallowed");
    EXPECT_EQ(server_.requests_for("/page/2"), 0u);
}

TEST_F(ContentEncodingTest, AcceptEncodingOffersEveryCodingAndHeaderOverridesIt)
{
    const auto sent = [&](const std::vector<std::string>& args) {
        std::vector<std::string> argv{"-w", "1"};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto run = run_crawl({server_.url("/echo-accept-encoding")}, argv);
        EXPECT_EQ(run.records.size(), 1u) << run.process.err;
        return run.records.empty() ? std::string() : str(run.at(1), "title");
    };
    EXPECT_EQ(sent({}), "gzip, deflate, br, zstd");
    EXPECT_EQ(sent({"-H", "Accept-Encoding: gzip"}), "gzip");
    EXPECT_EQ(sent({"-H", "accept-encoding: identity"}), "identity") << "field names are case-insensitive";
    EXPECT_EQ(sent({"-H", "Accept-Encoding:"}), "(none)") << "'Name:' removes the field";
}

} // namespace
} // namespace crawl::test
