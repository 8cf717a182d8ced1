#pragma once
// What the tag states and the whole-tag fast path share: where a tag or attribute name ends,
// lowercasing it, skipping whitespace.

#include "tokenizer_machine.hpp"

#include <array>
#include <string>

namespace crawl::extract {

// The bytes that end a run of a tag name (whitespace, '/', '>', NUL) and, with '=', of an
// attribute name; every other byte is taken as it is (lowercased).
struct name_stops {
    std::array<bool, 256> tag{};
    std::array<bool, 256> attribute{};
    constexpr name_stops()
    {
        for (const char c : {' ', '\n', '\t', '\f', '\r', '/', '>', '\0'}) {
            tag[static_cast<unsigned char>(c)] = attribute[static_cast<unsigned char>(c)] = true;
        }
        attribute['='] = true;
    }
};
inline constexpr name_stops stops;

// The end of the run of name bytes at `p`.
inline const char* name_run_end(const char* p, const char* end, const std::array<bool, 256>& stop) noexcept
{
    while (p != end && !stop[static_cast<unsigned char>(*p)]) {
        ++p;
    }
    return p;
}

inline void append_lower(std::string& out, const char* p, const char* end)
{
    const std::size_t from = out.size();
    out.resize(from + static_cast<std::size_t>(end - p));
    char* to = out.data() + from;
    while (p != end) {
        *to++ = lower(*p++);
    }
}

inline const char* skip_spaces(const char* p, const char* end) noexcept
{
    while (p != end && is_space(*p)) {
        ++p;
    }
    return p;
}

} // namespace crawl::extract
