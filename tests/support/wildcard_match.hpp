#pragma once
// RFC 9309 pattern matching at its plainest, with no index and no canonicalization: the
// reference the robots tests hold crawl's matcher against, and the synthetic web's own
// robots.txt decisions (support/web).

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

} // namespace crawl::test
