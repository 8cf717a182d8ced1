// The public face of the url module: input lines, redirect Locations and page links become
// targets or normalized strings. The steps live beside it: reference (reading what the wild
// writes), resolve (RFC 3986 reference resolution) and normalize (the normal form).

#include "crawl/url/url.hpp"

#include "normalize.hpp"
#include "reference.hpp"
#include "resolve.hpp"

#include "crawl/util/text.hpp"

#include <boost/url/parse.hpp>

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
    // One process runs one thread (docs/design.md, "Process model"); reusing these buffers
    // keeps a typical link down to the one allocation of the returned string.
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
