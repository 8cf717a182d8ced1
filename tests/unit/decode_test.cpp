#include "crawl/decode/inflater.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace crawl::decode {
namespace {

enum class wrapper { gzip, zlib, raw };

int window_bits(wrapper w)
{
    switch (w) {
    case wrapper::gzip:
        return 16 + MAX_WBITS;
    case wrapper::zlib:
        return MAX_WBITS;
    case wrapper::raw:
        return -MAX_WBITS;
    }
    return MAX_WBITS;
}

// Compresses with zlib's own deflate. `produce` is called for input until it returns an
// empty view, so huge inputs (the bomb) never exist in memory at once.
template <typename Produce>
std::string compress_stream(wrapper w, Produce produce, int level = 6,
                            std::string_view dictionary = {})
{
    z_stream zs{};
    if (deflateInit2(&zs, level, Z_DEFLATED, window_bits(w), 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::runtime_error("deflateInit2 failed");
    }
    if (!dictionary.empty()) {
        deflateSetDictionary(&zs, reinterpret_cast<const Bytef*>(dictionary.data()),
                             static_cast<uInt>(dictionary.size()));
    }
    std::string out;
    std::vector<char> buf(64 * 1024);
    int flush = Z_NO_FLUSH;
    while (flush != Z_FINISH) {
        const std::string_view in = produce();
        flush = in.empty() ? Z_FINISH : Z_NO_FLUSH;
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        zs.avail_in = static_cast<uInt>(in.size());
        int rc = Z_OK;
        do {
            zs.next_out = reinterpret_cast<Bytef*>(buf.data());
            zs.avail_out = static_cast<uInt>(buf.size());
            rc = deflate(&zs, flush);
            out.append(buf.data(), buf.size() - zs.avail_out);
        } while (zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    }
    deflateEnd(&zs);
    return out;
}

std::string compress(wrapper w, std::string_view data, std::string_view dictionary = {})
{
    bool given = false;
    return compress_stream(
        w,
        [&]() -> std::string_view {
            if (given) {
                return {};
            }
            given = true;
            return data;
        },
        6, dictionary);
}

// A few hundred KB of HTML with varied words, so it compresses like a real page (about 4:1)
// rather than like a run of one byte.
const std::string& html_page()
{
    static const std::string page = [] {
        static constexpr const char* words[] = {
            "crawler", "zlib",  "stream", "página", "日本語", "link",  "title", "inflate",
            "deflate", "gzip",  "member", "window", "chunk",  "output", "réseau", "body"};
        std::mt19937 rng(12345);
        std::string html = "<!doctype html><html lang=\"en\"><head><title>Test page</title></head><body>\n";
        int n = 0;
        while (html.size() < 300 * 1024) {
            html += "<p id=\"p" + std::to_string(n++) + "\">";
            for (int i = 0; i < 12; ++i) {
                html += words[rng() % std::size(words)];
                html += ' ';
            }
            html += "<a href=\"/page/" + std::to_string(rng() % 100000) + "\">more</a></p>\n";
        }
        html += "</body></html>\n";
        return html;
    }();
    return page;
}

struct decoded {
    std::string text;
    std::size_t largest_chunk = 0;
    std::size_t calls = 0;
    status feed_status = status::ok;
    status finish_status = status::ok;
};

// Decodes `encoded` fed in pieces whose sizes come from `next_size`; stops feeding at the
// first non-ok status, as callers must.
template <typename NextSize>
decoded run(coding c, std::string_view encoded, NextSize next_size,
            std::uint64_t cap = std::uint64_t{1} << 40)
{
    decoded d;
    inflater inf(c, cap, [&](std::string_view chunk) {
        d.text.append(chunk);
        d.largest_chunk = std::max(d.largest_chunk, chunk.size());
        ++d.calls;
    });
    while (!encoded.empty() && d.feed_status == status::ok) {
        const std::size_t n = std::min(next_size(), encoded.size());
        d.feed_status = inf.feed(encoded.substr(0, n));
        encoded.remove_prefix(n);
    }
    d.finish_status = inf.finish();
    EXPECT_EQ(inf.decoded_bytes(), d.text.size());
    return d;
}

decoded run_whole(coding c, std::string_view encoded, std::uint64_t cap = std::uint64_t{1} << 40)
{
    return run(c, encoded, [&] { return encoded.size() + 1; }, cap);
}

struct wrapper_case {
    wrapper w;
    coding label;
};

void PrintTo(const wrapper_case& c, std::ostream* os)
{
    *os << (c.w == wrapper::gzip ? "gzip" : c.w == wrapper::zlib ? "zlib" : "raw");
}

class InflaterChunking : public ::testing::TestWithParam<wrapper_case> {};

TEST_P(InflaterChunking, EveryChunkSizeGivesTheSameOutput)
{
    const std::string& page = html_page();
    const std::string encoded = compress(GetParam().w, page);
    ASSERT_LT(encoded.size(), page.size() / 2);

    std::mt19937_64 rng(99);
    const std::vector<std::size_t> sizes = {1, 7, 4096, 65536, encoded.size()};
    for (const std::size_t size : sizes) {
        const decoded d = run(GetParam().label, encoded, [&] { return size; });
        EXPECT_EQ(d.feed_status, status::ok) << "chunk " << size;
        EXPECT_EQ(d.finish_status, status::ok) << "chunk " << size;
        EXPECT_TRUE(d.text == page) << "chunk " << size;
        EXPECT_LE(d.largest_chunk, 16u * 1024u);
    }
    for (int round = 0; round < 5; ++round) {
        const decoded d = run(GetParam().label, encoded, [&] { return 1 + rng() % 20000; });
        EXPECT_EQ(d.finish_status, status::ok);
        EXPECT_TRUE(d.text == page) << "random round " << round;
    }
}

INSTANTIATE_TEST_SUITE_P(Wrappers, InflaterChunking,
                         ::testing::Values(wrapper_case{wrapper::gzip, coding::gzip},
                                           wrapper_case{wrapper::zlib, coding::deflate},
                                           wrapper_case{wrapper::raw, coding::deflate}),
                         [](const auto& param_info) {
                             switch (param_info.param.w) {
                             case wrapper::gzip:
                                 return std::string("gzip");
                             case wrapper::zlib:
                                 return std::string("zlib");
                             case wrapper::raw:
                                 return std::string("raw");
                             }
                             return std::string("unknown");
                         });

TEST(Inflater, ConcatenatedGzipMembers)
{
    const std::string a = "first member\n";
    const std::string b = html_page().substr(0, 50000);
    const std::string c = "third";
    const std::string encoded = compress(wrapper::gzip, a) + compress(wrapper::gzip, b) +
                                compress(wrapper::gzip, "") + compress(wrapper::gzip, c);
    for (const std::size_t size : {std::size_t{1}, std::size_t{3}, std::size_t{1000}, encoded.size()}) {
        const decoded d = run(coding::gzip, encoded, [&] { return size; });
        EXPECT_EQ(d.finish_status, status::ok) << size;
        EXPECT_EQ(d.text, a + b + c) << size;
    }
}

TEST(Inflater, GzipMagicSplitAcrossFeeds)
{
    const std::string first = compress(wrapper::gzip, "one ");
    const std::string second = compress(wrapper::gzip, "two");
    std::string out;
    inflater inf(coding::gzip, 1000, [&](std::string_view s) { out.append(s); });
    EXPECT_EQ(inf.feed(first + second.substr(0, 1)), status::ok);
    EXPECT_EQ(inf.feed(second.substr(1)), status::ok);
    EXPECT_EQ(inf.finish(), status::ok);
    EXPECT_EQ(out, "one two");
}

TEST(Inflater, TrailingGarbageAfterACompleteMemberIsIgnored)
{
    const std::string page = html_page().substr(0, 20000);
    const std::string member = compress(wrapper::gzip, page);
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
    const std::string zlib = compress(wrapper::zlib, page);
    const decoded d = run_whole(coding::deflate, zlib + "garbage");
    EXPECT_EQ(d.finish_status, status::ok);
    EXPECT_EQ(d.text, page);
}

TEST(Inflater, TruncatedStreamsAreTruncated)
{
    const std::string& page = html_page();
    for (const wrapper w : {wrapper::gzip, wrapper::zlib, wrapper::raw}) {
        const std::string encoded = compress(w, page);
        const coding label = w == wrapper::gzip ? coding::gzip : coding::deflate;
        for (const std::size_t keep : {std::size_t{1}, std::size_t{12}, encoded.size() / 2,
                                       encoded.size() - 1}) {
            const decoded d = run_whole(label, encoded.substr(0, keep));
            EXPECT_EQ(d.feed_status, status::ok) << "keep " << keep;
            EXPECT_EQ(d.finish_status, status::truncated) << "keep " << keep;
            EXPECT_TRUE(page.starts_with(d.text));
        }
    }
    // A second gzip member that is cut off is truncated too.
    const std::string two = compress(wrapper::gzip, "a") + compress(wrapper::gzip, page);
    EXPECT_EQ(run_whole(coding::gzip, two.substr(0, two.size() - 100)).finish_status,
              status::truncated);
}

TEST(Inflater, GarbageLabelledGzipIsCorrupt)
{
    const decoded d = run_whole(coding::gzip, "<html><body>not gzip at all</body></html>");
    EXPECT_EQ(d.feed_status, status::corrupt);
    EXPECT_EQ(d.finish_status, status::corrupt);
    EXPECT_TRUE(d.text.empty());
}

TEST(Inflater, BadChecksumIsCorrupt)
{
    std::string gz = compress(wrapper::gzip, html_page());
    gz[gz.size() - 6] = static_cast<char>(gz[gz.size() - 6] ^ 0x55); // CRC32 in the trailer
    EXPECT_EQ(run_whole(coding::gzip, gz).feed_status, status::corrupt);

    std::string z = compress(wrapper::zlib, html_page());
    z[z.size() - 1] = static_cast<char>(z[z.size() - 1] ^ 0x55); // Adler-32
    EXPECT_EQ(run_whole(coding::deflate, z).feed_status, status::corrupt);
}

TEST(Inflater, GarbageLabelledDeflateIsCorrupt)
{
    // Neither a zlib header nor valid raw deflate (block type 3 is reserved).
    const decoded d = run_whole(coding::deflate, std::string("\xff\xff\xff\xff\xff\xff", 6));
    EXPECT_EQ(d.feed_status, status::corrupt);
}

TEST(Inflater, PresetDictionaryIsCorrupt)
{
    const std::string z = compress(wrapper::zlib, "hello hello hello", "hello");
    EXPECT_EQ(run_whole(coding::deflate, z).feed_status, status::corrupt);
}

TEST(Inflater, GzipBombStopsExactlyAtTheCapQuickly)
{
    const std::string zeros(1 << 20, '\0');
    int remaining = 200; // 200 MiB of zeros
    const std::string bomb = compress_stream(
        wrapper::gzip,
        [&]() -> std::string_view { return remaining-- > 0 ? std::string_view(zeros) : std::string_view{}; },
        9);
    ASSERT_LT(bomb.size(), 1u << 20);

    constexpr std::uint64_t cap = 1 << 20;
    std::uint64_t delivered = 0;
    bool all_zero = true;
    std::size_t largest = 0;
    inflater inf(coding::gzip, cap, [&](std::string_view chunk) {
        delivered += chunk.size();
        largest = std::max(largest, chunk.size());
        all_zero = all_zero && chunk.find_first_not_of('\0') == std::string_view::npos;
    });
    const auto start = std::chrono::steady_clock::now();
    status st = status::ok;
    std::string_view rest = bomb;
    std::size_t fed = 0;
    while (!rest.empty() && st == status::ok) {
        const std::size_t n = std::min<std::size_t>(rest.size(), 16 * 1024);
        st = inf.feed(rest.substr(0, n));
        rest.remove_prefix(n);
        fed += n;
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(st, status::too_large);
    EXPECT_EQ(delivered, cap);
    EXPECT_EQ(inf.decoded_bytes(), cap);
    EXPECT_TRUE(all_zero);
    EXPECT_LE(largest, 16u * 1024u);
    EXPECT_LT(fed, bomb.size()); // stopped long before the end of the input
    EXPECT_LT(elapsed, std::chrono::seconds(2));

    // Further feeds do no work and repeat the status.
    EXPECT_EQ(inf.feed(bomb), status::too_large);
    EXPECT_EQ(inf.finish(), status::too_large);
    EXPECT_EQ(delivered, cap);
}

TEST(Inflater, OutputExactlyAtTheCapIsOk)
{
    const std::string page = html_page().substr(0, 40000);
    const decoded d = run_whole(coding::gzip, compress(wrapper::gzip, page), page.size());
    EXPECT_EQ(d.feed_status, status::ok);
    EXPECT_EQ(d.finish_status, status::ok);
    EXPECT_EQ(d.text, page);

    const decoded over = run_whole(coding::deflate, compress(wrapper::raw, page), page.size() - 1);
    EXPECT_EQ(over.feed_status, status::too_large);
    EXPECT_EQ(over.text, page.substr(0, page.size() - 1));
}

TEST(Inflater, IdentityPassesThroughUpToTheCap)
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

TEST(Inflater, EmptyBodyIsOk)
{
    for (const coding c : {coding::identity, coding::gzip, coding::deflate}) {
        inflater inf(c, 100, [](std::string_view) { FAIL() << "no output expected"; });
        EXPECT_EQ(inf.feed(""), status::ok);
        EXPECT_EQ(inf.finish(), status::ok);
        EXPECT_EQ(inf.decoded_bytes(), 0u);
    }
}

TEST(Inflater, MovedInflaterKeepsDecoding)
{
    const std::string page = html_page().substr(0, 30000);
    const std::string gz = compress(wrapper::gzip, page);
    std::string out;
    inflater first(coding::gzip, 1 << 20, [&](std::string_view s) { out.append(s); });
    EXPECT_EQ(first.feed(std::string_view(gz).substr(0, 100)), status::ok);
    inflater second = std::move(first);
    EXPECT_EQ(second.feed(std::string_view(gz).substr(100)), status::ok);
    EXPECT_EQ(second.finish(), status::ok);
    EXPECT_EQ(out, page);
}

TEST(ParseContentEncoding, Table)
{
    struct row {
        std::string_view header;
        std::optional<coding> expected;
    };
    const row rows[] = {
        {"gzip", coding::gzip},       {"x-gzip", coding::gzip},     {"GZIP", coding::gzip},
        {"X-Gzip", coding::gzip},     {" deflate ", coding::deflate}, {"Deflate", coding::deflate},
        {"identity", coding::identity}, {"IDENTITY", coding::identity}, {"", coding::identity},
        {" \t", coding::identity},    {"br", std::nullopt},         {"gzip, br", std::nullopt},
        {"gzip,gzip", std::nullopt},  {"zstd", std::nullopt},       {"compress", std::nullopt},
        {"gzipx", std::nullopt},
    };
    for (const row& r : rows) {
        EXPECT_EQ(parse_content_encoding(r.header), r.expected) << "'" << r.header << "'";
    }
}

} // namespace
} // namespace crawl::decode
