#include "crawl/wire/frame.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace crawl::wire {
namespace {

using namespace std::string_literals;

// Builds a byte string from small integers so the expected layouts read like a hex dump.
std::string bytes(std::initializer_list<int> values)
{
    std::string out;
    for (const int v : values) {
        out.push_back(static_cast<char>(v));
    }
    return out;
}

result sample_result()
{
    result r;
    r.seq = 0x0102030405060708ULL;
    r.error = error_class::timeout;
    r.http_status = 503;
    r.wire_bytes = 123456789012ULL;
    r.body_bytes = 42;
    r.retry_after_ms = 1500;
    r.line = "{\"seq\":1}\n";
    return r;
}

url::target sample_target()
{
    return {.href = "https://a.example:8443/p?q", .scheme = "https", .host = "a.example", .port = 8443,
            .request_target = "/p?q"};
}

job sample_job()
{
    return job{0x0102030405060708ULL, 2, "https://A.example:8443/p?q#f", sample_target(), 0, {}};
}

robots_result sample_robots_result()
{
    robots_result r;
    r.id = (1ULL << 63) | 9;
    r.error = error_class::none;
    r.http_status = 200;
    r.wire_bytes = 300;
    r.verdict = robots_verdict::rules;
    r.crawl_delay_ms = 2500;
    r.message = "HTTP 200";
    r.rules.push_back(rule_data{false, "/private"});
    r.rules.push_back(rule_data{true, "/private/ok*$"});
    r.sitemaps = {"http://a.example/sitemap.xml", "http://cdn.example/s.xml.gz"};
    return r;
}

// A frame as the reader hands it out, copied so it outlives the reader's buffer.
struct owned_frame {
    frame_type type;
    std::string payload;
    bool operator==(const owned_frame&) const = default;
};

// Feeds `stream` to a fresh reader in pieces whose sizes come from `next_size` and
// collects every frame.
template <typename NextSize>
std::vector<owned_frame> read_all(std::string_view stream, NextSize next_size)
{
    frame_reader reader;
    std::vector<owned_frame> frames;
    while (!stream.empty()) {
        const std::size_t n = std::min(next_size(), stream.size());
        auto space = reader.prepare(n);
        EXPECT_GE(space.size(), n);
        std::memcpy(space.data(), stream.data(), n);
        reader.commit(n);
        stream.remove_prefix(n);
        for (auto next = reader.next(); const auto* f = std::get_if<frame_view>(&next); next = reader.next()) {
            frames.push_back({f->type, std::string(f->payload)});
        }
    }
    EXPECT_EQ(reader.pending(), 0u);
    return frames;
}

// A stream holding every frame type, with a mix of empty and long strings.
std::string mixed_stream(std::vector<owned_frame>& expected)
{
    std::string stream;
    std::mt19937_64 rng(7);
    for (int i = 0; i < 200; ++i) {
        std::string one;
        switch (i % 6) {
        case 0:
            append_frame(hello{protocol_version, static_cast<std::uint32_t>(i), 4242}, one);
            break;
        case 1: {
            job j = sample_job();
            j.seq = static_cast<std::uint64_t>(i);
            j.url.assign(rng() % 300, 'u');
            j.target.request_target.assign(rng() % 300, '/');
            append_frame(j, one);
            break;
        }
        case 3:
            append_frame(robots_job{static_cast<std::uint64_t>(i), "http", "h", 1}, one);
            break;
        case 4: {
            robots_result r = sample_robots_result();
            r.rules.resize(rng() % 50, rule_data{true, "/x"});
            append_frame(r, one);
            break;
        }
        case 2: {
            result r = sample_result();
            r.seq = static_cast<std::uint64_t>(i);
            r.line.assign(rng() % 5000, 'x');
            append_frame(r, one);
            break;
        }
        default:
            append_shutdown_frame(one);
            break;
        }
        expected.push_back({static_cast<frame_type>(one[4]), one.substr(header_size)});
        stream += one;
    }
    return stream;
}

TEST(WireFrame, HelloLayoutIsByteExact)
{
    std::string out;
    append_frame(hello{1, 3, 0x01020304}, out);
    EXPECT_EQ(out, bytes({12, 0, 0, 0, 1,            // length 12, type hello
                          1, 0, 0, 0,                // version
                          3, 0, 0, 0,                // worker id
                          0x04, 0x03, 0x02, 0x01})); // pid
}

TEST(WireFrame, JobLayoutIsByteExact)
{
    const url::target t{.href = "http://a/b", .scheme = "http", .host = "a", .port = 80, .request_target = "/b"};
    std::string out;
    append_frame(job{0x1122, 3, "HTTP://A/b", t, report_sends | ask_turns, {recursive | discovered, 2, "F"},
                     0x0102030405060708LL},
                 out);
    EXPECT_EQ(out, bytes({73, 0, 0, 0, 2,                  // length 73, type job
                          0x22, 0x11, 0, 0, 0, 0, 0, 0,    // seq
                          3, 0, 0, 0,                      // attempt
                          10, 0, 0, 0}) + "HTTP://A/b" +   // the input line
                       bytes({10, 0, 0, 0}) + "http://a/b" + // href
                       bytes({0,                           // scheme http
                              1, 0, 0, 0}) + "a" +         // host
                       bytes({80, 0,                       // port
                              2, 0, 0, 0}) + "/b" +        // request target
                       bytes({3,                           // pacing: report sends, ask turns
                              3,                           // crawl flags: recursive, discovered
                              2, 0, 0, 0,                  // depth
                              1, 0, 0, 0}) + "F" +         // found_on
                       bytes({8, 7, 6, 5, 4, 3, 2, 1}));   // send by (steady clock ns)
}

TEST(WireFrame, ResultLayoutIsByteExact)
{
    std::string out;
    result r;
    r.seq = 5;
    r.error = error_class::dns;
    r.http_status = 0x01F4; // 500
    r.wire_bytes = 0x0102030405ULL;
    r.body_bytes = 7;
    r.retry_after_ms = 0x0A0B0C0D;
    r.line = "L\n";
    r.redirect = true;
    r.follow = {"http://b/"};
    append_frame(r, out);
    const std::string expected = bytes({55, 0, 0, 0, 3,                // header
                                        5, 0, 0, 0, 0, 0, 0, 0,        // seq
                                        3,                             // error class dns
                                        0xF4, 0x01,                    // status
                                        5, 4, 3, 2, 1, 0, 0, 0,        // wire bytes
                                        7, 0, 0, 0, 0, 0, 0, 0,        // body bytes
                                        0x0D, 0x0C, 0x0B, 0x0A,        // Retry-After ms
                                        2, 0, 0, 0}) + "L\n" +          // line
                                 bytes({2,                             // flags: redirect
                                        1, 0, 0, 0,                    // one link
                                        9, 0, 0, 0}) + "http://b/";    // the redirect's target
    EXPECT_EQ(out, expected);
}

TEST(WireFrame, RobotsJobLayoutIsByteExact)
{
    std::string out;
    append_frame(robots_job{0x8000000000000001ULL, "https", "::1", 0x1F90, report_sends, 9}, out);
    EXPECT_EQ(out, bytes({27, 0, 0, 0, 5,                  // length 27, type robots_job
                          1, 0, 0, 0, 0, 0, 0, 0x80,       // id
                          1,                               // scheme https
                          3, 0, 0, 0, ':', ':', '1',       // host
                          0x90, 0x1F,                      // port 8080
                          1,                               // pacing: report sends
                          9, 0, 0, 0, 0, 0, 0, 0}));       // send by: none is 0
}

TEST(WireFrame, UnsentLayoutIsByteExactAndRoundTrips)
{
    std::string out;
    append_frame(unsent{0x8000000000000002ULL}, out);
    EXPECT_EQ(out, bytes({8, 0, 0, 0, 12,                  // length 8, type unsent
                          2, 0, 0, 0, 0, 0, 0, 0x80}));    // the job's id
    const auto back = decode_unsent(std::string_view(out).substr(header_size));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->id, 0x8000000000000002ULL);
    EXPECT_FALSE(decode_unsent(std::string_view(out).substr(header_size, 7)));
    EXPECT_FALSE(decode_unsent(out.substr(header_size) + "x"));
}

TEST(WireFrame, PacingFramesAreByteExactAndRoundTrip)
{
    std::string out;
    append_frame(turn{7, "https", "a:443"}, out);
    append_frame(go{7, true}, out);
    append_frame(sent{7, -2}, out);
    EXPECT_EQ(out, bytes({18, 0, 0, 0, 9,                  // length 18, type turn
                          7, 0, 0, 0, 0, 0, 0, 0,          // job id
                          1,                               // scheme https
                          5, 0, 0, 0}) + "a:443" +         // host:port
                       bytes({9, 0, 0, 0, 10,              // length 9, type go
                              7, 0, 0, 0, 0, 0, 0, 0,      // job id
                              1,                           // report sends
                              16, 0, 0, 0, 11,             // length 16, type sent
                              7, 0, 0, 0, 0, 0, 0, 0,      // job id
                              0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})); // at: -2 ns
    frame_reader reader;
    const auto span = reader.prepare(out.size());
    std::copy(out.begin(), out.end(), span.begin());
    reader.commit(out.size());
    const auto t = decode_turn(std::get<frame_view>(reader.next()).payload);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->id, 7u);
    EXPECT_EQ(t->scheme, "https");
    EXPECT_EQ(t->host_port, "a:443");
    const auto g = decode_go(std::get<frame_view>(reader.next()).payload);
    ASSERT_TRUE(g);
    EXPECT_TRUE(g->report_sends);
    const auto s = decode_sent(std::get<frame_view>(reader.next()).payload);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->at_ns, -2);
    // Damage: an empty host, an unknown flag, a short payload, unknown pacing bits in a job.
    std::string bad;
    append_frame(turn{7, "http", ""}, bad);
    EXPECT_FALSE(decode_turn(std::string_view(bad).substr(header_size)));
    EXPECT_FALSE(decode_go(bytes({7, 0, 0, 0, 0, 0, 0, 0, 2})));
    EXPECT_FALSE(decode_sent(bytes({7, 0, 0, 0})));
    std::string job_frame;
    append_frame(job{1, 1, "u", {}, 4, {}}, job_frame);
    EXPECT_FALSE(decode_job(std::string_view(job_frame).substr(header_size))) << "pacing bit 4 means nothing";
}

TEST(WireFrame, RecursiveCrawlFieldsRoundTripAndRejectDamage)
{
    job sent = sample_job();
    sent.crawl = {recursive | discovered | outward_only, 7, "http://found.example/on"};
    std::string out;
    append_frame(sent, out);
    const auto j = decode_job(std::string_view(out).substr(header_size));
    ASSERT_TRUE(j);
    EXPECT_EQ(j->crawl.flags, recursive | discovered | outward_only);
    EXPECT_EQ(j->crawl.depth, 7u);
    EXPECT_EQ(j->crawl.found_on, "http://found.example/on");
    std::string bad_flags;
    append_frame(job{1, 1, "u", {}, 0, {16, 0, {}}}, bad_flags);
    EXPECT_FALSE(decode_job(std::string_view(bad_flags).substr(header_size))) << "crawl flag 16 means nothing";

    result r = sample_result();
    r.inward = true;
    r.follow = {"http://a/1", "", std::string("http://a/\0b", 11)};
    std::string frame;
    append_frame(r, frame);
    const auto payload = std::string_view(frame).substr(header_size);
    const auto v = decode_result(payload);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->inward);
    EXPECT_FALSE(v->redirect);
    ASSERT_EQ(v->follow.size(), 3u);
    EXPECT_EQ(v->follow[0], "http://a/1");
    EXPECT_EQ(v->follow[2], std::string_view("http://a/\0b", 11));
    for (std::size_t cut = 0; cut < payload.size(); ++cut) {
        EXPECT_FALSE(decode_result(payload.substr(0, cut))) << "cut at " << cut;
    }
    // A link count the payload cannot hold is refused before anything is sized by it.
    const std::size_t links_bytes = (4 + 10) + (4 + 0) + (4 + 11);
    const std::size_t count_at = payload.size() - links_bytes - 4;
    std::string lying(payload.substr(0, count_at));
    lying += bytes({0xFF, 0xFF, 0xFF, 0x7F});
    EXPECT_FALSE(decode_result(lying));
    std::string bad_bits(payload);
    bad_bits[count_at - 1] = 8;
    EXPECT_FALSE(decode_result(bad_bits)) << "result flag 8 means nothing";
    bad_bits[count_at - 1] = 4;
    EXPECT_TRUE(decode_result(bad_bits)->sitemap_index) << "flag 4: a sitemap index";
}

TEST(WireFrame, RobotsResultLayoutIsByteExact)
{
    robots_result r;
    r.id = 2;
    r.error = error_class::connect;
    r.http_status = 0;
    r.wire_bytes = 0x10;
    r.retry_after_ms = no_millis;
    r.verdict = robots_verdict::disallow_all;
    r.crawl_delay_ms = 0x01020304;
    r.message = "m";
    r.rules.push_back(rule_data{true, "/a"});
    r.sitemaps.push_back("S");
    std::string out;
    append_frame(r, out);
    const std::string expected = bytes({53, 0, 0, 0, 6,                  // header
                                        2, 0, 0, 0, 0, 0, 0, 0,          // id
                                        4,                               // error class connect
                                        0, 0,                            // status
                                        0x10, 0, 0, 0, 0, 0, 0, 0,       // wire bytes
                                        0xFF, 0xFF, 0xFF, 0xFF,          // no Retry-After
                                        2,                               // verdict disallow_all
                                        4, 3, 2, 1,                      // Crawl-delay ms
                                        1, 0, 0, 0, 'm',                 // message
                                        1, 0, 0, 0,                      // rule count
                                        1, 2, 0, 0, 0, '/', 'a',         // allow, pattern
                                        1, 0, 0, 0,                      // sitemap count
                                        1, 0, 0, 0, 'S'});               // its URL
    EXPECT_EQ(out, expected);
}

TEST(WireFrame, RobotsFramesRoundTripAndRejectDamage)
{
    std::string out;
    append_frame(sample_robots_result(), out);
    const std::string payload = out.substr(header_size);
    const auto back = decode_robots_result(payload);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->id, sample_robots_result().id);
    EXPECT_EQ(back->sitemaps, sample_robots_result().sitemaps);
    EXPECT_EQ(back->crawl_delay_ms, 2500u);
    EXPECT_EQ(back->verdict, robots_verdict::rules);
    EXPECT_EQ(back->message, "HTTP 200");
    ASSERT_EQ(back->rules.size(), 2u);
    EXPECT_FALSE(back->rules[0].allow);
    EXPECT_EQ(back->rules[1].pattern, "/private/ok*$");
    for (std::size_t cut = 0; cut < payload.size(); ++cut) {
        EXPECT_FALSE(decode_robots_result(payload.substr(0, cut))) << "cut at " << cut;
    }
    EXPECT_FALSE(decode_robots_result(payload + '\0'));
    std::string bad = payload;
    bad[8] = static_cast<char>(error_class_count); // error class
    EXPECT_FALSE(decode_robots_result(bad));
    bad = payload;
    bad[23] = 3; // verdict
    EXPECT_FALSE(decode_robots_result(bad));
    bad = payload;
    bad[43] = '\x7f'; // rule count (its top byte) far beyond the payload
    EXPECT_FALSE(decode_robots_result(bad));

    std::string job_out;
    append_frame(robots_job{7, "https", "h", 443}, job_out);
    const std::string job_payload = job_out.substr(header_size);
    const auto job_back = decode_robots_job(job_payload);
    ASSERT_TRUE(job_back);
    EXPECT_EQ(job_back->id, 7u);
    EXPECT_EQ(job_back->scheme, "https");
    EXPECT_EQ(job_back->host, "h");
    EXPECT_EQ(job_back->port, 443);
    for (std::size_t cut = 0; cut < job_payload.size(); ++cut) {
        EXPECT_FALSE(decode_robots_job(job_payload.substr(0, cut))) << "cut at " << cut;
    }
    EXPECT_FALSE(decode_robots_job(job_payload + '\0'));
    bad = job_payload;
    bad[8] = 2; // scheme: neither http (0) nor https (1)
    EXPECT_FALSE(decode_robots_job(bad));
}

TEST(WireFrame, FailedLayoutIsByteExactAndRejectsDamage)
{
    std::string out;
    append_frame(worker_failed{failure_cause::archive, "disk"}, out);
    EXPECT_EQ(out, bytes({9, 0, 0, 0, 8,               // length 9, type failed
                          1,                           // cause: the archive
                          4, 0, 0, 0, 'd', 'i', 's', 'k'})); // message
    const std::string payload = out.substr(header_size);
    const auto back = decode_worker_failed(payload);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->cause, failure_cause::archive);
    EXPECT_EQ(back->message, "disk");
    for (std::size_t cut = 0; cut < payload.size(); ++cut) {
        EXPECT_FALSE(decode_worker_failed(payload.substr(0, cut))) << "cut at " << cut;
    }
    EXPECT_FALSE(decode_worker_failed(payload + '\0'));
    for (const char cause : {'\0', '\2'}) {
        std::string bad = payload;
        bad[0] = cause;
        EXPECT_FALSE(decode_worker_failed(bad)) << "cause " << int{cause};
    }
}

TEST(WireFrame, DrainLayoutIsByteExact)
{
    std::string out;
    append_drain_frame(out);
    EXPECT_EQ(out, bytes({0, 0, 0, 0, 7}));
}

TEST(WireFrame, ShutdownLayoutIsByteExact)
{
    std::string out = "prefix";
    append_shutdown_frame(out);
    EXPECT_EQ(out, "prefix"s + bytes({0, 0, 0, 0, 4}));
}

TEST(WireFrame, HelloRoundTrips)
{
    std::string out;
    append_frame(hello{protocol_version, 0xFFFFFFFFu, 77}, out);
    const auto h = decode_hello(std::string_view(out).substr(header_size));
    ASSERT_TRUE(h);
    EXPECT_EQ(h->version, protocol_version);
    EXPECT_EQ(h->worker_id, 0xFFFFFFFFu);
    EXPECT_EQ(h->pid, 77u);
}

TEST(WireFrame, JobRoundTripsIncludingBinaryAndEmptyStrings)
{
    for (const std::string& text : {""s, "https://example.com/a?b=c"s, "\0\xff\n"s}) {
        job sent = sample_job();
        sent.seq = 0xFFFFFFFFFFFFFFFFULL;
        sent.url = text;
        sent.target.href = text;
        sent.target.host = text;
        sent.target.request_target = text;
        std::string out;
        append_frame(sent, out);
        const auto j = decode_job(std::string_view(out).substr(header_size));
        ASSERT_TRUE(j);
        EXPECT_EQ(j->seq, 0xFFFFFFFFFFFFFFFFULL);
        EXPECT_EQ(j->attempt, 2u);
        EXPECT_EQ(j->url, text);
        EXPECT_EQ(j->target.href, text);
        EXPECT_EQ(j->target.scheme, "https");
        EXPECT_EQ(j->target.host, text);
        EXPECT_EQ(j->target.port, 8443);
        EXPECT_EQ(j->target.request_target, text);
    }
    job plain = sample_job();
    plain.target.scheme = "http";
    std::string out;
    append_frame(plain, out);
    const auto j = decode_job(std::string_view(out).substr(header_size));
    ASSERT_TRUE(j);
    EXPECT_EQ(j->target.scheme, "http");
    EXPECT_FALSE(j->target.tls());
}

TEST(WireFrame, ResultRoundTripsEveryErrorClass)
{
    for (std::size_t c = 0; c < error_class_count; ++c) {
        result r = sample_result();
        r.error = static_cast<error_class>(c);
        std::string out;
        append_frame(r, out);
        const auto v = decode_result(std::string_view(out).substr(header_size));
        ASSERT_TRUE(v);
        EXPECT_EQ(v->seq, r.seq);
        EXPECT_EQ(v->error, r.error);
        EXPECT_EQ(v->http_status, r.http_status);
        EXPECT_EQ(v->wire_bytes, r.wire_bytes);
        EXPECT_EQ(v->body_bytes, r.body_bytes);
        EXPECT_EQ(v->retry_after_ms, r.retry_after_ms);
        EXPECT_EQ(v->line, r.line);
    }
}

TEST(WireFrame, MalformedPayloadsAreRejected)
{
    EXPECT_FALSE(decode_hello(""));
    EXPECT_FALSE(decode_hello(std::string(11, '\0')));
    EXPECT_FALSE(decode_hello(std::string(13, '\0'))); // trailing byte
    EXPECT_TRUE(decode_hello(std::string(12, '\0')));

    std::string job_payload;
    append_frame(job{1, 1, "abc", sample_target(), 0, {}}, job_payload);
    job_payload.erase(0, header_size);
    EXPECT_TRUE(decode_job(job_payload));
    for (std::size_t cut = 0; cut < job_payload.size(); ++cut) {
        EXPECT_FALSE(decode_job(job_payload.substr(0, cut))) << "cut at " << cut;
    }
    EXPECT_FALSE(decode_job(job_payload + "x")); // trailing
    std::string huge_length = job_payload;
    huge_length[12] = '\xff';
    huge_length[15] = '\xff'; // string length far past the end
    EXPECT_FALSE(decode_job(huge_length));
    std::string bad_scheme = job_payload;
    const std::size_t scheme_at = 8 + 4 + 4 + 3 + 4 + sample_target().href.size();
    ASSERT_EQ(bad_scheme[scheme_at], 1); // https
    bad_scheme[scheme_at] = 2;
    EXPECT_FALSE(decode_job(bad_scheme));

    std::string result_payload;
    append_frame(sample_result(), result_payload);
    result_payload.erase(0, header_size);
    EXPECT_TRUE(decode_result(result_payload));
    for (std::size_t cut = 0; cut < result_payload.size(); ++cut) {
        EXPECT_FALSE(decode_result(result_payload.substr(0, cut))) << "cut at " << cut;
    }
    EXPECT_FALSE(decode_result(result_payload + '\0'));
    std::string bad_class = result_payload;
    bad_class[8] = static_cast<char>(error_class_count);
    EXPECT_FALSE(decode_result(bad_class));
    bad_class[8] = static_cast<char>(error_class_count - 1);
    EXPECT_TRUE(decode_result(bad_class));
}

TEST(WireFrameReader, ManyFramesInOneBuffer)
{
    std::vector<owned_frame> expected;
    const std::string stream = mixed_stream(expected);
    const auto frames = read_all(stream, [&] { return stream.size(); });
    EXPECT_EQ(frames, expected);
}

TEST(WireFrameReader, ByteByByteYieldsTheSameFrames)
{
    std::vector<owned_frame> expected;
    const std::string stream = mixed_stream(expected);
    const auto frames = read_all(stream, [] { return std::size_t{1}; });
    EXPECT_EQ(frames, expected);
}

TEST(WireFrameReader, RandomSplitsYieldTheSameFrames)
{
    std::vector<owned_frame> expected;
    const std::string stream = mixed_stream(expected);
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        std::mt19937_64 rng(seed);
        const auto frames = read_all(stream, [&] { return std::size_t{1} + rng() % 9000; });
        EXPECT_EQ(frames, expected) << "seed " << seed;
    }
}

TEST(WireFrameReader, DecodesPayloadsItReturns)
{
    std::string stream;
    append_frame(hello{protocol_version, 2, 99}, stream);
    append_frame(sample_result(), stream);
    frame_reader reader;
    auto space = reader.prepare(stream.size());
    std::memcpy(space.data(), stream.data(), stream.size());
    reader.commit(stream.size());

    auto next = reader.next();
    const auto* f = std::get_if<frame_view>(&next);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->type, frame_type::hello);
    EXPECT_EQ(decode_hello(f->payload)->worker_id, 2u);
    next = reader.next();
    f = std::get_if<frame_view>(&next);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->type, frame_type::result);
    EXPECT_EQ(decode_result(f->payload)->line, sample_result().line);
    EXPECT_TRUE(std::holds_alternative<need_more>(reader.next()));
    EXPECT_EQ(reader.pending(), 0u);
}

TEST(WireFrameReader, PartialFrameIsPending)
{
    std::string stream;
    append_frame(sample_job(), stream);
    frame_reader reader;
    auto space = reader.prepare(stream.size() - 1);
    ASSERT_GE(space.size(), stream.size() - 1);
    std::memcpy(space.data(), stream.data(), stream.size() - 1);
    reader.commit(stream.size() - 1);
    EXPECT_TRUE(std::holds_alternative<need_more>(reader.next()));
    EXPECT_EQ(reader.pending(), stream.size() - 1);
}

void feed(frame_reader& reader, std::string_view bytes)
{
    auto space = reader.prepare(bytes.size());
    std::memcpy(space.data(), bytes.data(), bytes.size());
    reader.commit(bytes.size());
}

// The message of the protocol error next() returns; empty when it returns none.
std::string protocol_error_of(frame_reader& reader)
{
    auto next = reader.next();
    const auto* broken = std::get_if<protocol_error>(&next);
    return broken != nullptr ? broken->message : std::string();
}

TEST(WireFrameReader, OversizeLengthIsAnErrorBeforeThePayloadArrives)
{
    frame_reader reader;
    const std::uint32_t too_long = max_payload + 1;
    feed(reader, bytes({static_cast<int>(too_long & 0xff), static_cast<int>((too_long >> 8) & 0xff),
                        static_cast<int>((too_long >> 16) & 0xff), static_cast<int>(too_long >> 24),
                        3}));
    EXPECT_EQ(protocol_error_of(reader), "frame payload length 67108865 exceeds the maximum 67108864");
    EXPECT_EQ(protocol_error_of(reader), "frame payload length 67108865 exceeds the maximum 67108864")
        << "the stream stays broken";

    frame_reader huge;
    feed(huge, bytes({0xff, 0xff, 0xff, 0xff, 3}));
    EXPECT_EQ(protocol_error_of(huge), "frame payload length 4294967295 exceeds the maximum 67108864");
}

TEST(WireFrameReader, MaxPayloadLengthIsAcceptedAndWaitsForData)
{
    frame_reader reader;
    feed(reader, bytes({0, 0, 0, 4, 3})); // exactly 64 MiB
    EXPECT_TRUE(std::holds_alternative<need_more>(reader.next()));
}

TEST(WireFrameReader, UnknownTypeIsAnError)
{
    for (const int type : {0, 13, 0xff}) {
        frame_reader reader;
        feed(reader, bytes({0, 0, 0, 0, type}));
        EXPECT_EQ(protocol_error_of(reader), "unknown frame type " + std::to_string(type));
    }
    // The frames before the bad header still come out.
    frame_reader reader;
    std::string stream;
    append_drain_frame(stream);
    feed(reader, stream + bytes({0, 0, 0, 0, 13}));
    auto first = reader.next();
    ASSERT_TRUE(std::holds_alternative<frame_view>(first));
    EXPECT_EQ(std::get<frame_view>(first).type, frame_type::drain);
    EXPECT_EQ(protocol_error_of(reader), "unknown frame type 13");
}

TEST(WireFrameReader, BufferStaysSmallForASteadyStream)
{
    // A long stream of small frames read in 4 KiB pieces must not grow the buffer: the
    // consumed prefix is reused.
    std::string one;
    append_frame(job{1, 1, std::string(100, 'a'), url::target{}, 0, {}}, one);
    frame_reader reader;
    std::size_t frames = 0;
    std::size_t max_space = 0;
    std::string stream;
    for (int i = 0; i < 2000; ++i) {
        stream += one;
    }
    std::string_view rest = stream;
    while (!rest.empty()) {
        auto space = reader.prepare(4096);
        max_space = std::max(max_space, space.size());
        const std::size_t n = std::min(rest.size(), std::size_t{4096});
        std::memcpy(space.data(), rest.data(), n);
        reader.commit(n);
        rest.remove_prefix(n);
        while (std::holds_alternative<frame_view>(reader.next())) {
            ++frames;
        }
    }
    EXPECT_EQ(frames, 2000u);
    EXPECT_LE(max_space, 3u * 4096u);
}

TEST(WireFrame, WriterRefusesOversizePayload)
{
    result r;
    r.line.assign(max_payload, 'x');
    std::string out;
    EXPECT_THROW(append_frame(r, out), std::length_error);
}

} // namespace
} // namespace crawl::wire
