#pragma once
// Reading a URL reference as browsers do before the strict RFC 3986 grammar sees it: what an
// input line, a Location value or an href may hold that the grammar rejects.

#include <cstddef>
#include <string>
#include <string_view>

namespace crawl::url::detail {

constexpr bool is_alpha(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/// Length of the "scheme:" prefix of a reference (including the colon), 0 if it has none.
std::size_t scheme_prefix_length(std::string_view s) noexcept;

/// Appends `c` percent-encoded ("%XX", uppercase).
void append_pct(char c, std::string& out);

/// Turns a real-world reference into something the strict RFC 3986 grammar of Boost.URL
/// accepts; returns `in` itself (no allocation) when it is already clean, else a view of
/// `scratch`. See reference.cpp for the rewrites.
std::string_view prepare_reference(std::string_view in, std::string& scratch);

} // namespace crawl::url::detail
