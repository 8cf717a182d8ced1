// What a page lets a recursive crawl follow (page_info::follow, page_info::nofollow): the
// elements that lead elsewhere, rel=nofollow, <meta name=robots> and <meta name=crawl> (and
// the X-Robots-Tag response field, read apart from the body), where
// in the document they count, and that none of it depends on how the body is split or changes
// what `links` holds (docs/design.md, "HTML extraction", "What a crawl follows"); and, on the
// synthetic web's pages, exactly what its model says a crawler follows.

#include "crawl/extract/html_extractor.hpp"
#include "crawl/extract/robots_header.hpp"
#include "support/web/web.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using crawl::extract::extract_options;
using crawl::extract::html_extractor;
using crawl::extract::page_info;
using urls = std::vector<std::string>;

constexpr std::string_view page_url = "https://example.com/dir/page.html";
constexpr extract_options both{.keep_links = true, .keep_follow = true};

/// Extracts `body` fed in pieces of the sizes `next` returns (whole when empty).
page_info extract(std::string_view body, extract_options opts = both,
                  const std::function<std::size_t()>& next = {})
{
    html_extractor x(page_url, "utf-8", opts);
    while (!body.empty()) {
        const std::size_t n = next ? std::min(body.size(), next()) : body.size();
        x.feed(body.substr(0, n));
        body.remove_prefix(n);
    }
    x.finish();
    return x.result();
}

std::string url(std::string_view path)
{
    return "https://example.com" + std::string(path);
}

TEST(ExtractFollow, AnchorsAreasFramesAndIframesAreFollowedAndOnlyAnchorsAndAreasAreLinks)
{
    const page_info p = extract("<a href=/a>a</a>"
                                "<map><area href=/area alt=x></map>"
                                "<frameset><frame src=/frame></frameset>"
                                "<iframe src=/iframe>fallback <a href=/fallback>x</a></iframe>"
                                "<svg><a href=/svg-a><text>s</text></a></svg>"
                                "<IFRAME SRC=/upper></IFRAME>"
                                "<img src=/img.png><script src=/s.js></script><embed src=/e.swf>"
                                "<link rel=next href=/next><video src=/v.mp4></video>"
                                "<iframe src=''></iframe><iframe srcdoc='<a href=/doc>'></iframe><frame>");
    EXPECT_EQ(p.follow, (urls{url("/a"), url("/area"), url("/frame"), url("/iframe"), url("/svg-a"), url("/upper")}));
    EXPECT_EQ(p.links, (urls{url("/a"), url("/area"), url("/svg-a")}));
    EXPECT_EQ(p.links_count, 3U);
    EXPECT_FALSE(p.nofollow);
}

TEST(ExtractFollow, RelNofollowKeepsALinkOutOfFollowButInLinks)
{
    const page_info p = extract("<a rel=\"NoFollow noopener\" href=/mixed-case>1</a>"
                                "<a rel=nofollow href=/bare>2</a>"
                                "<a rel=\"\tNOFOLLOW\n\" href=/spaced>3</a>"
                                "<map><area rel=\"external nofollow\" href=/area></map>"
                                "<svg><a rel=nofollow href=/svg></a></svg>"
                                "<a rel=nofollowed href=/not-the-token>4</a>"
                                "<a rel=\"noopener noreferrer\" href=/other-rel>5</a>"
                                "<a rel=\"ugc, sponsored\" href=/hint>6</a>"
                                // A later link without nofollow to the same URL is followed;
                                // one with nofollow after a followed one takes nothing back.
                                "<a rel=nofollow href=/twice>7</a><a href=/twice>8</a>"
                                "<a href=/once>9</a><a rel=nofollow href=/once>10</a>");
    EXPECT_EQ(p.follow, (urls{url("/not-the-token"), url("/other-rel"), url("/hint"), url("/twice"), url("/once")}));
    EXPECT_EQ(p.links, (urls{url("/mixed-case"), url("/bare"), url("/spaced"), url("/area"), url("/svg"),
                             url("/not-the-token"), url("/other-rel"), url("/hint"), url("/twice"), url("/once")}));
    EXPECT_FALSE(p.nofollow);
}

TEST(ExtractFollow, MetaRobotsNofollowEmptiesFollowWhereverItStands)
{
    const std::string links = "<a href=/a>a</a><iframe src=/f></iframe>";
    for (const std::string meta : {"<meta name=robots content=nofollow>",
                                   "<meta name=\"ROBOTS\" content=\" NoIndex , NOFOLLOW \">",
                                   "<meta name=robots content=\"noindex nofollow\">",
                                   "<meta name=robots content=none>",
                                   "<meta name=\" robots \" content=\"noarchive,NONE\">",
                                   "<meta name=crawl content=nofollow>",
                                   "<meta name=Crawl content=\"none\">"}) {
        for (const std::string& body : {meta + links, links + meta, links + "<svg>" + meta + "</svg>"}) {
            SCOPED_TRACE(body);
            const page_info p = extract(body);
            EXPECT_TRUE(p.nofollow);
            EXPECT_TRUE(p.follow.empty());
            EXPECT_EQ(p.links, urls{url("/a")}); // the record's links keep their meaning
        }
    }
}

TEST(ExtractFollow, OtherRobotsDirectivesAndOtherAgentsDoNotStopFollowing)
{
    for (const std::string meta : {"<meta name=robots content=noindex>",
                                   "<meta name=robots content=\"noindex, noarchive\">",
                                   "<meta name=robots content=nofollowing>",
                                   "<meta name=robots content=\"index,follow\">",
                                   "<meta name=robots>",
                                   "<meta content=nofollow>",
                                   "<meta name=googlebot content=nofollow>",
                                   "<meta name=description content=nofollow>",
                                   "<meta http-equiv=robots content=nofollow>",
                                   "<template><meta name=robots content=nofollow></template>"}) {
        SCOPED_TRACE(meta);
        const page_info p = extract(meta + "<a href=/a>a</a>");
        EXPECT_FALSE(p.nofollow);
        EXPECT_EQ(p.follow, urls{url("/a")});
    }
}

// The <meta name> that speaks to crawl is its robots.txt product token, whatever it is set to.
TEST(ExtractFollow, TheRobotsAgentNamesItsOwnMeta)
{
    extract_options mybot = both;
    mybot.robots_agent = "MyBot";
    EXPECT_TRUE(extract("<meta name=mybot content=nofollow><a href=/a>a</a>", mybot).nofollow);
    EXPECT_TRUE(extract("<meta name=robots content=nofollow><a href=/a>a</a>", mybot).nofollow);
    EXPECT_FALSE(extract("<meta name=crawl content=nofollow><a href=/a>a</a>", mybot).nofollow);
    mybot.robots_agent = "";
    EXPECT_FALSE(extract("<meta name='' content=nofollow><a href=/a>a</a>", mybot).nofollow);
}

// Frames count where links count: in <template> (scripts stamp it into the page), not inside
// RAWTEXT or RCDATA, and an SVG <iframe> is no iframe.
TEST(ExtractFollow, XRobotsTagNofollowOrNoneForEveryCrawlerOrForOurs)
{
    using crawl::extract::x_robots_tag_says_nofollow;
    for (const char* fields : {"nofollow", "NoFollow", "none", "noindex, nofollow", "noindex nofollow",
                               "noarchive\nnofollow", "crawl: nofollow", "CRAWL: none", "otherbot: noindex, crawl: nofollow",
                               "unavailable_after: 25 Jun 2026 15:00:00 PST, nofollow",
                               "max-snippet: 20, nofollow", " nofollow ", "otherbot: noindex\nnofollow"}) {
        EXPECT_TRUE(x_robots_tag_says_nofollow(fields, "crawl")) << fields;
    }
    for (const char* fields : {"", "noindex", "noarchive, nosnippet", "otherbot: nofollow", "otherbot: noindex, nofollow",
                               "nofollowing", "unavailable_after: 25 Jun 2026 nofollow-ish", "crawler: nofollow",
                               "otherbot: none\nnoindex", "max-snippet: none"}) {
        EXPECT_FALSE(x_robots_tag_says_nofollow(fields, "crawl")) << fields;
    }
    EXPECT_FALSE(x_robots_tag_says_nofollow("crawl: nofollow", "")) << "no agent: only directives for everyone";
    EXPECT_TRUE(x_robots_tag_says_nofollow("nofollow", ""));
}

TEST(ExtractFollow, MetaRefreshUrlIsFollowedNotALink)
{
    const auto follows = [](const std::string& meta) {
        return extract("<head>" + meta + "</head><a href=a.html>a</a>", both).follow;
    };
    const std::string a = "https://example.com/dir/a.html";
    const std::string next = "https://example.com/dir/next.html";
    for (const char* meta : {R"(<meta http-equiv=refresh content="0; url=next.html">)",
                             R"(<meta http-equiv="Refresh" content="5;URL='next.html'">)",
                             R"(<meta content='3 , url = "next.html" trailing"' http-equiv=REFRESH>)",
                             R"(<meta http-equiv=refresh content="0.5 next.html">)",
                             R"(<meta http-equiv=refresh content=".5;next.html">)",
                             R"(<meta http-equiv=refresh content="0;url=/dir/next.html">)",
                             R"(<meta http-equiv=refresh content="1; url=https://example.com/dir/next.html#top">)"}) {
        EXPECT_EQ(follows(meta), (urls{next, a})) << meta;
    }
    // "url" not followed by "=": the rest is the URL, as it is.
    EXPECT_EQ(follows(R"(<meta http-equiv=refresh content="0; urlnext.html">)"),
              (urls{"https://example.com/dir/urlnext.html", a}));
    for (const char* meta : {R"(<meta http-equiv=refresh content="0">)", R"(<meta http-equiv=refresh content="">)",
                             R"(<meta http-equiv=refresh content="soon; url=next.html">)",
                             R"(<meta http-equiv=refresh content="0x; url=next.html">)",
                             R"(<meta http-equiv=refresh content="0; url=''">)",
                             R"(<meta http-equiv=refreshed content="0; url=next.html">)",
                             R"(<meta name=refresh content="0; url=next.html">)",
                             R"(<template><meta http-equiv=refresh content="0; url=next.html"></template>)"}) {
        EXPECT_EQ(follows(meta), (urls{a})) << meta;
    }
    const page_info page = extract(R"(<meta http-equiv=refresh content="0; url=next.html"><a href=a.html>a</a>)", both);
    EXPECT_EQ(page.links, (urls{a})) << "a refresh is no link";
    EXPECT_EQ(page.links_count, 1U);
    EXPECT_TRUE(extract(R"(<meta http-equiv=refresh content="0; url=next.html"><meta name=robots content=nofollow>)", both)
                    .follow.empty());
}

TEST(ExtractFollow, FramesCountWhereLinksCount)
{
    const page_info p = extract("<noscript><iframe src=/in-noscript></iframe><a href=/a-in-noscript>x</a></noscript>"
                                "<template><iframe src=/in-template></iframe><frame src=/frame-in-template>"
                                "<a href=/a-in-template>x</a></template>"
                                "<textarea><iframe src=/in-textarea></iframe></textarea>"
                                "<iframe src=/outer><iframe src=/in-fallback></iframe></iframe>"
                                "<noframes><frame src=/in-noframes></noframes>"
                                "<svg><iframe src=/svg-iframe></iframe><foreignObject><iframe src=/html-iframe>"
                                "</iframe></foreignObject></svg>"
                                "<math><mi><iframe src=/math-integration></iframe></mi></math>");
    EXPECT_EQ(p.follow, (urls{url("/in-template"), url("/frame-in-template"), url("/a-in-template"), url("/outer"),
                              url("/html-iframe"), url("/math-integration")}));
    EXPECT_EQ(p.links, urls{url("/a-in-template")});
}

TEST(ExtractFollow, BaseHrefAppliesToSrcAsToHref)
{
    const page_info p = extract("<iframe src=before.html></iframe>"
                                "<base href=\"https://cdn.example/sub/\">"
                                "<iframe src=framed.html></iframe><frame src=../up.html>"
                                "<a href=before.html>same href, new base</a>");
    EXPECT_EQ(p.follow, (urls{"https://example.com/dir/before.html", "https://cdn.example/sub/framed.html",
                              "https://cdn.example/up.html", "https://cdn.example/sub/before.html"}));
}

TEST(ExtractFollow, DuplicatesOtherSchemesAndOverlongUrlsAreDropped)
{
    const std::string long_path(crawl::extract::max_url_bytes, 'x');
    const page_info p = extract("<a href=/d>d</a><iframe src=/d></iframe><frame src=\"/d#frag\">"
                                "<iframe src=\"HTTPS://EXAMPLE.COM:443/d\"></iframe>"
                                "<iframe src=\"javascript:''\"></iframe><iframe src=about:blank></iframe>"
                                "<frame src=\"data:text/html,x\"><iframe src=\"ftp://example.com/f\"></iframe>"
                                "<iframe src=\"mailto:a@b.c\"></iframe><iframe src=\"/" + long_path + "\"></iframe>"
                                "<iframe src=\"http://other.example\"></iframe>"
                                "<a href=\"http://other.example/\">o</a>");
    EXPECT_EQ(p.follow, (urls{url("/d"), "http://other.example/"}));
}

TEST(ExtractFollow, CollectedOnlyWhenAskedAndNothingElseChanges)
{
    const std::string body = "<title>T</title><a href=/a>a</a><a rel=nofollow href=/n>n</a>"
                             "<iframe src=/f></iframe><img src=/i.png><meta name=robots content=noindex>";
    const page_info all = extract(body);
    ASSERT_EQ(all.follow, (urls{url("/a"), url("/f")}));

    const page_info links_only = extract(body, {.keep_links = true});
    EXPECT_TRUE(links_only.follow.empty());
    EXPECT_EQ(links_only.links, all.links);
    EXPECT_EQ(links_only.links_count, all.links_count);
    EXPECT_EQ(links_only.title, all.title);

    const page_info follow_only = extract(body, {.keep_follow = true});
    EXPECT_EQ(follow_only.follow, all.follow);
    EXPECT_TRUE(follow_only.links.empty());
    EXPECT_EQ(follow_only.links_count, 2U);

    // nofollow is the page's, reported whether or not a follow list was asked for.
    EXPECT_TRUE(extract("<meta name=robots content=nofollow>", {}).nofollow);
}

// A page with every kind of followed element, rel and meta, split into every chunk size.
std::string follow_page(bool meta_at_end)
{
    std::ostringstream html;
    html << "<html><head><title>F</title><base href=\"/base/\"></head><body>\n";
    for (int i = 0; i < 300; ++i) {
        html << "<a href=\"a/" << i % 250 << "?q=&amp;r\">x</a>";
        if (i % 3 == 0) {
            html << "<a rel=\"NoFollow\" href=\"n/" << i << "\">n</a>";
        }
        html << "<iframe src=\"f/" << i % 40 << "\">fallback <a href=/hidden></iframe>"
             << "<map><area href=\"area/" << i % 90 << "\" rel=\"external\"></map><frame src=\"fr/" << i << "\">"
             << "<template><iframe src=\"t/" << i % 17 << "\"></iframe></template>\n";
    }
    if (meta_at_end) {
        html << "<meta name=\"robots\" content=\"noindex, nofollow\">";
    }
    html << "</body></html>\n";
    return html.str();
}

TEST(ExtractFollow, ResultDoesNotDependOnChunking)
{
    std::mt19937 rng(20261202);
    for (const bool meta_at_end : {false, true}) {
        SCOPED_TRACE(meta_at_end ? "meta robots at the end" : "no meta robots");
        const std::string body = follow_page(meta_at_end);
        const page_info whole = extract(body);
        EXPECT_EQ(whole.nofollow, meta_at_end);
        EXPECT_EQ(whole.follow.size(), meta_at_end ? 0U : 250U + 40U + 90U + 300U + 17U);
        EXPECT_EQ(whole.links.size(), 250U + 100U + 90U);
        for (const std::size_t size : {1UL, 2UL, 3UL, 7UL, 64UL, 1460UL, 16384UL}) {
            SCOPED_TRACE("chunk size " + std::to_string(size));
            const page_info split = extract(body, both, [&] { return size; });
            EXPECT_EQ(split.follow, whole.follow);
            EXPECT_EQ(split.nofollow, whole.nofollow);
            EXPECT_EQ(split.links, whole.links);
        }
        std::uniform_int_distribution<std::size_t> dist(1, 300);
        const page_info random = extract(body, both, [&] { return dist(rng); });
        EXPECT_EQ(random.follow, whole.follow);
        EXPECT_EQ(random.links, whole.links);
    }
}

// The synthetic web (tests/support/web) writes links in every element, spelling of rel and
// meta robots, base and relative form; its model, on which the recursive crawl's oracle is
// built, says what each page lets a crawler follow.
TEST(ExtractFollowWeb, EveryPageFollowsWhatTheSyntheticWebsModelSays)
{
    namespace web = crawl::test::web;
    web::web_params params;
    params.pages = 3000;
    params.hosts = 6;
    params.port = 8080;
    params.page_bytes = 4096;
    const web::web w(params);
    std::size_t pages = 0;
    std::size_t nofollow_pages = 0;
    std::size_t nofollow_links = 0;
    std::size_t frames = 0;
    for (std::uint32_t h = 0; h < params.hosts; ++h) {
        for (std::uint32_t i = 0; i < w.pages_on(h); i += 4) {
            const web::resource page{web::kind::page, h, i, 0};
            const web::page_plan plan = w.plan(page);
            urls expected;
            for (const web::link& l : plan.links) {
                nofollow_links += l.nofollow ? 1 : 0;
                frames += l.element == web::element::frame || l.element == web::element::iframe ? 1 : 0;
                const std::string target = w.url(l.target);
                const bool known = std::find(expected.begin(), expected.end(), target) != expected.end();
                if (!plan.nofollow_page && !l.nofollow && !known) {
                    expected.push_back(target);
                }
            }
            html_extractor x(w.url(page), "utf-8", {.keep_follow = true});
            x.feed(w.html(page).identity());
            x.finish();
            EXPECT_EQ(x.result().follow, expected) << w.url(page);
            EXPECT_EQ(x.result().nofollow, plan.nofollow_page) << w.url(page) << " meta robots: " << plan.meta_robots;
            ++pages;
            nofollow_pages += plan.nofollow_page ? 1 : 0;
        }
    }
    std::printf("%zu pages: %zu nofollow pages, %zu nofollow links, %zu frames and iframes\n", pages, nofollow_pages,
                nofollow_links, frames);
    EXPECT_GT(nofollow_pages, 10U);
    EXPECT_GT(nofollow_links, 100U);
    EXPECT_GT(frames, 100U);
}

} // namespace
