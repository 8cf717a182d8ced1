#pragma once
// A deliberately plain model of RFC 9309 matching, for tests and the robots fuzz target to
// hold the real one (robots::matches, rules::check with its prefix index) against.

#include "crawl/robots/robots.hpp"
#include "support/wildcard_match.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace crawl::test {

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
