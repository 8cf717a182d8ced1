#include "support/web/responder.hpp"

#include "support/encoder.hpp"
#include "support/web/random.hpp"

#include <functional>

namespace crawl::test::web {

namespace {

std::string_view reason(unsigned status)
{
    switch (status) {
    case 200:
        return "OK";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

void small(response& r, const web& w, unsigned status, std::string_view title)
{
    r.status = status;
    r.body = w.small_html(title);
}

} // namespace

destination locate(const web& w, std::string_view host_field, std::string_view target)
{
    destination to;
    to.host_given = !host_field.empty();
    to.host = w.host_index(host_field.substr(0, host_field.find(':')));
    if (to.host) {
        to.what = w.route(*to.host, target);
    }
    if (to.what) {
        to.key = to.what->key();
    } else {
        const std::uint64_t h = mix({std::hash<std::string_view>{}(host_field), std::hash<std::string_view>{}(target)});
        to.key = 0xFULL << 60 | (h & ((1ULL << 60) - 1));
    }
    return to;
}

response respond(const web& w, const destination& to, bool accepts_gzip)
{
    response r;
    if (!to.host) {
        small(r, w, to.host_given ? 404 : 400, "Unknown host");
        return r;
    }
    if (!to.what) {
        small(r, w, 404, "Not found");
        return r;
    }
    const resource& what = *to.what;
    switch (what.kind) {
    case kind::page:
    case kind::print:
    case kind::calendar: {
        const pieces html = w.html(what);
        r.gzip = accepts_gzip;
        r.body = accepts_gzip ? html.gzip() : html.identity();
        return r;
    }
    case kind::redirect:
        small(r, w, w.redirect_status(what), w.title(what));
        r.location = w.location(what);
        return r;
    case kind::robots: {
        const unsigned status = w.robots(what.host).status;
        if (status != 200) {
            small(r, w, status, status == 404 ? "Not found" : "Service unavailable");
            return r;
        }
        r.content_type = "text/plain; charset=utf-8";
        r.body = w.robots_txt(what.host);
        return r;
    }
    case kind::sitemap:
    case kind::sitemap_file:
    case kind::sitemap_huge:
    case kind::sitemap_bomb: {
        r.body = w.sitemap_body(what);
        const bool file_is_gzip = w.path(what).ends_with(".gz");
        r.content_type = file_is_gzip ? "application/gzip" : "application/xml";
        if (!file_is_gzip && accepts_gzip) {
            r.body = encode(wrapping::gzip, r.body);
            r.gzip = true;
        }
        return r;
    }
    case kind::missing:
    case kind::external:
        break;
    }
    small(r, w, 404, "Not found");
    return r;
}

std::string response_head(const response& r, bool keep_alive)
{
    std::string h = "HTTP/1.1 " + std::to_string(r.status) + " " + std::string(reason(r.status)) +
                    "\r\nServer: crawl-web\r\nContent-Type: " + r.content_type +
                    "\r\nContent-Length: " + std::to_string(r.body.size()) + "\r\n";
    if (r.gzip) {
        h += "Content-Encoding: gzip\r\n";
    }
    if (r.content_type.starts_with("text/html") || r.content_type == "application/xml") {
        h += "Vary: Accept-Encoding\r\n";
    }
    if (!r.location.empty()) {
        h += "Location: " + r.location + "\r\n";
    }
    if (!keep_alive) {
        h += "Connection: close\r\n";
    }
    return h + "\r\n";
}

} // namespace crawl::test::web
