#pragma once
// HTTP dates (RFC 9110 5.6.7) and the Retry-After field (RFC 9110 10.2.3).

#include <chrono>
#include <optional>
#include <string_view>

namespace crawl::http_date {

/// Parses an HTTP-date in any of the three forms a recipient must accept: IMF-fixdate
/// ("Sun, 06 Nov 1994 08:49:37 GMT"), the obsolete RFC 850 form ("Sunday, 06-Nov-94
/// 08:49:37 GMT", two-digit years read as 1970-2069) and asctime ("Sun Nov  6 08:49:37 1994").
/// The weekday is not checked against the date. nullopt when it is none of them.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parse(std::string_view text) noexcept;

/// How long a Retry-After value asks to wait from `now`: delay-seconds, or an HTTP-date
/// (a date in the past means 0). nullopt when the value is neither.
[[nodiscard]] std::optional<std::chrono::milliseconds> retry_after(std::string_view value,
                                                                    std::chrono::system_clock::time_point now) noexcept;

} // namespace crawl::http_date
