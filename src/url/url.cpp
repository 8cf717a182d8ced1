#include "crawl/url/url.hpp"

#include "crawl/util/text.hpp"

#include <boost/url/parse.hpp>

#include <array>
#include <cstddef>
#include <stdexcept>

namespace crawl {

void throw_exception_from_error(const failure& f, const boost::source_location& /*loc*/)
{
    std::string what(to_string(f.cls));
    if (!f.message.empty()) {
        what += ": ";
        what += f.message;
    }
    throw std::runtime_error(what);
}

} // namespace crawl

namespace crawl::url {
namespace {

namespace urls = boost::urls;

// Why a candidate URL cannot be fetched. Kept as a cheap enum so that resolve_link, which
// runs for every link of every page, never builds a message string.
enum class problem { none, unsupported_scheme, missing_host, bad_host, bad_port };

constexpr bool is_c0_or_space(char c) noexcept
{
    return static_cast<unsigned char>(c) <= 0x20;
}

constexpr bool is_hex(char c) noexcept
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

constexpr bool is_alpha(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
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

// Length of the "scheme:" prefix of a reference (including the colon), 0 if it has none.
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

// Where the parts of a serialized URL lie, for building a target without reparsing.
struct layout {
    std::size_t host_begin = 0;
    std::size_t host_end = 0;
    std::size_t path_begin = 0;
    std::uint16_t port = 0;
};

// The components of an absolute URL, as views into parsed strings (or a merged path).
struct components {
    urls::scheme scheme = urls::scheme::none;
    bool has_authority = false;
    bool has_userinfo = false;
    std::string_view userinfo;
    std::string_view host;
    urls::host_type host_type = urls::host_type::none;
    bool has_port = false;
    std::string_view port;
    std::string_view path;
    bool has_query = false;
    std::string_view query;
};

void take_authority(const urls::url_view_base& from, components& to)
{
    to.has_authority = from.has_authority();
    to.has_userinfo = from.has_userinfo();
    to.userinfo = from.encoded_userinfo();
    to.host = from.encoded_host();
    to.host_type = from.host_type();
    to.has_port = from.has_port();
    to.port = from.port();
}

// RFC 3986 5.2.2 reference resolution, written out because Boost.URL 1.81's resolve() builds
// and rewrites a whole url object (most of resolve_link's time) and then needs fixing anyway.
// Dot segments are removed later by serialize(). `merged` holds a merged path.
components resolve_components(const urls::url_view_base& base, const urls::url_view_base& ref,
                              std::string& merged)
{
    components t;
    if (ref.has_scheme()) {
        t.scheme = ref.scheme_id();
        take_authority(ref, t);
        t.path = ref.encoded_path();
        t.has_query = ref.has_query();
        t.query = ref.encoded_query();
        return t;
    }
    t.scheme = base.scheme_id();
    if (ref.has_authority()) {
        take_authority(ref, t);
        t.path = ref.encoded_path();
        t.has_query = ref.has_query();
        t.query = ref.encoded_query();
        return t;
    }
    take_authority(base, t);
    const std::string_view ref_path = ref.encoded_path();
    if (ref_path.empty()) {
        t.path = base.encoded_path();
        t.has_query = ref.has_query() || base.has_query();
        t.query = ref.has_query() ? ref.encoded_query() : base.encoded_query();
        return t;
    }
    t.has_query = ref.has_query();
    t.query = ref.encoded_query();
    if (ref_path.front() == '/') {
        t.path = ref_path;
        return t;
    }
    const std::string_view base_path = base.encoded_path();
    merged.clear();
    if (base.has_authority() && base_path.empty()) {
        merged += '/';
    } else {
        const std::size_t slash = base_path.rfind('/');
        if (slash != std::string_view::npos) {
            merged.append(base_path.substr(0, slash + 1));
        }
    }
    merged.append(ref_path);
    t.path = merged;
    return t;
}

components components_of(const urls::url_view_base& u)
{
    components c;
    c.scheme = u.scheme_id();
    take_authority(u, c);
    c.path = u.encoded_path();
    c.has_query = u.has_query();
    c.query = u.encoded_query();
    return c;
}

// Checks that `u` is a fetchable http(s) URL and writes its normal form to `out` (replacing
// its contents): lowercase scheme and host, normalized percent-encoding, no dot segments, no
// default port, path at least "/", no fragment. The URL is serialized by hand because the
// Boost.URL 1.81 setters mangle some paths (set_encoded_path("/") gives "/./").
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

failure to_failure(problem p, std::string_view what)
{
    switch (p) {
    case problem::unsupported_scheme:
        return {error_class::unsupported_scheme, "unsupported scheme (only http and https): " + std::string(what)};
    case problem::missing_host:
        return {error_class::invalid_url, "missing host: " + std::string(what)};
    case problem::bad_host:
        return {error_class::invalid_url, "invalid host: " + std::string(what)};
    case problem::bad_port:
        return {error_class::invalid_url, "invalid port (expected 1-65535): " + std::string(what)};
    case problem::none:
        break;
    }
    return {error_class::invalid_url, "invalid URL: " + std::string(what)};
}

// Keeps error messages readable when the offending value is huge or binary.
std::string quote_for_message(std::string_view s)
{
    constexpr std::size_t max_shown = 200;
    std::string out = "\"";
    for (const char c : s.substr(0, max_shown)) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) {
            append_pct(c, out);
        } else {
            out += c;
        }
    }
    if (s.size() > max_shown) {
        out += "...";
    }
    out += '"';
    return out;
}

result<target> make_target(const components& u, std::string_view original)
{
    target t;
    layout where;
    if (const problem p = serialize(u, t.href, where); p != problem::none) {
        return to_failure(p, quote_for_message(original));
    }
    t.scheme = u.scheme == urls::scheme::https ? "https" : "http";
    std::string_view host = std::string_view(t.href).substr(where.host_begin, where.host_end - where.host_begin);
    if (u.host_type == urls::host_type::ipv6) {
        host = host.substr(1, host.size() - 2); // without the brackets
    }
    t.host = host;
    t.port = where.port;
    t.request_target = t.href.substr(where.path_begin);
    return t;
}

bool looks_like_host_and_port(const urls::url_view& ref) noexcept
{
    // "localhost:8080/x" parses as scheme "localhost"; say "missing scheme" instead.
    const std::string_view path = ref.encoded_path();
    return !ref.has_authority() && !path.empty() && path.front() >= '0' && path.front() <= '9';
}

} // namespace

result<target> parse_input(std::string_view line)
{
    std::string scratch;
    const std::string_view prepared = prepare_reference(line, scratch);
    if (prepared.empty()) {
        return failure{error_class::invalid_url, "empty URL"};
    }
    const auto ref = urls::parse_uri_reference(prepared);
    if (!ref) {
        return failure{error_class::invalid_url, "invalid URL: " + quote_for_message(line)};
    }
    if (!ref->has_scheme() || looks_like_host_and_port(*ref)) {
        return failure{error_class::invalid_url,
                       "missing scheme (expected http:// or https://): " + quote_for_message(line)};
    }
    return make_target(components_of(*ref), line);
}

result<target> resolve_redirect(const target& base, std::string_view location)
{
    std::string scratch;
    const std::string_view prepared = prepare_reference(location, scratch);
    if (prepared.empty() && location.find('#') == std::string_view::npos) {
        return failure{error_class::invalid_url, "empty redirect location"};
    }
    const auto ref = urls::parse_uri_reference(prepared);
    if (!ref) {
        return failure{error_class::invalid_url, "invalid redirect location: " + quote_for_message(location)};
    }
    const auto base_view = urls::parse_uri(base.href);
    if (!base_view) {
        return failure{error_class::invalid_url, "invalid base URL: " + quote_for_message(base.href)};
    }
    std::string merged;
    return make_target(resolve_components(*base_view, *ref, merged), location);
}

std::optional<std::string> resolve_link(boost::urls::url_view base, std::string_view href)
{
    // One process runs one thread (DESIGN.md); reusing these buffers keeps a typical link
    // down to the one allocation of the returned string.
    thread_local std::string scratch;
    thread_local std::string merged;

    const std::string_view prepared = prepare_reference(href, scratch);
    if (prepared.empty() && href.find('#') == std::string_view::npos) {
        return std::nullopt; // an empty href is no link
    }
    const std::size_t scheme_len = scheme_prefix_length(prepared);
    if (scheme_len != 0) {
        const std::string_view scheme = prepared.substr(0, scheme_len - 1);
        if (!text::iequals(scheme, "http") && !text::iequals(scheme, "https")) {
            return std::nullopt; // javascript:, mailto:, data:, tel: ... without parsing
        }
    }
    const auto ref = urls::parse_uri_reference(prepared);
    if (!ref) {
        return std::nullopt;
    }
    if (!base.has_scheme()) {
        return std::nullopt;
    }
    std::string out;
    layout where;
    if (serialize(resolve_components(base, *ref, merged), out, where) != problem::none) {
        return std::nullopt;
    }
    return out;
}

} // namespace crawl::url
