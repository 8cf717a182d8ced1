// IDNA in crawl's URLs: host names through UTS #46 (libidn2) as the URL Standard's host parser
// runs it, for input lines, redirects and links; and the web-platform-tests IDNA cases
// (tests/fixtures/wpt-url/toascii.json) with the list of those where libidn2 differs.

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

TEST(Idna, MixedCaseAndSharpS)
{
    // The standard's own example: non-transitional processing keeps ß (transitional made "ss").
    EXPECT_EQ(url::parse_input("https://faß.ExAmPlE/").value().href, "https://xn--fa-hia.example/");
    const auto t = url::parse_input("https://FASS.example/").value();
    EXPECT_EQ(t.href, "https://fass.example/");
    const auto upper = url::parse_input("http://BÜCHER.de/Path").value();
    EXPECT_EQ(upper.href, "http://xn--bcher-kva.de/Path");
    EXPECT_EQ(upper.host, "xn--bcher-kva.de");
    EXPECT_EQ(upper.host_header(), "xn--bcher-kva.de");
    // Percent-encoded UTF-8 is decoded before IDNA; wide dots separate labels.
    EXPECT_EQ(url::parse_input("http://%E2%98%83.example/").value().href, "http://xn--n3h.example/");
    EXPECT_EQ(url::parse_input("http://www。bücher．de/").value().href, "http://www.xn--bcher-kva.de/");
    // Fullwidth digits and dots map to an IPv4 address.
    EXPECT_EQ(url::parse_input("http://０Ｘｃ０．０２５０．０１/").value().href, "http://192.168.0.1/");
}

TEST(Idna, SymbolsAreValidAsInUts46)
{
    // IDNA2008 disallows symbols; UTS #46, which browsers follow, does not (URL Standard, "IDNA").
    EXPECT_EQ(url::parse_input("https://☕.example/").value().href, "https://xn--53h.example/");
    EXPECT_EQ(url::parse_input("http://i❤.ws/").value().href, "http://xn--i-7iq.ws/");
}

TEST(Idna, InvalidLabelsAreInvalidUrlsAndNoLinks)
{
    const url::target page = url::parse_input("https://example.com/dir/").value();
    const std::vector<std::string_view> invalid = {
        "http://\xEF\xBF\xBD.com/",      // U+FFFD is disallowed
        "http://%EF%BF%BD.com/",        // the same, percent-encoded
        "http://look\xE2\x80\xAEout.net/", // U+202E RIGHT-TO-LEFT OVERRIDE
        "http://\xE2\x80\x8D.example/",  // a ZERO WIDTH JOINER out of context (CheckJoiners)
        "http://\xD9\x8A" "a.example/",  // Arabic then Latin in one label (CheckBidi)
        "http://xn--a.\xC3\x9F/",         // invalid Punycode in a domain that goes through IDNA
        "http://%C0%AE.example/",       // not UTF-8
        "http://ex\xC2\xA0mple.com/",     // U+00A0 maps to a space, which no host may hold
        "http://\xC2\xAD/",               // U+00AD maps to nothing: an empty host
    };
    for (const std::string_view input : invalid) {
        SCOPED_TRACE(std::string(input));
        const auto line = url::parse_input(input);
        ASSERT_FALSE(line.has_value()) << line->href;
        EXPECT_EQ(line.error().cls, error_class::invalid_url);
        EXPECT_NE(line.error().message.find("invalid host"), std::string::npos) << line.error().message;
        EXPECT_FALSE(url::resolve_link(page, input).has_value());
        const auto redirect = url::resolve_redirect(page, input);
        ASSERT_FALSE(redirect.has_value());
        EXPECT_EQ(redirect.error().cls, error_class::invalid_url);
    }
    // libidn2's reason is in the message.
    const auto joiner = url::parse_input("http://\xE2\x80\x8D.example/");
    ASSERT_FALSE(joiner.has_value());
    EXPECT_NE(joiner.error().message.find("IDNA: "), std::string::npos) << joiner.error().message;
}

TEST(Idna, InvalidLabelsInAPageGiveNoLink)
{
    extract::html_extractor x("https://example.com/", "utf-8", {.keep_links = true});
    x.feed("<a href='//\xEF\xBF\xBD.com/'>bad</a><a href='https://FA\xC3\x9F.example/a#x'>good</a>"
           "<a href='http://xn--a.\xC3\x9F/'>bad</a>");
    x.finish();
    const extract::page_info info = x.result();
    EXPECT_EQ(info.links, std::vector<std::string>{"https://xn--fa-hia.example/a"});
    EXPECT_EQ(info.links_count, 1U);
}

TEST(Idna, AsciiDomainsAreOnlyLowercased)
{
    // The standard leaves an ASCII domain to UTS #46 only when it is not ASCII: "xn--" labels
    // that are not Punycode, and hyphens anywhere, stay (web compatibility).
    EXPECT_EQ(url::parse_input("http://XN--A.example/").value().href, "http://xn--a.example/");
    EXPECT_EQ(url::parse_input("http://-x-.ab--c.example/").value().href, "http://-x-.ab--c.example/");
    EXPECT_EQ(url::parse_input("http://a..b./").value().href, "http://a..b./");
}

// The WPT IDNA cases, as toascii.window.js runs them: new URL("https://" + input + "/x").host.
struct toascii_case {
    std::string input;
    std::optional<std::string> output; ///< null: the URL does not parse
};

std::vector<toascii_case> load_toascii()
{
    std::ifstream in(std::string(CRAWL_FIXTURES) + "/wpt-url/toascii.json", std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const boost::json::value data = boost::json::parse(text);
    std::vector<toascii_case> cases;
    for (const auto& item : data.as_array()) {
        if (!item.is_object()) {
            continue;
        }
        const auto& o = item.as_object();
        toascii_case c;
        c.input = o.at("input").as_string();
        if (!o.at("output").is_null()) {
            c.output = std::string(o.at("output").as_string());
        }
        cases.push_back(std::move(c));
    }
    return cases;
}

// Where libidn2 2.3.3 (Debian 12) gives another answer than the standard, and why
// (docs/design.md, "URLs"). Each fails with crawl where a browser succeeds, or the reverse.
const std::map<std::string, std::string>& libidn2_differences()
{
    static const std::string hyphens = "CheckHyphens: libidn2 always rejects a U-label with '-' at "
                                       "its start or end or '--' at positions 3-4; the standard turns the check off";
    static const std::string table = "libidn2's UTS #46 table is Unicode 14.0; the standard follows the current "
                                     "UTS #46, whose later tables map or ignore this code point";
    static const std::map<std::string, std::string> differences = {
        {"a\u2020--", hyphens},
        {"-\u2020", hyphens},
        {"x01234567890123456789012345678901234567890123456789012345678901\u2020",
         "VerifyDnsLength: libidn2 caps a label at 63 bytes; the standard does not check lengths"},
        {"\u04C0.com", table + " (U+04C0 maps to U+04CF)"},
        {"\U0002F868.com", table + " (U+2F868 maps to U+36FC)"},
        {"\u2183.com", table + " (U+2183 maps to U+2184)"},
        {"look\u180Eout.net", table + " (U+180E is ignored)"},
        {"look\u206Bout.net", table + " (U+206B is ignored)"},
        {"\u1E9E.com", table + " (U+1E9E maps to U+00DF, not to \"ss\")"},
        {"\u1E9E.foo.com", table + " (U+1E9E maps to U+00DF, not to \"ss\")"},
    };
    return differences;
}

std::string host_of(std::string_view input)
{
    const auto t = url::parse_input("https://" + std::string(input) + "/x");
    if (!t) {
        return "failure";
    }
    return t->host.find(':') != std::string::npos ? "[" + t->host + "]" : t->host;
}

TEST(WptToAscii, HostsAsTheStandardSays)
{
    std::size_t checked = 0;
    for (const toascii_case& c : load_toascii()) {
        if (libidn2_differences().contains(c.input)) {
            continue;
        }
        ++checked;
        EXPECT_EQ(host_of(c.input), c.output.value_or("failure")) << boost::json::serialize(boost::json::value(c.input));
    }
    std::cout << checked << " toascii.json cases as the standard says, " << libidn2_differences().size()
              << " where libidn2 differs\n";
}

TEST(WptToAscii, KnownDifferencesStillDiffer)
{
    for (const toascii_case& c : load_toascii()) {
        const auto known = libidn2_differences().find(c.input);
        if (known != libidn2_differences().end()) {
            EXPECT_NE(host_of(c.input), c.output.value_or("failure"))
                << boost::json::serialize(boost::json::value(c.input)) << " now passes: " << known->second;
        }
    }
}

} // namespace
