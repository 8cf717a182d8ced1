// The zlib codings (gzip, deflate in both wrappings) and identity, through decode::decoder;
// br, zstd and stacked codings are in codings_test.cpp.

#include "decode_fixture.hpp"

#include <zlib.h>

#include <string>

namespace crawl::decode::tests {
namespace {

TEST(Zlib, ConcatenatedGzipMembers)
{
    const std::string a = "first member\n";
    const std::string b = html_page().substr(0, 50000);
    const std::string c = "third";
    const std::string encoded = encode(wrapping::gzip, a) + encode(wrapping::gzip, b) +
                                encode(wrapping::gzip, "") + encode(wrapping::gzip, c);
    for (const std::size_t size : {std::size_t{1}, std::size_t{3}, std::size_t{1000}, encoded.size()}) {
        const decoded d = run(coding::gzip, encoded, [&] { return size; });
        EXPECT_EQ(d.finish_status, status::ok) << size;
        EXPECT_EQ(d.text, a + b + c) << size;
    }
}

TEST(Zlib, GzipMagicSplitAcrossFeeds)
{
    const std::string first = encode(wrapping::gzip, "one ");
    const std::string second = encode(wrapping::gzip, "two");
    std::string out;
    decoder inf(coding::gzip, 1000, [&](std::string_view s) { out.append(s); });
    EXPECT_EQ(inf.feed(first + second.substr(0, 1)), status::ok);
    EXPECT_EQ(inf.feed(second.substr(1)), status::ok);
    EXPECT_EQ(inf.finish(), status::ok);
    EXPECT_EQ(out, "one two");
}

TEST(Zlib, TrailingGarbageAfterACompleteMemberIsIgnored)
{
    const std::string page = html_page().substr(0, 20000);
    const std::string member = encode(wrapping::gzip, page);
    for (const std::string& tail : {std::string("\n"), std::string(512, '\0'),
                                   std::string("<html>junk"), std::string("\x1f"),
                                   std::string("\x1f\x00zz", 4)}) {
        for (const std::size_t size : {std::size_t{1}, member.size() + tail.size()}) {
            const decoded d = run(coding::gzip, member + tail, [&] { return size; });
            EXPECT_EQ(d.feed_status, status::ok);
            EXPECT_EQ(d.finish_status, status::ok);
            EXPECT_EQ(d.text, page);
        }
    }
    const std::string zlib = encode(wrapping::zlib, page);
    const decoded d = run_whole(coding::deflate, zlib + "garbage");
    EXPECT_EQ(d.finish_status, status::ok);
    EXPECT_EQ(d.text, page);
}

TEST(Zlib, ACutSecondGzipMemberIsTruncated)
{
    const std::string two = encode(wrapping::gzip, "a") + encode(wrapping::gzip, html_page());
    EXPECT_EQ(run_whole(coding::gzip, two.substr(0, two.size() - 100)).finish_status, status::truncated);
}

TEST(Zlib, GarbageLabelledGzipIsCorrupt)
{
    const decoded d = run_whole(coding::gzip, "<html><body>not gzip at all</body></html>");
    EXPECT_EQ(d.feed_status, status::ok); // held for the whole-body path
    EXPECT_EQ(d.finish_status, status::corrupt);
    EXPECT_EQ(d.error.message, "corrupt gzip stream: incorrect header check");
    EXPECT_TRUE(d.text.empty());
}

TEST(Zlib, BadChecksumIsCorrupt)
{
    const std::string page = html_page();
    std::string gz = encode(wrapping::gzip, page);
    gz[gz.size() - 6] = static_cast<char>(gz[gz.size() - 6] ^ 0x55); // CRC32 in the trailer
    const decoded d = run_whole(coding::gzip, gz);
    EXPECT_EQ(d.finish_status, status::corrupt);
    EXPECT_EQ(d.error.message, "corrupt gzip stream: incorrect data check");
    // zlib, which libdeflate hands a broken body back to, delivers what came before the break.
    EXPECT_EQ(d.text, page);

    std::string z = encode(wrapping::zlib, html_page());
    z[z.size() - 1] = static_cast<char>(z[z.size() - 1] ^ 0x55); // Adler-32
    EXPECT_EQ(run_whole(coding::deflate, z).feed_status, status::corrupt);
}

// A gzip body up to 256 KiB is held and decoded at finish() by libdeflate; a longer one streams
// through zlib from there on, and both give the same bytes.
TEST(Zlib, SmallGzipBodiesAreDecodedAtTheEndLargerOnesStream)
{
    const std::string page = html_page().substr(0, 20000);
    std::string small_out;
    decoder small(coding::gzip, no_cap, [&](std::string_view s) { small_out.append(s); });
    EXPECT_EQ(small.feed(encode(wrapping::gzip, page)), status::ok);
    EXPECT_TRUE(small_out.empty());
    EXPECT_EQ(small.finish(), status::ok);
    EXPECT_EQ(small_out, page);

    std::string noise; // barely compressible, so the body is over 256 KiB
    std::uint32_t x = 12345;
    for (int i = 0; i < 600 * 1024; ++i) {
        x = x * 1103515245u + 12345u;
        noise.push_back(static_cast<char>('a' + (x >> 16) % 26));
    }
    const std::string large = encode(wrapping::gzip, noise);
    ASSERT_GT(large.size(), 256u * 1024);
    std::string large_out;
    decoder streaming(coding::gzip, no_cap, [&](std::string_view s) { large_out.append(s); });
    std::size_t fed = 0;
    for (; fed < large.size() && large_out.empty(); fed += 4096) {
        ASSERT_EQ(streaming.feed(std::string_view(large).substr(fed, 4096)), status::ok);
    }
    EXPECT_LT(fed, large.size()) << "nothing came out before the end";
    ASSERT_EQ(streaming.feed(std::string_view(large).substr(std::min(fed, large.size()))), status::ok);
    EXPECT_EQ(streaming.finish(), status::ok);
    EXPECT_TRUE(large_out == noise);
}

TEST(Zlib, GarbageLabelledDeflateIsCorrupt)
{
    // Neither a zlib header nor valid raw deflate (block type 3 is reserved).
    const decoded d = run_whole(coding::deflate, std::string("\xff\xff\xff\xff\xff\xff", 6));
    EXPECT_EQ(d.feed_status, status::corrupt);
}

TEST(Zlib, PresetDictionaryIsCorrupt)
{
    // zlib with a preset dictionary: legal in RFC 1950, meaningless over HTTP (no way to agree on one).
    z_stream zs{};
    ASSERT_EQ(deflateInit(&zs, 6), Z_OK);
    deflateSetDictionary(&zs, reinterpret_cast<const Bytef*>("hello"), 5);
    std::string z(256, '\0');
    std::string_view in = "hello hello hello";
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(z.data());
    zs.avail_out = static_cast<uInt>(z.size());
    ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
    z.resize(zs.total_out);
    deflateEnd(&zs);
    EXPECT_EQ(run_whole(coding::deflate, z).feed_status, status::corrupt);
}

TEST(Decoder, IdentityPassesThroughUpToTheCap)
{
    const std::string page = html_page().substr(0, 40000);
    const decoded all = run(coding::identity, page, [] { return std::size_t{7000}; });
    EXPECT_EQ(all.finish_status, status::ok);
    EXPECT_EQ(all.text, page);

    const decoded whole = run_whole(coding::identity, page);
    EXPECT_EQ(whole.text, page);
    EXPECT_LE(whole.largest_chunk, 16u * 1024u);

    const decoded capped = run(coding::identity, page, [] { return std::size_t{7000}; }, 30000);
    EXPECT_EQ(capped.feed_status, status::too_large);
    EXPECT_EQ(capped.finish_status, status::too_large);
    EXPECT_EQ(capped.text, page.substr(0, 30000));

    const decoded exact = run_whole(coding::identity, page, page.size());
    EXPECT_EQ(exact.feed_status, status::ok);
    EXPECT_EQ(exact.text, page);
}

TEST(Decoder, AMovedDecoderKeepsDecoding)
{
    const std::string page = html_page().substr(0, 30000);
    const std::string gz = encode(wrapping::gzip, page);
    std::string out;
    decoder first(coding::gzip, 1 << 20, [&](std::string_view s) { out.append(s); });
    EXPECT_EQ(first.feed(std::string_view(gz).substr(0, 100)), status::ok);
    decoder second = std::move(first);
    EXPECT_EQ(second.feed(std::string_view(gz).substr(100)), status::ok);
    EXPECT_EQ(second.finish(), status::ok);
    EXPECT_EQ(out, page);
}

} // namespace
} // namespace crawl::decode::tests
