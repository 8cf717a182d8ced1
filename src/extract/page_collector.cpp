#include "page_collector.hpp"

#include "crawl/extract/refresh.hpp"
#include "crawl/url/url.hpp"
#include "crawl/util/page_hash.hpp"
#include "crawl/util/text.hpp"

namespace crawl::extract {
namespace {

// An href this long cannot resolve to a link of at most max_url_bytes; skip it unparsed.
constexpr std::size_t max_raw_href_bytes = 8 * max_url_bytes;

} // namespace

page_collector::page_collector(std::string_view page_url, const extract_options& opts)
    : keep_links_(opts.keep_links), following_(opts.keep_follow), robots_agent_(opts.robots_agent)
{
    if (auto parsed = url::parse_input(page_url)) {
        page_url_ = std::move(*parsed);
        resolver_.emplace(*page_url_);
    }
}

void page_collector::html_lang(std::string_view lang)
{
    if (!have_lang_) {
        have_lang_ = true;
        info_.lang = collapse(lang);
    }
}

void page_collector::meta(std::optional<std::string_view> name, std::optional<std::string_view> content)
{
    if (!name || !content) {
        return;
    }
    const std::string_view n = text::trim_html_space(*name);
    if (text::iequals(n, "description")) {
        if (!have_description_) {
            info_.description = collapse(*content);
            have_description_ = true;
        }
    } else if ((text::iequals(n, "robots") || (!robots_agent_.empty() && text::iequals(n, robots_agent_))) &&
               (has_directive(*content, "nofollow") || has_directive(*content, "none"))) {
        stop_following();
    }
}

// A page that says nofollow offers nothing to follow, wherever the <meta> stands: what was
// collected before it goes too.
void page_collector::stop_following()
{
    info_.nofollow = true;
    following_ = false;
    info_.follow = {};
    seen_follow_ = {};
    seen_follow_hrefs_ = {};
}

void page_collector::link(std::optional<std::string_view> rel, std::optional<std::string_view> href)
{
    if (!info_.canonical.empty() || !rel || !href || !has_token(*rel, "canonical")) {
        return;
    }
    if (resolve(*href)) {
        info_.canonical = resolved_;
    }
}

// The first <base href> sets the document's base URL (HTML: the frozen base URL); links
// that come after it resolve against it.
void page_collector::base(std::optional<std::string_view> href)
{
    if (have_base_ || !page_url_ || !href) {
        return;
    }
    have_base_ = true;
    if (href->size() > max_raw_href_bytes) {
        return;
    }
    std::optional<url::target> resolved = url::resolve_base(*page_url_, *href);
    if (resolved && resolved->href.size() <= max_url_bytes) {
        base_url_ = std::move(resolved);
        resolver_.emplace(*base_url_);
        seen_hrefs_.clear(); // they resolve differently now
        seen_follow_hrefs_.clear();
        info_.base = base_url_->href;
    }
}

bool page_collector::resolve(std::string_view href)
{
    return resolver_ && href.size() <= max_raw_href_bytes && resolver_->resolve(href, resolved_) &&
           resolved_.size() <= max_url_bytes;
}

void page_collector::hyperlink(std::string_view href, std::optional<std::string_view> rel)
{
    collect(href, true, following_ && !(rel && has_token(*rel, "nofollow")));
}

// HTML: a frame or iframe whose src is empty shows about:blank, not the page itself.
void page_collector::frame(std::string_view src)
{
    if (following_ && !src.empty()) {
        collect(src, false, true);
    }
}

void page_collector::refresh(std::string_view content)
{
    if (following_) {
        if (const auto target = refresh_url(content); target && !target->empty()) {
            collect(*target, false, true);
        }
    }
}

void page_collector::collect(std::string_view href, bool link, bool follow)
{
    // The same href against the same base resolves the same way: a quarter of a typical
    // page's hrefs repeat (menus, footers), so skip resolving those again.
    const std::uint64_t raw = page_hash(href);
    link = link && seen_hrefs_.insert(raw);
    follow = follow && seen_follow_hrefs_.insert(raw);
    if (!link && !follow) {
        return;
    }
    if (!resolve(href)) {
        return;
    }
    // A 64-bit hash per distinct link: collisions are negligible at page scale and the set
    // stays small even when the links themselves are not kept.
    const std::uint64_t h = page_hash(resolved_);
    if (link && seen_links_.insert(h)) {
        ++info_.links_count;
        if (keep_links_) {
            info_.links.push_back(resolved_);
        }
    }
    if (follow && seen_follow_.insert(h)) {
        info_.follow.push_back(resolved_);
    }
}

void page_collector::finish(std::string charset)
{
    info_.title = title_.take();
    info_.charset = std::move(charset);
}

} // namespace crawl::extract
