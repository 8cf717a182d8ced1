// Unit tests of crawl::extract's charset functions: Content-Type parsing, label mapping and
// the charset decision (BOM, header, <meta> prescan, UTF-8 sniffing, fallback).

#include "crawl/extract/charset.hpp"

#include <gtest/gtest.h>
#include <iconv.h>

#include <string>
#include <vector>

namespace {

using crawl::extract::canonical_charset;
using crawl::extract::charset_decision;
using crawl::extract::charset_source;
using crawl::extract::decide_charset;

TEST(CharsetContentType, ExtractsTheCharsetParameter)
{
    using crawl::extract::charset_from_content_type;
    EXPECT_EQ(charset_from_content_type("text/html; charset=UTF-8"), "utf-8");
    EXPECT_EQ(charset_from_content_type("text/html;charset=\"Shift_JIS\""), "shift_jis");
    EXPECT_EQ(charset_from_content_type("text/html; CHARSET = euc-kr ;foo=bar"), "euc-kr");
    EXPECT_EQ(charset_from_content_type("text/html; foo=\"a;charset=x\"; charset=gbk"), "gbk");
    EXPECT_EQ(charset_from_content_type("text/html; foo; charset=iso-8859-1"), "iso-8859-1");
    EXPECT_EQ(charset_from_content_type("text/html; charset=\"a\\\"b\""), "a\"b");
    EXPECT_EQ(charset_from_content_type("text/html"), "");
    EXPECT_EQ(charset_from_content_type(""), "");
    EXPECT_EQ(charset_from_content_type("text/html; charset="), "");
    EXPECT_EQ(charset_from_content_type("text/html; charset"), "");
}

TEST(CharsetContentType, MediaType)
{
    using crawl::extract::is_html_media_type;
    using crawl::extract::media_type;
    EXPECT_EQ(media_type("Text/HTML; charset=utf-8"), "text/html");
    EXPECT_EQ(media_type("  application/xhtml+xml  "), "application/xhtml+xml");
    EXPECT_EQ(media_type(""), "");
    EXPECT_TRUE(is_html_media_type("text/html"));
    EXPECT_TRUE(is_html_media_type("application/xhtml+xml"));
    EXPECT_FALSE(is_html_media_type("text/plain"));
    EXPECT_FALSE(is_html_media_type("application/json"));
    EXPECT_FALSE(is_html_media_type(""));
}

TEST(CharsetLabels, MapsWhatwgLabels)
{
    const std::vector<std::pair<std::string_view, std::string_view>> cases = {
        {"utf-8", "UTF-8"},
        {"UTF8", "UTF-8"},
        {" unicode-1-1-utf-8 ", "UTF-8"},
        {"latin1", "windows-1252"},
        {"ISO-8859-1", "windows-1252"},
        {"iso8859-1", "windows-1252"},
        {"l1", "windows-1252"},
        {"us-ascii", "windows-1252"},
        {"ascii", "windows-1252"},
        {"cp1252", "windows-1252"},
        {"x-cp1252", "windows-1252"},
        {"Shift_JIS", "Shift_JIS"},
        {"sjis", "Shift_JIS"},
        {"ms_kanji", "Shift_JIS"},
        {"x-sjis", "Shift_JIS"},
        {"windows-31j", "Shift_JIS"},
        {"csshiftjis", "Shift_JIS"},
        {"euc-kr", "EUC-KR"},
        {"ks_c_5601-1987", "EUC-KR"},
        {"windows-949", "EUC-KR"},
        {"gb2312", "GBK"},
        {"GBK", "GBK"},
        {"x-gbk", "GBK"},
        {"chinese", "GBK"},
        {"gb18030", "gb18030"},
        {"euc-jp", "EUC-JP"},
        {"iso-2022-jp", "ISO-2022-JP"},
        {"big5", "Big5"},
        {"koi8-r", "KOI8-R"},
        {"koi8-u", "KOI8-U"},
        {"windows-1251", "windows-1251"},
        {"iso-8859-9", "windows-1254"},
        {"iso-8859-2", "ISO-8859-2"},
        {"iso-8859-15", "ISO-8859-15"},
        {"iso-8859-8-i", "ISO-8859-8"}, // same bytes; glibc iconv has no ISO-8859-8-I
        {"utf-16", "UTF-16LE"},
        {"utf-16be", "UTF-16BE"},
        {"", ""},
        {"x-user-defined", ""},
        {"klingon", ""},
        {"utf-8 garbage", ""},
        {std::string_view("utf-8\0", 6), ""},
        {"a-very-long-label-that-is-certainly-not-an-encoding-name", ""},
    };
    for (const auto& [label, name] : cases) {
        SCOPED_TRACE(std::string(label));
        EXPECT_EQ(canonical_charset(label), name);
    }
}

// Every name canonical_charset can emit, so the test below covers all of them.
const std::vector<std::string_view> all_names = {
    "UTF-8", "windows-1252", "Shift_JIS", "EUC-KR", "GBK", "gb18030", "EUC-JP", "ISO-2022-JP", "Big5",
    "KOI8-R", "KOI8-U", "IBM866", "macintosh", "windows-874", "windows-1250", "windows-1251",
    "windows-1253", "windows-1254", "windows-1255", "windows-1256", "windows-1257", "windows-1258",
    "ISO-8859-2", "ISO-8859-3", "ISO-8859-4", "ISO-8859-5", "ISO-8859-6", "ISO-8859-7", "ISO-8859-8",
    "ISO-8859-10", "ISO-8859-13", "ISO-8859-14", "ISO-8859-15", "ISO-8859-16",
    "UTF-16LE", "UTF-16BE",
};

TEST(CharsetLabels, EveryCanonicalNameIsKnownToIconv)
{
    for (const std::string_view name : all_names) {
        SCOPED_TRACE(std::string(name));
        EXPECT_EQ(canonical_charset(name), name) << "a canonical name maps to itself";
        const std::string z(name);
        iconv_t cd = iconv_open("UTF-8", z.c_str());
        EXPECT_NE(cd, reinterpret_cast<iconv_t>(-1)) << "iconv does not know it";
        if (cd != reinterpret_cast<iconv_t>(-1)) {
            iconv_close(cd);
        }
    }
}

struct decision_case {
    std::string_view what;
    std::string_view header;
    std::string_view head;
    std::string_view name;
    charset_source source;
    std::size_t bom_length;
};

TEST(CharsetDecision, FollowsThePrecedence)
{
    const std::vector<decision_case> cases = {
        {"header wins over meta", "euc-kr", "<meta charset=shift_jis>", "EUC-KR", charset_source::header, 0},
        {"header wins over sniffing", "iso-8859-2", "caf\xC3\xA9", "ISO-8859-2", charset_source::header, 0},
        {"unknown header falls through", "klingon", "<meta charset=gbk>", "GBK", charset_source::meta, 0},
        {"UTF-8 BOM", "", "\xEF\xBB\xBF<html>", "UTF-8", charset_source::bom, 3},
        {"BOM wins over header", "windows-1252", "\xEF\xBB\xBF<html>", "UTF-8", charset_source::bom, 3},
        {"BOM wins over meta", "", "\xEF\xBB\xBF<meta charset=euc-kr>", "UTF-8", charset_source::bom, 3},
        {"UTF-16LE BOM", "", "\xFF\xFE<\0h\0", "UTF-16LE", charset_source::bom, 2},
        {"UTF-16BE BOM", "", "\xFE\xFF\0<\0h", "UTF-16BE", charset_source::bom, 2},
        {"meta charset", "", "<html><head><meta charset=\"Shift_JIS\">", "Shift_JIS", charset_source::meta, 0},
        {"meta charset unquoted", "", "<META CHARSET=euc-kr>", "EUC-KR", charset_source::meta, 0},
        {"meta charset self-closing", "", "<meta charset='gbk'/>", "GBK", charset_source::meta, 0},
        {"http-equiv", "", "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=EUC-JP\">", "EUC-JP",
         charset_source::meta, 0},
        {"http-equiv content first", "", "<meta content='text/html;charset=koi8-r' http-equiv='content-type'>",
         "KOI8-R", charset_source::meta, 0},
        {"content without http-equiv is ignored", "", "<meta content=\"text/html; charset=euc-kr\">",
         "UTF-8", charset_source::sniffed_utf8, 0},
        {"meta in a comment is ignored", "", "<!-- <meta charset=euc-kr> --><p>x", "UTF-8",
         charset_source::sniffed_utf8, 0},
        {"meta after a comment counts", "", "<!-- x --><meta charset=euc-kr>", "EUC-KR", charset_source::meta, 0},
        {"unterminated comment hides the rest", "", "<!-- <meta charset=euc-kr>", "UTF-8",
         charset_source::sniffed_utf8, 0},
        {"meta inside an attribute value is ignored", "", "<a title='<meta charset=euc-kr>'>x</a>", "UTF-8",
         charset_source::sniffed_utf8, 0},
        {"unknown label, later meta wins", "", "<meta charset=klingon><meta charset=big5>", "Big5",
         charset_source::meta, 0},
        {"meta utf-16 means UTF-8", "", "<meta charset=utf-16le>\xE9", "UTF-8", charset_source::meta, 0},
        {"first meta wins", "", "<meta charset=gbk><meta charset=euc-kr>", "GBK", charset_source::meta, 0},
        {"meta cut by the end of head", "", "<meta charset=euc-", "UTF-8", charset_source::sniffed_utf8, 0},
        {"metadata is no meta", "", "<metadata charset=euc-kr>", "UTF-8", charset_source::sniffed_utf8, 0},
        {"valid UTF-8", "", "<title>caf\xC3\xA9 \xE2\x82\xAC</title>", "UTF-8", charset_source::sniffed_utf8, 0},
        {"UTF-8 cut at the end", "", "<title>\xE2\x82", "UTF-8", charset_source::sniffed_utf8, 0},
        {"pure ASCII", "", "<p>hello</p>", "UTF-8", charset_source::sniffed_utf8, 0},
        {"empty body", "", "", "UTF-8", charset_source::sniffed_utf8, 0},
        {"invalid UTF-8", "", "<title>caf\xE9</title>", "windows-1252", charset_source::fallback, 0},
        {"invalid UTF-8, then a cut sequence", "", "<title>caf\xE9 \xE2\x82", "windows-1252",
         charset_source::fallback, 0},
        {"a lone lead byte at the very end may be a cut sequence", "", "<title>caf\xE9", "UTF-8",
         charset_source::sniffed_utf8, 0},
        {"a byte that starts no sequence is no cut sequence", "", "<title>caf\xFF", "windows-1252",
         charset_source::fallback, 0},
        {"an ill-formed start is no cut sequence", "", "<title>caf\xE0\x80", "windows-1252",
         charset_source::fallback, 0},
    };
    for (const decision_case& c : cases) {
        SCOPED_TRACE(std::string(c.what));
        const charset_decision d = decide_charset(c.header, c.head);
        EXPECT_EQ(d.name, c.name);
        EXPECT_EQ(d.source, c.source);
        EXPECT_EQ(d.bom_length, c.bom_length);
    }
}

TEST(CharsetDecision, PrescanSurvivesHostileHeads)
{
    // Unterminated constructs of every kind: none may read past the end (ASan checks).
    for (const std::string_view head :
         {"<", "<m", "<meta", "<meta ", "<meta charset", "<meta charset=", "<meta charset=\"gbk", "<!", "<!-",
          "<!--", "</", "</a", "<a b='", "<?xml", "<meta content=\"charset=", "<meta content='charset=\"x"}) {
        SCOPED_TRACE(std::string(head));
        const charset_decision d = decide_charset("", head);
        EXPECT_EQ(d.name, "UTF-8");
    }
}

} // namespace
