#pragma once
// A refresh: the content of a <meta http-equiv=refresh> or the value of a Refresh response
// field, "5; url=next.html", which sends a browser to another URL (or reloads the page).

#include <optional>
#include <string_view>

namespace crawl::extract {

/// The URL a refresh names, as the HTML Standard's shared declarative refresh steps read it
/// ("5; url='next.html'"): unresolved, with its quotes taken off; empty when the value gives
/// only a time (the page reloads itself), none when it is no refresh.
[[nodiscard]] std::optional<std::string_view> refresh_url(std::string_view value);

} // namespace crawl::extract
