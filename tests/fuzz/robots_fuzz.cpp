// Fuzz target: robots.txt parsing and rule matching (robots::parse, rules::check,
// robots::matches, robots::canonical_path) on arbitrary bytes, as a hostile server's
// robots.txt would carry them.
// Input: one byte choosing the crawler's User-Agent, then the robots.txt body.
// Checks: the selected rules are canonical and in check()'s order; Crawl-delay, when set, is
// a finite number of seconds >= 0; canonical_path is idempotent; and for a set of probe
// paths (every value in the body, every rule's pattern made literal, a few fixed ones)
// matches() agrees with a plain dynamic-programming wildcard matcher and check() (which only
// tries the rules its prefix index offers) decides as trying every rule would: the longest
// match, Allow winning ties, /robots.txt always allowed (tests/support/robots_reference.hpp).
// The Sitemap URLs are distinct http(s) URLs within url::max_url_bytes that parse to
// themselves.
// The same bytes as X-Robots-Tag fields (one a line): what they say to every crawler they say
// to any named one too.

#include "crawl/extract/robots_header.hpp"
#include "crawl/robots/robots.hpp"
#include "crawl/url/url.hpp"
#include "fuzz_input.hpp"
#include "support/robots_reference.hpp"

#include <cmath>
#include <set>
#include <iterator>
#include <string>
#include <vector>

namespace {

using namespace crawl;

std::vector<std::string> probe_paths(std::string_view body, const robots::rules& rules)
{
    std::vector<std::string> probes = {"/", "/robots.txt", "/a/b?c=d", "/%7Ea/%2f", ""};
    while (!body.empty() && probes.size() < 48) {
        const auto end = body.find_first_of("\r\n");
        const std::string_view line = body.substr(0, end);
        body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
        const auto colon = line.find(':');
        if (colon != std::string_view::npos) {
            probes.emplace_back(line.substr(colon + 1));
        }
    }
    for (const robots::rule& r : rules.list()) {
        if (probes.size() >= 96) {
            break;
        }
        std::string literal = r.pattern;
        std::erase(literal, '*');
        probes.push_back(literal);
        probes.push_back(literal + "x");
    }
    return probes;
}

void check_rules(const robots::rules& rules)
{
    const auto& list = rules.list();
    for (std::size_t i = 0; i < list.size(); ++i) {
        fuzz::check(!list[i].pattern.empty(), "an empty pattern became a rule");
        fuzz::check(robots::canonical_path(list[i].pattern) == list[i].pattern, "a rule's pattern is not canonical");
        if (i > 0) {
            const auto& a = list[i - 1];
            const auto& b = list[i];
            const bool ordered = a.pattern.size() > b.pattern.size() ||
                                 (a.pattern.size() == b.pattern.size() && (a.allow || !b.allow));
            fuzz::check(ordered, "rules not longest first, Allow before Disallow");
        }
    }
    if (const auto delay = rules.crawl_delay()) {
        fuzz::check(std::isfinite(*delay) && *delay >= 0, "Crawl-delay negative or not finite");
    }
}

void check_sitemaps(const robots::rules& rules)
{
    std::set<std::string> seen;
    for (const std::string& sitemap : rules.sitemaps()) {
        fuzz::check(sitemap.size() <= url::max_url_bytes, "a Sitemap URL over the URL limit");
        const auto again = url::parse_input(sitemap);
        fuzz::check(again && again->href == sitemap, "a Sitemap URL that does not parse to itself");
        fuzz::check(seen.insert(sitemap).second, "a Sitemap URL kept twice");
    }
}

void check_verdict(const robots::rules& rules, const std::string& probe)
{
    const std::string path = robots::canonical_path(probe);
    fuzz::check(robots::canonical_path(path) == path, "canonical_path is not idempotent");
    for (const robots::rule& r : rules.list()) {
        fuzz::check(robots::matches(r.pattern, path) == test::reference_match(r.pattern, path),
                    "matches() disagrees with the reference matcher");
    }
    const auto expected = test::reference_check(rules, probe);
    const auto v = rules.check(probe);
    fuzz::check(v.allowed == expected.allowed, "check() decided otherwise than trying every rule");
    fuzz::check((v.matched != nullptr) == expected.matched, "check() found a deciding rule where none is, or none");
    if (v.matched != nullptr) {
        fuzz::check(v.matched->pattern.size() == expected.longest, "check() did not pick the longest match");
        fuzz::check(v.matched->allow == v.allowed, "the deciding rule says otherwise than the verdict");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static constexpr const char* agents[] = {"crawl/1.0", "Googlebot/2.1 (+http://www.google.com/bot.html)", "",
                                             "*", "a-b_c", "FOO"};
    fuzz::input in(data, size);
    const char* agent = agents[in.byte() % std::size(agents)];
    const std::string_view body = in.rest();
    const robots::rules rules = robots::parse(body, agent);
    check_rules(rules);
    check_sitemaps(rules);
    for (const std::string& probe : probe_paths(body, rules)) {
        check_verdict(rules, probe);
    }
    if (extract::x_robots_tag_says_nofollow(body, "")) {
        fuzz::check(extract::x_robots_tag_says_nofollow(body, "crawl"),
                     "an X-Robots-Tag nofollow for every crawler did not reach a named one");
    }
    return 0;
}
