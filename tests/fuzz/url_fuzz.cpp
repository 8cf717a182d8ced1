// Fuzz target: URL parsing, redirect resolution and link resolution (url::parse_input,
// url::resolve_redirect, url::resolve_link) on arbitrary bytes, as input lines, Location
// headers and hrefs would carry them.
// Input: "BASE\nREFERENCE" (or just one line, then resolved against a fixed base).
// Checks: every URL crawl produces is a normalized http(s) URL: it parses again, to itself
// (normalization is idempotent), with a host, a port and a request target starting with '/'.

#include "crawl/url/url.hpp"
#include "fuzz_input.hpp"

#include <boost/url/parse.hpp>

#include <string>

namespace {

using namespace crawl;

void check_target(const url::target& t)
{
    fuzz::check(t.scheme == "http" || t.scheme == "https", "a target with another scheme");
    fuzz::check(t.href.starts_with(t.scheme + "://"), "href does not start with its scheme");
    fuzz::check(!t.host.empty(), "a target without host");
    fuzz::check(t.port != 0, "a target without port");
    fuzz::check(!t.request_target.empty() && t.request_target.front() == '/', "request target not starting with /");
    fuzz::check(t.href.find('#') == std::string::npos, "fragment kept");
    const auto again = url::parse_input(t.href);
    fuzz::check(again.has_value(), "a normalized URL does not parse again");
    fuzz::check(again->href == t.href, "normalization is not idempotent");
    fuzz::check(again->host_port() == t.host_port(), "host:port changed on reparse");
    fuzz::check(again->request_target == t.request_target, "request target changed on reparse");
}

void check_link(const std::optional<std::string>& link)
{
    if (!link) {
        return;
    }
    const auto t = url::parse_input(*link);
    fuzz::check(t.has_value(), "a resolved link does not parse as input");
    fuzz::check(t->href == *link, "a resolved link is not normalized");
    check_target(*t);
}

void resolve_against(const url::target& base, std::string_view reference)
{
    if (const auto r = url::resolve_redirect(base, reference)) {
        check_target(*r);
    }
    const auto view = boost::urls::parse_uri(base.href);
    fuzz::check(view.has_value(), "a target's href is not a URI for Boost.URL");
    check_link(url::resolve_link(*view, reference));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    if (const auto line = url::parse_input(all)) {
        check_target(*line);
    }
    static const url::target fixed_base = url::parse_input("http://example.com:8080/a/b/c?q=1").value();
    resolve_against(fixed_base, all);
    const auto newline = all.find('\n');
    if (newline != std::string_view::npos) {
        if (const auto base = url::parse_input(all.substr(0, newline))) {
            check_target(*base);
            resolve_against(*base, all.substr(newline + 1));
        }
    }
    return 0;
}
