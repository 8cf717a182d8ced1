// How the extractor reads a page's text (src/extract/page_text.hpp): titles collapsed as
// document.title is, and token lists.

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

} // namespace
} // namespace crawl::extract
