// Where a discovered link may go: registrable domains from the system's Public Suffix List
// (libpsl), and the scope rules (--scope, --accept-regex, --reject-regex, --no-parent) on URLs
// that the real URL parser normalized.

#include "crawl/frontier/registrable_domain.hpp"
#include "crawl/frontier/scope.hpp"
#include "crawl/url/url.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace crawl::frontier {

// gtest prints a verdict by its name.
void PrintTo(verdict v, std::ostream* out) { *out << to_string(v); }

namespace {

url::target parse(std::string_view text)
{
    auto parsed = url::parse_input(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed.value();
}

std::string host_of(std::string_view text) { return parse(text).host; }

scope make_scope(const scope_rules& rules)
{
    auto made = scope::make(rules);
    EXPECT_TRUE(made.has_value()) << made.error().message;
    return std::move(made).value();
}

// Judges `link` found on `page`, both descending from `seed`.
verdict judge(const scope& s, std::string_view seed, std::string_view page, std::string_view link)
{
    return s.judge(parse(link), parse(page), s.origin_of_seed(parse(seed)));
}

verdict judge(const scope& s, std::string_view page, std::string_view link) { return judge(s, page, page, link); }

// ---- registrable_domain ----

TEST(RegistrableDomain, IcannSuffixesOfOneAndTwoLabels)
{
    EXPECT_EQ(registrable_domain("www.example.com"), "example.com");
    EXPECT_EQ(registrable_domain("a.b.c.example.com"), "example.com");
    EXPECT_EQ(registrable_domain("example.com"), "example.com");
    EXPECT_EQ(registrable_domain("www.example.co.uk"), "example.co.uk");
    EXPECT_EQ(registrable_domain("shop.example.co.uk"), "example.co.uk");
    EXPECT_EQ(registrable_domain("other.co.uk"), "other.co.uk");
}

TEST(RegistrableDomain, WildcardAndExceptionRules)
{
    // *.kawasaki.jp and !city.kawasaki.jp in the list.
    EXPECT_EQ(registrable_domain("a.b.c.kawasaki.jp"), "b.c.kawasaki.jp");
    EXPECT_EQ(registrable_domain("www.city.kawasaki.jp"), "city.kawasaki.jp");
}

TEST(RegistrableDomain, PrivateSuffixesSeparateTheirUsers)
{
    EXPECT_EQ(registrable_domain("a.b.alice.github.io"), "alice.github.io");
    EXPECT_EQ(registrable_domain("bob.github.io"), "bob.github.io");
    EXPECT_EQ(registrable_domain("bucket.s3.amazonaws.com"), "bucket.s3.amazonaws.com");
}

TEST(RegistrableDomain, PublicSuffixOrSingleLabelIsItsOwn)
{
    for (const char* host : {"co.uk", "github.io", "com", "localhost", "test", "s3.amazonaws.com"}) {
        EXPECT_EQ(registrable_domain(host), host);
    }
}

TEST(RegistrableDomain, UnknownSuffixIsOneLabelByTheDefaultRule)
{
    EXPECT_EQ(registrable_domain("h001.d001.test"), "d001.test"); // the synthetic web's hosts
    EXPECT_EQ(registrable_domain("d001.test"), "d001.test");
    EXPECT_EQ(registrable_domain("a.b.corp.internal"), "corp.internal");
}

TEST(RegistrableDomain, IpAddressIsItsOwn)
{
    EXPECT_EQ(registrable_domain(host_of("http://127.0.0.1/")), "127.0.0.1");
    EXPECT_EQ(registrable_domain(host_of("http://0x7f.1/")), "127.0.0.1"); // parser's IPv4 forms
    EXPECT_EQ(registrable_domain(host_of("http://192.168.1.1:8080/")), "192.168.1.1");
    EXPECT_EQ(registrable_domain(host_of("http://[::1]/")), "::1");
    EXPECT_EQ(registrable_domain(host_of("http://[2001:db8::1]/")), "2001:db8::1");
}

TEST(RegistrableDomain, TrailingDotIgnored)
{
    EXPECT_EQ(registrable_domain(host_of("http://www.example.com./")), "example.com");
    // libpsl alone calls "co.uk." registrable, which would put every .co.uk site in one domain.
    EXPECT_EQ(registrable_domain("www.co.uk."), "www.co.uk");
    EXPECT_EQ(registrable_domain("co.uk."), "co.uk");
    // The URL parser keeps every trailing dot but the last label's check ignores only one
    // (the fuzzer's http:2F..010../x has the host "2f..010.."): all are dropped, so the
    // answer is its own registrable domain.
    EXPECT_EQ(host_of("http:2F..010../x"), "2f..010..");
    EXPECT_EQ(registrable_domain("2f..010.."), "2f..010");
    EXPECT_EQ(registrable_domain("2f..010"), "2f..010");
    EXPECT_EQ(registrable_domain("www.example.com.."), "example.com");
    EXPECT_EQ(registrable_domain("..."), "");
}

TEST(RegistrableDomain, PunycodeHostsFromTheParser)
{
    EXPECT_EQ(registrable_domain(host_of("http://www.b\xc3\xbc" "cher.de/")), "xn--bcher-kva.de");
    // An internationalized TLD (.рф): пример.рф.
    EXPECT_EQ(registrable_domain(host_of("http://www.\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84/")),
              "xn--e1afmkfd.xn--p1ai");
}

TEST(RegistrableDomain, HostLongerThanDnsAllows)
{
    std::string host;
    for (int i = 0; i < 40; ++i) {
        host += "label" + std::to_string(i) + ".";
    }
    host += "example.co.uk";
    ASSERT_GT(host.size(), 256U);
    EXPECT_EQ(registrable_domain(host), "example.co.uk");
}

TEST(RegistrableDomain, SameAnswersFromManyThreads)
{
    const std::vector<std::string> hosts{"www.example.co.uk", "a.bob.github.io", "h7.d3.test", "x.city.kawasaki.jp"};
    const std::vector<std::string> expected{"example.co.uk", "bob.github.io", "d3.test", "city.kawasaki.jp"};
    std::vector<int> wrong(4, 0);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                const auto k = (t + static_cast<std::size_t>(i)) % hosts.size();
                wrong[t] += registrable_part(hosts[k]) != expected[k] ? 1 : 0;
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

// ---- scope ----

TEST(Scope, NamesOfModesAndVerdicts)
{
    for (auto mode : {scope_mode::host, scope_mode::domain, scope_mode::any}) {
        EXPECT_EQ(scope_mode_from_string(to_string(mode)), mode);
    }
    EXPECT_EQ(scope_mode_from_string("Host"), std::nullopt);
    EXPECT_EQ(scope_mode_from_string(""), std::nullopt);
    EXPECT_EQ(to_string(verdict::follow), "follow");
    EXPECT_EQ(to_string(verdict::off_host), "off_host");
    EXPECT_EQ(to_string(verdict::off_domain), "off_domain");
    EXPECT_EQ(to_string(verdict::above_parent), "above_parent");
    EXPECT_EQ(to_string(verdict::rejected), "rejected");
    EXPECT_EQ(to_string(verdict::not_accepted), "not_accepted");
}

TEST(Scope, HostModeIsTheHostWhateverSchemeAndPort)
{
    const auto s = make_scope({});
    EXPECT_EQ(s.mode(), scope_mode::host);
    const auto page = "http://example.com/a/page.html";
    EXPECT_EQ(judge(s, page, "http://example.com/b"), verdict::follow);
    EXPECT_EQ(judge(s, page, "https://example.com/b"), verdict::follow);
    EXPECT_EQ(judge(s, page, "http://example.com:8080/b"), verdict::follow);
    EXPECT_EQ(judge(s, page, "http://EXAMPLE.com/b"), verdict::follow);
    EXPECT_EQ(judge(s, page, "http://www.example.com/"), verdict::off_host);
    EXPECT_EQ(judge(s, page, "http://example.org/"), verdict::off_host);
    EXPECT_EQ(judge(s, page, "http://127.0.0.1/"), verdict::off_host);
}

TEST(Scope, DomainModeIsTheRegistrableDomain)
{
    const auto s = make_scope({.mode = scope_mode::domain});
    const auto page = "https://www.example.co.uk/";
    EXPECT_EQ(judge(s, page, "https://shop.example.co.uk/cart"), verdict::follow);
    EXPECT_EQ(judge(s, page, "http://example.co.uk/"), verdict::follow);
    EXPECT_EQ(judge(s, page, "http://a.b.example.co.uk:81/"), verdict::follow);
    EXPECT_EQ(judge(s, page, "https://other.co.uk/"), verdict::off_domain);
    EXPECT_EQ(judge(s, page, "https://co.uk/"), verdict::off_domain);
    EXPECT_EQ(judge(s, page, "https://example.com/"), verdict::off_domain);
    // The same registrable domain spelled with a trailing dot is the same site.
    EXPECT_EQ(judge(s, page, "https://example.co.uk./"), verdict::follow);
}

TEST(Scope, DomainModeKeepsPrivateSuffixUsersApart)
{
    const auto s = make_scope({.mode = scope_mode::domain});
    const auto page = "https://alice.github.io/";
    EXPECT_EQ(judge(s, page, "https://docs.alice.github.io/"), verdict::follow);
    EXPECT_EQ(judge(s, page, "https://bob.github.io/"), verdict::off_domain);
    EXPECT_EQ(judge(s, page, "https://github.io/"), verdict::off_domain);
}

TEST(Scope, DomainModeOnAddressesAndTheSyntheticWeb)
{
    const auto s = make_scope({.mode = scope_mode::domain});
    EXPECT_EQ(judge(s, "http://127.0.0.1:8080/", "http://127.0.0.1:9090/x"), verdict::follow);
    EXPECT_EQ(judge(s, "http://127.0.0.1:8080/", "http://127.0.0.2:8080/x"), verdict::off_domain);
    EXPECT_EQ(judge(s, "http://10.0.0.1/", "http://0.0.1/x"), verdict::off_domain);
    EXPECT_EQ(judge(s, "http://[::1]/", "http://[::2]/"), verdict::off_domain);
    EXPECT_EQ(judge(s, "http://localhost:80/", "http://localhost:81/"), verdict::follow);
    EXPECT_EQ(judge(s, "http://localhost/", "http://a.localhost/"), verdict::off_domain);
    EXPECT_EQ(judge(s, "http://h001.d001.test/", "http://h002.d001.test/p/1"), verdict::follow);
    EXPECT_EQ(judge(s, "http://h001.d001.test/", "http://h001.d002.test/"), verdict::off_domain);
}

TEST(Scope, AnyModeFollowsEveryHost)
{
    const auto s = make_scope({.mode = scope_mode::any});
    EXPECT_EQ(judge(s, "http://example.com/", "https://elsewhere.org/x"), verdict::follow);
    EXPECT_EQ(judge(s, "http://example.com/", "http://[::1]:8080/"), verdict::follow);
}

TEST(Scope, RejectRefusesOnAMatchAnywhereInTheUrl)
{
    const auto s = make_scope({.mode = scope_mode::any, .reject = {"\\.pdf$", "/private/"}});
    const auto page = "http://example.com/";
    EXPECT_EQ(judge(s, page, "http://example.com/a.pdf"), verdict::rejected);
    EXPECT_EQ(judge(s, page, "http://example.com/private/x.html"), verdict::rejected);
    EXPECT_EQ(judge(s, page, "http://example.com/a.pdf?page=2"), verdict::follow); // $ is the URL's end
    EXPECT_EQ(judge(s, page, "http://example.com/a.PDF"), verdict::follow); // case-sensitive, as wget
    EXPECT_EQ(judge(s, page, "http://example.com/privately"), verdict::follow);
}

TEST(Scope, SeveralAcceptPatternsAreOred)
{
    const auto s = make_scope({.accept = {"/docs/", "^https://"}});
    const auto page = "http://example.com/";
    EXPECT_EQ(judge(s, page, "http://example.com/docs/intro"), verdict::follow);
    EXPECT_EQ(judge(s, page, "https://example.com/blog/"), verdict::follow);
    EXPECT_EQ(judge(s, page, "http://example.com/blog/"), verdict::not_accepted);
    EXPECT_EQ(judge(s, page, "http://example.com/DOCS/"), verdict::not_accepted);
}

TEST(Scope, RejectWinsOverAccept)
{
    const auto s = make_scope({.accept = {"/docs/"}, .reject = {"draft"}});
    const auto page = "http://example.com/";
    EXPECT_EQ(judge(s, page, "http://example.com/docs/a"), verdict::follow);
    EXPECT_EQ(judge(s, page, "http://example.com/docs/draft-a"), verdict::rejected);
    EXPECT_EQ(judge(s, page, "http://example.com/draft"), verdict::rejected);
    EXPECT_EQ(judge(s, page, "http://example.com/b"), verdict::not_accepted);
}

TEST(Scope, PatternsSeeTheNormalizedUrl)
{
    const auto s = make_scope({.mode = scope_mode::any, .reject = {"xn--bcher-kva", "caf%C3%A9", "/b/c$"}});
    const auto page = "http://example.com/";
    EXPECT_EQ(judge(s, page, "http://B\xc3\x9c" "CHER.de/"), verdict::rejected);
    EXPECT_EQ(judge(s, page, "http://example.com/caf\xc3\xa9"), verdict::rejected);
    EXPECT_EQ(judge(s, page, "http://example.com/b/x/../c#fragment"), verdict::rejected);
}

TEST(Scope, RuleOrderIsHostThenParentThenRejectThenAccept)
{
    const auto s = make_scope({.accept = {"never"}, .reject = {"."}, .no_parent = true});
    const auto seed = "http://example.com/docs/";
    EXPECT_EQ(judge(s, seed, seed, "http://other.com/docs/x"), verdict::off_host);
    EXPECT_EQ(judge(s, seed, seed, "http://example.com/x"), verdict::above_parent);
    EXPECT_EQ(judge(s, seed, seed, "http://example.com/docs/x"), verdict::rejected);
    const auto accepting = make_scope({.accept = {"never"}});
    EXPECT_EQ(judge(accepting, seed, "http://example.com/docs/x"), verdict::not_accepted);
}

TEST(Scope, BadPatternIsAnErrorThatNamesIt)
{
    testing::internal::CaptureStderr();
    const auto bad_accept = scope::make({.accept = {"fine", "docs/(unclosed"}});
    const auto bad_reject = scope::make({.reject = {"a**"}});
    const auto too_big = scope::make({.reject = {"((((((a{100}){100}){100}){100}){100}){100})"}});
    EXPECT_EQ(testing::internal::GetCapturedStderr(), ""); // RE2 logs nothing
    ASSERT_FALSE(bad_accept.has_value());
    EXPECT_EQ(bad_accept.error().message, "--accept-regex 'docs/(unclosed': missing ): docs/(unclosed");
    ASSERT_FALSE(bad_reject.has_value());
    EXPECT_EQ(bad_reject.error().message, "--reject-regex 'a**': bad repetition operator: **");
    ASSERT_FALSE(too_big.has_value());
    EXPECT_NE(too_big.error().message.find("--reject-regex '((((((a{100}"), std::string::npos);
    EXPECT_THROW((void)bad_reject.value(), std::invalid_argument);
}

TEST(Scope, CatastrophicPatternsRunInLinearTime)
{
    // Each takes 2^n steps in a backtracking engine on n x's without a match; RE2 is linear, so a
    // URL of 20,000 x's gets its answer at once (and the answer is what the pattern says).
    const auto s = make_scope({.mode = scope_mode::any, .reject = {"(x+x+)+y", "^http://h/(x|x)*z$", "(x*)*\\d"}});
    const std::string page = "http://h/";
    const std::string link = page + std::string(20000, 'x');
    EXPECT_EQ(judge(s, page, link), verdict::follow);
    EXPECT_EQ(judge(s, page, link + "y"), verdict::rejected);
    EXPECT_EQ(judge(s, page, link + "z"), verdict::rejected);
    EXPECT_EQ(judge(s, page, link + "7"), verdict::rejected);
}

TEST(Scope, NoParentKeepsTheSeedsDirectory)
{
    const auto s = make_scope({.no_parent = true});
    EXPECT_EQ(s.origin_of_seed(parse("http://example.com/docs/intro.html?x=/a/b/")).no_parent_prefix,
              "example.com/docs/");
    const auto seed = "http://example.com/docs/intro.html";
    EXPECT_EQ(judge(s, seed, seed, "http://example.com/docs/"), verdict::follow);
    EXPECT_EQ(judge(s, seed, seed, "http://example.com/docs/a/b"), verdict::follow);
    EXPECT_EQ(judge(s, seed, seed, "https://example.com:8443/docs/a"), verdict::follow);
    EXPECT_EQ(judge(s, seed, seed, "http://example.com/docs/?q=1"), verdict::follow);
    EXPECT_EQ(judge(s, seed, seed, "http://example.com/docs"), verdict::above_parent);
    EXPECT_EQ(judge(s, seed, seed, "http://example.com:8080/admin/"), verdict::above_parent); // wget: exempt
    EXPECT_EQ(judge(s, seed, seed, "http://example.com/docs?q=/docs/"), verdict::above_parent);
    EXPECT_EQ(judge(s, seed, seed, "http://example.com/docsextra/"), verdict::above_parent);
    EXPECT_EQ(judge(s, seed, seed, "http://example.com/"), verdict::above_parent);
    // The page's own directory does not matter: the seed's does.
    EXPECT_EQ(judge(s, seed, "http://example.com/docs/deep/page", "http://example.com/docs/up"), verdict::follow);
}

TEST(Scope, NoParentWithoutTrailingSlashIsTheParentDirectory)
{
    const auto s = make_scope({.no_parent = true});
    // As in wget, the last segment without a slash is a file: /docs is in /.
    EXPECT_EQ(s.origin_of_seed(parse("http://example.com/docs")).no_parent_prefix, "example.com/");
    EXPECT_EQ(judge(s, "http://example.com/docs", "http://example.com/docs", "http://example.com/other"), verdict::follow);
    EXPECT_EQ(s.origin_of_seed(parse("http://example.com")).no_parent_prefix, "example.com/");
    EXPECT_EQ(s.origin_of_seed(parse("http://[::1]:8080/a/b")).no_parent_prefix, "::1/a/");
}

TEST(Scope, NoParentOnDotSegmentsResolved)
{
    const auto s = make_scope({.no_parent = true});
    const auto seed = "http://example.com/docs/";
    EXPECT_EQ(judge(s, seed, seed, "http://example.com/docs/../secret"), verdict::above_parent);
    EXPECT_EQ(judge(s, seed, seed, "http://example.com/docs/%2e%2e/secret"), verdict::above_parent);
    EXPECT_EQ(judge(s, seed, seed, "http://example.com/docs/a/../b"), verdict::follow);
    // A relative link as a page writes it, resolved by the extractor's resolver.
    const auto page = parse("http://example.com/docs/a/page.html");
    const auto resolved = url::resolve_link(page, "../../admin/");
    ASSERT_TRUE(resolved.has_value());
    EXPECT_EQ(*resolved, "http://example.com/admin/");
    EXPECT_EQ(s.judge(parse(*resolved), page, s.origin_of_seed(parse(seed))), verdict::above_parent);
}

TEST(Scope, NoParentHoldsOnlyOnTheSeedsHost)
{
    const auto s = make_scope({.mode = scope_mode::domain, .no_parent = true});
    const auto seed = "https://example.com/blog/";
    EXPECT_EQ(judge(s, seed, seed, "https://cdn.example.com/img/a.png"), verdict::follow);
    EXPECT_EQ(judge(s, seed, "https://cdn.example.com/x", "https://example.com/shop/"), verdict::above_parent);
    EXPECT_EQ(judge(s, seed, "https://cdn.example.com/x", "https://example.com/blog/2"), verdict::follow);
}

TEST(Scope, WithoutNoParentTheOriginIsEmpty)
{
    const auto s = make_scope({.mode = scope_mode::any});
    EXPECT_TRUE(s.origin_of_seed(parse("http://example.com/docs/a")).no_parent_prefix.empty());
    EXPECT_EQ(judge(s, "http://example.com/docs/a", "http://example.com/"), verdict::follow);
}

} // namespace
} // namespace crawl::frontier
