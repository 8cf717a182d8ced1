#pragma once
// A deliberately plain model of RFC 9309 matching, for tests and the robots fuzz target to
// hold the real one (robots::matches, rules::check with its prefix index) against.

#include "crawl/robots/robots.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace crawl::test {

/// Wildcard matching by dynamic programming: '*' matches any run of octets, a final '$'
/// anchors the pattern at the end of the path, and without it a prefix of the path suffices.
inline bool reference_match(std::string_view pattern, std::string_view path)
{
    std::string glob(pattern);
    if (glob.ends_with('$')) {
        glob.pop_back();
    } else {
        glob += '*';
    }
    // can[j]: the pattern octets seen so far match the path's first j octets.
    std::vector<char> can(path.size() + 1, 0);
    can[0] = 1;
    for (const char p : glob) {
        if (p == '*') {
            for (std::size_t j = 1; j <= path.size(); ++j) {
                can[j] = static_cast<char>(can[j] || can[j - 1]);
            }
        } else {
            for (std::size_t j = path.size(); j > 0; --j) {
                can[j] = static_cast<char>(can[j - 1] && path[j - 1] == p);
            }
            can[0] = 0;
        }
    }
    return can[path.size()] != 0;
}

/// What check() must decide, by trying every rule: the longest matching pattern wins, an
/// Allow wins a tie, no match and /robots.txt are allowed. `longest`: the deciding
/// pattern's length (0 when none decided).
struct reference_verdict {
    bool allowed = true;
    bool matched = false;
    std::size_t longest = 0;
};

inline reference_verdict reference_check(const robots::rules& rules, std::string_view path_and_query)
{
    const std::string path = robots::canonical_path(path_and_query);
    reference_verdict v;
    if (path == "/robots.txt") {
        return v;
    }
    for (const robots::rule& r : rules.list()) {
        if (!reference_match(r.pattern, path)) {
            continue;
        }
        if (!v.matched || r.pattern.size() > v.longest) {
            v = {r.allow, true, r.pattern.size()};
        } else if (r.pattern.size() == v.longest) {
            v.allowed = v.allowed || r.allow;
        }
    }
    return v;
}

} // namespace crawl::test
