// The response reader (Beast's parser under crawl's caps) fed from byte strings, each split
// at every possible point: what each kind of honest and hostile response turns into.

#include "crawl/response/reader.hpp"
#include "support/response_driver.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace crawl::response {
namespace {

/// Keeps what the reader hands over.
class recording_handler final : public body_handler {
public:
    failure on_header(const response_info& info) override
    {
        ++headers;
        status = info.status;
        content_type = std::string(info.content_type);
        return fail_header;
    }
    failure on_body(std::string_view bytes) override
    {
        EXPECT_LE(bytes.size(), chunk_size);
        body.append(bytes);
        return {};
    }
    failure on_end() override
    {
        ended = true;
        return {};
    }

    failure fail_header;
    int headers = 0;
    int status = 0;
    std::string content_type;
    std::string body;
    bool ended = false;
};

struct read_outcome {
    failure error;
    int status = 0;
    std::string location;
    bool reusable = false;
    std::size_t left_in_buffer = 0;
    recording_handler handler;
};

read_outcome read_from(std::string_view wire, std::vector<std::size_t> read_sizes = {}, limits l = {})
{
    read_outcome out;
    test::buffer_stream stream(wire, std::move(read_sizes));
    boost::beast::flat_buffer buffer;
    buffer.max_size(buffer_limit(l));
    reader rd(l, "http://127.0.0.1/x", out.handler);
    test::read_response(stream, buffer, rd);
    EXPECT_EQ(rd.next(), step::done);
    out.error = rd.error();
    out.status = rd.status();
    out.location = rd.location();
    out.reusable = rd.reusable();
    out.left_in_buffer = buffer.size() + stream.remaining();
    return out;
}

std::string repeat(std::string_view s, std::size_t n)
{
    std::string out;
    out.reserve(s.size() * n);
    for (std::size_t i = 0; i < n; ++i) {
        out += s;
    }
    return out;
}

constexpr std::string_view simple = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 11\r\n\r\nhello world";

TEST(ResponseReader, SameResultWhereverTheBytesAreSplit)
{
    for (std::size_t step_size = 1; step_size <= simple.size(); ++step_size) {
        SCOPED_TRACE(step_size);
        const auto r = read_from(simple, {step_size});
        EXPECT_EQ(r.error.cls, error_class::none) << r.error.message;
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.handler.content_type, "text/html");
        EXPECT_EQ(r.handler.body, "hello world");
        EXPECT_TRUE(r.handler.ended);
        EXPECT_TRUE(r.reusable);
    }
}

TEST(ResponseReader, ChunkedAndCloseDelimitedBodies)
{
    const auto chunked = read_from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
                                   {3});
    EXPECT_EQ(chunked.error.cls, error_class::none) << chunked.error.message;
    EXPECT_EQ(chunked.handler.body, "hello world");
    EXPECT_TRUE(chunked.reusable);

    const auto http10 = read_from("HTTP/1.0 200 OK\r\n\r\nuntil the close", {4});
    EXPECT_EQ(http10.error.cls, error_class::none) << http10.error.message;
    EXPECT_EQ(http10.handler.body, "until the close");
    EXPECT_FALSE(http10.reusable) << "a close-delimited body ends the connection";
}

TEST(ResponseReader, InterimResponsesAreSkippedButBounded)
{
    const std::string cont = "HTTP/1.1 100 Continue\r\n\r\n";
    const auto one = read_from(cont + "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + std::string(simple), {7});
    EXPECT_EQ(one.error.cls, error_class::none) << one.error.message;
    EXPECT_EQ(one.status, 200);
    EXPECT_EQ(one.handler.body, "hello world");

    const auto many = read_from(repeat(cont, max_interim_responses + 1) + std::string(simple));
    EXPECT_EQ(many.error.cls, error_class::protocol);
    EXPECT_EQ(many.handler.headers, 0);
}

TEST(ResponseReader, HeaderFieldCountAndSizeAreCapped)
{
    limits l;
    l.max_header_fields = 50;
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n";
    const auto at_cap = read_from(head + repeat("X:1\r\n", 49) + "\r\n", {}, l);
    EXPECT_EQ(at_cap.error.cls, error_class::none) << at_cap.error.message;
    const auto over = read_from(head + repeat("X:1\r\n", 50) + "\r\n", {}, l);
    EXPECT_EQ(over.error.cls, error_class::protocol);
    EXPECT_NE(over.error.message.find("header fields"), std::string::npos) << over.error.message;

    // 20,000 short lines fit in 128 KiB: only the count stops them.
    const auto twenty_thousand = read_from(head + repeat("X:1\r\n", 20'000) + "\r\n", {65536});
    EXPECT_EQ(twenty_thousand.error.cls, error_class::protocol);
    EXPECT_NE(twenty_thousand.error.message.find("20001 header fields"), std::string::npos)
        << twenty_thousand.error.message;

    const auto long_line = read_from(head + "X-Long: " + std::string(2 << 20, 'a') + "\r\n\r\n", {65536});
    EXPECT_EQ(long_line.error.cls, error_class::protocol);
    EXPECT_NE(long_line.error.message.find("131072 bytes"), std::string::npos) << long_line.error.message;
}

// Found by http_response_fuzz (corpus: regress_header_limit_depends_on_reads): Beast applies
// its header limit to the status line and to the fields separately when they arrive in one
// read, and to the whole header when it trickles in, so a header of up to twice the cap passed
// or failed depending on packet boundaries.
TEST(ResponseReader, HeaderSizeCapIsExactWhateverTheReads)
{
    limits l;
    l.max_header_bytes = 1024;
    const std::string over = "HTTP/1.1 200 " + std::string(600, 'R') + "\r\nX-Pad: " + std::string(600, 'p') +
                             "\r\nContent-Length: 2\r\n\r\nok";
    const std::string at_cap = "HTTP/1.1 200 OK\r\nX-Pad: " + std::string(1024 - 47, 'p') + "\r\nContent-Length: 2\r\n\r\nok";
    ASSERT_EQ(at_cap.size() - 2, 1024u);
    for (const std::size_t step_size : {1UL, 7UL, 100000UL}) {
        SCOPED_TRACE(step_size);
        const auto r = read_from(over, {step_size}, l);
        EXPECT_EQ(r.error.cls, error_class::protocol) << r.error.message;
        EXPECT_NE(r.error.message.find("1024 bytes"), std::string::npos) << r.error.message;
        const auto ok = read_from(at_cap, {step_size}, l);
        EXPECT_EQ(ok.error.cls, error_class::none) << ok.error.message;
        EXPECT_EQ(ok.handler.body, "ok");
    }
}

TEST(ResponseReader, EndlessChunkHeaderOrTrailerHitsTheBufferCap)
{
    // Beast bounds neither a chunk-size line nor the trailer; the capped buffer does.
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    const auto extension = read_from(head + "5;" + std::string(1 << 20, 'a'), {65536});
    EXPECT_EQ(extension.error.cls, error_class::protocol) << extension.error.message;
    EXPECT_NE(extension.error.message.find("chunk header or trailer"), std::string::npos) << extension.error.message;

    const auto trailer = read_from(head + "0\r\nX: " + std::string(1 << 20, 'b'), {65536});
    EXPECT_EQ(trailer.error.cls, error_class::protocol) << trailer.error.message;
}

TEST(ResponseReader, MalformedResponsesAreProtocolErrors)
{
    const std::vector<std::string> cases = {
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", // invalid chunk size
        "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",                                   // status out of range
        "SPAM 200 OK\r\nContent-Length: 0\r\n\r\n",                                        // not HTTP
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",                            // binary garbage
        "<html><head><title>No status line</title></head></html>\n",                      // HTTP/0.9-style
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",          // two lengths
    };
    for (const auto& wire : cases) {
        SCOPED_TRACE(wire.substr(0, 40));
        const auto r = read_from(wire, {5});
        EXPECT_EQ(r.error.cls, error_class::protocol) << r.error.message;
        EXPECT_FALSE(r.handler.ended);
        EXPECT_FALSE(r.reusable);
    }
}

// Found by http_response_fuzz (corpus: regress_fields_of_a_broken_header): Beast had stored
// the fields before the bad one, so the record showed a Content-Type of a response that never
// parsed, or not, depending on how the bytes arrived.
TEST(ResponseReader, BrokenHeaderReportsNoFields)
{
    const std::string wire = "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
                             "Bad\x01Field: x\r\n\r\n";
    for (const std::size_t step_size : {1UL, 1000UL}) {
        SCOPED_TRACE(step_size);
        test::buffer_stream stream(wire, {step_size});
        boost::beast::flat_buffer buffer;
        recording_handler handler;
        reader rd(limits{}, "http://127.0.0.1/", handler);
        test::read_response(stream, buffer, rd);
        EXPECT_EQ(rd.error().cls, error_class::protocol) << rd.error().message;
        EXPECT_EQ(rd.status(), 0);
        EXPECT_EQ(rd.content_type(), "");
        EXPECT_EQ(rd.content_encoding(), "");
    }
}

TEST(ResponseReader, ConnectionEndsAreReadErrors)
{
    const auto nothing = read_from("");
    EXPECT_EQ(nothing.error.cls, error_class::read);
    const auto short_body = read_from("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", {4});
    EXPECT_EQ(short_body.error.cls, error_class::read);
    EXPECT_EQ(short_body.handler.body, "only this") << "what arrived is still handed over";
    EXPECT_FALSE(short_body.handler.ended);
}

TEST(ResponseReader, BytesBeyondContentLengthAreLeftUnread)
{
    const auto r = read_from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\n\r\n");
    EXPECT_EQ(r.error.cls, error_class::none);
    EXPECT_EQ(r.handler.body, "hello");
    EXPECT_GT(r.left_in_buffer, 0u) << "the client must see them and drop the connection";
}

TEST(ResponseReader, BodyLimitAndHandlerFailures)
{
    limits l;
    l.max_body = 1000;
    const auto declared = read_from("HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n", {}, l);
    EXPECT_EQ(declared.error.cls, error_class::body_too_large);

    read_outcome refused;
    test::buffer_stream stream(simple, {});
    boost::beast::flat_buffer buffer;
    refused.handler.fail_header = {error_class::unsupported_encoding, "br"};
    reader rd(limits{}, "http://127.0.0.1/", refused.handler);
    test::read_response(stream, buffer, rd);
    EXPECT_EQ(rd.error().cls, error_class::unsupported_encoding);
    EXPECT_TRUE(refused.handler.body.empty());
    EXPECT_FALSE(rd.reusable());
}

TEST(ResponseReader, RedirectBodiesAreDrainedNotHandled)
{
    const auto small = read_from("HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 4\r\n\r\nbody", {2});
    EXPECT_EQ(small.error.cls, error_class::none);
    EXPECT_EQ(small.location, "/next");
    EXPECT_EQ(small.handler.headers, 0);
    EXPECT_TRUE(small.handler.body.empty());
    EXPECT_TRUE(small.reusable);

    const std::string big_body(1 << 20, 'x');
    const auto big = read_from("HTTP/1.1 301 Moved\r\nLocation: /n\r\nContent-Length: " +
                               std::to_string(big_body.size()) + "\r\n\r\n" + big_body);
    EXPECT_EQ(big.error.cls, error_class::none);
    EXPECT_EQ(big.location, "/n");
    EXPECT_FALSE(big.reusable) << "too big to drain: the connection is dropped";

    const auto no_location = read_from("HTTP/1.1 302 Found\r\nContent-Length: 2\r\n\r\nok");
    EXPECT_TRUE(no_location.location.empty());
    EXPECT_EQ(no_location.handler.body, "ok") << "a 3xx without Location is a final response";
}

// Found by http_response_fuzz (corpus: regress_redirect_with_empty_location): an empty Location
// was taken for a redirect when the header arrived (so the handler never saw it) and for a
// final response when the body did, handing body bytes to a handler that had no header: the
// page pipeline dereferenced its missing decoder, and one response killed a worker.
TEST(ResponseReader, EmptyLocationIsAFinalResponse)
{
    for (const std::string_view value : {"", "  \t"}) {
        const auto r = read_from("HTTP/1.1 302 Found\r\nLocation:" + std::string(value) +
                                 "\r\nContent-Length: 3\r\n\r\nabc");
        EXPECT_EQ(r.error.cls, error_class::none) << r.error.message;
        EXPECT_TRUE(r.location.empty());
        EXPECT_EQ(r.handler.headers, 1) << "the handler sees the header before any body byte";
        EXPECT_EQ(r.handler.body, "abc");
        EXPECT_TRUE(r.handler.ended);
    }
}

} // namespace
} // namespace crawl::response
