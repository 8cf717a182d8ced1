// Unit tests of crawl::url: input parsing, redirect resolution and link resolution.

#include "crawl/url/url.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using crawl::error_class;
namespace url = crawl::url;

struct good_input {
    std::string_view line;
    std::string_view href;
    std::string_view host;
    std::uint16_t port;
    std::string_view request_target;
};

TEST(UrlParseInput, NormalizesValidUrls)
{
    const std::vector<good_input> cases = {
        {"http://example.com", "http://example.com/", "example.com", 80, "/"},
        {"https://example.com", "https://example.com/", "example.com", 443, "/"},
        {"HTTP://Example.COM/Path", "http://example.com/Path", "example.com", 80, "/Path"},
        {"http://example.com:80/a", "http://example.com/a", "example.com", 80, "/a"},
        {"https://example.com:443/a", "https://example.com/a", "example.com", 443, "/a"},
        {"http://example.com:443/a", "http://example.com:443/a", "example.com", 443, "/a"},
        {"https://example.com:8443", "https://example.com:8443/", "example.com", 8443, "/"},
        {"http://example.com:/a", "http://example.com/a", "example.com", 80, "/a"},
        {"http://example.com/a/./b/../c", "http://example.com/a/c", "example.com", 80, "/a/c"},
        {"http://example.com/../../x", "http://example.com/x", "example.com", 80, "/x"},
        {"http://example.com/a/..", "http://example.com/", "example.com", 80, "/"},
        {"http://example.com/a/.", "http://example.com/a/", "example.com", 80, "/a/"},
        {"http://example.com/a?b=c#frag", "http://example.com/a?b=c", "example.com", 80, "/a?b=c"},
        {"http://example.com?q=1", "http://example.com/?q=1", "example.com", 80, "/?q=1"},
        {"http://example.com/#", "http://example.com/", "example.com", 80, "/"},
        // Escapes stay as written (WHATWG: "%7e" and "~" are different URLs to a browser).
        {"http://example.com/%7euser/%41%2f%3a", "http://example.com/%7euser/%41%2f%3a", "example.com", 80,
         "/%7euser/%41%2f%3a"},
        {"http://example.com/a?x=%26y%3d&z=%7e", "http://example.com/a?x=%26y%3d&z=%7e", "example.com", 80,
         "/a?x=%26y%3d&z=%7e"},
        {"http://example.com/a/%2e%2E/b", "http://example.com/b", "example.com", 80, "/b"},
        {"http://example.com/%e2%82%ac", "http://example.com/%e2%82%ac", "example.com", 80, "/%e2%82%ac"},
        {"http://ex%41mple.com/", "http://example.com/", "example.com", 80, "/"},
        {"http:example.com/a", "http://example.com/a", "example.com", 80, "/a"},
        {"http:\\\\example.com\\a\\b", "http://example.com/a/b", "example.com", 80, "/a/b"},
        {"http://example.com:00080/", "http://example.com/", "example.com", 80, "/"},
        {"http://0x7f.1/", "http://127.0.0.1/", "127.0.0.1", 80, "/"},
        {"http://[0:0::1]/", "http://[::1]/", "::1", 80, "/"},
        {"https://test:@test", "https://test@test/", "test", 443, "/"},
        {"http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x", "127.0.0.1", 8080, "/x"},
        {"http://[::1]:8080/x", "http://[::1]:8080/x", "::1", 8080, "/x"},
        {"https://[2001:DB8::1]/", "https://[2001:db8::1]/", "2001:db8::1", 443, "/"},
        {"http://user:pw@example.com/", "http://user:pw@example.com/", "example.com", 80, "/"},
        {"http://example.com/a b", "http://example.com/a%20b", "example.com", 80, "/a%20b"},
        {"http://example.com/caf\xC3\xA9", "http://example.com/caf%C3%A9", "example.com", 80, "/caf%C3%A9"},
        {"http://example.com/?q=[1]'", "http://example.com/?q=[1]%27", "example.com", 80, "/?q=[1]%27"},
        {"http://example.com/100%", "http://example.com/100%", "example.com", 80, "/100%"},
        // A byte that is not UTF-8 is kept, encoded (a browser would have decoded it to U+FFFD).
        {"http://example.com/\xFF", "http://example.com/%FF", "example.com", 80, "/%FF"},
        {"http://example.com:65535/", "http://example.com:65535/", "example.com", 65535, "/"},
    };
    for (const good_input& c : cases) {
        SCOPED_TRACE(std::string(c.line));
        const auto t = url::parse_input(c.line);
        ASSERT_TRUE(t.has_value()) << t.error().message;
        EXPECT_EQ(t->href, c.href);
        EXPECT_EQ(t->host, c.host);
        EXPECT_EQ(t->port, c.port);
        EXPECT_EQ(t->request_target, c.request_target);
        EXPECT_EQ(t->tls(), t->scheme == "https");
        EXPECT_TRUE(t->scheme == "http" || t->scheme == "https");
    }
}

struct bad_input {
    std::string_view line;
    error_class cls;
    std::string_view message_part;
};

TEST(UrlParseInput, RejectsBadLinesWithAClassAndAMessage)
{
    const std::vector<bad_input> cases = {
        {"", error_class::invalid_url, "empty"},
        {"example.com", error_class::invalid_url, "missing scheme"},
        {"example.com/path", error_class::invalid_url, "missing scheme"},
        {"localhost:8080/x", error_class::invalid_url, "missing scheme"},
        {"//example.com/x", error_class::invalid_url, "missing scheme"},
        {"/just/a/path", error_class::invalid_url, "missing scheme"},
        {"http://", error_class::invalid_url, "missing host"},
        {"https:///", error_class::invalid_url, "missing host"},
        {"http://user@/path", error_class::invalid_url, "missing host"},
        {"http://example.com:99999/", error_class::invalid_url, "port"},
        {"http://example.com:65536/", error_class::invalid_url, "port"},
        {"http://example.com:0/", error_class::invalid_url, "port"},
        {"http://example.com:abc/", error_class::invalid_url, "port"},
        {"http://example.com:12ab/", error_class::invalid_url, "port"},
        {"http://exa mple.com/", error_class::invalid_url, "invalid host"},
        {"http://[v1.x]/", error_class::invalid_url, "not an IPv6 address"},
        {"http://1.2.3.256/", error_class::invalid_url, "not an IPv4 address"},
        {"http://foo.09/", error_class::invalid_url, "not an IPv4 address"},
        {"http://a%2Fb/", error_class::invalid_url, "invalid host"},
        {"ftp://example.com/file", error_class::unsupported_scheme, "scheme"},
        {"mailto:someone@example.com", error_class::unsupported_scheme, "scheme"},
        {"file:///etc/passwd", error_class::unsupported_scheme, "scheme"},
        {"javascript:alert(1)", error_class::unsupported_scheme, "scheme"},
        {"ws://example.com/", error_class::unsupported_scheme, "scheme"},
    };
    for (const bad_input& c : cases) {
        SCOPED_TRACE(std::string(c.line));
        const auto t = url::parse_input(c.line);
        ASSERT_FALSE(t.has_value()) << t->href;
        EXPECT_EQ(t.error().cls, c.cls) << t.error().message;
        EXPECT_NE(t.error().message.find(c.message_part), std::string::npos) << t.error().message;
    }
}

TEST(UrlParseInput, ValueOfAFailureThrowsWithTheMessage)
{
    const auto t = url::parse_input("example.com");
    ASSERT_FALSE(t.has_value());
    try {
        (void)t.value();
        FAIL() << "value() did not throw";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("missing scheme"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("invalid_url"), std::string::npos) << e.what();
    }
}

TEST(UrlTarget, HostPortAndHostHeader)
{
    const auto plain = url::parse_input("http://example.com/").value();
    EXPECT_EQ(plain.host_port(), "example.com:80");
    EXPECT_EQ(plain.host_header(), "example.com");

    const auto tls_other = url::parse_input("https://example.com:8443/").value();
    EXPECT_EQ(tls_other.host_port(), "example.com:8443");
    EXPECT_EQ(tls_other.host_header(), "example.com:8443");

    const auto v6 = url::parse_input("http://[::1]/").value();
    EXPECT_EQ(v6.host, "::1");
    EXPECT_EQ(v6.host_port(), "[::1]:80");
    EXPECT_EQ(v6.host_header(), "[::1]");

    const auto v6_port = url::parse_input("https://[fe80::1]:444/").value();
    EXPECT_EQ(v6_port.host_port(), "[fe80::1]:444");
    EXPECT_EQ(v6_port.host_header(), "[fe80::1]:444");
}

struct redirect_case {
    std::string_view location;
    std::string_view href;
};

TEST(UrlResolveRedirect, ResolvesRealWorldLocations)
{
    const auto base = url::parse_input("http://example.com/dir/page?x=1").value();
    const std::vector<redirect_case> cases = {
        {"/new", "http://example.com/new"},
        {"other", "http://example.com/dir/other"},
        {"../up", "http://example.com/up"},
        {"../../../../up", "http://example.com/up"},
        {"./same/", "http://example.com/dir/same/"},
        {"?y=2", "http://example.com/dir/page?y=2"},
        {"#frag", "http://example.com/dir/page?x=1"},
        {"//cdn.example.net/x", "http://cdn.example.net/x"},
        {"https://Secure.Example.com:443/login", "https://secure.example.com/login"},
        {"https://example.com", "https://example.com/"},
        {"/a b/c d", "http://example.com/a%20b/c%20d"},
        {"/caf\xC3\xA9?q=\xC3\xBC", "http://example.com/caf%C3%A9?q=%C3%BC"},
        {"  /trimmed  ", "http://example.com/trimmed"},
        {"/with\ttab", "http://example.com/withtab"},
        {"/quote\"<x>`{|}^", "http://example.com/quote%22%3Cx%3E%60%7B|%7D%5E"},
        {"\\\\other.example\\path", "http://other.example/path"},
        {"/a\\b?c\\d", "http://example.com/a/b?c\\d"},
        {"/bad%zzescape", "http://example.com/bad%zzescape"},
        {"/%7Etilde", "http://example.com/%7Etilde"},
        {"http:other", "http://example.com/dir/other"},
        {"https:other", "https://other/"},
        {"//f\xC3\xA4\xC3\x9F.example/", "http://xn--f-qfao.example/"},
        {"http://[::1]:8080/v6", "http://[::1]:8080/v6"},
    };
    for (const redirect_case& c : cases) {
        SCOPED_TRACE(std::string(c.location));
        const auto t = url::resolve_redirect(base, c.location);
        ASSERT_TRUE(t.has_value()) << t.error().message;
        EXPECT_EQ(t->href, c.href);
    }
}

TEST(UrlResolveRedirect, FillsEveryTargetField)
{
    const auto base = url::parse_input("https://example.com/a").value();
    const auto t = url::resolve_redirect(base, "//[2001:db8::2]:8443/p?q").value();
    EXPECT_EQ(t.scheme, "https");
    EXPECT_EQ(t.host, "2001:db8::2");
    EXPECT_EQ(t.port, 8443);
    EXPECT_EQ(t.request_target, "/p?q");
    EXPECT_EQ(t.href, "https://[2001:db8::2]:8443/p?q");
}

TEST(UrlResolveFetchable, ResolvesAsLinksDoButOnlyToUrlsCrawlCanFetch)
{
    const auto base = url::parse_input("https://example.com/maps/sitemap.xml").value();
    EXPECT_EQ(url::resolve_fetchable(base, "../a?b").value().href, "https://example.com/a?b");
    // The URL Standard accepts port 0 and resolve_link keeps it; nothing can connect there.
    EXPECT_EQ(url::resolve_link(base, "http://h.example:0/").value(), "http://h.example:0/");
    EXPECT_EQ(url::resolve_fetchable(base, "http://h.example:0/").error().cls, error_class::invalid_url);
    EXPECT_EQ(url::resolve_fetchable(base, "mailto:a@b").error().cls, error_class::unsupported_scheme);
    EXPECT_EQ(url::resolve_fetchable(base, " ").error().cls, error_class::invalid_url);
}

TEST(UrlResolveRedirect, RejectsOtherSchemesAndBrokenTargets)
{
    const auto base = url::parse_input("https://example.com/a").value();
    const std::vector<bad_input> cases = {
        {"ftp://example.com/file", error_class::unsupported_scheme, "scheme"},
        {"file:///etc/passwd", error_class::unsupported_scheme, "scheme"},
        {"javascript:alert(1)", error_class::unsupported_scheme, "scheme"},
        {"mailto:x@example.com", error_class::unsupported_scheme, "scheme"},
        {"http://example.com:70000/", error_class::invalid_url, "port"},
        {"http://", error_class::invalid_url, "host"},
        {"", error_class::invalid_url, "empty"},
    };
    for (const bad_input& c : cases) {
        SCOPED_TRACE(std::string(c.line));
        const auto t = url::resolve_redirect(base, c.line);
        ASSERT_FALSE(t.has_value()) << t->href;
        EXPECT_EQ(t.error().cls, c.cls) << t.error().message;
        EXPECT_NE(t.error().message.find(c.message_part), std::string::npos) << t.error().message;
    }
}

struct link_case {
    std::string_view href;
    std::optional<std::string_view> expected;
};

TEST(UrlResolveLink, ResolvesAndNormalizesLinks)
{
    const url::target base = url::parse_input("https://example.com/docs/guide/index.html?v=2").value();
    const std::vector<link_case> cases = {
        {"page.html", "https://example.com/docs/guide/page.html"},
        {"../api/", "https://example.com/docs/api/"},
        {"/root", "https://example.com/root"},
        {"//other.org", "https://other.org/"},
        {"http://Other.ORG:80/X#top", "http://other.org/X"},
        {"?v=3", "https://example.com/docs/guide/index.html?v=3"},
        {"#section", "https://example.com/docs/guide/index.html?v=2"},
        {"#", "https://example.com/docs/guide/index.html?v=2"},
        {"page.html#frag", "https://example.com/docs/guide/page.html"},
        {"  spaced.html \n", "https://example.com/docs/guide/spaced.html"},
        {"/a\tb\rc\nd", "https://example.com/abcd"},
        {"ht\ttp://tab.example/", "http://tab.example/"},
        {"/path with space", "https://example.com/path%20with%20space"},
        {"/\xE6\x97\xA5\xE6\x9C\xAC", "https://example.com/%E6%97%A5%E6%9C%AC"},
        {"/%41%62c", "https://example.com/%41%62c"},
        {"/./a/../b", "https://example.com/b"},
        {"HTTPS://EXAMPLE.COM", "https://example.com/"},
        {"https:x", "https://example.com/docs/guide/x"},
        {"http:x", "http://x/"},
        {"", "https://example.com/docs/guide/index.html?v=2"},
        {"   ", "https://example.com/docs/guide/index.html?v=2"},
        {"javascript:void(0)", std::nullopt},
        {"JavaScript:alert(1)", std::nullopt},
        {"java\nscript:alert(1)", std::nullopt},
        {" javascript:alert(1)", std::nullopt},
        {"mailto:someone@example.com", std::nullopt},
        {"data:text/html,hi", std::nullopt},
        {"tel:+123456", std::nullopt},
        {"ftp://example.com/f", std::nullopt},
        {"about:blank", std::nullopt},
        {"http://", std::nullopt},
        {"http://example.com:99999/", std::nullopt},
        {"http://exa mple.com/", std::nullopt},
        {"http://f:0/c", "http://f:0/c"}, // a browser's link, though not one crawl can fetch
    };
    for (const link_case& c : cases) {
        SCOPED_TRACE(std::string(c.href));
        const std::optional<std::string> got = url::resolve_link(base, c.href);
        if (c.expected) {
            ASSERT_TRUE(got.has_value());
            EXPECT_EQ(*got, *c.expected);
        } else {
            EXPECT_FALSE(got.has_value()) << *got;
        }
    }
}

TEST(UrlResolveLink, Rfc3986Examples)
{
    // RFC 3986 5.4.1 and 5.4.2, base "http://a/b/c/d;p?q" (fragments dropped, as always here).
    const url::target base = url::parse_input("http://a/b/c/d;p?q").value();
    const std::vector<std::pair<std::string_view, std::string_view>> cases = {
        {"g", "http://a/b/c/g"},
        {"./g", "http://a/b/c/g"},
        {"g/", "http://a/b/c/g/"},
        {"/g", "http://a/g"},
        {"//g", "http://g/"},
        {"?y", "http://a/b/c/d;p?y"},
        {"g?y", "http://a/b/c/g?y"},
        {"#s", "http://a/b/c/d;p?q"},
        {"g#s", "http://a/b/c/g"},
        {"g?y#s", "http://a/b/c/g?y"},
        {";x", "http://a/b/c/;x"},
        {"g;x", "http://a/b/c/g;x"},
        {".", "http://a/b/c/"},
        {"./", "http://a/b/c/"},
        {"..", "http://a/b/"},
        {"../", "http://a/b/"},
        {"../g", "http://a/b/g"},
        {"../..", "http://a/"},
        {"../../", "http://a/"},
        {"../../g", "http://a/g"},
        {"../../../g", "http://a/g"},
        {"../../../../g", "http://a/g"},
        {"/./g", "http://a/g"},
        {"/../g", "http://a/g"},
        {"g.", "http://a/b/c/g."},
        {".g", "http://a/b/c/.g"},
        {"g..", "http://a/b/c/g.."},
        {"..g", "http://a/b/c/..g"},
        {"./../g", "http://a/b/g"},
        {"./g/.", "http://a/b/c/g/"},
        {"g/./h", "http://a/b/c/g/h"},
        {"g/../h", "http://a/b/c/h"},
        {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
        {"g;x=1/../y", "http://a/b/c/y"},
        {"g?y/./x", "http://a/b/c/g?y/./x"},
        {"g#s/../x", "http://a/b/c/g"},
    };
    for (const auto& [href, expected] : cases) {
        SCOPED_TRACE(std::string(href));
        const std::optional<std::string> got = url::resolve_link(base, href);
        ASSERT_TRUE(got.has_value());
        EXPECT_EQ(*got, expected);
    }
    EXPECT_FALSE(url::resolve_link(base, "g:h").has_value());
}

TEST(UrlResolveLink, ResolvesAgainstABaseWithAPath)
{
    const url::target dir = url::parse_input("http://example.com/a/b/").value();
    EXPECT_EQ(url::resolve_link(dir, "c").value(), "http://example.com/a/b/c");
    EXPECT_EQ(url::resolve_link(dir, "../c").value(), "http://example.com/a/c");
    const url::target file = url::parse_input("http://example.com/a/b").value();
    EXPECT_EQ(url::resolve_link(file, "c").value(), "http://example.com/a/c");
    const url::target root = url::parse_input("http://example.com").value();
    EXPECT_EQ(url::resolve_link(root, "c").value(), "http://example.com/c");
}

TEST(UrlResolveLink, EncodesABytePlacedAnywhereInALongComponent)
{
    // The percent-encode sets are scanned 16 bytes at a time where SSE2 is there: a byte to
    // encode is found at every offset of a vector, in its tail and after a whole vector.
    const url::target base = url::parse_input("http://example.com/").value();
    for (std::size_t at = 0; at <= 40; ++at) {
        for (const auto& [raw, encoded] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
                 {" ", "%20"}, {"\x01", "%01"}, {"\x7F", "%7F"}, {"\xC3\xA9", "%C3%A9"}, {"\"", "%22"}, {"`", "%60"}}) {
            const std::string run = std::string(at, 'a') + std::string(raw) + std::string(41 - at, 'b');
            SCOPED_TRACE(testing::Message() << "offset " << at << ", byte " << testing::PrintToString(raw));
            const std::string plain_path = std::string(at, 'a') + std::string(encoded) + std::string(41 - at, 'b');
            EXPECT_EQ(url::resolve_link(base, "/p/" + run).value(), "http://example.com/p/" + plain_path);
            // In a query only some of them are encoded ('`' is not).
            const std::string query = raw == "`" ? run : plain_path;
            EXPECT_EQ(url::resolve_link(base, "/q?" + run).value(), "http://example.com/q?" + query);
        }
    }
}

TEST(UrlResolveLink, APathIsCopiedWholeOnlyWhereNoSegmentNeedsMore)
{
    // A '.' or '%' inside a segment leaves the path plain; one that starts a segment may start
    // a dot segment, and a backslash or a byte to encode needs the segment by segment path.
    const url::target base = url::parse_input("http://example.com/dir/").value();
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"/a.b/c.d?x=1", "http://example.com/a.b/c.d?x=1"},
        {"/a%41/b%2e?q", "http://example.com/a%41/b%2e?q"},
        {"/a.b/../c", "http://example.com/c"},
        {"/a/%2e/b", "http://example.com/a/b"},
        {"/a/.hidden/b", "http://example.com/a/.hidden/b"},
        {"/a/%41b", "http://example.com/a/%41b"},
        {"x.y/./z", "http://example.com/dir/x.y/z"},
        {".", "http://example.com/dir/"},
        {"/a\\b.c", "http://example.com/a/b.c"},
        {"/a b.c", "http://example.com/a%20b.c"},
        {"/a//b.", "http://example.com/a//b."},
    };
    for (const auto& [href, expected] : cases) {
        SCOPED_TRACE(std::string(href));
        EXPECT_EQ(url::resolve_link(base, href).value(), expected);
    }
}

TEST(UrlLinkResolver, AgreesWithResolveLinkOnEveryKindOfBase)
{
    // link_resolver takes its base apart once (host, port, path, query offsets): bases whose
    // parts lie differently must give what resolve_link gives.
    const std::string_view bases[] = {
        "http://example.com", "https://example.com/a/b?q=1", "http://user:pw@h.example:8080/a/b/",
        "http://[::1]:8443/x?y", "http://[2001:db8::1]/", "https://127.0.0.1:1/deep/er/path",
        "http://xn--fa-hia.example/%C3%A9/?",
    };
    const std::string_view hrefs[] = {
        "", "c", "../c", "/c", "?q", "//other.example/p", "https://h.example/", "http:rel", "https:rel",
        "./", "..", "#frag", "javascript:void(0)", "http://[::1", "c d?e f", "\\host\\p",
    };
    std::string buffer = "left over from before";
    for (const std::string_view b : bases) {
        const url::target base = url::parse_input(b).value();
        const url::link_resolver resolver(base);
        for (const std::string_view href : hrefs) {
            SCOPED_TRACE(std::string(b) + " + " + std::string(href));
            const std::optional<std::string> want = url::resolve_link(base, href);
            const bool got = resolver.resolve(href, buffer);
            ASSERT_EQ(got, want.has_value());
            if (got) {
                EXPECT_EQ(buffer, *want);
            }
        }
    }
}

TEST(UrlResolveLink, ResultIsStableUnderReparsing)
{
    // A normalized link must come out unchanged when it is parsed again: dedupe relies on it.
    const url::target base = url::parse_input("http://example.com/x/").value();
    for (const std::string_view href :
         {"a b/%7e/../c?d e#f", "/\xC3\xA9t\xC3\xA9", "//Host.Example/%2e%2E/x", "../../y?z=%zz"}) {
        SCOPED_TRACE(std::string(href));
        const std::optional<std::string> once = url::resolve_link(base, href);
        ASSERT_TRUE(once.has_value());
        const auto again = url::parse_input(*once);
        ASSERT_TRUE(again.has_value()) << again.error().message;
        EXPECT_EQ(again->href, *once);
    }
}

} // namespace
