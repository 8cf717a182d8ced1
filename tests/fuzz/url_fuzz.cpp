// Fuzz target: the WHATWG URL parser behind url::parse_input, url::resolve_redirect,
// url::resolve_link and url::resolve_base (host parsing, IDNA through libidn2, IPv4 and IPv6
// forms included) on arbitrary bytes, as input lines, Location headers and hrefs carry them.
// Input: "BASE\nREFERENCE" (or just one line, then resolved against a fixed base).
// Checks: every URL crawl produces is a serialized http(s) URL that parses again to itself
// (parsing is idempotent), resolves to itself against any base, and for a fetchable target
// has a host, a port and a request target starting with '/'; resolve_link and resolve_base
// agree.

#include "crawl/url/url.hpp"
#include "fuzz_input.hpp"

#include <string>

namespace {

using namespace crawl;

const url::target& other_base()
{
    static const url::target base = url::parse_input("https://user:pw@other.example:8443/x/y?z").value();
    return base;
}

void check_target(const url::target& t)
{
    fuzz::check(t.scheme == "http" || t.scheme == "https", "a target with another scheme");
    fuzz::check(t.href.starts_with(t.scheme + "://"), "href does not start with its scheme");
    fuzz::check(!t.host.empty(), "a target without host");
    fuzz::check(t.port != 0, "a target without port");
    fuzz::check(!t.request_target.empty() && t.request_target.front() == '/', "request target not starting with /");
    fuzz::check(t.href.ends_with(t.request_target), "request target is not the end of href");
    fuzz::check(t.href.find('#') == std::string::npos, "fragment kept");
    const auto again = url::parse_input(t.href);
    fuzz::check(again.has_value(), "a serialized URL does not parse again");
    fuzz::check(again->href == t.href, "parsing is not idempotent");
    fuzz::check(again->host_port() == t.host_port(), "host:port changed on reparse");
    fuzz::check(again->request_target == t.request_target, "request target changed on reparse");
}

void check_link(const std::optional<std::string>& link)
{
    if (!link) {
        return;
    }
    fuzz::check(link->find('#') == std::string::npos, "fragment kept in a link");
    fuzz::check(url::resolve_link(other_base(), *link) == link, "a link does not resolve to itself");
    // A browser's link may name port 0, which crawl cannot fetch: the only way it is no target.
    const auto t = url::parse_input(*link);
    fuzz::check(t.has_value() || t.error().message.find("port") != std::string::npos,
                "a resolved link does not parse as input");
    if (t) {
        fuzz::check(t->href == *link, "a resolved link is not in serialized form");
        check_target(*t);
    }
}

void resolve_against(const url::target& base, std::string_view reference)
{
    if (const auto r = url::resolve_redirect(base, reference)) {
        check_target(*r);
    }
    const std::optional<std::string> link = url::resolve_link(base, reference);
    check_link(link);
    const std::optional<url::target> as_base = url::resolve_base(base, reference);
    fuzz::check(as_base.has_value() == link.has_value(), "resolve_base and resolve_link disagree");
    if (as_base) {
        fuzz::check(as_base->href == *link, "resolve_base and resolve_link give different URLs");
    }
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
