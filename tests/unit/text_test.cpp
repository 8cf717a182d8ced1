// crawl::text: the two whitespace sets and their trims, reading one UTF-8 sequence at the
// edges of Unicode's Table 3-7, and sanitizing, whole and in pieces; hex digits and
// percent-encoding.

#include "crawl/util/text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace crawl {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

TEST(TextSpace, HtmlSpaceIsTheFiveAsciiWhitespaceBytesAndCSpaceAddsVt)
{
    for (int b = 0; b < 256; ++b) {
        const auto c = static_cast<char>(b);
        const bool html = c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
        EXPECT_EQ(text::is_html_space(c), html) << b;
        EXPECT_EQ(text::is_c_space(c), html || c == '\v') << b;
    }
}

TEST(TextHex, DigitValuesAndPercentEncodingRoundTripEveryByte)
{
    for (int b = 0; b < 256; ++b) {
        const auto c = static_cast<char>(b);
        int want = -1;
        if (c >= '0' && c <= '9') {
            want = b - '0';
        } else if (c >= 'a' && c <= 'f') {
            want = b - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            want = b - 'A' + 10;
        }
        EXPECT_EQ(text::hex_digit_value(c), want) << b;
        std::string encoded = "x";
        text::append_percent_encoded(static_cast<unsigned char>(b), encoded);
        ASSERT_EQ(encoded.size(), 4U);
        EXPECT_EQ(encoded[1], '%');
        EXPECT_EQ(text::hex_digit_value(encoded[2]) * 16 + text::hex_digit_value(encoded[3]), b) << encoded;
    }
    std::string out;
    text::append_percent_encoded(0xAB, out);
    EXPECT_EQ(out, "%AB"); // uppercase, as the URL Standard and RFC 3986 write escapes
}

TEST(TextSpace, EachTrimStripsItsOwnSet)
{
    EXPECT_EQ(text::trim(" \t\v\f\r\nx y\v\n "), "x y"sv);
    EXPECT_EQ(text::trim_html_space(" \t\f\r\nx y\n "), "x y"sv);
    EXPECT_EQ(text::trim_html_space("\vx\v"), "\vx\v"sv);
    EXPECT_EQ(text::trim_html_space("\xC2\xA0x"), "\xC2\xA0x"sv); // NBSP is not ASCII whitespace
    EXPECT_EQ(text::trim(" \t "), ""sv);
    EXPECT_EQ(text::trim_html_space(""), ""sv);
}

TEST(TextCase, LowersAsciiOnly)
{
    EXPECT_EQ(text::to_lower_ascii('A'), 'a');
    EXPECT_EQ(text::to_lower_ascii('Z'), 'z');
    EXPECT_EQ(text::to_lower_ascii('@'), '@');
    EXPECT_EQ(text::to_lower_ascii('['), '[');
    EXPECT_EQ(text::to_lower_ascii('\xC9'), '\xC9');
    EXPECT_EQ(text::to_lower_ascii("Ab-\xC3\x89Z"), "ab-\xC3\x89z");
    EXPECT_TRUE(text::iequals("Content-Type", "content-TYPE"));
    EXPECT_FALSE(text::iequals("\xC3\x89", "\xC3\xA9"));
}

struct sequence_case {
    std::string bytes;
    text::utf8_kind kind;
    std::size_t length;
};

TEST(TextUtf8, ReadsOneSequenceAtTheEdgesOfTable3_7)
{
    using k = text::utf8_kind;
    const std::vector<sequence_case> cases = {
        {"", k::cut_short, 0},
        {"\0"s, k::well_formed, 1},
        {"\x7F", k::well_formed, 1},
        {"\x80", k::ill_formed, 0},
        {"\xC1\xBF", k::ill_formed, 0}, // overlong
        {"\xC2\x80", k::well_formed, 2},
        {"\xC2", k::cut_short, 0},
        {"\xC2" "A", k::ill_formed, 0},
        {"\xE0\x9F\xBF", k::ill_formed, 0}, // overlong
        {"\xE0\xA0\x80", k::well_formed, 3},
        {"\xE0\xA0", k::cut_short, 0},
        {"\xE0\x80", k::ill_formed, 0}, // ill-formed before the end comes
        {"\xED\x9F\xBF", k::well_formed, 3},
        {"\xED\xA0\x80", k::ill_formed, 0}, // a surrogate
        {"\xEF\xBF\xBF", k::well_formed, 3},
        {"\xF0\x8F\xBF\xBF", k::ill_formed, 0}, // overlong
        {"\xF0\x90\x80\x80", k::well_formed, 4},
        {"\xF0\x90\x80", k::cut_short, 0},
        {"\xF4\x8F\xBF\xBF", k::well_formed, 4},
        {"\xF4\x90\x80\x80", k::ill_formed, 0}, // above U+10FFFF
        {"\xF5\x80\x80\x80", k::ill_formed, 0},
        {"\xFF", k::ill_formed, 0},
        {"\xE2\x82\xAC" "abc", k::well_formed, 3}, // only the first sequence counts
    };
    for (const sequence_case& c : cases) {
        const text::utf8_sequence seq = text::read_utf8_sequence(c.bytes);
        EXPECT_EQ(seq.kind, c.kind) << testing::PrintToString(c.bytes);
        EXPECT_EQ(seq.length, c.length) << testing::PrintToString(c.bytes);
        EXPECT_EQ(text::utf8_sequence_length(c.bytes), c.length) << testing::PrintToString(c.bytes);
    }
}

TEST(TextUtf8, SanitizingReplacesEachIllFormedByte)
{
    const std::string r = "\xEF\xBF\xBD";
    std::string out;
    text::append_utf8_sanitized("ok \xC3\xA9 \xFF \xE2\x82 \xED\xA0\x80 \0!"s, out);
    EXPECT_EQ(out, "ok é " + r + " " + r + r + " " + r + r + r + " \0!"s);
    EXPECT_TRUE(text::is_valid_utf8(out));
    EXPECT_FALSE(text::is_valid_utf8("\xE2\x82"));
}

TEST(TextUtf8, SanitizingInPiecesLeavesACutSequenceForTheNextPiece)
{
    const std::string r = "\xEF\xBF\xBD";
    const std::string text = "a\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xFF";
    std::string whole;
    text::append_utf8_sanitized(text, whole);
    // Every split point: the first piece is consumed up to a well-formed cut sequence at most.
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
        std::string out;
        const std::size_t used = text::append_utf8_sanitized_prefix(std::string_view(text).substr(0, cut), out);
        EXPECT_LE(cut - used, 3U) << cut;
        const std::string rest = text.substr(used);
        const std::size_t used_rest = text::append_utf8_sanitized_prefix(rest, out);
        EXPECT_EQ(used_rest, rest.size()) << cut;
        EXPECT_EQ(out, whole) << cut;
    }
    std::string out;
    EXPECT_EQ(text::append_utf8_sanitized_prefix("x\xF0\x9F", out), 1U);
    EXPECT_EQ(out, "x");
    // An ill-formed start is no cut sequence: it is replaced at once.
    out.clear();
    EXPECT_EQ(text::append_utf8_sanitized_prefix("x\xE0\x80", out), 3U);
    EXPECT_EQ(out, "x" + r + r);
}

} // namespace
TEST(Text, ParseU32TakesWholeDecimalNumbersThatFit)
{
    EXPECT_EQ(text::parse_u32("0"), 0u);
    EXPECT_EQ(text::parse_u32("4294967295"), 4294967295u);
    for (const std::string_view bad : {"", "4294967296", "-1", "+1", " 1", "1 ", "1a", "0x10"}) {
        EXPECT_FALSE(text::parse_u32(bad)) << bad;
    }
}

} // namespace crawl
