#pragma once
// The oracle: from the web's own parameters, what a correct recursive crawl of the synthetic
// web records, depth by depth. Breadth-first within politeness is not a total order, so the
// answer is a set of URLs per depth, not a sequence; under a page limit, the depth where the
// limit falls is a set of candidates (see crawl_expectation).
//
// What "correct" means here (each a choice the crawler must make the same way; see
// tests/support/README.md, "The oracle"):
// - Seeds are depth 0 and are fetched whatever the filters say. A link found on a page at
//   depth d is a URL at depth d + 1, followed when d < depth, it is in scope of the seed the
//   page descends from (host: same host; domain: same registrable domain, the last two labels;
//   any), the `follow` filter accepts it (the accept/reject regexes), and with no_parent it
//   lies under the seed's directory (on the seed's host; other hosts are judged by scope).
// - Links with rel=nofollow and every link of a page with <meta name=robots> nofollow or none
//   are not followed; <a href>, <area href>, <iframe src> and <frame src> are.
// - URLs are deduplicated on their normalized form: each gets one record, at the smallest
//   depth it is found at. A URL refused by scope or filters is not "seen", and may be found
//   again through another seed.
// - robots.txt (unless ignore_robots): a URL its host's robots.txt disallows gets a record but
//   no request; a host whose robots.txt answers 503 gets no request at all.
// - Redirects: `followed` (the fetch client follows a chain within one record, as list mode
//   does: the record's final URL is where the chain ends, and that page's links are found at
//   depth + 1), or `queued` (a redirect is a record whose Location is a new URL at the same
//   depth, deduplicated, scope-checked and robots-checked like a link). A followed chain's
//   hops and end count as seen, as fetched: a link to them later is not fetched again. Chains
//   end on pages nothing but themselves links to, so both modes give each page one request.
// - Limits count fetches (records with a request: not robots refusals, not names that do not
//   resolve).

#include "support/web/web.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crawl::test::web {

enum class scope { host, domain, any };
enum class redirect_mode { followed, queued };

struct crawl_spec {
    /// Normalized URLs of the web (as web::url writes them); anything else is
    /// std::invalid_argument.
    std::vector<std::string> seeds;
    std::uint32_t depth = 0;
    test::web::scope scope = test::web::scope::host;
    bool no_parent = false;
    bool ignore_robots = false;
    /// Also crawl what the sitemaps of each seed's host list (web::sitemap_pages), as URLs
    /// found at depth 0, before the links of that depth.
    bool sitemaps = false;
    /// Accept/reject on a found URL's normalized form; empty: accept all.
    std::function<bool(std::string_view url)> follow;
    std::uint64_t max_pages = 0;    ///< fetches in the whole crawl; 0: no limit
    std::uint64_t max_per_host = 0; ///< fetches per host; 0: no limit
    redirect_mode redirects = redirect_mode::followed;
    /// Without depth or a limit the calendar never ends: the oracle stops after this many
    /// records and says so (crawl_expectation::truncated).
    std::uint64_t max_records = 10'000'000;
};

enum class outcome {
    ok,             ///< 200
    not_found,      ///< 404 (or the end of a chain that ends in one)
    redirect,       ///< a 3xx record (redirect_mode::queued only)
    robots_refused, ///< robots.txt forbids it: a record, no request
    unresolvable,   ///< a name that does not resolve: a record, no request
};

struct visit {
    std::string url;       ///< normalized, as the record's url
    std::string final_url; ///< where redirects followed within the fetch ended (== url when none)
    test::web::outcome outcome = test::web::outcome::ok;
    unsigned status = 0;   ///< the final response's status (0 without a request)
    /// What a followed chain requests after the URL itself: each further hop, then its end.
    std::vector<std::string> hops;
};

struct crawl_expectation {
    /// depths[d]: every record at depth d, sorted by URL.
    std::vector<std::vector<visit>> depths;
    /// depths[0, exact_depths) are exactly what a correct crawl records. A limit that falls
    /// inside a depth leaves one more depth, depths[exact_depths], whose entries are
    /// candidates: the crawl records some of them, with `cut_fetches` fetches in all there
    /// (and, with max_per_host, at most that host's remainder on each host).
    std::size_t exact_depths = 0;
    std::uint64_t cut_fetches = 0;
    bool truncated = false; ///< stopped at max_records (an endless calendar without limits)
    /// The hosts whose robots.txt a correct crawl fetches (those of every record), sorted.
    std::vector<std::uint32_t> robots_hosts;

    [[nodiscard]] std::uint64_t records() const;
    [[nodiscard]] std::uint64_t fetches() const;
    /// Every URL of the exact depths, sorted.
    [[nodiscard]] std::vector<std::string> urls() const;
    /// The depth of `url`, if it is a record (candidates included).
    [[nodiscard]] std::optional<std::uint32_t> depth_of(std::string_view url) const;
};

[[nodiscard]] crawl_expectation expect_crawl(const web& w, const crawl_spec& spec);

} // namespace crawl::test::web
