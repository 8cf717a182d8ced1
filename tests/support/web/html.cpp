// The HTML of the synthetic web: a page's plan (links.cpp) written out around blocks of the
// filler, as a list of pieces so that gzip costs no compression of the filler per request.
// Links are written in the shapes real pages use: quoted and unquoted attributes, rel lists,
// an image map, iframes, framesets; the footer adds links no crawler follows (mailto:,
// javascript:, tel:).

#include "support/web/random.hpp"
#include "support/web/web.hpp"

namespace crawl::test::web {

namespace {

std::string escape_text(std::string_view s)
{
    std::string out;
    for (const char c : s) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

constexpr std::string_view rel_nofollow[] = {"nofollow", "external nofollow", "nofollow noopener", "NoFollow"};
constexpr std::string_view rel_other[] = {"noopener", "external", "next", "author"};

/// ` href="..."` in one of the attribute syntaxes, and a rel attribute when there is one.
std::string link_attributes(std::string_view name, const link& l, rng& r)
{
    std::string out;
    const unsigned quoting = r.below(10);
    if (quoting == 0 && l.href.find_first_of("=\"'<>`") == std::string::npos) {
        out = " " + std::string(name) + "=" + l.href;
    } else if (quoting == 1) {
        out = " " + std::string(name) + "='" + l.href + "'";
    } else {
        out = " " + std::string(name) + "=\"" + l.href + "\"";
    }
    if (l.nofollow) {
        out += " rel=\"" + std::string(rel_nofollow[r.below(4)]) + "\"";
    } else if (l.element != element::iframe && l.element != element::frame && r.percent(8)) {
        out += " rel=\"" + std::string(rel_other[r.below(4)]) + "\"";
    }
    return out;
}

class page_writer {
public:
    page_writer(const web& w, const resource& page, const page_plan& plan)
        : web_(w), page_(page), plan_(plan), rng_(mix({w.params().seed, page.host, page.a, 0x47A1}))
    {
    }

    pieces write()
    {
        head();
        if (plan_.frameset) {
            frameset();
            return std::move(out_);
        }
        out_.text("</head>\n<body class=\"page\">\n<header><nav class=\"nav\">");
        std::size_t next = 0;
        for (; next < plan_.nav_links; ++next) {
            anchor(plan_.links[next]);
        }
        out_.text("</nav></header>\n<main>\n<h1>" + escape_text(plan_.title) + "</h1>\n");
        std::size_t end_a = next;
        while (end_a < plan_.links.size() && plan_.links[end_a].element == element::a) {
            ++end_a;
        }
        body(next, end_a);
        image_map(end_a);
        out_.text("</main>\n<footer><p>&copy; 2026 " + web_.host_name(page_.host) +
                  " &middot; <a href=\"mailto:webmaster@" + web_.host_name(page_.host) +
                  "\">contact</a> &middot; <a href=\"javascript:void(0)\">top</a> &middot; "
                  "<a href=\"tel:+15550100\">call</a></p></footer>\n</body>\n</html>\n");
        return std::move(out_);
    }

private:
    void head()
    {
        if (plan_.frameset) {
            out_.text("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Frameset//EN\" "
                      "\"http://www.w3.org/TR/html4/frameset.dtd\">\n<html lang=\"en\">\n<head>\n");
        } else {
            out_.text("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n");
        }
        std::string h = "<meta charset=\"utf-8\">\n<title>" + escape_text(plan_.title) + "</title>\n";
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
        h += "<meta name=\"description\" content=\"" + escape_text(plan_.description) + "\">\n";
        if (!plan_.meta_robots.empty()) {
            h += "<meta name=\"" + std::string(rng_.percent(50) ? "robots" : "ROBOTS") + "\" content=\"" +
                 plan_.meta_robots + "\">\n";
        }
        if (!plan_.base_href.empty()) {
            h += "<base href=\"" + plan_.base_href + "\">\n";
        }
        h += "<link rel=\"canonical\" href=\"" + web_.url(page_) + "\">\n";
        h += "<link rel=\"stylesheet\" href=\"/static/site.css\">\n<script src=\"/static/site.js\" defer></script>\n";
        h += "<style>body{margin:0;font:16px/1.5 Georgia,serif}.nav a{margin-right:1em}.card{padding:8px}</style>\n";
        out_.text(h);
    }

    void anchor(const link& l)
    {
        out_.text("<a" + link_attributes("href", l, rng_) + ">" +
                  web_.text().sentence(rng_.next(), 1 + rng_.below(3)) + "</a> ");
    }

    /// Filler blocks up to the plan's size, with the body's links in paragraphs between them.
    void body(std::size_t first, std::size_t end)
    {
        std::vector<std::uint32_t> blocks;
        std::uint64_t bytes = 0;
        while (bytes < plan_.filler_bytes) {
            blocks.push_back(rng_.below(web_.text().blocks()));
            bytes += web_.text().block(blocks.back()).size;
        }
        std::size_t next = first;
        for (std::size_t b = 0; b <= blocks.size(); ++b) {
            const std::size_t left_blocks = blocks.size() + 1 - b;
            const std::size_t take = (end - next + left_blocks - 1) / left_blocks;
            if (take > 0) {
                out_.text("<p class=\"links\">" + web_.text().sentence(rng_.next(), 4) + " ");
                for (std::size_t k = 0; k < take; ++k, ++next) {
                    anchor(plan_.links[next]);
                }
                out_.text("</p>\n");
            }
            if (b < blocks.size()) {
                out_.block(web_.text().block(blocks[b]));
            }
        }
    }

    void image_map(std::size_t first)
    {
        std::size_t next = first;
        if (next < plan_.links.size() && plan_.links[next].element == element::area) {
            const std::string name = "m" + std::to_string(page_.a);
            out_.text("<img src=\"/img/map.png\" usemap=\"#" + name + "\" alt=\"map\" width=\"400\" height=\"300\">\n"
                      "<map name=\"" + name + "\">\n");
            for (unsigned n = 0; next < plan_.links.size() && plan_.links[next].element == element::area; ++next, ++n) {
                out_.text("<area shape=\"rect\" coords=\"" + std::to_string(n * 40) + ",0," + std::to_string(n * 40 + 39) +
                          ",30\"" + link_attributes("href", plan_.links[next], rng_) + " alt=\"region " +
                          std::to_string(n) + "\">\n");
            }
            out_.text("</map>\n");
        }
        for (; next < plan_.links.size(); ++next) {
            out_.text("<iframe" + link_attributes("src", plan_.links[next], rng_) +
                      " title=\"embedded\" width=\"300\" height=\"200\" loading=\"lazy\"></iframe>\n");
        }
    }

    void frameset()
    {
        out_.text("</head>\n<frameset cols=\"25%,75%\">\n");
        for (const link& l : plan_.links) {
            out_.text("<frame" + link_attributes("src", l, rng_) + " name=\"f" + std::to_string(rng_.below(100)) + "\">\n");
        }
        out_.text("<noframes><body><p>" + web_.text().sentence(rng_.next(), 12) +
                  "</p></body></noframes>\n</frameset>\n</html>\n");
    }

    const web& web_;
    const resource& page_;
    const page_plan& plan_;
    rng rng_;
    pieces out_;
};

} // namespace

pieces web::html(const resource& r) const
{
    if (r.kind == kind::page) {
        const page_plan p = plan(r);
        return page_writer(*this, r, p).write();
    }
    pieces out;
    const resource page{kind::page, r.host, r.a, 0};
    const std::string t = escape_text(title(r));
    if (r.kind == kind::print) {
        // The print view: the text alone, no links, its canonical the page itself.
        out.text("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + t +
                 "</title>\n<meta name=\"robots\" content=\"noindex\">\n<link rel=\"canonical\" href=\"" + url(page) +
                 "\">\n</head>\n<body class=\"print\">\n<h1>" + t + "</h1>\n");
        out.block(filler_.block(static_cast<std::uint32_t>(mix({params_.seed, r.host, r.a, 0x9417}) % filler_.blocks())));
        out.text("</body>\n</html>\n");
        return out;
    }
    // A calendar month: a table of days, the next month, home.
    std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + t +
                       "</title>\n</head>\n<body class=\"calendar\">\n<h1>" + t + "</h1>\n<table class=\"month\"><tr>";
    for (unsigned day = 1; day <= 28; ++day) {
        html += "<td>" + std::to_string(day) + "</td>" + (day % 7 == 0 ? "</tr>\n<tr>" : "");
    }
    html += "</tr></table>\n<p>";
    for (const link& l : links(r)) {
        html += "<a href=\"" + l.href + "\">" + (l.target.kind == kind::calendar ? "next month" : "home") + "</a> ";
    }
    out.text(html + "</p>\n</body>\n</html>\n");
    return out;
}

std::string web::small_html(std::string_view title) const
{
    const std::string t = escape_text(title);
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + t +
           "</title>\n</head>\n<body>\n<h1>" + t + "</h1>\n<p>Nothing to see here.</p>\n</body>\n</html>\n";
}

} // namespace crawl::test::web
