// The WARC records crawl writes, read back with zlib and a header parser of this test's own
// (the end-to-end suite reads whole files with warcio.js, an independent reader): each record
// is one gzip member, its header what WARC 1.1 asks, its digests right; and the index format.

#include "crawl/util/digest.hpp"
#include "crawl/warc/cdxj.hpp"
#include "crawl/warc/record.hpp"

#include "support/gzip_member.hpp"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

namespace crawl::warc {
namespace {

using namespace std::chrono;

/// Inflates the one gzip member at the start of `in`; `used` is set to its compressed size.
std::string inflate_member(std::string_view in, std::size_t& used)
{
    auto text = test::inflate_gzip_member(in, used);
    if (!text) {
        throw std::runtime_error("not a whole gzip member");
    }
    return std::move(*text);
}

/// One record, as this test reads it: its header fields and its block.
struct parsed {
    std::string version;
    std::map<std::string, std::string> fields;
    std::string block;
};

parsed parse_record(const std::string& text)
{
    parsed p;
    const auto head_end = text.find("\r\n\r\n");
    if (head_end == std::string::npos) {
        throw std::runtime_error("no end of header");
    }
    std::string_view head(text.data(), head_end);
    const auto first = head.find("\r\n");
    p.version = std::string(head.substr(0, first));
    head.remove_prefix(first + 2);
    while (!head.empty()) {
        const auto end = head.find("\r\n");
        const auto line = head.substr(0, end);
        const auto colon = line.find(": ");
        EXPECT_TRUE(p.fields.emplace(std::string(line.substr(0, colon)), std::string(line.substr(colon + 2))).second)
            << "field twice: " << line;
        head.remove_prefix(end == std::string_view::npos ? head.size() : end + 2);
    }
    const auto length = std::stoull(p.fields.at("Content-Length"));
    p.block = text.substr(head_end + 4, length);
    EXPECT_EQ(text.substr(head_end + 4 + length), "\r\n\r\n") << "a record ends with two CRLFs after its block";
    return p;
}

parsed record_at(const std::string& bytes, const member& m)
{
    std::size_t used = 0;
    const std::string text = inflate_member(std::string_view(bytes).substr(m.offset, m.length), used);
    EXPECT_EQ(used, m.length) << "the member is exactly the record's bytes";
    return parse_record(text);
}

std::string sha1_raw(std::string_view bytes)
{
    digest d(digest::algorithm::sha1);
    d.update(bytes);
    return d.finish();
}

const std::string request_bytes = "GET /a HTTP/1.1\r\nHost: example.test\r\n\r\n";
const std::string chunked_response =
    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
const std::size_t chunked_header_size = chunked_response.find("\r\n\r\n") + 4;

exchange sample_exchange()
{
    exchange e;
    e.target_uri = "http://example.test/a";
    e.ip_address = "127.0.0.1";
    e.date = sys_days{year{2026} / 12 / 2} + 10h + 11min + 12s + 345678us;
    e.request = request_bytes;
    e.response = chunked_response;
    e.header_size = chunked_header_size;
    static const std::string payload_digest = sha1_raw("hello world");
    e.payload_digest = payload_digest;
    e.payload_length = 11;
    e.status = 200;
    e.content_type = "text/html";
    return e;
}

TEST(WarcFormat, DatesHaveMicrosecondsInUtc)
{
    EXPECT_EQ(format_date(sys_days{year{2026} / 12 / 2} + 10h + 11min + 12s + 345678us),
              "2026-12-02T10:11:12.345678Z");
    EXPECT_EQ(format_date(system_clock::time_point{}), "1970-01-01T00:00:00.000000Z");
    EXPECT_EQ(format_date(sys_days{year{2024} / 2 / 29} + 23h + 59min + 59s + 999999us), "2024-02-29T23:59:59.999999Z");
}

TEST(WarcFormat, Base32IsRfc4648WithoutPadding)
{
    // RFC 4648, section 10.
    EXPECT_EQ(base32(""), "");
    EXPECT_EQ(base32("f"), "MY");
    EXPECT_EQ(base32("fo"), "MZXQ");
    EXPECT_EQ(base32("foo"), "MZXW6");
    EXPECT_EQ(base32("foob"), "MZXW6YQ");
    EXPECT_EQ(base32("fooba"), "MZXW6YTB");
    EXPECT_EQ(base32("foobar"), "MZXW6YTBOI");
    // The SHA-1 of nothing, as every WARC tool labels it.
    EXPECT_EQ(sha1_label(sha1_raw("")), "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
}

TEST(WarcRecord, RequestAndResponseAreOneGzipMemberEachAndTiedTogether)
{
    record_builder builder(6, 1);
    std::string bytes;
    const member info = builder.append_warcinfo("x-0-00000.warc.gz", "software: crawl\r\n",
                                                system_clock::time_point{}, bytes);
    const std::size_t before = bytes.size();
    const member response_member = builder.append_exchange(sample_exchange(), nullptr, bytes);
    EXPECT_EQ(info.offset, 0u);
    EXPECT_GT(response_member.offset, before) << "the request comes first";
    EXPECT_EQ(response_member.offset + response_member.length, bytes.size());

    const parsed warcinfo = record_at(bytes, info);
    EXPECT_EQ(warcinfo.version, "WARC/1.1");
    EXPECT_EQ(warcinfo.fields.at("WARC-Type"), "warcinfo");
    EXPECT_EQ(warcinfo.fields.at("WARC-Filename"), "x-0-00000.warc.gz");
    EXPECT_EQ(warcinfo.fields.at("Content-Type"), "application/warc-fields");
    EXPECT_EQ(warcinfo.block, "software: crawl\r\n");

    const member request_member{info.length, response_member.offset - info.length};
    const parsed request = record_at(bytes, request_member);
    const parsed response = record_at(bytes, response_member);
    EXPECT_EQ(request.fields.at("WARC-Type"), "request");
    EXPECT_EQ(request.block, request_bytes);
    EXPECT_EQ(request.fields.at("Content-Type"), "application/http; msgtype=request");
    EXPECT_EQ(request.fields.at("WARC-Block-Digest"), sha1_label(sha1_raw(request_bytes)));
    EXPECT_EQ(response.fields.at("WARC-Type"), "response");
    EXPECT_EQ(response.block, chunked_response) << "the message as received, chunk framing and all";
    EXPECT_EQ(response.fields.at("Content-Type"), "application/http; msgtype=response");
    EXPECT_EQ(response.fields.at("WARC-Block-Digest"), sha1_label(sha1_raw(chunked_response)));
    EXPECT_EQ(response.fields.at("WARC-Payload-Digest"), sha1_label(sha1_raw("hello world")))
        << "the payload digest is over the body without its chunk framing";
    EXPECT_FALSE(response.fields.contains("WARC-Truncated"));
    for (const parsed* r : {&request, &response}) {
        EXPECT_EQ(r->fields.at("WARC-Target-URI"), "http://example.test/a") << "no angle brackets";
        EXPECT_EQ(r->fields.at("WARC-Date"), "2026-12-02T10:11:12.345678Z");
        EXPECT_EQ(r->fields.at("WARC-IP-Address"), "127.0.0.1");
        EXPECT_EQ(r->fields.at("WARC-Warcinfo-ID"), warcinfo.fields.at("WARC-Record-ID"));
        EXPECT_EQ(r->fields.at("Content-Length"), std::to_string(r->block.size()));
        EXPECT_TRUE(r->fields.at("WARC-Record-ID").starts_with("<urn:uuid:"));
    }
    EXPECT_EQ(request.fields.at("WARC-Concurrent-To"), response.fields.at("WARC-Record-ID"));
    EXPECT_EQ(response.fields.at("WARC-Concurrent-To"), request.fields.at("WARC-Record-ID"));
    EXPECT_NE(request.fields.at("WARC-Record-ID"), response.fields.at("WARC-Record-ID"));
}

TEST(WarcRecord, ATruncatedResponseSaysWhy)
{
    for (const auto& [why, name] : {std::pair{truncation::length, "length"}, std::pair{truncation::time, "time"},
                                   std::pair{truncation::disconnect, "disconnect"},
                                   std::pair{truncation::unspecified, "unspecified"}}) {
        record_builder builder(1, 2);
        exchange e = sample_exchange();
        e.response = std::string_view(chunked_response).substr(0, chunked_header_size + 5);
        e.truncated = why;
        std::string bytes;
        const parsed response = record_at(bytes, builder.append_exchange(e, nullptr, bytes));
        EXPECT_EQ(response.fields.at("WARC-Truncated"), name);
        EXPECT_EQ(response.block, e.response);
    }
}

TEST(WarcRecord, ARevisitKeepsTheHeaderAndRefersToTheFirstCapture)
{
    record_builder builder(6, 3);
    const original first{"http://example.test/first", sys_days{year{2026} / 1 / 2} + 3h + 4min + 5s + 6us};
    std::string bytes;
    const parsed revisit = record_at(bytes, builder.append_exchange(sample_exchange(), &first, bytes));
    EXPECT_EQ(revisit.fields.at("WARC-Type"), "revisit");
    EXPECT_EQ(revisit.fields.at("WARC-Profile"), "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest");
    EXPECT_EQ(revisit.fields.at("WARC-Refers-To-Target-URI"), "http://example.test/first");
    EXPECT_EQ(revisit.fields.at("WARC-Refers-To-Date"), "2026-01-02T03:04:05.000006Z");
    EXPECT_EQ(revisit.block, chunked_response.substr(0, chunked_header_size)) << "the header only";
    EXPECT_EQ(revisit.fields.at("WARC-Block-Digest"), sha1_label(sha1_raw(revisit.block)));
    EXPECT_EQ(revisit.fields.at("WARC-Payload-Digest"), sha1_label(sha1_raw("hello world")));
}

TEST(WarcRecord, NoUriCanBreakAHeaderLine)
{
    record_builder builder(0, 4);
    exchange e = sample_exchange();
    e.target_uri = "http://example.test/a b\r\nWARC-Type: forged\xff";
    std::string bytes;
    const parsed response = record_at(bytes, builder.append_exchange(e, nullptr, bytes));
    EXPECT_EQ(response.fields.at("WARC-Target-URI"), "http://example.test/a%20b%0D%0AWARC-Type:%20forged%FF");
    EXPECT_EQ(response.fields.at("WARC-Type"), "response");
    EXPECT_EQ(info_block({{"software", "crawl"}, {"command", "crawl 'a\nb'"}}),
              "software: crawl\r\ncommand: crawl 'a b'\r\n");
}

TEST(WarcRecord, EveryLevelGivesTheSameRecordBack)
{
    for (const bool stored : {false, true}) {
        for (int level = 0; level <= 9; ++level) {
            record_builder builder(level, 5);
            std::string bytes;
            exchange e = sample_exchange();
            e.payload_compressed = stored;
            const parsed response = record_at(bytes, builder.append_exchange(e, nullptr, bytes));
            EXPECT_EQ(response.block, chunked_response) << "level " << level << (stored ? ", body stored" : "");
        }
    }
}

TEST(WarcRecord, ABodyWithAContentCodingIsStoredAsItIs)
{
    // 256 KiB that deflate would shrink to almost nothing: stored, the member holds them all.
    const std::string body(256 * 1024, 'a');
    const std::string response = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body;
    exchange e = sample_exchange();
    e.response = response;
    e.header_size = response.size() - body.size();
    for (const bool stored : {false, true}) {
        e.payload_compressed = stored;
        record_builder builder(6, 5);
        std::string bytes;
        const member m = builder.append_exchange(e, nullptr, bytes);
        EXPECT_EQ(record_at(bytes, m).block, response);
        if (stored) {
            EXPECT_GT(m.length, body.size()) << "stored blocks";
        } else {
            EXPECT_LT(m.length, body.size() / 100) << "deflated";
        }
    }
}

// The expected keys are what warcio.js's getSurt gives for the same URLs (warcio 2.4.11), the
// reader the end-to-end suite compares crawl's index with; pywb keys its indexes the same way.
TEST(WarcIndex, SurtKeysAsPywbAndWarcioDo)
{
    EXPECT_EQ(surt("http://www.Example.com:8080/a/b?z=1&a=2&m"), "com,example:8080)/a/b?a=2&m&z=1");
    EXPECT_EQ(surt("https://example.com/"), "com,example)/");
    EXPECT_EQ(surt("http://example.com"), "com,example)/");
    EXPECT_EQ(surt("http://127.0.0.1:18080/page/1"), "1,0,0,127:18080)/page/1");
    EXPECT_EQ(surt("http://www2.example.co.uk/x?"), "uk,co,example)/x");
    EXPECT_EQ(surt("http://[::1]:8080/x?b&a"), "[::1]:8080)/x?a&b");
    EXPECT_EQ(surt("https://a.b.c.d/%7Euser/?q=%2F"), "d,c,b,a)/%7euser/?q=%2f");
    EXPECT_EQ(surt("http://www/x"), "www)/x");
    EXPECT_EQ(surt("ftp://example.com/x"), "ftp://example.com/x");
    EXPECT_EQ(surt("http://example.com/a#b"), "com,example)/a");
}

TEST(WarcIndex, LinesAreWhatPywbReads)
{
    index_entry e;
    e.url = "http://www.example.com/a?b=1";
    e.date = sys_days{year{2026} / 12 / 2} + 10h + 11min + 12s + 999999us;
    e.content_type = " text/html ; charset=utf-8";
    e.status = 200;
    e.digest = "3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ";
    e.length = 659;
    e.offset = 861;
    e.filename = "x-0-00000.warc.gz";
    EXPECT_EQ(cdxj_line(e), R"(com,example)/a?b=1 20261202101112 {"url":"http://www.example.com/a?b=1",)"
                            R"("mime":"text/html","status":"200","digest":"3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ",)"
                            R"("length":"659","offset":"861","filename":"x-0-00000.warc.gz"})");
    e.revisit = true;
    e.url = "http://example.com/a b\n";
    const std::string revisit = cdxj_line(e);
    EXPECT_TRUE(revisit.starts_with("com,example)/a%20b%0A 20261202101112 {")) << revisit;
    EXPECT_NE(revisit.find(R"("mime":"warc/revisit")"), std::string::npos) << revisit;
    EXPECT_EQ(revisit.find('\n'), std::string::npos) << "one line, whatever the URL holds";
}

} // namespace
} // namespace crawl::warc
