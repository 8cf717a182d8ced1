#pragma once
// robots.txt (RFC 9309): parsing, group selection by product token, and longest-match rules
// with '*' and '$'. Pure: no I/O; the worker fetches the file, the supervisor asks the rules.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crawl::robots {

/// Bytes of a robots.txt that are parsed (RFC 9309 2.5: at least 500 KiB); the rest is ignored.
inline constexpr std::size_t max_bytes = 500 * 1024;

/// One Allow or Disallow line of the selected group, its path pattern in canonical form
/// (see canonical_path): '*' matches any run of octets, a final '$' anchors at the end.
struct rule {
    bool allow = false;
    std::string pattern;
};

/// The rules that apply to one crawler on one origin. Default-constructed: allow everything.
/// Immutable once built. Distinct objects: safe. Shared objects: safe for concurrent const use.
class rules {
public:
    rules() = default;

    /// The rules of `list`, whose patterns are in canonical form (canonical_path; parse()
    /// makes them so, and list() hands them on so); an empty pattern is no rule (RFC 9309:
    /// "Disallow:" with no path allows everything). A list already in list()'s order (as a
    /// worker sends it to the supervisor) is taken as it is, without sorting again.
    /// `crawl_delay`: of the selected group (non-standard, seconds, may be fractional).
    /// `sitemaps`: the file's Sitemap URLs, as parse() collects them.
    explicit rules(std::vector<rule> list, std::optional<double> crawl_delay = std::nullopt,
                   std::vector<std::string> sitemaps = {});

    [[nodiscard]] std::optional<double> crawl_delay() const noexcept { return crawl_delay_; }

    /// The file's Sitemap URLs (RFC 9309 2.3.5): every `Sitemap:` line of the file, whichever
    /// group it stands in or none (they belong to no group, so every crawler gets them all),
    /// whose value is an absolute http(s) URL; normalized as url::parse_input does, at most
    /// url::max_url_bytes long, in file order, each once.
    [[nodiscard]] const std::vector<std::string>& sitemaps() const noexcept { return sitemaps_; }

    struct verdict {
        bool allowed = true;
        const rule* matched = nullptr; ///< the deciding rule; null when none matched
    };
    /// Decides for a request target (path and query, as sent in the request line). The most
    /// specific match wins (the longest pattern); an Allow wins a tie with a Disallow; no match,
    /// and /robots.txt itself, are allowed. Only rules whose literal prefix (the pattern up to
    /// its first '*') begins the path are tried, found by a walk down the sorted prefixes, so
    /// a check costs the path's length times log(rules) plus the rules that can match: a
    /// 500 KiB file of distinct paths costs little more than a short one; one of rules that
    /// all begin with '*' costs a match per rule.
    [[nodiscard]] verdict check(std::string_view path_and_query) const;

    /// The rules, most specific first (longer patterns first, Allow before Disallow on ties,
    /// otherwise in the order given).
    [[nodiscard]] const std::vector<rule>& list() const noexcept { return rules_; }

    /// Heap bytes these rules hold (patterns, the list and its index), for cache budgets.
    [[nodiscard]] std::size_t memory_bytes() const noexcept;

private:
    /// A rule's literal prefix: rules_[rule].pattern's first `prefix_size` octets.
    struct prefix_entry {
        std::uint32_t rule;
        std::uint32_t prefix_size;
    };

    std::vector<rule> rules_;
    std::vector<prefix_entry> by_prefix_; ///< sorted by the literal prefix, octet by octet
    std::optional<double> crawl_delay_;
    std::vector<std::string> sitemaps_;
};

/// Parses a robots.txt body (its first max_bytes) and returns the rules for the crawler whose
/// product token is `agent`: the groups naming that token (case-insensitively) combined, or
/// else the '*' groups combined, or else no rules, with the file's Sitemap URLs (sitemaps()).
/// Unknown lines are ignored, as are rules before the first User-agent line.
[[nodiscard]] rules parse(std::string_view body, std::string_view agent);

/// The product token a User-Agent string starts with: its leading letters, '_' and '-'
/// ("MyBot/2.1 (+https://x)" → "MyBot"); the whole string when it has none.
[[nodiscard]] std::string product_token(std::string_view user_agent);

/// RFC 9309 2.2.2 canonical form of a path or pattern, so equivalent spellings compare equal:
/// %XX of an unreserved character is decoded, every other %XX gets uppercase hex digits, and
/// octets outside printable US-ASCII (UTF-8, controls, space) and a '%' that starts no escape
/// are percent-encoded.
[[nodiscard]] std::string canonical_path(std::string_view path);

/// True when `pattern` (canonical) matches `path` (canonical) from its first octet.
[[nodiscard]] bool matches(std::string_view pattern, std::string_view path) noexcept;

} // namespace crawl::robots
