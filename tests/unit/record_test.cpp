#include "crawl/record/record.hpp"
#include "crawl/util/text.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace crawl::record {
namespace {

using namespace std::string_literals;

record full_record()
{
    record r;
    r.seq = 42;
    r.url = "https://example.com/a?b=1";
    r.final_url = "https://www.example.com/a?b=1";
    r.status = 200;
    r.redirects = 1;
    r.attempts = 2;
    r.content_type = "text/html";
    r.charset = "utf-8";
    r.content_encoding = "gzip";
    r.wire_bytes = 12345;
    r.body_bytes = 54321;
    r.title = "Hello \"World\" \xC3\xA9";
    r.description = "A\nB";
    r.canonical = "https://www.example.com/a";
    r.lang = "en";
    r.links_count = 2;
    r.links = {"https://a/", "https://b/?q=\\"};
    r.hash = "sha256:abc123";
    r.time_ms = {1.5, 2.25, 0, 10.125, 123.4567};
    r.worker = 3;
    r.duplicate_of = 0;
    r.warc = {"crawl/out-3-00001.warc.gz", 1234, 567};
    return r;
}

record error_record()
{
    record r;
    r.seq = 7;
    r.url = "not a url";
    r.error = error_class::invalid_url;
    r.error_message = "no scheme";
    return r;
}

std::string jsonl(const record& r, bool with_links = false)
{
    std::string out;
    append_jsonl(r, with_links, out);
    return out;
}

std::string csv(const record& r)
{
    std::string out;
    append_csv(r, out);
    return out;
}

std::string sanitized(std::string_view s)
{
    std::string out;
    text::append_utf8_sanitized(s, out);
    return out;
}

std::string json_string(std::string_view s)
{
    std::string out;
    append_json_string(s, out);
    return out;
}

TEST(RecordJson, FullRecordIsExact)
{
    const std::string expected =
        R"({"seq":42,"url":"https://example.com/a?b=1","final_url":"https://www.example.com/a?b=1",)"
        R"("status":200,"ok":true,"error":null,"redirects":1,"attempts":2,"content_type":"text/html",)"
        R"("charset":"utf-8","content_encoding":"gzip","wire_bytes":12345,"body_bytes":54321,)"
        "\"title\":\"Hello \\\"World\\\" \xC3\xA9\","
        R"("description":"A\nB","canonical":"https://www.example.com/a","lang":"en",)"
        R"("links_count":2,"hash":"sha256:abc123",)"
        R"("time_ms":{"dns":1.5,"connect":2.25,"tls":0,"ttfb":10.125,"total":123.457},"worker":3,)"
        R"("duplicate_of":null,"warc":{"file":"crawl/out-3-00001.warc.gz","offset":1234,"length":567}})"
        "\n";
    EXPECT_EQ(jsonl(full_record()), expected);
}

TEST(RecordJson, WithLinksAddsTheArrayAfterLinksCount)
{
    const std::string line = jsonl(full_record(), true);
    EXPECT_NE(line.find(R"("links_count":2,"links":["https://a/","https://b/?q=\\"],"hash":)"),
              std::string::npos)
        << line;
    record none = full_record();
    none.links.clear();
    EXPECT_NE(jsonl(none, true).find(R"("links":[],)"), std::string::npos);
    EXPECT_EQ(jsonl(full_record(), false).find("\"links\""), std::string::npos);
}

TEST(RecordJson, NullsAndErrorObject)
{
    const std::string expected =
        R"({"seq":7,"url":"not a url","final_url":null,"status":null,"ok":false,)"
        R"("error":{"class":"invalid_url","message":"no scheme"},"redirects":0,"attempts":0,)"
        R"("content_type":null,"charset":null,"content_encoding":null,"wire_bytes":0,)"
        R"("body_bytes":0,"title":null,"description":null,"canonical":null,"lang":null,)"
        R"("links_count":0,"hash":null,)"
        R"("time_ms":{"dns":null,"connect":null,"tls":null,"ttfb":null,"total":null},)"
        R"("worker":null,"duplicate_of":null,"warc":null})"
        "\n";
    EXPECT_EQ(jsonl(error_record()), expected);
}

TEST(RecordJson, DuplicateOf)
{
    record r;
    r.seq = 9;
    r.url = "http://a/";
    r.duplicate_of = 4;
    const std::string line = jsonl(r);
    EXPECT_NE(line.find(R"("worker":null,"duplicate_of":4,"warc":null})"), std::string::npos) << line;
    EXPECT_NE(csv(r).find(",,4,,,\n"), std::string::npos) << csv(r);
}

TEST(RecordJson, OkNeedsTwoHundredsAndNoError)
{
    record r = full_record();
    r.status = 299;
    EXPECT_NE(jsonl(r).find(R"("ok":true)"), std::string::npos);
    r.status = 301;
    EXPECT_NE(jsonl(r).find(R"("ok":false)"), std::string::npos);
    r.status = 200;
    r.error = error_class::body_too_large;
    r.error_message = "over 10 MB";
    const std::string line = jsonl(r);
    EXPECT_NE(line.find(R"("ok":false,"error":{"class":"body_too_large","message":"over 10 MB"})"),
              std::string::npos)
        << line;
}

TEST(RecordJson, TimingFormatting)
{
    record r = error_record();
    r.time_ms = {0.0004, 1e9, -0.0, std::numeric_limits<double>::quiet_NaN(), 0.1 + 0.2};
    EXPECT_NE(jsonl(r).find(
                  R"("time_ms":{"dns":0,"connect":1000000000,"tls":0,"ttfb":null,"total":0.3})"),
              std::string::npos)
        << jsonl(r);
    r.time_ms = {std::numeric_limits<double>::infinity(), 2.0001, 7.1, 99.999, 99.9996};
    EXPECT_NE(jsonl(r).find(
                  R"("time_ms":{"dns":null,"connect":2,"tls":7.1,"ttfb":99.999,"total":100})"),
              std::string::npos)
        << jsonl(r);
}

TEST(RecordJson, StringEscapes)
{
    EXPECT_EQ(json_string(""), R"("")");
    EXPECT_EQ(json_string("plain / text"), R"("plain / text")");
    EXPECT_EQ(json_string("\"\\"), R"("\"\\")");
    EXPECT_EQ(json_string("\b\f\n\r\t"), R"("\b\f\n\r\t")");
    EXPECT_EQ(json_string("a\0b\x01\x1f\x7f"s), "\"a\\u0000b\\u0001\\u001f\x7f\"");
    EXPECT_EQ(json_string("\xE2\x80\xA8|\xE2\x80\xA9"), R"("\u2028|\u2029")");
    EXPECT_EQ(json_string("\xE2\x80\xA7"), "\"\xE2\x80\xA7\""); // U+2027 is an ordinary character
    EXPECT_EQ(json_string("\xF0\x9F\x98\x80"), "\"\xF0\x9F\x98\x80\"");
}

TEST(RecordJson, IllFormedUtf8IsReplacedLikeTextSanitizer)
{
    const std::string inputs[] = {
        "\xFF",            "a\xC3",           "\xC0\xAF",         "\xE2\x82",
        "\xED\xA0\x80",    "\xF4\x90\x80\x80", "\xF0\x9F\x98",     "ok\x80\x80ok",
        "\xE2\x82\xAC\xE2", "\xC3\xA9\xC3",
    };
    for (const std::string& in : inputs) {
        const std::string out = json_string(in);
        EXPECT_TRUE(text::is_valid_utf8(out)) << out;
        const boost::json::value v = boost::json::parse(out);
        EXPECT_EQ(std::string_view(v.as_string()), sanitized(in)) << out;
    }
    EXPECT_EQ(json_string("\xFF"), "\"\xEF\xBF\xBD\"");
    EXPECT_EQ(json_string("\xE2\x82"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(RecordJson, HostileTitleParsesAndEqualsTheSanitizedString)
{
    record r = full_record();
    r.title = "A\0B\x01\x02\n\t\"\\\xFF\xFE</script>\xE2\x80\xA8\xC3"s;
    const std::string line = jsonl(r, true);
    ASSERT_TRUE(text::is_valid_utf8(line));
    const boost::json::value v = boost::json::parse(line);
    EXPECT_EQ(std::string_view(v.at("title").as_string()), sanitized(r.title));
}

TEST(RecordJson, EveryFieldRoundTripsInOrder)
{
    const record r = full_record();
    const std::string line = jsonl(r, true);
    ASSERT_EQ(line.back(), '\n');
    ASSERT_EQ(line.find('\n'), line.size() - 1);
    const boost::json::object o = boost::json::parse(line).as_object();

    std::vector<std::string> keys;
    for (const auto& kv : o) {
        keys.emplace_back(kv.key());
    }
    const std::vector<std::string> expected_keys = {
        "seq",   "url",         "final_url", "status",      "ok",    "error",
        "redirects", "attempts", "content_type", "charset", "content_encoding", "wire_bytes",
        "body_bytes", "title", "description", "canonical", "lang",        "links_count", "links",
        "hash",  "time_ms",     "worker", "duplicate_of", "warc"};
    EXPECT_EQ(keys, expected_keys);

    const auto str = [&](const char* k) { return std::string(o.at(k).as_string()); };
    EXPECT_EQ(o.at("seq").to_number<std::uint64_t>(), r.seq);
    EXPECT_EQ(str("url"), r.url);
    EXPECT_EQ(str("final_url"), r.final_url);
    EXPECT_EQ(o.at("status").to_number<int>(), r.status);
    EXPECT_EQ(o.at("ok").as_bool(), true);
    EXPECT_TRUE(o.at("error").is_null());
    EXPECT_EQ(o.at("redirects").to_number<int>(), r.redirects);
    EXPECT_EQ(o.at("attempts").to_number<unsigned>(), r.attempts);
    EXPECT_EQ(str("content_type"), r.content_type);
    EXPECT_EQ(str("charset"), r.charset);
    EXPECT_EQ(str("content_encoding"), r.content_encoding);
    EXPECT_EQ(o.at("wire_bytes").to_number<std::uint64_t>(), r.wire_bytes);
    EXPECT_EQ(o.at("body_bytes").to_number<std::uint64_t>(), r.body_bytes);
    EXPECT_EQ(str("title"), r.title);
    EXPECT_EQ(str("description"), r.description);
    EXPECT_EQ(str("canonical"), r.canonical);
    EXPECT_EQ(str("lang"), r.lang);
    EXPECT_EQ(o.at("links_count").to_number<std::uint64_t>(), r.links_count);
    const auto& links = o.at("links").as_array();
    ASSERT_EQ(links.size(), r.links.size());
    for (std::size_t i = 0; i < links.size(); ++i) {
        EXPECT_EQ(std::string_view(links[i].as_string()), r.links[i]);
    }
    EXPECT_EQ(str("hash"), r.hash);
    const auto& t = o.at("time_ms").as_object();
    EXPECT_DOUBLE_EQ(t.at("dns").to_number<double>(), 1.5);
    EXPECT_DOUBLE_EQ(t.at("connect").to_number<double>(), 2.25);
    EXPECT_DOUBLE_EQ(t.at("tls").to_number<double>(), 0);
    EXPECT_DOUBLE_EQ(t.at("ttfb").to_number<double>(), 10.125);
    EXPECT_DOUBLE_EQ(t.at("total").to_number<double>(), 123.457);
    EXPECT_EQ(o.at("worker").to_number<int>(), r.worker);
    EXPECT_TRUE(o.at("duplicate_of").is_null());
    const auto& w = o.at("warc").as_object();
    EXPECT_EQ(std::string_view(w.at("file").as_string()), r.warc.file);
    EXPECT_EQ(w.at("offset").to_number<std::uint64_t>(), r.warc.offset);
    EXPECT_EQ(w.at("length").to_number<std::uint64_t>(), r.warc.length);

    const boost::json::object e = boost::json::parse(jsonl(error_record())).as_object();
    EXPECT_EQ(std::string_view(e.at("error").at("class").as_string()), "invalid_url");
    EXPECT_EQ(std::string_view(e.at("error").at("message").as_string()), "no scheme");
}

TEST(RecordJson, LargeNumbers)
{
    record r = full_record();
    r.seq = std::numeric_limits<std::uint64_t>::max();
    r.wire_bytes = std::numeric_limits<std::uint64_t>::max();
    r.status = 599;
    r.redirects = -1;
    const boost::json::object o = boost::json::parse(jsonl(r)).as_object();
    EXPECT_EQ(o.at("seq").to_number<std::uint64_t>(), r.seq);
    EXPECT_EQ(o.at("wire_bytes").to_number<std::uint64_t>(), r.wire_bytes);
    EXPECT_EQ(o.at("redirects").to_number<int>(), -1);
}

const std::string csv_header_text =
    "seq,url,final_url,status,ok,error_class,error_message,redirects,attempts,content_type,charset,"
    "content_encoding,wire_bytes,body_bytes,title,description,canonical,lang,links_count,hash,"
    "time_dns_ms,time_connect_ms,time_tls_ms,time_ttfb_ms,time_total_ms,worker,duplicate_of,warc_file,"
    "warc_offset,warc_length\n";

TEST(RecordCsv, Header)
{
    std::string out;
    append_csv_header(false, out);
    EXPECT_EQ(out, csv_header_text);
}

TEST(RecordCsv, QuotingAndLineBreaks)
{
    record r;
    r.seq = 5;
    r.url = "https://e.com/a,b";
    r.final_url = "https://e.com/a,b";
    r.status = 404;
    r.error = error_class::http_status;
    r.error_message = "HTTP 404";
    r.content_type = "text/html; charset=\"utf-8\"";
    r.charset = "utf-8";
    r.wire_bytes = 100;
    r.body_bytes = 50;
    r.title = "Say \"hi\"\r\nnow";
    r.description = "line1\nline2";
    r.links_count = 3;
    r.links = {"not,in,csv"};
    r.time_ms = {0.5, -1, -1, 3, 4.25};
    r.worker = 0;
    r.attempts = 3;
    const std::string expected =
        "5,\"https://e.com/a,b\",\"https://e.com/a,b\",404,false,http_status,HTTP 404,0,3,"
        "\"text/html; charset=\"\"utf-8\"\"\",utf-8,,100,50,\"Say \"\"hi\"\"  now\","
        "\"line1 line2\",,,3,,0.5,,,3,4.25,0,,,,\n";
    EXPECT_EQ(csv(r), expected);
}

TEST(RecordCsv, NullsAreEmptyFields)
{
    const std::string expected = "7,not a url,,,false,invalid_url,no scheme,0,0"
                                 ",,,"       // content_type, charset, content_encoding
                                 ",0,0"      // wire_bytes, body_bytes
                                 ",,,,"      // title, description, canonical, lang
                                 ",0"        // links_count
                                 ",,,,,,,,"  // hash, five timings, worker, duplicate_of
                                 ",,,\n";    // warc_file, warc_offset, warc_length
    EXPECT_EQ(csv(error_record()), expected);
}

TEST(RecordCsv, FullRecordRow)
{
    const std::string expected =
        "42,https://example.com/a?b=1,https://www.example.com/a?b=1,200,true,,,1,2,text/html,"
        "utf-8,gzip,12345,54321,\"Hello \"\"World\"\" \xC3\xA9\",\"A B\","
        "https://www.example.com/a,en,2,sha256:abc123,1.5,2.25,0,10.125,123.457,3,,"
        "crawl/out-3-00001.warc.gz,1234,567\n";
    EXPECT_EQ(csv(full_record()), expected);
}

TEST(RecordCsv, DispatchByFormat)
{
    std::string a;
    append(full_record(), format::csv, true, a);
    EXPECT_EQ(a, csv(full_record()));
    std::string b;
    append(full_record(), format::jsonl, true, b);
    EXPECT_EQ(b, jsonl(full_record(), true));
    std::string c;
    append(full_record(), format::jsonl, false, c);
    EXPECT_EQ(c, jsonl(full_record(), false));
}

// Random strings biased towards what breaks serializers: controls, quotes, commas,
// backslashes, CR/LF, stray continuation bytes, cut sequences, U+2028 and valid text.
std::string random_bytes(std::mt19937_64& rng)
{
    static const std::string pieces[] = {
        "\"",  "\\", ",", "\r", "\n", "\0"s, "\x1f", "\x7f", "\xE2\x80\xA8", "\xE2\x80\xA9",
        "\xC3\xA9", "\xE6\x97\xA5", "\xF0\x9F\x98\x80", "\xED\xA0\x80", "\xC0\x80", "\xF8",
        "a",   "<",  "/",
    };
    std::string s;
    const std::size_t n = rng() % 40;
    for (std::size_t i = 0; i < n; ++i) {
        if (rng() % 2 == 0) {
            s += static_cast<char>(rng() % 256);
        } else {
            s += pieces[rng() % std::size(pieces)];
        }
    }
    return s;
}

TEST(RecordFuzz, RandomBytesAlwaysGiveValidUtf8AndJson)
{
    std::mt19937_64 rng(20240601);
    for (int iteration = 0; iteration < 2000; ++iteration) {
        record r;
        r.seq = rng();
        r.url = random_bytes(rng);
        r.final_url = random_bytes(rng);
        r.status = static_cast<int>(rng() % 600);
        r.error = static_cast<error_class>(rng() % error_class_count);
        r.error_message = random_bytes(rng);
        r.content_type = random_bytes(rng);
        r.charset = random_bytes(rng);
        r.content_encoding = random_bytes(rng);
        r.title = random_bytes(rng);
        r.description = random_bytes(rng);
        r.canonical = random_bytes(rng);
        r.lang = random_bytes(rng);
        r.hash = random_bytes(rng);
        for (std::size_t i = rng() % 4; i > 0; --i) {
            r.links.push_back(random_bytes(rng));
        }
        r.links_count = r.links.size();
        r.time_ms.total = static_cast<double>(rng() % 100000) / 7.0 - 1000.0;
        r.worker = static_cast<int>(rng() % 5) - 1;

        const std::string line = jsonl(r, true);
        ASSERT_TRUE(text::is_valid_utf8(line)) << "iteration " << iteration;
        ASSERT_EQ(line.find('\n'), line.size() - 1);
        ASSERT_EQ(line.find("\xE2\x80\xA8"), std::string::npos);
        boost::system::error_code ec;
        const boost::json::value v = boost::json::parse(line, ec);
        ASSERT_FALSE(ec) << "iteration " << iteration << ": " << line;
        EXPECT_EQ(std::string_view(v.at("url").as_string()), sanitized(r.url));
        if (!r.title.empty()) {
            EXPECT_EQ(std::string_view(v.at("title").as_string()), sanitized(r.title));
        }
        ASSERT_EQ(v.at("links").as_array().size(), r.links.size());

        const std::string row = csv(r);
        ASSERT_TRUE(text::is_valid_utf8(row)) << "iteration " << iteration;
        ASSERT_EQ(row.find('\n'), row.size() - 1);
        ASSERT_EQ(row.find('\r'), std::string::npos);
    }
}

} // namespace
} // namespace crawl::record
