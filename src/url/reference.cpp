#include "reference.hpp"

#include <array>
#include <utility>

namespace crawl::url::detail {
namespace {

constexpr bool is_c0_or_space(char c) noexcept
{
    return static_cast<unsigned char>(c) <= 0x20;
}

constexpr bool is_hex(char c) noexcept
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Bytes RFC 3986 allows nowhere in a URI reference (brackets, '\\' and '%' need context and
// are handled by the caller).
constexpr bool never_allowed(char c) noexcept
{
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) {
        return true;
    }
    switch (c) {
    case '"':
    case '<':
    case '>':
    case '^':
    case '`':
    case '{':
    case '|':
    case '}':
        return true;
    default:
        return false;
    }
}

// Where the authority of a reference ends ([begin, end) holds it), or {0, 0} without one.
// Brackets are legal only there (IPv6 literals), so they are left alone inside it.
std::pair<std::size_t, std::size_t> authority_span(std::string_view s) noexcept
{
    const std::size_t scheme = scheme_prefix_length(s);
    const std::string_view rest = s.substr(scheme);
    const bool slashes = rest.size() >= 2 && (rest[0] == '/' || rest[0] == '\\') &&
                         (rest[1] == '/' || rest[1] == '\\');
    if (!slashes) {
        return {0, 0};
    }
    const std::size_t begin = scheme + 2;
    std::size_t end = begin;
    while (end < s.size() && s[end] != '/' && s[end] != '\\' && s[end] != '?') {
        ++end;
    }
    return {begin, end};
}

// Bytes that may need a rewrite (a table: this scan runs over every link of every page).
constexpr std::array<bool, 256> maybe_rewritten = [] {
    std::array<bool, 256> table{};
    for (std::size_t i = 0; i < table.size(); ++i) {
        const auto c = static_cast<char>(i);
        table[i] = never_allowed(c) || c == '\\' || c == '%' || c == '[' || c == ']';
    }
    return table;
}();

bool byte_needs_rewrite(std::string_view s, std::size_t i, bool in_authority) noexcept
{
    if (!maybe_rewritten[static_cast<unsigned char>(s[i])]) {
        return false;
    }
    const char c = s[i];
    if (never_allowed(c) || c == '\\') {
        return true;
    }
    if (c == '%') {
        return i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2]);
    }
    if (c == '[' || c == ']') {
        return !in_authority;
    }
    return false;
}

} // namespace

std::size_t scheme_prefix_length(std::string_view s) noexcept
{
    if (s.empty() || !is_alpha(s[0])) {
        return 0;
    }
    for (std::size_t i = 1; i < s.size(); ++i) {
        const char c = s[i];
        if (c == ':') {
            return i + 1;
        }
        if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') {
            return 0;
        }
    }
    return 0;
}

void append_pct(char c, std::string& out)
{
    static constexpr std::array<char, 16> digits = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                    '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
    const auto u = static_cast<unsigned char>(c);
    out += '%';
    out += digits[u >> 4U];
    out += digits[u & 0x0FU];
}

// Turns a real-world reference (an href, a Location value, an input line) into something the
// strict RFC 3986 grammar of Boost.URL accepts, the way browsers read such values: leading and
// trailing C0 controls and spaces go, tab/CR/LF inside go (WHATWG strips them), the fragment
// goes (we never keep it), '\' is '/' before the query (http(s) are "special" schemes), and
// every byte the grammar rejects is percent-encoded (space, raw UTF-8, controls, `"<>^`{|}`,
// a '%' that starts no escape, brackets outside the authority). Returns `in` itself when it
// is already clean, which is the common case, so no allocation happens then.
std::string_view prepare_reference(std::string_view in, std::string& scratch)
{
    while (!in.empty() && is_c0_or_space(in.front())) {
        in.remove_prefix(1);
    }
    while (!in.empty() && is_c0_or_space(in.back())) {
        in.remove_suffix(1);
    }
    if (const std::size_t hash = in.find('#'); hash != std::string_view::npos) {
        in = in.substr(0, hash);
    }
    const auto [auth_begin, auth_end] = authority_span(in);
    std::size_t first_bad = in.size();
    for (std::size_t i = 0; i < in.size(); ++i) {
        const bool in_authority = i >= auth_begin && i < auth_end;
        if (byte_needs_rewrite(in, i, in_authority)) {
            first_bad = i;
            break;
        }
    }
    if (first_bad == in.size()) {
        return in;
    }
    scratch.clear();
    scratch.reserve(in.size() + 16);
    scratch.append(in.substr(0, first_bad));
    bool in_query = in.substr(0, first_bad).find('?') != std::string_view::npos;
    for (std::size_t i = first_bad; i < in.size(); ++i) {
        const char c = in[i];
        in_query = in_query || c == '?';
        const bool in_authority = i >= auth_begin && i < auth_end;
        if (c == '\t' || c == '\r' || c == '\n') {
            continue;
        }
        if (c == '\\' && !in_query) {
            scratch += '/';
        } else if (byte_needs_rewrite(in, i, in_authority)) {
            append_pct(c, scratch);
        } else {
            scratch += c;
        }
    }
    return scratch;
}

} // namespace crawl::url::detail
