#include "crawl/util/error_class.hpp"

#include <array>

namespace crawl {
namespace {

// Indexed by the enum's value; the order must match error_class.
constexpr std::array<std::string_view, error_class_count> names{
    "none",        "invalid_url",        "unsupported_scheme", "dns",
    "connect",     "tls",                "timeout",            "write",
    "read",        "protocol",           "http_status",        "too_many_redirects",
    "redirect_loop", "body_too_large",   "decode",             "unsupported_encoding",
    "worker_crash",  "robots_disallowed",  "host_unreachable", "blocked_address",
};

} // namespace

std::string_view to_string(error_class c) noexcept
{
    const auto i = static_cast<std::size_t>(c);
    return i < names.size() ? names[i] : std::string_view{"unknown"};
}

std::optional<error_class> error_class_from_string(std::string_view name) noexcept
{
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == name) {
            return static_cast<error_class>(i);
        }
    }
    return std::nullopt;
}

} // namespace crawl
