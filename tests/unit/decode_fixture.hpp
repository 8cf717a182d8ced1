#pragma once
// What the decoder's tests share: a realistic page, bodies compressed by the real libraries
// (tests/support/encoder.hpp), and a driver that feeds a decoder in pieces of chosen sizes and
// records what came out.

#include "crawl/decode/decoder.hpp"
#include "support/encoder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace crawl::decode::tests {

using test::encode;
using test::wrapping;

inline constexpr std::uint64_t no_cap = std::uint64_t{1} << 40;

/// A few hundred KB of HTML with varied words, so it compresses like a real page (about 4:1)
/// rather than like a run of one byte.
inline const std::string& html_page()
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
    status feed_status = status::ok;   ///< the first status other than ok from feed(), or ok
    status finish_status = status::ok; ///< the body's status: finish() repeats a failure of feed(), and
                                       ///< br and zstd may only find one there, in the input they held back
    failure error;
};

/// Decodes `encoded` (Content-Encoding `applied`) fed in pieces whose sizes come from
/// `next_size`; stops feeding at the first status other than ok, as callers must.
template <typename NextSize>
decoded run(std::span<const coding> applied, std::string_view encoded, NextSize next_size, std::uint64_t cap = no_cap)
{
    decoded d;
    decoder dec(applied, cap, [&](std::string_view chunk) {
        d.text.append(chunk);
        d.largest_chunk = std::max(d.largest_chunk, chunk.size());
        ++d.calls;
    });
    while (!encoded.empty() && d.feed_status == status::ok) {
        const std::size_t n = std::min(next_size(), encoded.size());
        d.feed_status = dec.feed(encoded.substr(0, n));
        encoded.remove_prefix(n);
    }
    d.finish_status = dec.finish();
    d.error = dec.error();
    EXPECT_EQ(dec.decoded_bytes(), d.text.size());
    EXPECT_LE(d.largest_chunk, chunk_size);
    return d;
}

template <typename NextSize>
decoded run(coding c, std::string_view encoded, NextSize next_size, std::uint64_t cap = no_cap)
{
    return run(std::span<const coding>(&c, 1), encoded, next_size, cap);
}

inline decoded run_whole(std::span<const coding> applied, std::string_view encoded, std::uint64_t cap = no_cap)
{
    return run(applied, encoded, [&] { return encoded.size() + 1; }, cap);
}

inline decoded run_whole(coding c, std::string_view encoded, std::uint64_t cap = no_cap)
{
    return run_whole(std::span<const coding>(&c, 1), encoded, cap);
}

/// Decodes `encoded` cut in two at every point (and fed a byte at a time), expecting `plain`
/// each time.
inline void expect_same_at_every_split(std::span<const coding> applied, std::string_view encoded,
                                       std::string_view plain)
{
    for (std::size_t cut = 0; cut <= encoded.size(); ++cut) {
        bool first = true;
        const decoded d = run(applied, encoded, [&] {
            const std::size_t n = first ? cut : encoded.size();
            first = false;
            return n == 0 ? encoded.size() : n;
        });
        ASSERT_EQ(d.finish_status, status::ok) << "cut at " << cut << ": " << d.error.message;
        ASSERT_EQ(d.text, plain) << "cut at " << cut;
    }
    const decoded bytewise = run(applied, encoded, [] { return std::size_t{1}; });
    EXPECT_EQ(bytewise.finish_status, status::ok) << bytewise.error.message;
    EXPECT_EQ(bytewise.text, plain);
}

} // namespace crawl::decode::tests
