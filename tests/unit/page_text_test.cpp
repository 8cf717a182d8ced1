// How the extractor reads a page's text (src/extract/page_text.hpp): titles collapsed as
// document.title is, token lists, and NULs turned into U+FFFD in place.

#include "extract/page_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace crawl::extract {
namespace {

using namespace std::string_literals;

TEST(PageText, CollapseJoinsWhitespaceRunsAndTrims)
{
    EXPECT_EQ(collapse(" \t A \n\r\f b  c \t"), "A b c");
    EXPECT_EQ(collapse("a\vb"), "a\vb") << "VT is not HTML whitespace";
    EXPECT_EQ(collapse(""), "");
}

TEST(PageText, CollapseStopsAtTheTextCapOnACharacterBoundary)
{
    const std::string title = std::string(max_text_bytes - 1, 'x') + "\xC3\xA9" + "tail";
    const std::string taken = collapse(title);
    EXPECT_EQ(taken, std::string(max_text_bytes - 1, 'x')) << "the é would cross the cap: it goes whole";
}

TEST(PageText, TokenListsAreSpaceSeparatedAndCaseInsensitive)
{
    EXPECT_TRUE(has_token("nofollow", "nofollow"));
    EXPECT_TRUE(has_token("  NoFollow\tcanonical ", "canonical"));
    EXPECT_TRUE(has_token("a\fNOFOLLOW", "nofollow"));
    EXPECT_FALSE(has_token("nofollowx", "nofollow"));
    EXPECT_FALSE(has_token("", "nofollow"));
}

TEST(PageText, NulsBecomeReplacementCharactersFromTheGivenOffset)
{
    std::string s = "a\0b"s + "\0\0"s + "c\0"s;
    replace_nuls(s, 0);
    EXPECT_EQ(s, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD" "c\xEF\xBF\xBD");

    std::string kept = "\0x"s;
    kept += "\0y"s;
    replace_nuls(kept, 2);
    EXPECT_EQ(kept, "\0x\xEF\xBF\xBDy"s) << "what came before `from` is left alone";

    std::string none = "plain";
    replace_nuls(none, 0);
    EXPECT_EQ(none, "plain");
}

TEST(PageText, NulsGiveTheSameTextWhereverThePendingTextIsCut)
{
    const std::string page = "\0<title>\0t\0</title>\0\0 body \0"s;
    std::string whole = page;
    replace_nuls(whole, 0);
    for (std::size_t cut = 0; cut <= page.size(); ++cut) {
        std::string pending = page.substr(0, cut);
        replace_nuls(pending, 0);
        const std::size_t from = pending.size();
        pending += page.substr(cut);
        replace_nuls(pending, from);
        EXPECT_EQ(pending, whole) << "cut at " << cut;
    }
}

} // namespace
} // namespace crawl::extract
