// The web-platform-tests URL parsing cases (tests/fixtures/wpt-url/urltestdata.json, see
// SOURCE.txt there) against crawl's URL module, as data: every case whose base is http(s)
// gives the expected href (fragment dropped) as a link, or no link where the test expects a
// failure or another scheme; every case with no (or another) base whose input is an http(s)
// URL gives that href as an input line, or invalid_url. The same http(s)-base cases also go
// through the real HTML extractor as <base href=BASE><a href=INPUT> pages. What is left out,
// and why: WhatIsLeftOutHasNeitherAnHttpBaseNorAnHttpInput.

#include "crawl/extract/html_extractor.hpp"
#include "crawl/url/url.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace crawl;

struct wpt_case {
    std::string input;
    std::optional<std::string> base; ///< null in the data: no base URL
    std::optional<std::string> href; ///< null when the test expects failure
};

std::vector<wpt_case> load_cases()
{
    const std::string path = std::string(CRAWL_FIXTURES) + "/wpt-url/urltestdata.json";
    std::ifstream in(path, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const boost::json::value data = boost::json::parse(text);
    std::vector<wpt_case> cases;
    for (const auto& item : data.as_array()) {
        if (!item.is_object()) {
            continue; // the comments between groups of cases
        }
        const auto& o = item.as_object();
        wpt_case c;
        c.input = o.at("input").as_string();
        if (const auto* base = o.if_contains("base"); base != nullptr && !base->is_null()) {
            c.base = std::string(base->as_string());
        }
        if (!o.contains("failure")) {
            c.href = std::string(o.at("href").as_string());
        }
        cases.push_back(std::move(c));
    }
    return cases;
}

const std::vector<wpt_case>& cases()
{
    static const std::vector<wpt_case> all = load_cases();
    return all;
}

bool is_http_url(std::string_view url)
{
    return url.starts_with("http:") || url.starts_with("https:");
}

// The scheme the input is written with, read as the parser reads it (C0 controls and spaces
// around it, tabs and newlines anywhere, ignored; lowercased), or "" when it has none.
std::string written_scheme(std::string_view input)
{
    std::string scheme;
    std::size_t i = 0;
    while (i < input.size() && static_cast<unsigned char>(input[i]) <= 0x20) {
        ++i;
    }
    for (; i < input.size(); ++i) {
        const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(input[i])));
        if (c == ':') {
            return scheme;
        }
        if (c == '\t' || c == '\n' || c == '\r') {
            continue;
        }
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
            return "";
        }
        scheme += c;
    }
    return "";
}

std::string without_fragment(std::string_view href)
{
    return std::string(href.substr(0, href.find('#')));
}

// The link crawl must give for a case resolved against an http(s) base: the expected href
// without fragment, or none where the test expects a failure or another scheme.
std::optional<std::string> expected_link(const wpt_case& c)
{
    if (!c.href || !is_http_url(*c.href)) {
        return std::nullopt;
    }
    return without_fragment(*c.href);
}

enum class group { link, input_line, left_out };

group group_of(const wpt_case& c)
{
    if (c.base && is_http_url(*c.base)) {
        return group::link;
    }
    // Against no base, or one of another scheme, only an input that is itself an http(s) URL
    // can give one (a base of another scheme never applies to an http(s) input).
    const std::string scheme = written_scheme(c.input);
    if (scheme == "http" || scheme == "https") {
        return group::input_line;
    }
    return group::left_out;
}

std::string describe(const wpt_case& c)
{
    std::string s = boost::json::serialize(boost::json::value(c.input));
    s += " against ";
    s += c.base ? boost::json::serialize(boost::json::value(*c.base)) : std::string("no base");
    return s;
}

std::string shown(const std::optional<std::string>& link)
{
    return link ? *link : std::string("no link");
}

TEST(WptUrl, LinksAgainstAnHttpBase)
{
    std::size_t checked = 0;
    std::size_t links = 0;
    std::string resolver_buffer;
    for (const wpt_case& c : cases()) {
        if (group_of(c) != group::link) {
            continue;
        }
        ++checked;
        const url::target base = url::parse_input(*c.base).value();
        const std::optional<std::string> got = url::resolve_link(base, c.input);
        const std::optional<std::string> want = expected_link(c);
        links += want ? 1U : 0U;
        EXPECT_EQ(shown(got), shown(want)) << describe(c);
        // The resolver a page's links go through, with its buffer still holding the last link.
        const url::link_resolver resolver(base);
        EXPECT_EQ(resolver.resolve(c.input, resolver_buffer) ? resolver_buffer : std::string("no link"), shown(want))
            << describe(c);
    }
    std::cout << checked << " cases against an http(s) base: " << links << " links, " << checked - links
              << " without one\n";
    EXPECT_EQ(checked, 202U); // the vendored data's count: a change means the grouping changed
}

TEST(WptUrl, InputLines)
{
    std::size_t checked = 0;
    std::size_t valid = 0;
    for (const wpt_case& c : cases()) {
        if (group_of(c) != group::input_line) {
            continue;
        }
        ++checked;
        const auto got = url::parse_input(c.input);
        if (c.href) {
            ++valid;
            ASSERT_TRUE(is_http_url(*c.href)) << describe(c);
            EXPECT_EQ(got ? got->href : got.error().message, without_fragment(*c.href)) << describe(c);
        } else {
            EXPECT_FALSE(got.has_value()) << describe(c) << " gave " << got->href;
            EXPECT_EQ(got ? error_class::none : got.error().cls, error_class::invalid_url) << describe(c);
        }
    }
    std::cout << checked << " http(s) input lines with no (or another) base: " << valid << " URLs, "
              << checked - valid << " invalid_url\n";
    EXPECT_EQ(checked, 280U);
}

TEST(WptUrl, WhatIsLeftOutHasNeitherAnHttpBaseNorAnHttpInput)
{
    // A URL crawl reads is an input line (no base) or a link, redirect or <base> in an http(s)
    // page: a case with a file:, about:, data: or other base and an input that is not itself an
    // http(s) URL describes nothing crawl meets.
    std::map<std::string, std::size_t> by_base_scheme;
    std::size_t left_out = 0;
    for (const wpt_case& c : cases()) {
        if (group_of(c) != group::left_out) {
            continue;
        }
        ++left_out;
        EXPECT_FALSE(c.href && is_http_url(*c.href)) << describe(c) << " gives an http(s) URL but is left out";
        const std::string base = c.base ? c.base->substr(0, c.base->find(':')) : std::string("(none)");
        ++by_base_scheme[base];
    }
    std::cout << left_out << " of " << cases().size() << " cases left out; by base scheme:";
    for (const auto& [scheme, n] : by_base_scheme) {
        std::cout << ' ' << scheme << ' ' << n;
    }
    std::cout << '\n';
}

// Text as an HTML attribute value in double quotes.
std::string html_attribute(std::string_view value)
{
    std::string out;
    for (const char ch : value) {
        switch (ch) {
        case '&': out += "&amp;"; break;
        case '"': out += "&quot;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        default: out += ch;
        }
    }
    return out;
}

TEST(WptUrlInPages, BaseElementAndAnchorThroughTheExtractor)
{
    std::size_t checked = 0;
    for (const wpt_case& c : cases()) {
        if (group_of(c) != group::link) {
            continue;
        }
        ++checked;
        const std::string page = "<!doctype html><html><head><base href=\"" + html_attribute(*c.base) +
                                 "\"></head><body><a href=\"" + html_attribute(c.input) + "\">x</a></body></html>";
        extract::html_extractor extractor("http://page.test/dir/index.html", "utf-8", {.keep_links = true});
        extractor.feed(page);
        extractor.finish();
        const extract::page_info info = extractor.result();
        EXPECT_EQ(info.base, url::parse_input(*c.base).value().href) << describe(c);
        const std::optional<std::string> want = expected_link(c);
        EXPECT_EQ(info.links.empty() ? std::string("no link") : info.links.front(), shown(want)) << describe(c);
        EXPECT_EQ(info.links_count, want ? 1U : 0U) << describe(c);
    }
    std::cout << checked << " pages <base href=BASE><a href=INPUT>\n";
}

} // namespace
