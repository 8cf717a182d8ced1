// The basic URL parser of the WHATWG URL Standard (url.spec.whatwg.org, "URL parsing") for
// special URLs whose scheme is http or https, with the serializer folded in: each component is
// appended to the output as soon as it is known, so a link costs one string. The state machine
// of the standard is followed state by state; the comments name its states. Two shortcuts keep
// it short, both exact for special URLs: the input is cut at its first '#' (every state of a
// special URL ends at '#' and a fragment never fails), and an authority is split at its last '@'
// (what the authority state's buffer does, '@' by '@').

#include "parser.hpp"

#include "host.hpp"

#include "crawl/util/text.hpp"

#include <array>

namespace crawl::url::detail {
namespace {

// Sets of bytes, one flag per byte: the percent-encode sets, and the bytes a scan stops at.
using byte_set = std::array<bool, 256>;

constexpr byte_set with(byte_set set, std::string_view more)
{
    for (const char c : more) {
        set[static_cast<unsigned char>(c)] = true;
    }
    return set;
}

// The standard's percent-encode sets ("percent-encoded bytes"). Every byte above 0x7E is in
// each of them, so UTF-8 is encoded byte by byte.
constexpr byte_set c0_control_set = [] {
    byte_set set{};
    for (std::size_t c = 0; c < set.size(); ++c) {
        set[c] = c < 0x20 || c > 0x7E;
    }
    return set;
}();
constexpr byte_set query_set = with(c0_control_set, " \"#<>");
constexpr byte_set special_query_set = with(query_set, "'");
constexpr byte_set path_set = with(query_set, "?^`{}");
constexpr byte_set userinfo_set = with(path_set, "/:;=@[\\]|");

// What ends an authority or a path segment (a backslash is a slash in special URLs), and what
// preprocessing removes.
constexpr byte_set slash_or_query_set = with({}, "/\\?");
constexpr byte_set tab_or_newline_set = with({}, "\t\n\r");

// The first byte of `in` in `set`, or npos. std::string_view::find_first_of calls memchr on
// its set for every byte it reads: with it, extracting the corpus took 10-16% longer.
std::size_t find_first_in(std::string_view in, const byte_set& set) noexcept
{
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (set[static_cast<unsigned char>(in[i])]) {
            return i;
        }
    }
    return std::string_view::npos;
}

void append_encoded(std::string_view in, const byte_set& set, std::string& out)
{
    std::size_t plain_from = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const auto byte = static_cast<unsigned char>(in[i]);
        if (!set[byte]) {
            continue;
        }
        out.append(in.substr(plain_from, i - plain_from));
        text::append_percent_encoded(byte, out);
        plain_from = i + 1;
    }
    out.append(in.substr(plain_from));
}

constexpr bool is_slash(char c) noexcept
{
    return c == '/' || c == '\\'; // '\' is a '/' in special URLs
}

constexpr bool is_c0_or_space(char c) noexcept
{
    return static_cast<unsigned char>(c) <= 0x20;
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
    if (find_first_in(in, tab_or_newline_set) != std::string_view::npos) {
        scratch.clear();
        for (const char c : in) {
            if (c != '\t' && c != '\n' && c != '\r') {
                scratch += c;
            }
        }
        in = scratch;
    }
    return in.substr(0, in.find('#'));
}

// A base URL taken apart: its serialization up to the path ("https://user@host:8080"), its
// path and its query ("?q", or empty when it has none).
struct base_url {
    const target& url;
    std::string_view authority;
    std::string_view path;
    std::string_view query;
    layout where;

    explicit base_url(const target& t) : url(t)
    {
        const std::string_view href = t.href;
        const std::string_view request_target = t.request_target;
        authority = href.substr(0, href.size() - request_target.size());
        const std::size_t question = request_target.find('?');
        path = request_target.substr(0, question);
        query = question == std::string_view::npos ? std::string_view() : request_target.substr(question);
        where.https = t.tls();
        where.port = t.port;
        where.path_begin = authority.size();
        where.host_end = authority.size();
        if (const std::uint16_t default_port = t.tls() ? 443 : 80; t.port != default_port) {
            where.host_end -= 1 + std::to_string(t.port).size();
        }
        const bool ipv6 = t.host.find(':') != std::string::npos;
        where.host_begin = where.host_end - t.host.size() - (ipv6 ? 2 : 0);
    }
};

class parser {
public:
    parser(const target* base, std::string& out, layout& where) : base_(base), out_(out), where_(where) {}

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
        if (base_ != nullptr && base_->tls() == https) {
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
        const base_url base(*base_);
        if (!rest.empty() && is_slash(rest[0])) {
            if (rest.size() > 1 && is_slash(rest[1])) {
                where_.https = base.where.https;
                return authority(skip_slashes(rest.substr(2)));
            }
            copy_base(base, base.authority);
            return path(rest.substr(1));
        }
        if (rest.empty()) {
            copy_base(base, base.url.href);
            return problem::none;
        }
        copy_base(base, std::string_view(base.url.href).substr(0, base.authority.size() + base.path.size()));
        if (rest[0] == '?') {
            return query(rest.substr(1));
        }
        shorten_path();
        return path(rest);
    }

    void copy_base(const base_url& base, std::string_view prefix)
    {
        where_ = base.where;
        out_.append(prefix);
    }

    // "authority state", "host state", "port state", then "path start state".
    problem authority(std::string_view rest)
    {
        out_ += where_.https ? "https://" : "http://";
        const std::size_t end = find_first_in(rest, slash_or_query_set);
        const std::string_view authority = rest.substr(0, end);
        std::string_view host_and_port = authority;
        if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
            append_userinfo(authority.substr(0, at));
            host_and_port = authority.substr(at + 1);
        }
        // The port starts at the first ':' outside brackets ("[::1]:80").
        std::size_t colon = std::string_view::npos;
        bool inside_brackets = false;
        for (std::size_t i = 0; i < host_and_port.size() && colon == std::string_view::npos; ++i) {
            const char c = host_and_port[i];
            inside_brackets = c == '[' || (inside_brackets && c != ']');
            if (c == ':' && !inside_brackets) {
                colon = i;
            }
        }
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
        std::string_view path_and_query = end == std::string_view::npos ? std::string_view() : rest.substr(end);
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
        append_encoded(username, userinfo_set, out_);
        if (!password.empty()) {
            out_ += ':';
            append_encoded(password, userinfo_set, out_);
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
        while (true) {
            const std::size_t end = find_first_in(rest, slash_or_query_set);
            const std::string_view segment = rest.substr(0, end);
            const bool separator = end != std::string_view::npos && is_slash(rest[end]);
            if (is_double_dot(segment)) {
                shorten_path();
                if (!separator) {
                    out_ += '/';
                }
            } else if (is_single_dot(segment)) {
                if (!separator) {
                    out_ += '/';
                }
            } else {
                out_ += '/';
                append_encoded(segment, path_set, out_);
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
        append_encoded(rest, special_query_set, out_);
        return problem::none;
    }

    const target* base_;
    std::string& out_;
    layout& where_;
};

} // namespace

problem parse(std::string_view input, const target* base, std::string& out, layout& where)
{
    // One process runs one thread (docs/design.md, "Process model"): the buffer is reused.
    thread_local std::string scratch;
    input = preprocess(input, scratch);
    out.clear();
    out.reserve(input.size() + (base != nullptr ? base->href.size() : 0) + 8); // one allocation, usually
    where = layout{};
    return parser(base, out, where).run(input);
}

} // namespace crawl::url::detail
