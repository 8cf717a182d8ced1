#pragma once
// A Redis reply as crawl's code sees it: plain values, with no hiredis type in sight, so that
// only src/redis includes hiredis.

#include <cstdint>
#include <string>
#include <vector>

namespace crawl::redis {

/// One reply, copied out of hiredis so it outlives the callback.
struct reply {
    enum class kind : std::uint8_t { nil, integer, string, status, error, array };
    kind type = kind::nil;
    long long integer = 0;
    std::string text;            ///< string, status and error replies
    std::vector<reply> elements; ///< array replies
    [[nodiscard]] bool is_error() const noexcept { return type == kind::error; }
};

} // namespace crawl::redis
