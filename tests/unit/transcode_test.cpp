// Unit tests of crawl::extract::transcoder on real bytes: short samples in each charset it
// decodes (bytes written by iconv), the extract fixtures (tests/fixtures/extract, made by
// make_fixtures.sh), every split of multi-byte sequences, ill-formed and truncated input,
// and the same output for every chunking.

#include "crawl/extract/transcode.hpp"
#include "crawl/util/text.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace {

using crawl::extract::transcoder;
using namespace std::string_literals;

constexpr std::string_view fffd = "\xEF\xBF\xBD";

std::string decode_whole(std::string_view charset, std::string_view bytes)
{
    transcoder t(charset);
    std::string out;
    t.decode(bytes, out);
    t.finish(out);
    return out;
}

// Decodes `bytes` in pieces: bit i of `cuts` set cuts between bytes i and i + 1.
std::string decode_cut(std::string_view charset, std::string_view bytes, std::uint64_t cuts)
{
    transcoder t(charset);
    std::string out;
    std::size_t begin = 0;
    for (std::size_t i = 1; i < bytes.size(); ++i) {
        if (((cuts >> (i - 1)) & 1U) != 0) {
            t.decode(bytes.substr(begin, i - begin), out);
            begin = i;
        }
    }
    t.decode(bytes.substr(begin), out);
    t.finish(out);
    return out;
}

// Every way of cutting `bytes` into chunks (2^(n-1) of them) gives `expected`.
void expect_every_chunking_gives(std::string_view charset, std::string_view bytes, std::string_view expected)
{
    ASSERT_LE(bytes.size(), 17U) << "too many chunkings";
    const std::uint64_t chunkings = bytes.empty() ? 1 : std::uint64_t{1} << (bytes.size() - 1);
    for (std::uint64_t cuts = 0; cuts < chunkings; ++cuts) {
        ASSERT_EQ(decode_cut(charset, bytes, cuts), expected) << "cuts " << cuts;
    }
}

struct sample {
    std::string_view charset;
    std::string bytes;
    std::string utf8;
};

TEST(Transcode, DecodesRealBytesInEachCharsetHoweverTheyAreChunked)
{
    const std::vector<sample> samples = {
        {"UTF-8", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "café € 😀"},
        {"UTF-8", "a\0b"s, "a\0b"s}, // NUL is a character: keeping it out of libxml2 is not ours
        {"UTF-8", "\xEF\xBB\xBFx", "\xEF\xBB\xBFx"}, // a BOM is a character too: the caller skips it
        {"windows-1252", "Caf\xE9 \x93q\x94 \x96 \x80", "Café “q” – €"},
        // The five bytes glibc's CP1252 rejects are the C1 controls in the WHATWG index.
        {"windows-1252", "\x81\x8D\x8F\x90\x9D", "\xC2\x81\xC2\x8D\xC2\x8F\xC2\x90\xC2\x9D"},
        {"windows-1252", "\xA0\xFF\0"s, "\xC2\xA0\xC3\xBF\0"s},
        // windows-31j: 0x5C is a backslash, 0x87 0x40 an NEC circled digit.
        {"Shift_JIS", "\x93\xFA\x96\x7B\x8C\xEA\x5C\x87\x40", "日本語\\①"},
        // windows-949: 0x8C 0x63 is beyond EUC-KR proper.
        {"EUC-KR", "\xC7\xD1\xB1\xB9\xBE\xEE \x8C\x63", "한국어 똠"},
        {"GBK", "\xD6\xD0\xCE\xC4", "中文"},
        {"GBK", "\x94\x39\xFC\x36", "😀"}, // GBK decodes as gb18030: four-byte sequences too
        {"gb18030", "\xD6\xD0\x94\x39\xFC\x36", "中😀"},
        {"Big5", "\xA4\xA4\xA4\xE5", "中文"},
        {"EUC-JP", "\xC6\xFC\xCB\xDC\xB8\xEC\x8E\xB1", "日本語ｱ"},
        {"ISO-2022-JP", "a\x1B$BF|K\\\x1B(Bb", "a日本b"},
        {"KOI8-R", "\xF0\xD2\xC9\xD7\xC5\xD4", "Привет"},
        {"UTF-16LE", "a\0\xE9\0\x3D\xD8\x00\xDE"s, "aé😀"},
        {"UTF-16BE", "\0a\0\xE9\xD8\x3D\xDE\x00"s, "aé😀"},
        {"UTF-16LE", "\xFF\xFE" "a\0"s, "\xEF\xBB\xBF" "a"},
        {"ISO-8859-2", "\xA3\xF3" "d\xBC", "Łódź"},
        {"windows-1251", "\xCC\xE8\xF0", "Мир"},
        {"IBM866", "\x8C\xA8\xE0", "Мир"},
        {"macintosh", "caf\x8E\xAA", "café™"},
    };
    for (const sample& s : samples) {
        SCOPED_TRACE(std::string(s.charset) + ": " + s.utf8);
        EXPECT_EQ(decode_whole(s.charset, s.bytes), s.utf8);
        expect_every_chunking_gives(s.charset, s.bytes, s.utf8);
    }
}

TEST(Transcode, ASequenceCutAnywhereIsHeldBackUntilItsEnd)
{
    const std::vector<sample> sequences = {
        {"UTF-8", "\xC3\xA9", "é"},
        {"UTF-8", "\xE2\x82\xAC", "€"},
        {"UTF-8", "\xF0\x9F\x98\x80", "😀"},
        {"Shift_JIS", "\x93\xFA", "日"},
        {"EUC-KR", "\xC7\xD1", "한"},
        {"gb18030", "\x94\x39\xFC\x36", "😀"},
        {"Big5", "\xA4\xA4", "中"},
        {"EUC-JP", "\x8F\xB0\xA1", "丂"}, // JIS X 0212: three bytes
        {"ISO-2022-JP", "\x1B$BF|", "日"},  // the escape sequence, then two bytes
        {"UTF-16LE", "\x3D\xD8\x00\xDE"s, "😀"},
        {"UTF-16BE", "\xD8\x3D\xDE\x00"s, "😀"},
    };
    for (const sample& s : sequences) {
        for (std::size_t cut = 1; cut < s.bytes.size(); ++cut) {
            SCOPED_TRACE(std::string(s.charset) + " cut after byte " + std::to_string(cut));
            transcoder t(s.charset);
            std::string out;
            t.decode(std::string_view(s.bytes).substr(0, cut), out);
            EXPECT_EQ(out, "") << "a partial sequence came out";
            t.decode(std::string_view(s.bytes).substr(cut), out);
            EXPECT_EQ(out, s.utf8);
            t.finish(out);
            EXPECT_EQ(out, s.utf8) << "finish added to a complete sequence";
        }
    }
}

TEST(Transcode, IllFormedUtf8BecomesOneReplacementPerByte)
{
    const std::string r1(fffd);
    const std::string r2 = r1 + r1;
    const std::string r3 = r2 + r1;
    const std::vector<sample> cases = {
        {"UTF-8", "a\x80" "b", "a" + r1 + "b"},              // a lone continuation byte
        {"UTF-8", "\xC0\xAF", r2},                          // overlong '/'
        {"UTF-8", "\xE0\x80\xAF", r3},                      // overlong, three bytes
        {"UTF-8", "\xED\xA0\x80", r3},                      // a surrogate
        {"UTF-8", "\xF4\x90\x80\x80", r3 + r1},             // above U+10FFFF
        {"UTF-8", "\xF5\xFE\xFF", r3},                      // bytes that start nothing
        {"UTF-8", "\xE2\x82" "A\xC3\xA9", r2 + "Aé"},       // cut by an ASCII byte, then resync
        {"UTF-8", "\xF0\x9F\x98\xE2\x82\xAC", r3 + "€"},    // cut by the next sequence's lead
    };
    for (const sample& c : cases) {
        SCOPED_TRACE(c.bytes);
        EXPECT_EQ(decode_whole(c.charset, c.bytes), c.utf8);
        expect_every_chunking_gives(c.charset, c.bytes, c.utf8);
    }
}

TEST(Transcode, BytesALegacyCharsetRejectsBecomeReplacements)
{
    const std::string r(fffd);
    const std::vector<sample> cases = {
        {"Shift_JIS", "\x93\xFA\xFF\x96\x7B", "日" + r + "本"},
        {"Shift_JIS", "\x93 a", r + " a"}, // a lead byte without its trail byte: the space stays
        {"EUC-KR", "\xC7\xD1\xFF\xB1\xB9", "한" + r + "국"},
        {"Big5", "\xA4\xA4\xFF" "a", "中" + r + "a"},
        // UTF-16 resyncs on the next two-byte unit: a lone surrogate is one replacement.
        {"UTF-16LE", "\x00\xDC" "a\0"s, r + "a"},
        {"UTF-16BE", "\xD8\x3D\0a"s, r + "a"},
    };
    for (const sample& c : cases) {
        SCOPED_TRACE(std::string(c.charset) + ": " + c.utf8);
        EXPECT_EQ(decode_whole(c.charset, c.bytes), c.utf8);
        expect_every_chunking_gives(c.charset, c.bytes, c.utf8);
    }
}

TEST(Transcode, ASequenceTheEndOfTheBodyCutsIsReplaced)
{
    const std::string r(fffd);
    const std::vector<sample> cases = {
        {"UTF-8", "ab\xE2\x82", "ab" + r + r}, // one per byte, as in the middle
        {"UTF-8", "\xF0\x9F\x98", r + r + r},
        {"Shift_JIS", "a\x93", "a" + r},
        {"EUC-KR", "a\xC7", "a" + r},
        {"UTF-16LE", "a\0b"s, "a" + r},
        {"UTF-16BE", "\xD8\x3D", r},
        // Still in JIS X 0208 at the end: the characters are whole, so nothing is missing.
        {"ISO-2022-JP", "\x1B$BF|", "日"},
    };
    for (const sample& c : cases) {
        SCOPED_TRACE(std::string(c.charset) + ": " + c.utf8);
        transcoder t(c.charset);
        std::string out;
        t.decode(c.bytes, out);
        EXPECT_TRUE(c.utf8.starts_with(out)) << "decode gave more than the complete part: " << out;
        t.finish(out);
        EXPECT_EQ(out, c.utf8);
        expect_every_chunking_gives(c.charset, c.bytes, c.utf8);
    }
}

TEST(Transcode, AnUnknownCharsetDecodesAsWindows1252)
{
    EXPECT_EQ(decode_whole("x-no-such-charset", "\x93q\x94 \xE9"), "“q” é");
}

std::string read_fixture(std::string_view name)
{
    std::ifstream in(std::string(CRAWL_FIXTURES) + "/extract/" + std::string(name), std::ios::binary);
    EXPECT_TRUE(in.good()) << "cannot open " << name;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct fixture {
    std::string_view file;
    std::string_view charset;
    std::size_t bom_length;
    std::string_view title;
    std::string_view text; ///< what make_fixtures.sh put in the body's <p>
};

const std::vector<fixture> fixtures = {
    {"euc_kr_meta.html", "EUC-KR", 0, "한국어 제목", "한국어 제목"},
    {"sjis_meta.html", "Shift_JIS", 0, "日本語のタイトル", "日本語のタイトル"},
    {"win1252_meta.html", "windows-1252", 0, "Café “quoted” – dash €", "Café “quoted” – dash €"},
    {"gbk_meta.html", "GBK", 0, "中文标题", "中文"},
    {"big5_meta.html", "Big5", 0, "中文標題", "中文"},
    {"koi8r_header_only.html", "KOI8-R", 0, "Заголовок", "Текст"},
    {"euc_jp_meta.html", "EUC-JP", 0, "日本語のページ", "本文"},
    {"iso2022jp_meta.html", "ISO-2022-JP", 0, "日本語のタイトル", "日本語のタイトル"},
    {"utf8_header_only.html", "UTF-8", 0, "Ünïcödé ☺", "ü"},
    {"utf8_bom_lang.html", "UTF-8", 3, "Français", "é"},
    {"utf16le_bom.html", "UTF-16LE", 2, "日本語のタイトル", "日本語のタイトル"},
    {"utf16be_bom.html", "UTF-16BE", 2, "日本語のタイトル", "日本語のタイトル"},
};

TEST(Transcode, FixturePagesDecodeToTheirTextAtEverySplitPoint)
{
    for (const fixture& f : fixtures) {
        SCOPED_TRACE(std::string(f.file));
        const std::string page = read_fixture(f.file).substr(f.bom_length);
        const std::string whole = decode_whole(f.charset, page);
        EXPECT_TRUE(crawl::text::is_valid_utf8(whole));
        EXPECT_EQ(whole.find(fffd), std::string::npos) << whole;
        EXPECT_TRUE(whole.starts_with("<!DOCTYPE html>\n<html lang=\"xx\"><head>")) << whole;
        EXPECT_NE(whole.find("<title>" + std::string(f.title) + "</title>"), std::string::npos) << whole;
        EXPECT_NE(whole.find("<p>" + std::string(f.text) + " &amp; more</p>"), std::string::npos) << whole;
        EXPECT_TRUE(whole.ends_with("</body>\n</html>\n")) << whole;
        for (std::size_t cut = 1; cut < page.size(); ++cut) {
            transcoder t(f.charset);
            std::string out;
            t.decode(std::string_view(page).substr(0, cut), out);
            t.decode(std::string_view(page).substr(cut), out);
            t.finish(out);
            ASSERT_EQ(out, whole) << "cut at " << cut;
        }
    }
}

TEST(Transcode, FixturePagesDecodeTheSameInRandomChunks)
{
    std::mt19937 rng(20240601);
    for (const fixture& f : fixtures) {
        SCOPED_TRACE(std::string(f.file));
        const std::string page = read_fixture(f.file).substr(f.bom_length);
        const std::string whole = decode_whole(f.charset, page);
        for (int round = 0; round < 50; ++round) {
            transcoder t(f.charset);
            std::string out;
            for (std::size_t at = 0; at < page.size();) {
                const std::size_t n = 1 + rng() % 7;
                t.decode(std::string_view(page).substr(at, n), out);
                at += n;
            }
            t.finish(out);
            ASSERT_EQ(out, whole) << "round " << round;
        }
    }
}

} // namespace
