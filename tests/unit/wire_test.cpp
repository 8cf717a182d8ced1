#include "crawl/wire/frame.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
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
    r.line = "{\"seq\":1}\n";
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
        while (auto f = reader.next()) {
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
        switch (i % 4) {
        case 0:
            append_frame(hello{protocol_version, static_cast<std::uint32_t>(i), 4242}, one);
            break;
        case 1:
            append_frame(job{static_cast<std::uint64_t>(i), std::string(rng() % 300, 'u')}, one);
            break;
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
    std::string out;
    append_frame(job{0x1122, "http://a/"}, out);
    EXPECT_EQ(out, bytes({21, 0, 0, 0, 2, 0x22, 0x11, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0}) + "http://a/");
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
    r.line = "L\n";
    append_frame(r, out);
    const std::string expected = bytes({33, 0, 0, 0, 3,                // header
                                        5, 0, 0, 0, 0, 0, 0, 0,        // seq
                                        3,                             // error class dns
                                        0xF4, 0x01,                    // status
                                        5, 4, 3, 2, 1, 0, 0, 0,        // wire bytes
                                        7, 0, 0, 0, 0, 0, 0, 0,        // body bytes
                                        2, 0, 0, 0}) + "L\n";           // line
    EXPECT_EQ(out, expected);
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

TEST(WireFrame, JobRoundTripsIncludingBinaryAndEmptyUrl)
{
    for (const std::string& url : {""s, "https://example.com/a?b=c"s, "\0\xff\n"s}) {
        std::string out;
        append_frame(job{0xFFFFFFFFFFFFFFFFULL, url}, out);
        const auto j = decode_job(std::string_view(out).substr(header_size));
        ASSERT_TRUE(j);
        EXPECT_EQ(j->seq, 0xFFFFFFFFFFFFFFFFULL);
        EXPECT_EQ(j->url, url);
    }
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
    append_frame(job{1, "abc"}, job_payload);
    job_payload.erase(0, header_size);
    EXPECT_TRUE(decode_job(job_payload));
    EXPECT_FALSE(decode_job(job_payload.substr(0, job_payload.size() - 1))); // string cut
    EXPECT_FALSE(decode_job(job_payload + "x"));                            // trailing
    EXPECT_FALSE(decode_job(job_payload.substr(0, 10)));                    // short length
    std::string huge_length = job_payload;
    huge_length[8] = '\xff';
    huge_length[11] = '\xff'; // string length far past the end
    EXPECT_FALSE(decode_job(huge_length));

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

    auto f = reader.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->type, frame_type::hello);
    EXPECT_EQ(decode_hello(f->payload)->worker_id, 2u);
    f = reader.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->type, frame_type::result);
    EXPECT_EQ(decode_result(f->payload)->line, sample_result().line);
    EXPECT_FALSE(reader.next());
    EXPECT_EQ(reader.pending(), 0u);
}

TEST(WireFrameReader, PartialFrameIsPending)
{
    std::string stream;
    append_frame(job{1, "http://x/"}, stream);
    frame_reader reader;
    auto space = reader.prepare(stream.size() - 1);
    ASSERT_GE(space.size(), stream.size() - 1);
    std::memcpy(space.data(), stream.data(), stream.size() - 1);
    reader.commit(stream.size() - 1);
    EXPECT_FALSE(reader.next());
    EXPECT_EQ(reader.pending(), stream.size() - 1);
}

void feed(frame_reader& reader, std::string_view bytes)
{
    auto space = reader.prepare(bytes.size());
    std::memcpy(space.data(), bytes.data(), bytes.size());
    reader.commit(bytes.size());
}

TEST(WireFrameReader, OversizeLengthThrowsBeforeThePayloadArrives)
{
    frame_reader reader;
    const std::uint32_t too_long = max_payload + 1;
    feed(reader, bytes({static_cast<int>(too_long & 0xff), static_cast<int>((too_long >> 8) & 0xff),
                        static_cast<int>((too_long >> 16) & 0xff), static_cast<int>(too_long >> 24),
                        3}));
    EXPECT_THROW(reader.next(), std::runtime_error);

    frame_reader huge;
    feed(huge, bytes({0xff, 0xff, 0xff, 0xff, 3}));
    EXPECT_THROW(huge.next(), std::runtime_error);
}

TEST(WireFrameReader, MaxPayloadLengthIsAcceptedAndWaitsForData)
{
    frame_reader reader;
    feed(reader, bytes({0, 0, 0, 4, 3})); // exactly 64 MiB
    EXPECT_FALSE(reader.next());
}

TEST(WireFrameReader, UnknownTypeThrows)
{
    for (const int type : {0, 5, 0xff}) {
        frame_reader reader;
        feed(reader, bytes({0, 0, 0, 0, type}));
        EXPECT_THROW(reader.next(), std::runtime_error) << "type " << type;
    }
}

TEST(WireFrameReader, BufferStaysSmallForASteadyStream)
{
    // A long stream of small frames read in 4 KiB pieces must not grow the buffer: the
    // consumed prefix is reused.
    std::string one;
    append_frame(job{1, std::string(100, 'a')}, one);
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
        while (reader.next()) {
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
