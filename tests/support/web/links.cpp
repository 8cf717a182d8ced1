// What a synthetic page links to and how each link is written: a page's plan is drawn from the
// web's seed and the page's coordinates alone. Article pages carry 4 to 8 body links (a
// twentieth of them are hubs with 25 to 50), besides their navigation; directory indexes list
// their directory. Links lead mostly within the directory and the host, some across hosts
// (half of those within the registrable domain), some to 404s, redirect chains, print views
// and names that never resolve; a few are rel=nofollow, in <area> or <iframe>; some pages have
// <base href>, a meta robots nofollow, or are framesets.

#include "support/web/random.hpp"
#include "support/web/web.hpp"

#include <algorithm>
#include <cmath>

namespace crawl::test::web {

namespace {

/// The base a page's relative links resolve against: a host and a directory path.
struct base_dir {
    std::uint32_t host = 0;
    std::string dir; ///< starts and ends with '/'
};

std::vector<std::string_view> segments(std::string_view dir)
{
    std::vector<std::string_view> out;
    while (!dir.empty()) {
        const auto slash = dir.find('/');
        if (slash != 0) {
            out.push_back(dir.substr(0, slash));
        }
        if (slash == std::string_view::npos) {
            break;
        }
        dir.remove_prefix(slash + 1);
    }
    return out;
}

/// A relative reference from directory `from` to absolute path `to` (RFC 3986 5.2 gives `to`
/// back when it is resolved against any URL in `from`).
std::string relative(std::string_view from, std::string_view to)
{
    const std::string_view to_dir = directory_of(to);
    const std::string_view last = to.substr(to_dir.size());
    const auto a = segments(from);
    const auto b = segments(to_dir);
    std::size_t common = 0;
    while (common < a.size() && common < b.size() && a[common] == b[common]) {
        ++common;
    }
    std::string out;
    for (std::size_t i = common; i < a.size(); ++i) {
        out += "../";
    }
    for (std::size_t i = common; i < b.size(); ++i) {
        out += b[i];
        out += '/';
    }
    out += last;
    // Empty would be the base itself, with its last segment; "?q" would keep that segment too.
    if (out.empty() || out.front() == '?') {
        out.insert(0, "./");
    }
    return out;
}

std::string upper(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; });
    return s;
}

/// Writes links to targets in the many ways pages do: relative to the base, from the root,
/// absolute, scheme-relative, or with an uppercase scheme and host and a "./" segment.
class href_writer {
public:
    href_writer(const web& w, base_dir base, rng& r) : web_(w), base_(std::move(base)), rng_(r) {}

    std::string write(const resource& target, bool fragment_ok = true)
    {
        std::string href;
        if (target.kind == kind::external) {
            href = web_.url(target);
        } else {
            const std::string p = web_.path(target);
            const bool same = target.host == base_.host;
            const unsigned form = rng_.below(100);
            if (same && form < 40) {
                href = relative(base_.dir, p);
                if (!href.starts_with('.') && rng_.percent(20)) {
                    href.insert(0, "./");
                }
            } else if (same && form < 70) {
                href = p;
            } else if (form < 90 || !same) {
                const unsigned cross = rng_.below(100);
                if (cross < 80 || same) {
                    href = web_.url(target);
                } else if (cross < 92) {
                    href = web_.url(target).substr(5); // "//name:port/path"
                } else {
                    href = upper(web_.origin(target.host)) + "/." + p;
                }
            } else {
                href = web_.url(target).substr(5);
            }
        }
        if (fragment_ok && rng_.percent(10)) {
            href += "#s" + std::to_string(rng_.below(20));
        }
        return href;
    }

private:
    const web& web_;
    base_dir base_;
    rng& rng_;
};

/// Links of an article, landing or archive page body.
class body_links {
public:
    body_links(const web& w, const resource& page, rng& r) : web_(w), page_(page), rng_(r)
    {
        linkable_ = w.linkable_pages(page.host);
        dir_pages_ = w.params().dir_pages;
    }

    resource draw()
    {
        const std::uint32_t h = page_.host;
        const unsigned k = rng_.below(100);
        if (k < 40) {
            return sibling();
        }
        if (k < 64) {
            return page(h, rng_.below(linkable_));
        }
        if (k < 71) {
            return cross(true);
        }
        if (k < 79) {
            return cross(false);
        }
        if (k < 83) {
            return resource{kind::missing, h, rng_.below(web_.pages_on(h)), 0};
        }
        if (k < 88 && web_.chains(h) > 0) {
            return resource{kind::redirect, h, rng_.below(web_.chains(h)), 0};
        }
        if (k < 91) {
            return resource{kind::print, h, rng_.below(linkable_), 0};
        }
        if (k < 96) {
            return page(h, index_of_dir(rng_.below(dirs())));
        }
        if (k < 98) {
            return page_; // a link to itself, with a fragment
        }
        return resource{kind::external, 0, rng_.below(50), 0};
    }

private:
    static resource page(std::uint32_t host, std::uint32_t index) { return resource{kind::page, host, index, 0}; }
    std::uint32_t dirs() const { return linkable_ > 1 ? (linkable_ - 2) / dir_pages_ + 1 : 1; }
    std::uint32_t index_of_dir(std::uint32_t dir) const
    {
        return linkable_ > 1 ? 1 + dir * dir_pages_ : 0;
    }
    resource sibling()
    {
        // Landing and archive pages have no directory of their own: any page of the host.
        if (page_.a == 0 || page_.a >= linkable_) {
            return page(page_.host, rng_.below(linkable_));
        }
        const std::uint32_t first = index_of_dir((page_.a - 1) / dir_pages_);
        const std::uint32_t end = std::min(first + dir_pages_, linkable_);
        return page(page_.host, first + rng_.below(end - first));
    }
    resource cross(bool same_domain)
    {
        const std::uint32_t hosts = web_.hosts();
        const std::uint32_t per = web_.params().hosts_per_domain;
        const std::uint32_t first = web_.domain_of(page_.host) * per;
        const std::uint32_t in_domain = std::min(per, hosts - first);
        std::uint32_t other = page_.host;
        if (same_domain && in_domain > 1) {
            other = first + (page_.host - first + 1 + rng_.below(in_domain - 1)) % in_domain;
        } else if (hosts > 1) {
            other = (page_.host + 1 + rng_.below(hosts - 1)) % hosts;
        }
        return page(other, rng_.below(web_.linkable_pages(other)));
    }

    const web& web_;
    resource page_;
    rng& rng_;
    std::uint32_t linkable_ = 1;
    std::uint32_t dir_pages_ = 2;
};

/// Filler bytes of a page: log-normal, median page_bytes / 1.32 and sigma 0.75, so the mean
/// is about page_bytes (Box-Muller from two draws).
std::uint32_t filler_size(std::uint32_t mean, rng& r)
{
    const double u1 = (static_cast<double>(r.below(1U << 30)) + 1.0) / static_cast<double>(1U << 30);
    const double u2 = static_cast<double>(r.below(1U << 30)) / static_cast<double>(1U << 30);
    const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.141592653589793 * u2);
    const double size = mean / 1.32 * std::exp(0.75 * z);
    return static_cast<std::uint32_t>(std::clamp(size, mean / 16.0, mean * 12.0));
}

constexpr std::string_view meta_nofollow[] = {"nofollow", "noindex, nofollow", "NOFOLLOW", "none"};

} // namespace

std::string web::title(const resource& r) const
{
    const std::string name = host_name(r.host);
    switch (r.kind) {
    case kind::page: {
        std::string words = filler_.sentence(mix({params_.seed, r.host, r.a, 0x7171E}), 3 + r.a % 4);
        words[0] = static_cast<char>(words[0] - 'a' + 'A');
        return words + " | " + name + " page " + std::to_string(r.a);
    }
    case kind::print:
        return title(resource{kind::page, r.host, r.a, 0}) + " (print)";
    case kind::calendar:
        return "Calendar " + std::to_string(r.a) + "-" + (r.b < 10 ? "0" : "") + std::to_string(r.b) + " | " + name;
    case kind::redirect:
        return "Moved";
    default:
        return "Not found";
    }
}

page_plan web::plan(const resource& page) const
{
    const std::uint32_t h = page.host;
    const std::uint32_t i = page.a;
    const std::uint32_t linkable = linkable_pages(h);
    const std::uint32_t dir_pages = params_.dir_pages;
    const bool article = i > 0 && i < linkable;
    const bool dir_index = article && (i - 1) % dir_pages == 0;
    rng r(mix({params_.seed, h, i, 0x91A4}));

    page_plan plan;
    plan.title = title(page);
    plan.description = filler_.sentence(mix({params_.seed, h, i, 0xDE5C}), 12);
    const std::uint64_t meta = mix({params_.seed, h, i, 0x3E7A}) % 1000;
    if (i > 0 && !dir_index && meta < 15) {
        plan.meta_robots = meta_nofollow[meta % 4];
        plan.nofollow_page = true;
    } else if (meta >= 15 && meta < 25) {
        plan.meta_robots = "noindex";
    }

    // The base relative links resolve against: the page's own directory, or a <base href>
    // (a twentieth of pages; one in five of those on another host).
    base_dir base{h, std::string(directory_of(path(page)))};
    const std::uint32_t dirs = linkable > 1 ? (linkable - 2) / dir_pages + 1 : 0;
    if (i > 0 && !dir_index && dirs > 0 && r.percent(5)) {
        const bool elsewhere = hosts() > 1 && r.percent(20);
        const std::uint32_t bh = elsewhere ? (h + 1 + r.below(hosts() - 1)) % hosts() : h;
        const std::uint32_t bl = linkable_pages(bh);
        const std::uint32_t bdirs = bl > 1 ? (bl - 2) / dir_pages + 1 : 0;
        base = bdirs > 0 ? base_dir{bh, "/d" + std::to_string(r.below(bdirs)) + "/"} : base_dir{bh, "/"};
        plan.base_href = elsewhere || r.percent(50) ? origin(bh) + base.dir : base.dir;
    }
    href_writer hrefs(*this, base, r);
    // Navigation links are never nofollow: every host's calendar stays reachable from home.
    auto add = [&](const resource& target, element el, bool in_body = true) {
        const bool fragment_ok = in_body && (el == element::a || target == page);
        const bool nofollow = in_body && el != element::iframe && el != element::frame && r.percent(5);
        plan.links.push_back(link{target, el, nofollow, hrefs.write(target, fragment_ok)});
    };

    if (article && !dir_index && r.percent(1)) {
        plan.frameset = true;
        for (std::uint32_t f = 2 + r.below(2); f > 0; --f) {
            add(resource{kind::page, h, r.below(linkable), 0}, element::frame);
        }
        return plan;
    }

    // Navigation: home, and the page's directory; the home page lists the directories (at
    // most 20) and the calendar.
    if (i == 0) {
        for (std::uint32_t d = 0; d < std::min<std::uint32_t>(dirs, 20); ++d) {
            add(resource{kind::page, h, 1 + d * dir_pages, 0}, element::a, false);
        }
        add(resource{kind::calendar, h, calendar_start_year, calendar_start_month}, element::a, false);
    } else {
        add(resource{kind::page, h, 0, 0}, element::a, false);
        if (article && !dir_index) {
            add(resource{kind::page, h, 1 + (i - 1) / dir_pages * dir_pages, 0}, element::a, false);
        }
    }
    plan.nav_links = plan.links.size();

    body_links draw(*this, page, r);
    if (dir_index) {
        for (std::uint32_t p = i + 1; p < std::min(i + dir_pages, linkable); ++p) {
            add(resource{kind::page, h, p, 0}, element::a);
        }
    } else {
        const std::uint32_t count = r.percent(5) ? 25 + r.below(26) : 4 + r.below(5);
        for (std::uint32_t n = 0; n < count; ++n) {
            const unsigned e = r.below(100);
            const resource target = draw.draw();
            const element el = target.kind == kind::external || e < 88 ? element::a : e < 94 ? element::area : element::iframe;
            add(target, el);
            std::string& href = plan.links.back().href;
            if (target == page && plan.base_href.empty() && r.percent(50)) {
                href = "#top"; // the document's own URL, as no <base> moves it
            } else if (target == page && href.find('#') == std::string::npos) {
                href += "#top";
            }
        }
    }
    // Document order: the body's <a> links, then an image map's <area>s, then <iframe>s.
    std::stable_partition(plan.links.begin() + static_cast<std::ptrdiff_t>(plan.nav_links), plan.links.end(),
                          [](const link& l) { return l.element == element::a; });
    std::stable_partition(plan.links.begin() + static_cast<std::ptrdiff_t>(plan.nav_links), plan.links.end(),
                          [](const link& l) { return l.element != element::iframe; });
    plan.filler_bytes = filler_size(params_.page_bytes, r);
    return plan;
}

std::vector<link> web::links(const resource& r) const
{
    if (r.kind == kind::page) {
        return plan(r).links;
    }
    if (r.kind != kind::calendar) {
        return {};
    }
    std::vector<link> out;
    const std::string here = path(r);
    if (r.a < 999'999 || r.b < 12) {
        const resource next{kind::calendar, r.host, r.b == 12 ? r.a + 1 : r.a, r.b == 12 ? 1 : r.b + 1};
        out.push_back(link{next, element::a, false, relative(directory_of(here), path(next))});
    }
    out.push_back(link{resource{kind::page, r.host, 0, 0}, element::a, false, "/"});
    return out;
}

} // namespace crawl::test::web
