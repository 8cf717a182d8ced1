// Sitemaps (sitemap::reader, sitemap::body_reader) on realistic files (tests/fixtures/sitemaps),
// with libxml2 as the oracle for the <loc> values of the well-formed ones, the protocol's
// limits at their real sizes, gzipped files made by zlib, and hostile files.

#include "crawl/sitemap/body_reader.hpp"
#include "crawl/sitemap/reader.hpp"
#include "crawl/url/url.hpp"
#include "support/encoder.hpp"

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <fstream>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace crawl::sitemap {

void PrintTo(kind k, std::ostream* os)
{
    *os << name(k);
}

namespace {

constexpr std::string_view sitemap_url = "https://www.example.com/sitemaps/sitemap.xml";

url::target base()
{
    return url::parse_input(sitemap_url).value();
}

std::string fixture(std::string_view name)
{
    std::ifstream in(std::string(CRAWL_FIXTURES) + "/sitemaps/" + std::string(name), std::ios::binary);
    EXPECT_TRUE(in) << name;
    std::ostringstream body;
    body << in.rdbuf();
    return body.str();
}

struct outcome {
    summary counts;
    std::vector<std::string> urls;
    bool stopped = false; ///< wants_more() turned false before the body was all fed
};

/// Reads `body` fed in pieces of `piece` bytes (0: whole).
outcome read(std::string_view body, std::size_t piece = 0, limits l = {})
{
    outcome o;
    reader r(base(), [&o](std::string_view u) { o.urls.emplace_back(u); }, l);
    for (std::size_t at = 0; at < body.size();) {
        const std::size_t n = piece == 0 ? body.size() : std::min(piece, body.size() - at);
        if (!r.wants_more()) {
            o.stopped = true;
            break;
        }
        r.feed(body.substr(at, n));
        at += n;
    }
    o.counts = r.finish();
    return o;
}

struct body_outcome {
    body_summary counts;
    std::vector<std::string> urls;
    std::size_t fed = 0; ///< bytes fed before wants_more() turned false
};

body_outcome read_body(std::string_view body, std::size_t piece, limits l = {})
{
    body_outcome o;
    body_reader r(base(), [&o](std::string_view u) { o.urls.emplace_back(u); }, l);
    while (o.fed < body.size() && r.wants_more()) {
        const std::size_t n = std::min(piece, body.size() - o.fed);
        r.feed(body.substr(o.fed, n));
        o.fed += n;
    }
    o.counts = r.finish();
    return o;
}

void expect_same(const outcome& a, const outcome& b, const std::string& what)
{
    EXPECT_EQ(a.urls, b.urls) << what;
    EXPECT_EQ(a.counts.kind, b.counts.kind) << what;
    EXPECT_EQ(a.counts.urls, b.counts.urls) << what;
    EXPECT_EQ(a.counts.ignored, b.counts.ignored) << what;
    EXPECT_EQ(a.counts.invalid, b.counts.invalid) << what;
    EXPECT_EQ(a.counts.too_large, b.counts.too_large) << what;
}

/// The oracle: libxml2 reads the file (no DTD, no entity substitution, no network), and the
/// first <loc> element of each <url> or <sitemap> child of the root, its text content
/// trimmed, resolves as crawl resolves links.
std::vector<std::string> libxml2_locs(const std::string& body)
{
    const auto is = [](const xmlNode* n, std::string_view local) {
        return n->type == XML_ELEMENT_NODE && std::string_view(reinterpret_cast<const char*>(n->name)) == local;
    };
    xmlDoc* doc = xmlReadMemory(body.data(), static_cast<int>(body.size()), "sitemap.xml", nullptr,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    EXPECT_NE(doc, nullptr) << "libxml2 refused a fixture";
    std::vector<std::string> urls;
    if (doc == nullptr) {
        return urls;
    }
    const xmlNode* root = xmlDocGetRootElement(doc);
    const std::string_view entry = is(root, "sitemapindex") ? "sitemap" : "url";
    const url::target b = base();
    for (const xmlNode* child = root->children; child != nullptr; child = child->next) {
        for (const xmlNode* loc = is(child, entry) ? child->children : nullptr; loc != nullptr; loc = loc->next) {
            if (!is(loc, "loc")) {
                continue;
            }
            xmlChar* content = xmlNodeGetContent(loc);
            std::string_view text(reinterpret_cast<const char*>(content));
            const auto first = text.find_first_not_of(" \t\r\n");
            text = first == std::string_view::npos ? std::string_view() : text.substr(first);
            text = text.substr(0, text.find_last_not_of(" \t\r\n") + 1);
            if (auto resolved = url::resolve_link(b, text)) {
                urls.push_back(std::move(*resolved));
            }
            xmlFree(content);
            break;
        }
    }
    xmlFreeDoc(doc);
    return urls;
}

TEST(SitemapTest, UrlsetWithExtensionsYieldsOnlyItsPageLocs)
{
    const auto o = read(fixture("urlset.xml"));
    EXPECT_EQ(o.counts.kind, kind::urlset);
    const std::vector<std::string> expected = {
        "https://www.example.com/",
        "https://www.example.com/products/garden-chairs/",
        "https://www.example.com/en/about-us",
        "https://www.example.com/blog/2026/11/winter-planting-guide.html",
        "https://www.example.com/search?category=tools&sort=price&page=2",
        "https://www.example.com/contact",
    };
    EXPECT_EQ(o.urls, expected) << "image:loc and xhtml:link are not pages of the sitemap";
    EXPECT_EQ(o.counts.urls, 6U);
    EXPECT_EQ(o.counts.invalid, 0U);
    EXPECT_EQ(o.counts.ignored, 0U);
    EXPECT_FALSE(o.counts.too_large);
}

TEST(SitemapTest, IndexYieldsItsSitemaps)
{
    const auto o = read(fixture("index.xml"));
    EXPECT_EQ(o.counts.kind, kind::index);
    const std::vector<std::string> expected = {
        "https://www.example.com/sitemap-pages.xml",
        "https://www.example.com/sitemap-products-1.xml.gz",
        "https://www.example.com/sitemap-products-2.xml.gz",
        "https://static.example.net/sitemaps/news.xml",
    };
    EXPECT_EQ(o.urls, expected);
}

TEST(SitemapTest, NamespacesAndPrefixesAreNotChecked)
{
    const auto prefixed = read(fixture("prefixed.xml"));
    EXPECT_EQ(prefixed.counts.kind, kind::urlset);
    EXPECT_EQ(prefixed.urls, (std::vector<std::string>{"http://www.example.com/1", "http://www.example.com/2"}))
        << "sit:loc is the entry; video:content_loc and video:thumbnail_loc are not";
    const auto bare = read(fixture("no_namespace.xml"));
    EXPECT_EQ(bare.counts.kind, kind::urlset);
    EXPECT_EQ(bare.urls, (std::vector<std::string>{"http://shop.example.org/", "http://shop.example.org/cart"}));
}

TEST(SitemapTest, EntitiesCharacterReferencesCdataAndWhiteSpace)
{
    const auto o = read(fixture("entities.xml"));
    const std::vector<std::string> expected = {
        "https://www.example.com/ugly.html?x=1&y=2&z=%223%22",
        "https://www.example.com/o'reilly/%3Ctag%3E",
        "https://www.example.com/caf%C3%A9/A%F0%9F%98%80",
        "https://www.xn--exmple-cua.com/stra%C3%9Fe",
        "https://www.example.com/with/white/space",
        "https://www.example.com/cdata?a=1&b=%3C2%3E",
        "https://www.example.com/mixed?a=&&b=1",
        "https://www.example.com/commented/page",
    };
    EXPECT_EQ(o.urls, expected);
    EXPECT_EQ(o.counts.invalid, 0U);
}

TEST(SitemapTest, AgreesWithLibxml2OnTheWellFormedFixtures)
{
    for (const char* name : {"urlset.xml", "index.xml", "prefixed.xml", "no_namespace.xml", "entities.xml"}) {
        const std::string body = fixture(name);
        const auto oracle = libxml2_locs(body);
        EXPECT_FALSE(oracle.empty()) << name;
        EXPECT_EQ(read(body).urls, oracle) << name;
    }
}

TEST(SitemapTest, SloppyFilesAreReadLeniently)
{
    const auto o = read(fixture("sloppy.xml"));
    EXPECT_EQ(o.counts.kind, kind::urlset) << "an https namespace is a common mistake, not another format";
    const std::vector<std::string> expected = {
        "https://www.example.com/search?q=a&b=2",          // an unescaped '&' stays itself
        "https://www.example.com/relative/page.html",      // resolved against the sitemap's URL
        "https://www.example.com/up/one",
        "https://www.example.com/first",                   // the second <loc> of that <url> is ignored
        "https://www.example.com/after-attribute",         // a '>' inside a quoted attribute
        "https://www.example.com/brackets]]",              // "]]]]>" ends the CDATA after two ']'
        "https://www.example.com/a%20%3C%20b",             // a '<' that starts no tag is text
    };
    EXPECT_EQ(o.urls, expected);
    // Empty, <loc/>, blank, javascript:, mailto:, ftp:, &nbsp; (no DTD defines it), &#0;.
    EXPECT_EQ(o.counts.invalid, 8U);
    EXPECT_EQ(o.counts.ignored, 1U);
    EXPECT_EQ(o.counts.urls, expected.size());
}

TEST(SitemapTest, AUrlNoConnectionCanReachIsInvalid)
{
    // Port 0 is a valid URL to the URL Standard but no port to connect to: such a <loc> is
    // invalid, as the same line is in a URL list (found by the sitemap_reader fuzz target).
    const auto xml = read("<urlset><url><loc>https://15100+00:0/</loc></url>"
                          "<url><loc>https://ok.example:8080/</loc></url></urlset>");
    EXPECT_EQ(xml.urls, std::vector<std::string>{"https://ok.example:8080/"});
    EXPECT_EQ(xml.counts.invalid, 1U);
    const auto text = read("https://ok.example/\nhttp://ok.example:0/\n");
    EXPECT_EQ(text.urls, std::vector<std::string>{"https://ok.example/"});
    EXPECT_EQ(text.counts.invalid, 1U);
}

TEST(SitemapTest, DoctypeIsSkippedAndItsEntitiesNeverExpand)
{
    const auto o = read(fixture("billion_laughs.xml"));
    EXPECT_EQ(o.counts.kind, kind::urlset);
    EXPECT_EQ(o.urls, std::vector<std::string>{"https://www.example.com/after-the-doctype"});
    EXPECT_EQ(o.counts.invalid, 3U) << "&lol9;, the external &xxe; and &remote; make their <loc> invalid";
}

TEST(SitemapTest, PlainTextSitemap)
{
    const auto o = read(fixture("plain.txt"));
    EXPECT_EQ(o.counts.kind, kind::text);
    const std::vector<std::string> expected = {
        "https://www.example.com/",
        "https://www.example.com/catalog?item=12&desc=vacation_hawaii",
        "https://www.example.com/catalog?item=73&desc=vacation_new_zealand",
        "https://www.example.com/catalog?item=74&desc=vacation_newfoundland",
        "http://www.example.com/catalog?item=83&desc=vacation_usa",
    };
    EXPECT_EQ(o.urls, expected);
    EXPECT_EQ(o.counts.invalid, 3U) << "'not a url', ftp: and a relative path";
}

TEST(SitemapTest, WhatIsNotASitemapSaysSoEarly)
{
    const std::string html = "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>" +
                              std::string(100000, 'x') + "</body></html>";
    const auto page = read(html, 512);
    EXPECT_EQ(page.counts.kind, kind::not_a_sitemap);
    EXPECT_TRUE(page.stopped) << "the root element decides; the rest is not read";
    const std::string rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><item><link>https://a.example/"
                            "</link></item></channel></rss>";
    EXPECT_EQ(read(rss).counts.kind, kind::not_a_sitemap);
    const auto json = read("{\"urls\": [\"https://www.example.com/\"]}\nhttps://www.example.com/\n");
    EXPECT_EQ(json.counts.kind, kind::not_a_sitemap);
    EXPECT_TRUE(json.urls.empty());
    for (const std::string_view nothing : {"", " \r\n\t ", "\xEF\xBB\xBF", "<?xml version=\"1.0\"?><!-- empty -->"}) {
        EXPECT_EQ(read(nothing).counts.kind, kind::not_a_sitemap) << nothing;
        EXPECT_EQ(read(nothing, 1).counts.kind, kind::not_a_sitemap) << nothing;
    }
    using namespace std::string_view_literals;
    EXPECT_EQ(read("\xFF\xFE<\0u\0r\0l\0s\0e\0t\0>\0"sv).counts.kind, kind::not_a_sitemap) << "UTF-16";
}

TEST(SitemapTest, SameResultHoweverTheBodyIsSplit)
{
    std::mt19937 rng(13);
    for (const char* name : {"urlset.xml", "index.xml", "prefixed.xml", "no_namespace.xml", "entities.xml",
                             "sloppy.xml", "billion_laughs.xml", "plain.txt"}) {
        const std::string body = fixture(name);
        const outcome whole = read(body);
        EXPECT_GT(whole.urls.size(), 0U) << name;
        for (const std::size_t piece : {1U, 2U, 3U, 5U, 7U, 64U}) {
            expect_same(whole, read(body, piece), std::string(name) + " in pieces of " + std::to_string(piece));
        }
        // Random cuts, and the same through body_reader (which sniffs the first bytes).
        outcome random;
        reader r(base(), [&random](std::string_view u) { random.urls.emplace_back(u); });
        for (std::size_t at = 0; at < body.size();) {
            const std::size_t n = std::min<std::size_t>(1 + rng() % 40, body.size() - at);
            r.feed(std::string_view(body).substr(at, n));
            at += n;
        }
        random.counts = r.finish();
        expect_same(whole, random, std::string(name) + " in random pieces");
        const auto through_body = read_body(body, 1);
        EXPECT_EQ(through_body.urls, whole.urls) << name;
        EXPECT_FALSE(through_body.counts.gzip) << name;
    }
}

TEST(SitemapTest, AtMost50000EntriesPerFile)
{
    std::string body = "<?xml version=\"1.0\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
    for (int i = 0; i < 50001; ++i) {
        body += "<url><loc>https://www.example.com/page/" + std::to_string(i) + "</loc></url>\n";
    }
    body += "</urlset>\n";
    const auto o = read(body, 64 * 1024);
    EXPECT_EQ(o.counts.urls, 50000U);
    EXPECT_EQ(o.counts.ignored, 1U);
    ASSERT_EQ(o.urls.size(), 50000U);
    EXPECT_EQ(o.urls.back(), "https://www.example.com/page/49999");
    // Text sitemaps count their lines the same way (a smaller limit, same code path).
    const auto text = read("https://a.example/1\nhttps://a.example/2\nnot a url\nhttps://a.example/3\n", 0,
                           limits{.max_urls = 2});
    EXPECT_EQ(text.urls, (std::vector<std::string>{"https://a.example/1", "https://a.example/2"}));
    EXPECT_EQ(text.counts.ignored, 2U);
}

TEST(SitemapTest, ByteLimitStopsReadingAndDropsTheEntryItCuts)
{
    const std::string body = "<urlset><url><loc>https://www.example.com/one</loc></url>"
                             "<url><loc>https://www.example.com/two-and-longer</loc></url>"
                             "<url><loc>https://www.example.com/three</loc></url></urlset>";
    const auto cut_at = body.find("-and-longer");
    for (const std::size_t piece : {std::size_t{0}, std::size_t{1}, std::size_t{10}}) {
        const auto o = read(body, piece, limits{.max_bytes = cut_at});
        EXPECT_EQ(o.urls, std::vector<std::string>{"https://www.example.com/one"}) << piece;
        EXPECT_TRUE(o.counts.too_large);
        EXPECT_TRUE(o.stopped || piece == 0);
        EXPECT_EQ(o.counts.invalid, 0U) << "the cut entry is not read, so not judged";
    }
    const auto exact = read(body, 7, limits{.max_bytes = body.size()});
    EXPECT_FALSE(exact.counts.too_large) << "a file of exactly the limit is whole";
    EXPECT_EQ(exact.urls.size(), 3U);
    // Reading that stopped before the cap (the root ended, or the file is no sitemap) is not
    // too_large, whether the bytes past the cap came in the same piece or never came
    // (fuzz corpus: regress_too_large_after_stop).
    for (const std::string& stops_early : {body + std::string(100, ' '), "not a url\n" + std::string(100, 'x')}) {
        for (const std::size_t piece : {std::size_t{0}, std::size_t{1}}) {
            EXPECT_FALSE(read(stops_early, piece, limits{.max_bytes = body.size() + 1}).counts.too_large) << piece;
        }
    }
    const std::string text = "https://www.example.com/one\nhttps://www.example.com/two-and-longer\n";
    const auto cut_text = read(text, 0, limits{.max_bytes = text.find("-and-longer")});
    EXPECT_EQ(cut_text.urls, std::vector<std::string>{"https://www.example.com/one"})
        << "a line cut by the limit is not read as a shorter URL";
    EXPECT_TRUE(cut_text.counts.too_large);
}

TEST(SitemapTest, HostileShapesStayBounded)
{
    // An entry of 1 MiB: invalid, never held; the next one is read.
    std::string body = "<urlset><url><loc>https://www.example.com/" + std::string(1 << 20, 'a') +
                       "</loc></url><url><loc>https://www.example.com/next</loc></url>";
    // 200,000 nested elements (no recursion, no stack), a name of 100 KB, an unclosed comment.
    for (int i = 0; i < 200000; ++i) {
        body += "<a>";
    }
    body += "<" + std::string(100000, 'n') + " x='>'>";
    body += "<!-- never closed " + std::string(1 << 20, '-');
    const auto o = read(body, 4096);
    EXPECT_EQ(o.urls, std::vector<std::string>{"https://www.example.com/next"});
    EXPECT_EQ(o.counts.invalid, 1U);
    // Control characters alone are no URL (the URL parser would strip them, leaving the
    // empty link that is the sitemap itself).
    const auto controls = read("<urlset><url><loc>\x01\x1F \x0C</loc></url></urlset>");
    EXPECT_EQ(controls.counts.invalid, 1U);
    EXPECT_TRUE(controls.urls.empty());
    // A URL over url::max_url_bytes once resolved is invalid too.
    const auto long_url = read("<urlset><url><loc>https://www.example.com/" + std::string(url::max_url_bytes, 'b') +
                               "</loc></url></urlset>");
    EXPECT_EQ(long_url.counts.invalid, 1U);
    EXPECT_TRUE(long_url.urls.empty());
}

TEST(SitemapTest, TruncatedFileKeepsTheEntriesBeforeTheCut)
{
    const std::string body = fixture("index.xml");
    const auto o = read(body.substr(0, body.find("products-2")));
    EXPECT_EQ(o.counts.kind, kind::index);
    EXPECT_EQ(o.urls.size(), 2U);
    EXPECT_EQ(o.counts.invalid, 0U);
}

TEST(SitemapTest, GzippedSitemapIsRecognizedAndDecoded)
{
    const std::string plain = fixture("urlset.xml");
    const std::string gz = test::encode(test::wrapping::gzip, plain);
    ASSERT_TRUE(is_gzip(gz));
    EXPECT_FALSE(is_gzip(plain));
    EXPECT_FALSE(is_gzip(gz.substr(0, 2))) << "two bytes cannot tell";
    for (const std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{100}, gz.size()}) {
        const auto o = read_body(gz, piece);
        EXPECT_TRUE(o.counts.gzip);
        EXPECT_EQ(o.counts.decode_error.cls, error_class::none) << o.counts.decode_error.message;
        EXPECT_EQ(o.urls, read(plain).urls) << piece;
    }
    const std::string gz_text = test::encode(test::wrapping::gzip, fixture("plain.txt"));
    EXPECT_EQ(read_body(gz_text, 10).counts.sitemap.kind, kind::text);
    // Gzipped or not, a file whose reading stopped before the cap is not too_large (fuzz
    // corpus: regress_gzip_cap_after_stop).
    const std::string stops_early = "not a url\n" + std::string(200, 'x');
    const auto gz_early = read_body(test::encode(test::wrapping::gzip, stops_early), 1000, limits{.max_bytes = 50});
    EXPECT_EQ(gz_early.counts.sitemap.kind, kind::not_a_sitemap);
    EXPECT_FALSE(gz_early.counts.sitemap.too_large);
    EXPECT_EQ(gz_early.counts.decode_error.cls, error_class::none);
}

TEST(SitemapTest, DamagedGzipKeepsWhatCameBefore)
{
    const std::string gz = test::encode(test::wrapping::gzip, fixture("urlset.xml"), {.level = 0});
    const auto truncated = read_body(gz.substr(0, gz.find("winter")), 64);
    EXPECT_EQ(truncated.counts.decode_error.cls, error_class::decode);
    EXPECT_EQ(truncated.urls.size(), 3U) << "the entries before the cut";
    std::string corrupt = gz;
    corrupt[corrupt.size() - 6] ^= 0x55; // the CRC-32 in the trailer
    const auto bad = read_body(corrupt, 64);
    EXPECT_EQ(bad.counts.decode_error.cls, error_class::decode);
    EXPECT_FALSE(bad.counts.decode_error.message.empty());
}

TEST(SitemapTest, GzipBombStopsAtTheProtocolLimit)
{
    // 100 MiB of white space after one entry, gzipped to about 100 KB: reading stops at
    // 50 MiB of decoded bytes, half way through the compressed stream.
    test::encoder bomb(test::wrapping::gzip, {.level = 1});
    bomb.feed("<urlset><url><loc>https://www.example.com/only</loc></url>");
    const std::string spaces(1 << 20, ' ');
    for (int i = 0; i < 100; ++i) {
        bomb.feed(spaces);
    }
    const std::string gz = bomb.finish("</urlset>");
    const auto o = read_body(gz, 16 * 1024);
    EXPECT_TRUE(o.counts.sitemap.too_large);
    EXPECT_EQ(o.counts.decode_error.cls, error_class::none);
    EXPECT_EQ(o.urls, std::vector<std::string>{"https://www.example.com/only"});
    // The decoder holds the first 256 KiB for its whole-body path (decoder.hpp), then streams
    // from there: it stops within one 16 KiB piece after that, well before the end.
    EXPECT_LE(o.fed, std::max<std::size_t>(gz.size() * 6 / 10, (256 + 16) * 1024))
        << "fed " << o.fed << " of " << gz.size() << " compressed bytes";
    EXPECT_GT(o.fed, gz.size() * 4 / 10) << "fed " << o.fed << " of " << gz.size() << " compressed bytes";
    EXPECT_EQ(o.counts.sitemap.bytes, max_bytes);
    // Handed over whole, the stream still inflates no further than the cap.
    const auto whole = read_body(gz, gz.size());
    EXPECT_TRUE(whole.counts.sitemap.too_large);
    EXPECT_EQ(whole.counts.inflated, max_bytes + 1);
    EXPECT_EQ(whole.urls, o.urls);
}

} // namespace
} // namespace crawl::sitemap
