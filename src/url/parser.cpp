// The basic URL parser of the WHATWG URL Standard (url.spec.whatwg.org, "URL parsing") for
// special URLs whose scheme is http or https, with the serializer folded in: each component is
// appended to the output as soon as it is known, so a link costs one string. The state machine
// of the standard is followed state by state; the comments name its states. Two shortcuts keep
// it short, both exact for special URLs: the input is cut at its first '#' (every state of a
// special URL ends at '#' and a fragment never fails), and an authority is split at its last '@'
// (what the authority state's buffer does, '@' by '@').

#include "parser.hpp"

#include "byte_set.hpp"
#include "host.hpp"

#include "crawl/util/text.hpp"

#include <cstdint>

namespace crawl::url::detail {
namespace {

// The standard's percent-encode sets ("percent-encoded bytes"). Every byte above 0x7E is in
// each of them, so UTF-8 is encoded byte by byte.
constexpr byte_set c0_control_set(0x20, 0x7E, "");
constexpr byte_set query_set = c0_control_set.with(" \"#<>");
constexpr byte_set special_query_set = query_set.with("'");
constexpr byte_set path_set = query_set.with("?^`{}");
constexpr byte_set userinfo_set = path_set.with("/:;=@[\\]|");

// What ends a path segment (a backslash is a slash in special URLs), and what preprocessing
// removes or cuts at.
constexpr byte_set slash_or_query_set(0, 255, "/\\?");
constexpr byte_set tab_newline_or_hash_set(0, 255, "\t\n\r#");

template <const byte_set& Set>
void append_encoded(std::string_view in, std::string& out)
{
    for (std::size_t i = find_first<Set>(in); i != std::string_view::npos; i = find_first<Set>(in)) {
        out.append(in.substr(0, i));
        text::append_percent_encoded(static_cast<unsigned char>(in[i]), out);
        in.remove_prefix(i + 1);
    }
    out.append(in);
}

constexpr bool is_slash(char c) noexcept
{
    return c == '/' || c == '\\'; // '\' is a '/' in special URLs
}

constexpr bool is_c0_or_space(char c) noexcept
{
    return static_cast<unsigned char>(c) <= 0x20;
}

// Where a path that needs nothing but copying ends: at its '?' or at its end; npos when some
// byte needs more (one to encode, a backslash, a '.' or '%' that starts a segment and so may
// start a dot segment). The vector scan stops at every '.' and '%', and goes on after one
// inside a segment ("index.html").
constexpr byte_set path_attention_set = path_set.with("\\.%");

std::size_t plain_path_length(std::string_view path) noexcept
{
    for (std::size_t from = 0;;) {
        const std::size_t at = find_first<path_attention_set>(path.substr(from));
        if (at == std::string_view::npos) {
            return path.size();
        }
        const std::size_t i = from + at;
        const char c = path[i];
        if (c == '?') {
            return i;
        }
        if ((c != '.' && c != '%') || i == 0 || path[i - 1] == '/') {
            return std::string_view::npos;
        }
        from = i + 1;
    }
}

// "." and ".." in any of their spellings are 1 to 6 bytes and start with '.' or '%'.
bool may_be_dot_segment(std::string_view segment) noexcept
{
    return !segment.empty() && segment.size() <= 6 && (segment[0] == '.' || segment[0] == '%');
}

bool is_single_dot(std::string_view segment) noexcept
{
    return segment == "." || text::iequals(segment, "%2e");
}

bool is_double_dot(std::string_view segment) noexcept
{
    return segment == ".." || text::iequals(segment, ".%2e") || text::iequals(segment, "%2e.") ||
           text::iequals(segment, "%2e%2e");
}

// Length of the scheme before a ':' ("scheme state"), or 0 when the input starts with none.
std::size_t scheme_length(std::string_view s) noexcept
{
    if (s.empty() || !(text::to_lower_ascii(s[0]) >= 'a' && text::to_lower_ascii(s[0]) <= 'z')) {
        return 0;
    }
    for (std::size_t i = 1; i < s.size(); ++i) {
        const char c = text::to_lower_ascii(s[i]);
        if (c == ':') {
            return i;
        }
        const bool scheme_char = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
        if (!scheme_char) {
            return 0;
        }
    }
    return 0;
}

// Where an authority ends and where its parts lie, read in one pass: its last '@' (a shortcut,
// see the top), the first ':' after that, and whether a '[' makes that ':' uncertain.
struct authority_scan {
    std::size_t end = std::string_view::npos; ///< the '/', '\\' or '?' after it, or npos
    std::size_t at = std::string_view::npos;  ///< the last '@'
    std::size_t colon = std::string_view::npos; ///< the first ':' after `at`, counted from after it
    bool bracket = false;                      ///< a '[' after `at`: see port_colon()
};

constexpr byte_set authority_marks(0, 255, "/\\?@:[");

authority_scan scan_authority(std::string_view rest) noexcept
{
    authority_scan scan;
    for (std::size_t from = 0;;) {
        const std::size_t found = find_first<authority_marks>(rest.substr(from));
        if (found == std::string_view::npos) {
            return scan;
        }
        const std::size_t i = from + found;
        switch (rest[i]) {
        case '@':
            scan = {.at = i};
            break;
        case ':':
            if (scan.colon == std::string_view::npos) {
                scan.colon = scan.at == std::string_view::npos ? i : i - scan.at - 1;
            }
            break;
        case '[':
            scan.bracket = true;
            break;
        default: // '/', '\\' or '?'
            scan.end = i;
            return scan;
        }
        from = i + 1;
    }
}

// The port starts at the first ':' outside brackets ("[::1]:80").
std::size_t port_colon(std::string_view host_and_port) noexcept
{
    bool inside_brackets = false;
    for (std::size_t i = 0; i < host_and_port.size(); ++i) {
        const char c = host_and_port[i];
        inside_brackets = c == '[' || (inside_brackets && c != ']');
        if (c == ':' && !inside_brackets) {
            return i;
        }
    }
    return std::string_view::npos;
}

std::string_view skip_slashes(std::string_view s) noexcept
{
    while (!s.empty() && is_slash(s.front())) {
        s.remove_prefix(1);
    }
    return s;
}

// What the input loses before the state machine starts: leading and trailing C0 controls and
// spaces, every tab and newline, and (a shortcut, see the top) the fragment.
std::string_view preprocess(std::string_view in, std::string& scratch)
{
    while (!in.empty() && is_c0_or_space(in.front())) {
        in.remove_prefix(1);
    }
    while (!in.empty() && is_c0_or_space(in.back())) {
        in.remove_suffix(1);
    }
    const std::size_t first = find_first<tab_newline_or_hash_set>(in);
    if (first == std::string_view::npos) {
        return in;
    }
    if (in[first] == '#') {
        return in.substr(0, first);
    }
    scratch.clear();
    for (const char c : in) {
        if (c != '\t' && c != '\n' && c != '\r') {
            scratch += c;
        }
    }
    in = scratch;
    return in.substr(0, in.find('#'));
}

constexpr std::size_t decimal_digits(std::uint16_t n) noexcept
{
    return n >= 10000 ? 5 : n >= 1000 ? 4 : n >= 100 ? 3 : n >= 10 ? 2 : 1;
}

class parser {
public:
    parser(const target* base, const base_parts* parts, std::string& out, layout& where)
        : base_(base), parts_(parts), out_(out), where_(where)
    {
    }

    problem run(std::string_view input)
    {
        const std::size_t scheme_end = scheme_length(input);
        if (scheme_end == 0) {
            // "no scheme state": a relative reference needs a base.
            return base_ == nullptr ? problem::missing_scheme : relative(input);
        }
        const std::string_view scheme = input.substr(0, scheme_end);
        const bool https = text::iequals(scheme, "https");
        if (!https && !text::iequals(scheme, "http")) {
            return problem::unsupported_scheme;
        }
        const std::string_view rest = input.substr(scheme_end + 1);
        // "special relative or authority state": "http:foo" is relative to an http base.
        if (base_ != nullptr && parts_->where.https == https) {
            return relative(rest);
        }
        // "special authority slashes state", "special authority ignore slashes state".
        where_.https = https;
        return authority(skip_slashes(rest));
    }

private:
    // "relative state" and "relative slash state".
    problem relative(std::string_view rest)
    {
        const std::string_view href = base_->href;
        if (!rest.empty() && is_slash(rest[0])) {
            if (rest.size() > 1 && is_slash(rest[1])) {
                where_.https = parts_->where.https;
                return authority(skip_slashes(rest.substr(2)));
            }
            copy_base(href.substr(0, parts_->where.path_begin));
            return path(rest.substr(1));
        }
        if (rest.empty()) {
            copy_base(href);
            return problem::none;
        }
        copy_base(href.substr(0, parts_->query_begin));
        if (rest[0] == '?') {
            return query(rest.substr(1));
        }
        shorten_path();
        return path(rest);
    }

    void copy_base(std::string_view prefix)
    {
        where_ = parts_->where;
        out_.append(prefix);
    }

    // "authority state", "host state", "port state", then "path start state".
    problem authority(std::string_view rest)
    {
        out_ += where_.https ? "https://" : "http://";
        const authority_scan scan = scan_authority(rest);
        std::string_view host_and_port = rest.substr(0, scan.end);
        if (scan.at != std::string_view::npos) {
            append_userinfo(host_and_port.substr(0, scan.at));
            host_and_port.remove_prefix(scan.at + 1);
        }
        const std::size_t colon = scan.bracket ? port_colon(host_and_port) : scan.colon;
        const std::string_view host = host_and_port.substr(0, colon);
        if (host.empty()) {
            return problem::missing_host;
        }
        where_.host_begin = out_.size();
        if (const problem p = parse_host(host, out_, where_.idna_code); p != problem::none) {
            return p;
        }
        where_.host_end = out_.size();
        where_.port = where_.https ? 443 : 80;
        if (colon != std::string_view::npos) {
            if (const problem p = port(host_and_port.substr(colon + 1)); p != problem::none) {
                return p;
            }
        }
        where_.path_begin = out_.size();
        std::string_view path_and_query = scan.end == std::string_view::npos ? std::string_view() : rest.substr(scan.end);
        if (!path_and_query.empty() && is_slash(path_and_query[0])) {
            path_and_query.remove_prefix(1);
        }
        return path(path_and_query);
    }

    // Username up to the first ':', password after it; both empty means no credentials.
    void append_userinfo(std::string_view userinfo)
    {
        const std::size_t colon = userinfo.find(':');
        const std::string_view username = userinfo.substr(0, colon);
        const std::string_view password =
            colon == std::string_view::npos ? std::string_view() : userinfo.substr(colon + 1);
        if (username.empty() && password.empty()) {
            return;
        }
        append_encoded<userinfo_set>(username, out_);
        if (!password.empty()) {
            out_ += ':';
            append_encoded<userinfo_set>(password, out_);
        }
        out_ += '@';
    }

    problem port(std::string_view digits)
    {
        if (digits.empty()) {
            return problem::none; // "http://host:/" has the default port
        }
        std::uint32_t value = 0;
        for (const char c : digits) {
            if (c < '0' || c > '9') {
                return problem::bad_port;
            }
            value = value * 10 + static_cast<std::uint32_t>(c - '0');
            if (value > 65535) {
                return problem::bad_port;
            }
        }
        if (value != where_.port) {
            where_.port = static_cast<std::uint16_t>(value);
            out_ += ':';
            out_ += std::to_string(value);
        }
        return problem::none;
    }

    // "path state": segments end at '/', '\' or '?'; "." and ".." (also as "%2e") are resolved
    // against the segments already written, which may be the base's.
    problem path(std::string_view rest)
    {
        // Most paths are plain: no byte to encode, no backslash, no dot segment. Such a path
        // is copied whole, up to its query; the others are read segment by segment.
        if (const std::size_t plain = plain_path_length(rest); plain != std::string_view::npos) {
            out_ += '/';
            out_.append(rest.substr(0, plain));
            return plain == rest.size() ? problem::none : query(rest.substr(plain + 1));
        }
        while (true) {
            const std::size_t end = find_first<slash_or_query_set>(rest);
            const std::string_view segment = rest.substr(0, end);
            const bool separator = end != std::string_view::npos && is_slash(rest[end]);
            if (may_be_dot_segment(segment) && is_double_dot(segment)) {
                shorten_path();
                if (!separator) {
                    out_ += '/';
                }
            } else if (may_be_dot_segment(segment) && is_single_dot(segment)) {
                if (!separator) {
                    out_ += '/';
                }
            } else {
                out_ += '/';
                append_encoded<path_set>(segment, out_);
            }
            if (end == std::string_view::npos) {
                return problem::none;
            }
            if (!separator) {
                return query(rest.substr(end + 1));
            }
            rest.remove_prefix(end + 1);
        }
    }

    // "shorten a URL's path": drop the last segment.
    void shorten_path()
    {
        if (out_.size() > where_.path_begin) {
            out_.resize(out_.rfind('/'));
        }
    }

    // "query state", UTF-8 and the special-query percent-encode set.
    problem query(std::string_view rest)
    {
        out_ += '?';
        append_encoded<special_query_set>(rest, out_);
        return problem::none;
    }

    const target* base_;
    const base_parts* parts_; ///< base_ taken apart (null exactly when base_ is)
    std::string& out_;
    layout& where_;
};

} // namespace

base_parts take_apart(const target& base) noexcept
{
    const std::string_view href = base.href;
    base_parts parts;
    layout& where = parts.where;
    where.https = base.tls();
    where.port = base.port;
    where.path_begin = href.size() - base.request_target.size();
    where.host_end = where.path_begin;
    if (const std::uint16_t default_port = where.https ? 443 : 80; base.port != default_port) {
        where.host_end -= 1 + decimal_digits(base.port);
    }
    const bool ipv6 = base.host.find(':') != std::string::npos;
    where.host_begin = where.host_end - base.host.size() - (ipv6 ? 2 : 0);
    const std::size_t question = href.find('?', where.path_begin);
    parts.query_begin = question == std::string_view::npos ? href.size() : question;
    return parts;
}

problem parse(std::string_view input, const target* base, const base_parts* parts, std::string& out, layout& where)
{
    // One process runs one thread (docs/design.md, "Process model"): the buffer is reused.
    thread_local std::string scratch;
    input = preprocess(input, scratch);
    out.clear();
    out.reserve(input.size() + (base != nullptr ? base->href.size() : 0) + 8); // one allocation, usually
    where = layout{};
    return parser(base, parts, out, where).run(input);
}

problem parse(std::string_view input, const target* base, std::string& out, layout& where)
{
    if (base == nullptr) {
        return parse(input, nullptr, nullptr, out, where);
    }
    const base_parts parts = take_apart(*base);
    return parse(input, base, &parts, out, where);
}

} // namespace crawl::url::detail
