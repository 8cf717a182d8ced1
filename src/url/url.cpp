// The public face of the url module: input lines, redirect Locations and page links become
// targets or serialized URLs. The parsing itself is the WHATWG basic URL parser (parser.cpp),
// with its host parser (host.cpp), IDNA (idna.cpp) and IP addresses (ip_address.cpp) beside it.

#include "crawl/url/url.hpp"

#include "idna.hpp"
#include "parser.hpp"

#include "crawl/util/text.hpp"

#include <algorithm>
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

using namespace detail;

namespace {

// Keeps error messages readable when the offending value is huge or binary.
std::string quote_for_message(std::string_view s)
{
    constexpr std::size_t max_shown = 200;
    std::string out = "\"";
    for (const char c : s.substr(0, max_shown)) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) {
            text::append_percent_encoded(u, out);
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

bool is_blank(std::string_view s) noexcept
{
    // What the parser strips first: C0 controls and spaces.
    return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20; });
}

// "localhost:8080/x" reads as the scheme "localhost"; say that a scheme is missing instead.
bool looks_like_host_and_port(std::string_view line) noexcept
{
    const std::size_t colon = line.find(':');
    return colon != std::string_view::npos && colon + 1 < line.size() && line[colon + 1] >= '0' &&
           line[colon + 1] <= '9';
}

failure to_failure(problem p, const layout& where, std::string_view what)
{
    const std::string quoted = quote_for_message(what);
    switch (p) {
    case problem::unsupported_scheme:
        if (looks_like_host_and_port(what)) {
            return {error_class::invalid_url, "missing scheme (expected http:// or https://): " + quoted};
        }
        return {error_class::unsupported_scheme, "unsupported scheme (only http and https): " + quoted};
    case problem::missing_scheme:
        return {error_class::invalid_url, "missing scheme (expected http:// or https://): " + quoted};
    case problem::missing_host:
        return {error_class::invalid_url, "missing host: " + quoted};
    case problem::forbidden_host_code_point:
        return {error_class::invalid_url, "invalid host (a character no host name may hold): " + quoted};
    case problem::empty_domain:
        return {error_class::invalid_url, "invalid host (nothing left after IDNA mapping): " + quoted};
    case problem::idna:
        return {error_class::invalid_url,
                "invalid host (IDNA: " + std::string(idna_error_text(where.idna_code)) + "): " + quoted};
    case problem::bad_ipv4:
        return {error_class::invalid_url, "invalid host (not an IPv4 address): " + quoted};
    case problem::bad_ipv6:
        return {error_class::invalid_url, "invalid host (not an IPv6 address): " + quoted};
    case problem::bad_port:
    case problem::none:
        break;
    }
    return {error_class::invalid_url, "invalid port (expected 1-65535): " + quoted};
}

target make_target(std::string href, const layout& where)
{
    target t;
    t.scheme = where.https ? "https" : "http";
    std::string_view host = std::string_view(href).substr(where.host_begin, where.host_end - where.host_begin);
    if (host.starts_with('[')) {
        host = host.substr(1, host.size() - 2); // an IPv6 host without its brackets
    }
    t.host = host;
    t.port = where.port;
    t.request_target = href.substr(where.path_begin);
    t.href = std::move(href);
    return t;
}

// A URL crawl is to fetch: an http(s) URL with a port it can connect to.
result<target> fetchable(const target* base, std::string_view input)
{
    std::string href;
    layout where;
    if (const problem p = parse(input, base, href, where); p != problem::none) {
        return to_failure(p, where, input);
    }
    if (where.port == 0) {
        return to_failure(problem::bad_port, where, input);
    }
    return make_target(std::move(href), where);
}

} // namespace

result<target> parse_input(std::string_view line)
{
    if (is_blank(line)) {
        return failure{error_class::invalid_url, "empty URL"};
    }
    return fetchable(nullptr, line);
}

result<target> resolve_redirect(const target& base, std::string_view location)
{
    if (is_blank(location)) {
        return failure{error_class::invalid_url, "empty redirect location"};
    }
    return fetchable(&base, location);
}

result<target> resolve_fetchable(const target& base, std::string_view reference)
{
    if (is_blank(reference)) {
        return failure{error_class::invalid_url, "empty URL"};
    }
    return fetchable(&base, reference);
}

std::optional<std::string> resolve_link(const target& base, std::string_view href)
{
    std::string out;
    if (!link_resolver(base).resolve(href, out)) {
        return std::nullopt;
    }
    return out;
}

link_resolver::link_resolver(const target& base) noexcept : base_(&base), parts_(take_apart(base)) {}

bool link_resolver::resolve(std::string_view href, std::string& out) const
{
    layout where;
    return parse(href, base_, &parts_, out, where) == problem::none;
}

std::optional<target> resolve_base(const target& document, std::string_view href)
{
    std::string out;
    layout where;
    if (parse(href, &document, out, where) != problem::none) {
        return std::nullopt;
    }
    return make_target(std::move(out), where);
}

} // namespace crawl::url
