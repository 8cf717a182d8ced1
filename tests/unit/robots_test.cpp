// robots.txt parsing and matching (RFC 9309), with the RFC's own examples.

#include "crawl/robots/robots.hpp"
#include "support/robots_reference.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace crawl::robots {
namespace {

bool allowed(const rules& r, std::string_view path)
{
    return r.check(path).allowed;
}

// RFC 9309 5.1.
constexpr std::string_view rfc_simple = "User-Agent: *\n"
                                        "Disallow: *.gif$\n"
                                        "Disallow: /example/\n"
                                        "Allow: /publications/\n"
                                        "\n"
                                        "User-Agent: foobot\n"
                                        "Disallow:/\n"
                                        "Allow:/example/page.html\n"
                                        "Allow:/example/allowed.gif\n"
                                        "\n"
                                        "User-Agent: barbot\n"
                                        "User-Agent: bazbot\n"
                                        "Disallow: /example/page.html\n"
                                        "\n"
                                        "User-Agent: quxbot\n";

TEST(RobotsTest, RfcSimpleExampleSelectsGroupsByProductToken)
{
    struct row {
        std::string_view agent;
        std::string_view path;
        bool allowed;
    };
    const row table[] = {
        {"foobot", "/example/page.html", true},      {"foobot", "/example/allowed.gif", true},
        {"foobot", "/publications/", false},         {"foobot", "/", false},
        {"FooBot/1.0", "/example/page.html", true},  {"foobot", "/example/other.gif", false},
        {"barbot", "/example/page.html", false},     {"bazbot", "/example/page.html", false},
        {"barbot", "/example/other.html", true},     {"bazbot", "/x.gif", true},
        {"quxbot", "/example/page.html", true},      {"quxbot", "/x.gif", true},
        {"otherbot", "/x.gif", false},               {"otherbot", "/example/a", false},
        {"otherbot", "/publications/a", true},       {"otherbot", "/index.html", true},
        {"otherbot", "/a.gif?x=1", true}, // '$': the query is part of the matched target
    };
    for (const row& r : table) {
        EXPECT_EQ(allowed(parse(rfc_simple, r.agent), r.path), r.allowed) << r.agent << " " << r.path;
    }
}

TEST(RobotsTest, RfcLongestMatchExample)
{
    // RFC 9309 5.2.
    const auto r = parse("User-Agent: foobot\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif\n",
                         "foobot");
    EXPECT_TRUE(allowed(r, "/example/page/"));
    EXPECT_TRUE(allowed(r, "/example/page/other.gif"));
    EXPECT_FALSE(allowed(r, "/example/page/disallowed.gif"));
    ASSERT_NE(r.check("/example/page/disallowed.gif").matched, nullptr);
    EXPECT_EQ(r.check("/example/page/disallowed.gif").matched->pattern, "/example/page/disallowed.gif");
}

TEST(RobotsTest, AllowWinsATieAndLongerPatternsWin)
{
    const auto tie = parse("user-agent: *\ndisallow: /page\nallow: /page\n", "crawl");
    EXPECT_TRUE(allowed(tie, "/page"));
    EXPECT_TRUE(allowed(tie, "/page/x"));
    const auto tie_reversed = parse("user-agent: *\nallow: /page\ndisallow: /page\n", "crawl");
    EXPECT_TRUE(allowed(tie_reversed, "/page"));
    const auto longer = parse("user-agent: *\nallow: /folder$\ndisallow: /folder\n", "crawl");
    EXPECT_TRUE(allowed(longer, "/folder"));
    EXPECT_FALSE(allowed(longer, "/folder/page"));
    const auto root = parse("user-agent: *\ndisallow: /\nallow: /public/\n", "crawl");
    EXPECT_FALSE(allowed(root, "/private"));
    EXPECT_TRUE(allowed(root, "/public/a"));
    EXPECT_TRUE(allowed(root, "/robots.txt")) << "robots.txt itself is implicitly allowed";
}

TEST(RobotsTest, WildcardAndEndAnchor)
{
    struct row {
        std::string_view pattern;
        std::string_view path;
        bool match;
    };
    const row table[] = {
        {"/fish", "/fish", true},
        {"/fish", "/fish.html", true},
        {"/fish", "/Fish.asp", false},
        {"/fish*", "/fishheads/yummy.html", true},
        {"/fish*", "/catfish", false},
        {"/fish*.php", "/fish.php", true},
        {"/fish*.php", "/fishheads/catfish.php?parameters", true},
        {"/fish*.php", "/Fish.PHP", false},
        {"/*.php$", "/filename.php", true},
        {"/*.php$", "/folder/filename.php", true},
        {"/*.php$", "/filename.php?parameters", false},
        {"/*.php$", "/filename.php/", false},
        {"/*.php$", "/filename.php5", false},
        {"/*.php$", "/a.php.php", true},
        {"/this/*/exactly", "/this/is/exactly", true},
        {"/this/*/exactly", "/this/exactly", false},
        {"/this/path/exactly$", "/this/path/exactly", true},
        {"/this/path/exactly$", "/this/path/exactly/", false},
        {"*", "/anything", true},
        {"/$", "/", true},
        {"/$", "/a", false},
        {"/a*b*c$", "/axxbyyc", true},
        {"/a*b*c$", "/axxbyycz", false},
        {"/a*b*c$", "/abcbc", true},
        {"/a$b", "/a$b", true}, // '$' only anchors at the end of a pattern
        {"/**x", "/yx", true},
    };
    for (const row& r : table) {
        EXPECT_EQ(matches(r.pattern, r.path), r.match) << r.pattern << " vs " << r.path;
    }
}

TEST(RobotsTest, PercentEncodingEquivalence)
{
    // RFC 9309 2.2.2's table: robots.txt path, then the URL path that must match it.
    struct row {
        std::string_view pattern;
        std::string_view path;
    };
    const row table[] = {
        {"/foo/bar?baz=quz", "/foo/bar?baz=quz"},
        {"/foo/bar/\xE3\x83\x84", "/foo/bar/%E3%83%84"},
        {"/foo/bar/%E3%83%84", "/foo/bar/%E3%83%84"},
        {"/foo/bar/%e3%83%84", "/foo/bar/%E3%83%84"},
        {"/foo/bar/%62%61%7A", "/foo/bar/baz"},
        {"/foo/bar/baz", "/foo/bar/%62%61%7a"},
    };
    for (const row& r : table) {
        const auto rs = parse("user-agent: *\ndisallow: " + std::string(r.pattern) + "\n", "crawl");
        EXPECT_FALSE(allowed(rs, r.path)) << r.pattern << " should match " << r.path;
    }
    // A reserved character stays distinct from its escape.
    const auto slash = parse("user-agent: *\ndisallow: /a%2Fb\n", "crawl");
    EXPECT_TRUE(allowed(slash, "/a/b"));
    EXPECT_FALSE(allowed(slash, "/a%2fb"));
    EXPECT_EQ(canonical_path("/a b/%7e/%zz/%"), "/a%20b/~/%25zz/%25");
}

TEST(RobotsTest, GroupsCombineAndRulesOutsideGroupsAreIgnored)
{
    // RFC 9309 2.2.1: groups naming the same agent are combined.
    const std::string body = "Disallow: /before-any-agent\n"
                             "user-agent: ExampleBot\n"
                             "disallow: /foo\n"
                             "disallow: /bar\n"
                             "sitemap: https://example.com/sitemap.xml\n"
                             "\n"
                             "user-agent: *\n"
                             "disallow: /star-only\n"
                             "\n"
                             "user-agent: examplebot\n"
                             "disallow: /baz\n";
    const auto r = parse(body, "ExampleBot");
    EXPECT_FALSE(allowed(r, "/foo"));
    EXPECT_FALSE(allowed(r, "/bar"));
    EXPECT_FALSE(allowed(r, "/baz"));
    EXPECT_TRUE(allowed(r, "/star-only")) << "a named group replaces '*' entirely";
    EXPECT_TRUE(allowed(r, "/before-any-agent"));
    const auto other = parse(body, "crawl");
    EXPECT_FALSE(allowed(other, "/star-only"));
    EXPECT_TRUE(allowed(other, "/foo"));
    EXPECT_EQ(other.list().size(), 1u);
}

TEST(RobotsTest, SyntaxTolerance)
{
    // CR, CRLF and LF line ends, a BOM, comments, odd case and spacing, empty Disallow.
    const std::string body = "\xEF\xBB\xBFUSER-AGENT : crawl # us\r"
                             "  Disallow :   /private   # keep out\r\n"
                             "disallow:\n"
                             "Allow: /private/ok\n"
                             "no colon here\n"
                             "unknown: /x\n";
    const auto r = parse(body, "crawl/0.1.0");
    EXPECT_FALSE(allowed(r, "/private"));
    EXPECT_TRUE(allowed(r, "/private/ok/x"));
    EXPECT_TRUE(allowed(r, "/public"));
    EXPECT_EQ(r.list().size(), 2u);
    EXPECT_TRUE(allowed(parse("", "crawl"), "/anything"));
    EXPECT_TRUE(allowed(parse("user-agent: *\ndisallow:\n", "crawl"), "/anything"));
}

TEST(RobotsTest, ParsesOnlyTheFirst500KiB)
{
    std::string body = "user-agent: *\ndisallow: /early\n";
    while (body.size() < max_bytes - 100) {
        body += "# padding padding padding padding padding padding padding padding padding\n";
    }
    const std::string inside = body + "disallow: /inside\n";
    std::string outside = inside;
    while (outside.size() < max_bytes + 10) {
        outside += "# more padding\n";
    }
    outside += "disallow: /late\n";
    const auto r = parse(outside, "crawl");
    EXPECT_FALSE(allowed(r, "/early"));
    EXPECT_FALSE(allowed(r, "/inside"));
    EXPECT_TRUE(allowed(r, "/late")) << "past 500 KiB is ignored";
    // A rule cut by the limit is dropped, not read as a shorter (wider) rule.
    std::string cut = body;
    cut.append(max_bytes - cut.size() - 15, '#');
    cut += "\ndisallow: /abcdefgh\n"; // the limit falls after "disallow: /abc"
    ASSERT_GT(cut.size(), max_bytes);
    ASSERT_LT(cut.find("disallow: /abcdefgh"), max_bytes);
    EXPECT_TRUE(allowed(parse(cut, "crawl"), "/abc"));
}

TEST(RobotsTest, CrawlDelay)
{
    EXPECT_EQ(parse("user-agent: *\ncrawl-delay: 2.5\n", "crawl").crawl_delay(), 2.5);
    EXPECT_EQ(parse("user-agent: *\ncrawl-delay: 1\nuser-agent: *\ncrawl-delay: 3\n", "crawl").crawl_delay(), 3.0);
    EXPECT_FALSE(parse("user-agent: *\ncrawl-delay: soon\n", "crawl").crawl_delay());
    EXPECT_FALSE(parse("user-agent: *\ncrawl-delay: -1\n", "crawl").crawl_delay());
    EXPECT_FALSE(parse("user-agent: other\ncrawl-delay: 5\n", "crawl").crawl_delay());
    // A Crawl-delay line belongs to its group: the next User-agent starts a new one.
    const auto r = parse("user-agent: a\ncrawl-delay: 4\nuser-agent: crawl\ndisallow: /x\n", "crawl");
    EXPECT_FALSE(r.crawl_delay());
    EXPECT_FALSE(allowed(r, "/x"));
}

TEST(RobotsTest, ProductToken)
{
    EXPECT_EQ(product_token("crawl/0.1.0"), "crawl");
    EXPECT_EQ(product_token("MyBot/2.1 (+https://example.com/bot)"), "MyBot");
    EXPECT_EQ(product_token("  Foo-Bar_x "), "Foo-Bar_x");
    EXPECT_EQ(product_token("007"), "007");
}

TEST(RobotsTest, PrefixIndexDecidesAsTryingEveryRule)
{
    // Short patterns and paths over a tiny alphabet, so literal prefixes nest and collide,
    // wildcards and anchors sit anywhere, and most paths match several rules.
    std::mt19937 rng(9309);
    const auto pick = [&rng](std::string_view alphabet, std::size_t max_len, std::size_t first_fixed) {
        std::string out = first_fixed ? "/" : "";
        const std::size_t len = std::uniform_int_distribution<std::size_t>(0, max_len)(rng);
        for (std::size_t i = 0; i < len; ++i) {
            out += alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
        }
        return out;
    };
    std::size_t decided_by_a_rule = 0;
    for (int round = 0; round < 300; ++round) {
        std::vector<rule> list;
        const int n = std::uniform_int_distribution<int>(1, 40)(rng);
        for (int i = 0; i < n; ++i) {
            list.push_back({rng() % 2 == 0, pick("/ab*$", 6, rng() % 4)});
        }
        const rules r(list);
        for (int i = 0; i < 40; ++i) {
            const std::string path = pick("/ab$", 8, rng() % 8);
            const auto expected = crawl::test::reference_check(r, path);
            const auto got = r.check(path);
            ASSERT_EQ(got.allowed, expected.allowed) << "path " << path << ", round " << round;
            ASSERT_EQ(got.matched != nullptr, expected.matched) << "path " << path << ", round " << round;
            if (got.matched != nullptr) {
                ASSERT_EQ(got.matched->pattern.size(), expected.longest) << "path " << path << ", round " << round;
                ++decided_by_a_rule;
            }
        }
    }
    EXPECT_GT(decided_by_a_rule, 3000U) << "the generator should make most paths match some rule";
}

TEST(RobotsTest, EveryRuleOfANearlyHalfMegabyteFileCounts)
{
    // 16,000 Disallow lines and 3,200 longer Allow lines: about 440 KB, under the 500 KiB the
    // RFC asks crawlers to read. Each must still decide the paths it is the longest match for.
    std::string body = "User-agent: *\n";
    for (int i = 0; i < 16000; ++i) {
        body += "Disallow: /item/" + std::to_string(i) + "/\n";
    }
    for (int i = 0; i < 16000; i += 5) {
        body += "Allow: /item/" + std::to_string(i) + "/public\n";
    }
    ASSERT_LT(body.size(), max_bytes);
    const auto r = parse(body, "crawl");
    EXPECT_EQ(r.list().size(), 19200U);
    EXPECT_FALSE(allowed(r, "/item/15999/x"));
    EXPECT_FALSE(allowed(r, "/item/0/"));
    EXPECT_TRUE(allowed(r, "/item/16000/"));
    EXPECT_TRUE(allowed(r, "/item/1"));
    EXPECT_TRUE(allowed(r, "/item/15995/public/page"));
    EXPECT_FALSE(allowed(r, "/item/15996/public/page"));
    EXPECT_EQ(r.check("/item/10/public").matched->pattern, "/item/10/public");
}

TEST(RobotsTest, SitemapLinesBelongToNoGroup)
{
    // RFC 9309 2.3.5: Sitemap lines are independent of the user-agent groups; each crawler
    // gets all of them, whether they stand before, inside or after any group.
    const std::string body = "Sitemap: https://example.com/before-groups.xml\n"
                             "User-agent: otherbot\n"
                             "Disallow: /\n"
                             "sitemap: https://example.com/inside-other-group.xml.gz\n"
                             "\n"
                             "User-agent: *\n"
                             "SITEMAP :  http://Example.COM:80/a/../news.xml  # comment\n"
                             "Disallow: /private\n"
                             "Sitemap: https://cdn.example.net/s%C3%A9/m\xC3\xA9.xml\n"
                             "Sitemap: https://example.com/before-groups.xml\n";
    const std::vector<std::string> expected = {
        "https://example.com/before-groups.xml",
        "https://example.com/inside-other-group.xml.gz",
        "http://example.com/news.xml",
        "https://cdn.example.net/s%C3%A9/m%C3%A9.xml",
    };
    for (const std::string_view agent : {"crawl/1.0", "otherbot", "Googlebot"}) {
        const auto r = parse(body, agent);
        EXPECT_EQ(r.sitemaps(), expected) << agent;
    }
    // The Sitemap lines do not end the '*' group: its Disallow after one still counts.
    EXPECT_FALSE(allowed(parse(body, "crawl"), "/private"));
    EXPECT_FALSE(allowed(parse(body, "otherbot"), "/anything"));
}

TEST(RobotsTest, SitemapLinesMustBeAbsoluteHttpUrls)
{
    const std::string body = "Sitemap: /relative/sitemap.xml\n"
                             "Sitemap: sitemap.xml\n"
                             "Sitemap: ftp://example.com/sitemap.xml\n"
                             "Sitemap:\n"
                             "Sitemap: https://exa mple.com/x.xml\n"
                             "Sitemap: https://example.com/" + std::string(9000, 'a') + "\n"
                             "Sitemap: https://example.com/ok.xml\n";
    const auto r = parse(body, "crawl");
    EXPECT_EQ(r.sitemaps(), std::vector<std::string>{"https://example.com/ok.xml"});
    EXPECT_TRUE(parse("User-agent: *\nDisallow: /\n", "crawl").sitemaps().empty());
}

TEST(RobotsTest, ManySitemapLinesAreKeptOnceEachAndCounted)
{
    // A half-megabyte file of Sitemap lines, every URL twice: each kept once, in file order,
    // and their bytes count in the rules' memory (the supervisor's robots cache budget).
    std::string body;
    int distinct = 0;
    for (; body.size() < max_bytes - 200; ++distinct) {
        const std::string line = "Sitemap: https://example.com/sitemap-" + std::to_string(distinct) + ".xml\n";
        body += line + line;
    }
    const auto r = parse(body, "crawl");
    ASSERT_EQ(r.sitemaps().size(), static_cast<std::size_t>(distinct));
    EXPECT_EQ(r.sitemaps().front(), "https://example.com/sitemap-0.xml");
    EXPECT_EQ(r.sitemaps().back(), "https://example.com/sitemap-" + std::to_string(distinct - 1) + ".xml");
    EXPECT_GT(r.memory_bytes(), static_cast<std::size_t>(distinct) * 40);
    EXPECT_LT(parse("User-agent: *\nDisallow: /x\n", "crawl").memory_bytes(), 200U);
}

} // namespace
} // namespace crawl::robots
