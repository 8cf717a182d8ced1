// Fuzz target: the synthetic web's request routing and answers (tests/support/web:
// web::host_index, web::route, web::resource_of, locate, respond), on arbitrary Host fields,
// request targets and URLs, as a crawler (or anything else on loopback) may send them.
// Input: byte 0 picks one of four webs (1 host on port 80; 3, 10 and 1,000 hosts on other
// ports, different domain sizes), byte 1 bit 0 asks for gzip; the rest is "HOST\nTARGET", or
// one line, then both the Host field and an absolute URL.
// Checks: a request is routed to a resource only when the target is that resource's one
// spelling (path(r) == target) and its URL names it again; every answer has a known status,
// a body, and, for a redirect, a Location that leads to the next hop; a URL is the web's only
// when url() writes it back byte for byte.

#include "fuzz_input.hpp"
#include "support/web/responder.hpp"
#include "support/web/web.hpp"

#include <array>
#include <memory>
#include <string>

namespace {

using namespace crawl::test::web;
namespace fuzz = crawl::fuzz;

const web& site(std::uint8_t pick)
{
    static const std::array<std::unique_ptr<web>, 4> webs = [] {
        const auto make = [](std::uint64_t pages, std::uint32_t hosts, std::uint32_t per_domain, std::uint16_t port) {
            web_params p;
            p.pages = pages;
            p.hosts = hosts;
            p.hosts_per_domain = per_domain;
            p.port = port;
            p.page_bytes = 1024;
            p.dir_pages = 10;
            p.sitemap_urls = 50;
            return std::make_unique<web>(p);
        };
        return std::array<std::unique_ptr<web>, 4>{make(60, 1, 1, 80), make(300, 3, 2, 8080),
                                                   make(2000, 10, 4, 1), make(20000, 1000, 7, 65535)};
    }();
    return *webs[pick % 4];
}

void check_located(const web& w, const destination& to, std::string_view target)
{
    if (!to.what) {
        return;
    }
    const resource& r = *to.what;
    fuzz::check(to.host && r.host == *to.host, "routed to a resource of another host");
    fuzz::check(w.path(r) == target, "a target routed that is not its resource's spelling");
    fuzz::check(w.host_index(w.host_name(r.host)) == r.host, "a host name that names another host");
    fuzz::check(w.resource_of(w.url(r)) == r, "a resource's URL names another resource");
    fuzz::check(to.key == r.key(), "the log key is not the resource's");
}

void check_response(const web& w, const destination& to, const response& r)
{
    fuzz::check(r.status == 200 || r.status == 301 || r.status == 302 || r.status == 400 || r.status == 404 ||
                    r.status == 503,
                "an unexpected status");
    fuzz::check(!r.body.empty(), "an empty body");
    fuzz::check(!response_head(r, true).empty(), "no head");
    if (r.status != 301 && r.status != 302) {
        fuzz::check(r.location.empty(), "a Location outside a redirect");
        return;
    }
    fuzz::check(to.what && to.what->kind == kind::redirect, "a redirect from something else");
    const resource next = w.redirect_target(*to.what);
    const std::string absolute = r.location.starts_with('/') ? w.origin(to.what->host) + r.location : r.location;
    fuzz::check(w.url(next) == absolute, "a Location that is not the next hop");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::input in(data, size);
    const web& w = site(in.byte());
    const bool gzip = (in.byte() & 1) != 0;
    const std::string_view rest = in.rest();
    const auto newline = rest.find('\n');
    const std::string_view host = newline == std::string_view::npos ? rest : rest.substr(0, newline);
    const std::string_view target = newline == std::string_view::npos ? std::string_view("/") : rest.substr(newline + 1);

    const destination to = locate(w, host, target);
    check_located(w, to, target);
    check_response(w, to, respond(w, to, gzip));

    if (const auto r = w.resource_of(rest)) {
        fuzz::check(w.url(*r) == rest, "a URL of the web that url() writes otherwise");
    }
    return 0;
}
