#include "normalize.hpp"

#include "reference.hpp"

#include <optional>

namespace crawl::url::detail {
namespace {

std::uint16_t web_default_port(urls::scheme id) noexcept
{
    return id == urls::scheme::https ? 443 : 80;
}

// Parses the decimal port text; nullopt when it is not a usable TCP port (1..65535).
std::optional<std::uint16_t> parse_port(std::string_view text) noexcept
{
    if (text.empty() || text.size() > 5) {
        return std::nullopt;
    }
    std::uint32_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (value == 0 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

constexpr bool is_unreserved(char c) noexcept
{
    return is_alpha(c) || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

constexpr char to_lower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr char to_upper(char c) noexcept
{
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

constexpr int hex_value(char c) noexcept
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    return to_lower(c) - 'a' + 10;
}

// Appends `in` (a valid encoded component) with its percent-encoding normalized as RFC 3986
// 6.2.2 says: escapes of unreserved characters decoded, other escapes in uppercase. Boost.URL
// 1.81's normalize() also decodes escapes of delimiters ("%2F" in a path, "%26" in a query),
// which changes what the URL means, so it is not used.
void append_pct_normalized(std::string_view in, std::string& out)
{
    std::size_t pct = in.find('%');
    while (pct != std::string_view::npos && pct + 2 < in.size()) {
        out.append(in.substr(0, pct));
        const char hi = in[pct + 1];
        const char lo = in[pct + 2];
        const auto decoded = static_cast<char>(hex_value(hi) * 16 + hex_value(lo));
        if (is_unreserved(decoded)) {
            out += decoded;
        } else {
            out += '%';
            out += to_upper(hi);
            out += to_upper(lo);
        }
        in.remove_prefix(pct + 3);
        pct = in.find('%');
    }
    out.append(in);
}

bool has_dot_segment(std::string_view path) noexcept
{
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        const std::string_view seg = path.substr(start, end - start);
        if (seg == "." || seg == "..") {
            return true;
        }
        start = end + 1;
    }
    return false;
}

// RFC 3986 5.2.4 on an absolute path, appended to `out` at `path_begin`. Boost.URL 1.81 keeps
// ".." segments that climb above the root ("http://a/../x" stays as is), so it is done here.
void remove_dot_segments(std::string_view path, std::string& out, std::size_t path_begin)
{
    std::size_t start = 1; // the path starts with '/'
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        const bool last = end == std::string_view::npos;
        if (last) {
            end = path.size();
        }
        const std::string_view seg = path.substr(start, end - start);
        if (seg == "..") {
            const std::size_t slash = out.rfind('/');
            out.erase(slash == std::string::npos || slash < path_begin ? path_begin : slash);
            if (last) {
                out += '/';
            }
        } else if (seg == ".") {
            if (last) {
                out += '/';
            }
        } else {
            out += '/';
            out.append(seg);
        }
        start = end + 1;
    }
    if (out.size() == path_begin) {
        out += '/';
    }
}

} // namespace

// The URL is serialized by hand because the Boost.URL 1.81 setters mangle some paths
// (set_encoded_path("/") gives "/./").
problem serialize(const components& u, std::string& out, layout& where)
{
    const urls::scheme id = u.scheme;
    if (id != urls::scheme::http && id != urls::scheme::https) {
        return problem::unsupported_scheme;
    }
    if (!u.has_authority || u.host.empty()) {
        return problem::missing_host;
    }
    // Boost.URL 1.81 accepts "http://h:12ab/" as port "12" and path "ab/": an authority must
    // be followed by an absolute or empty path, so this is really a bad port.
    const std::string_view path = u.path;
    if (!path.empty() && path.front() != '/') {
        return problem::bad_port;
    }
    if (u.host_type == urls::host_type::ipvfuture) {
        return problem::bad_host;
    }
    const std::uint16_t default_port = web_default_port(id);
    where.port = default_port;
    if (u.has_port && !u.port.empty()) {
        const std::optional<std::uint16_t> p = parse_port(u.port);
        if (!p) {
            return problem::bad_port;
        }
        where.port = *p;
    }

    out.clear();
    out.reserve(u.host.size() + u.path.size() + u.query.size() + u.userinfo.size() + 16);
    out += id == urls::scheme::https ? "https://" : "http://";
    if (u.has_userinfo) {
        append_pct_normalized(u.userinfo, out);
        out += '@';
    }
    where.host_begin = out.size();
    append_pct_normalized(u.host, out);
    where.host_end = out.size();
    for (std::size_t i = where.host_begin; i < where.host_end; ++i) {
        out[i] = to_lower(out[i]);
    }
    // A host that still holds escapes has bytes no DNS name can carry (spaces, raw UTF-8:
    // IDNA is not supported).
    if (u.host_type == urls::host_type::name && out.find('%', where.host_begin) < where.host_end) {
        return problem::bad_host;
    }
    if (where.port != default_port) {
        out += ':';
        out += u.port;
    }
    where.path_begin = out.size();
    if (path.empty()) {
        out += '/';
    } else if (path.find('%') == std::string_view::npos) {
        if (has_dot_segment(path)) {
            remove_dot_segments(path, out, where.path_begin);
        } else {
            out.append(path);
        }
    } else {
        // Escaped dots ("%2e%2E") are dot segments too, so decode before removing them.
        std::string decoded;
        append_pct_normalized(path, decoded);
        if (has_dot_segment(decoded)) {
            remove_dot_segments(decoded, out, where.path_begin);
        } else {
            out.append(decoded);
        }
    }
    if (u.has_query) {
        out += '?';
        append_pct_normalized(u.query, out);
    }
    return problem::none;
}

} // namespace crawl::url::detail
