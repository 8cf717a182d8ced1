// The tree-construction rules the extractor applies to the tokenizer's tokens
// (src/extract/tree_rules.hpp, docs/design.md "HTML extraction"), through the public
// html_extractor: which title is the document's, what raw text hides, foreign content,
// <template>, <html lang>, and the tokenizer details a crawler sees in hrefs. Each page is also
// fed one byte at a time, which must not change anything.

#include "crawl/extract/html_extractor.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace crawl::extract {
namespace {

constexpr std::string_view page_url = "https://example.com/dir/page.html";

page_info extract(std::string_view body)
{
    html_extractor whole(page_url, "utf-8", {.keep_links = true});
    whole.feed(body);
    whole.finish();
    html_extractor bytes(page_url, "utf-8", {.keep_links = true});
    for (const char c : body) {
        bytes.feed(std::string_view(&c, 1));
    }
    bytes.finish();
    const page_info& a = whole.result();
    const page_info& b = bytes.result();
    EXPECT_TRUE(a.title == b.title && a.description == b.description && a.canonical == b.canonical &&
                a.lang == b.lang && a.base == b.base && a.links == b.links)
        << "fed one byte at a time, the result differs: " << body;
    return a;
}

std::vector<std::string> links(std::string_view body)
{
    return extract(body).links;
}

std::string link(std::string_view path)
{
    return "https://example.com" + std::string(path);
}

TEST(TreeRulesTitle, TheFirstHtmlTitleIsTheDocumentsEvenInsideAnIntegrationPoint)
{
    EXPECT_EQ(extract("<svg><title>icon</title></svg><title>Page</title>").title, "Page");
    EXPECT_EQ(extract("<math><mi><title>In mi</title></mi></math><title>Late</title>").title, "In mi")
        << "a MathML text integration point reads its start tags as HTML";
    EXPECT_EQ(extract("<svg><foreignObject><title>Foreign</title></foreignObject></svg>").title, "Foreign");
    EXPECT_EQ(extract("<math><annotation-xml encoding=\"Text/HTML\"><title>A</title></annotation-xml></math>").title,
              "A");
    EXPECT_EQ(extract("<math><annotation-xml><title>no</title></annotation-xml></math>").title, "")
        << "annotation-xml is an integration point only for an HTML encoding";
    EXPECT_EQ(extract("<svg><p><title>Broke out</title>").title, "Broke out") << "<p> ends foreign content";
    EXPECT_EQ(extract("<title>One</title><title>Two</title>").title, "One");
    EXPECT_EQ(extract("<title><b>not a tag</b> &amp; text").title, "<b>not a tag</b> & text")
        << "RCDATA: markup is text, references are decoded, the end of file ends it";
}

TEST(TreeRulesRawText, TextareaIframeNoscriptNoembedAndPlaintextHideTheirMarkup)
{
    EXPECT_EQ(links("<textarea><a href=/t>x</a></textarea><a href=/after>y</a>"),
              std::vector<std::string>{link("/after")});
    EXPECT_EQ(links("<iframe src=/f><a href=/fallback>x</a></iframe><a href=/after>y</a>"),
              std::vector<std::string>{link("/after")});
    // With scripting on, as in a browser, <noscript> holds text, in <head> and in <body>.
    const page_info p = extract("<head><noscript><meta name=description content=no><link rel=canonical "
                                "href=/no></noscript></head><body><noscript><a href=/ns>x</a></noscript>"
                                "<a href=/after>y</a>");
    EXPECT_EQ(p.description, "");
    EXPECT_EQ(p.canonical, "");
    EXPECT_EQ(p.links, std::vector<std::string>{link("/after")});
    EXPECT_EQ(links("<noembed><a href=/e></noembed><noframes><a href=/f></noframes><xmp><a href=/x></xmp>"),
              std::vector<std::string>{});
    EXPECT_EQ(links("<plaintext><a href=/p></plaintext><a href=/q>"), std::vector<std::string>{});
    EXPECT_EQ(links("<style>a[href='/s'] { }</style><a href=/after>"), std::vector<std::string>{link("/after")});
}

TEST(TreeRulesRawText, ScriptEscapesEndWhereTheStandardSays)
{
    // "<!--" escapes, "<script>" inside it double-escapes: the first "</script>" does not end
    // the script then, the one after "-->" does.
    EXPECT_EQ(links("<script><!-- document.write('<script>x</script>'); var a = '<a href=/in-script>'; --></script>"
                    "<a href=/after>y</a>"),
              std::vector<std::string>{link("/after")});
    EXPECT_EQ(links("<script><!--<script></script><a href=/still-script></script>--></script><a href=/after>"),
              std::vector<std::string>{link("/after")});
    EXPECT_EQ(links("<script>if (a<b) x = '</scrip'; y = '</scripts>'</script><a href=/after>"),
              std::vector<std::string>{link("/after")})
        << "only the whole end tag name ends script data";
    EXPECT_EQ(links("<script>x = '</SCRIPT x=1>'; <a href=/not-script></script>"),
              std::vector<std::string>{link("/not-script")})
        << "an end tag with attributes still ends it";
}

TEST(TreeRulesForeign, SvgKeepsItsTagsAndCdataWhileHtmlTurnsCdataIntoAComment)
{
    EXPECT_EQ(links("<svg><style><a href=/svg-a></a></style></svg>"), std::vector<std::string>{link("/svg-a")})
        << "an SVG <style> is no raw text element: the <a> in it is an SVG link";
    EXPECT_EQ(links("<svg><![CDATA[<a href=/cdata>]]></svg><a href=/after>"), std::vector<std::string>{link("/after")});
    EXPECT_EQ(links("<div><![CDATA[<a href=/bogus>]]><a href=/after></div>"), std::vector<std::string>{link("/after")})
        << "in HTML content \"<![CDATA[\" opens a bogus comment that ends at the first '>'";
    EXPECT_EQ(links("<svg/><a href=/after>"), std::vector<std::string>{link("/after")});
}

TEST(TreeRulesTemplate, TemplateContentsCountAsLinksButNotAsTheDocumentsMetadata)
{
    const page_info p =
        extract("<template><html lang=fr><title>T</title><base href=/b/><meta name=description content=d>"
                "<link rel=canonical href=/c><a href=t1>x</a><template><a href=t2></template></template>"
                "<title>Real</title><a href=after>");
    EXPECT_EQ(p.title, "Real");
    EXPECT_EQ(p.lang, "");
    EXPECT_EQ(p.base, "");
    EXPECT_EQ(p.description, "");
    EXPECT_EQ(p.canonical, "");
    const std::vector<std::string> expected = {link("/dir/t1"), link("/dir/t2"), link("/dir/after")};
    EXPECT_EQ(p.links, expected);
}

TEST(TreeRulesDocument, HtmlLangMetaLinkAndBaseWhereverTheyAre)
{
    EXPECT_EQ(extract("<html><head></head><html lang=fr>").lang, "fr")
        << "a later <html> tag adds the attributes the element lacks";
    EXPECT_EQ(extract("<html lang=en><html lang=fr>").lang, "en");
    EXPECT_EQ(extract("<html lang><html lang=fr>").lang, "") << "an empty lang is a lang";
    const page_info p = extract("<body><p>text</p><meta name=description content=\"in body\">"
                                "<link rel=canonical href=/c><base href=/b/><a href=x>");
    EXPECT_EQ(p.description, "in body");
    EXPECT_EQ(p.canonical, link("/c"));
    EXPECT_EQ(p.links, std::vector<std::string>{link("/b/x")});
}

TEST(TreeRulesTokenizer, HrefsAsTheTokenizerReadsThem)
{
    EXPECT_EQ(links("<a href=\"/q?a=1&copy=2&amp;b=3\">"), std::vector<std::string>{link("/q?a=1&copy=2&b=3")})
        << "in an attribute, a reference without ';' followed by '=' stays text";
    EXPECT_EQ(links("<a href=\"/q?x&copy;y\">"), std::vector<std::string>{link("/q?x%C2%A9y")});
    EXPECT_EQ(links("<a href=/first href=/second>"), std::vector<std::string>{link("/first")})
        << "a repeated attribute is dropped: the first wins";
    EXPECT_EQ(links("<a\rhref=/cr\r\n>x</a>"), std::vector<std::string>{link("/cr")}) << "CR is whitespace";
    EXPECT_EQ(links("<a href=/x&#0;y>"), std::vector<std::string>{link("/x%EF%BF%BDy")}) << "&#0; is U+FFFD";
    EXPECT_EQ(links("<a href='/a'/><a href=/b<c>"), (std::vector<std::string>{link("/a"), link("/b%3Cc")}));
    EXPECT_EQ(links("<!--><a href=/after-abrupt-comment>"), std::vector<std::string>{link("/after-abrupt-comment")});
    EXPECT_EQ(links("<!-- --!><a href=/after-bang>"), std::vector<std::string>{link("/after-bang")});
    EXPECT_EQ(links("<? processing instruction <a href=/swallowed> ?><a href=/pi>"),
              std::vector<std::string>{link("/pi")});
}

TEST(TreeRulesHostile, DeepForeignContentStaysBounded)
{
    std::string body = "<svg>";
    for (int i = 0; i < 100000; ++i) {
        body += "<g>";
    }
    body += "<title>icon</title><a href=/deep>";
    for (int i = 0; i < 100000; ++i) {
        body += "</g>";
    }
    body += "</svg><title>After</title>";
    html_extractor x(page_url, "utf-8", {.keep_links = true});
    x.feed(body);
    x.finish();
    EXPECT_EQ(x.result().title, "After");
    EXPECT_EQ(x.result().links, std::vector<std::string>{link("/deep")});
}

} // namespace
} // namespace crawl::extract
