#include "support/web/oracle.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace crawl::test::web {

namespace {

/// What a URL's scope is judged against: the seed it descends from.
struct lineage {
    std::uint32_t host = 0;
    std::uint32_t domain = 0;
    std::string dir;
};

struct item {
    resource what;
    std::uint32_t seed = 0;
};

bool fetched(outcome o)
{
    return o == outcome::ok || o == outcome::not_found || o == outcome::redirect;
}

/// The breadth-first walk, one depth at a time.
class walk {
public:
    walk(const web& w, const crawl_spec& spec) : web_(w), spec_(spec) {}

    crawl_expectation run()
    {
        std::vector<item> level = seeds();
        for (std::uint32_t depth = 0; !level.empty() && !result_.truncated; ++depth) {
            std::vector<item> next;
            std::vector<visit> visits;
            std::map<std::uint32_t, std::uint64_t> fetches_by_host;
            // The level grows while it is walked: queued redirects add to it.
            for (std::size_t i = 0; i < level.size(); ++i) {
                const item it = level[i];
                std::vector<link> found;
                visit v = visit_one(it, found, level);
                if (fetched(v.outcome) && it.what.kind != kind::external) {
                    ++fetches_by_host[it.what.host];
                }
                if (it.what.kind != kind::external) {
                    robots_hosts_.insert(it.what.host);
                }
                visits.push_back(std::move(v));
                if (depth < spec_.depth) {
                    for (const link& l : found) {
                        if (!l.nofollow) {
                            admit(l.target, it.seed, next);
                        }
                    }
                }
                if (++records_ >= spec_.max_records) {
                    result_.truncated = true;
                    break;
                }
            }
            std::sort(visits.begin(), visits.end(), [](const visit& a, const visit& b) { return a.url < b.url; });
            result_.depths.push_back(std::move(visits));
            if (result_.truncated || cut_by_limits(fetches_by_host)) {
                break;
            }
            result_.exact_depths = result_.depths.size();
            level = std::move(next);
        }
        if (!spec_.ignore_robots) {
            result_.robots_hosts.assign(robots_hosts_.begin(), robots_hosts_.end());
        }
        return std::move(result_);
    }

private:
    std::vector<item> seeds()
    {
        std::vector<item> level;
        for (const std::string& url : spec_.seeds) {
            const auto what = web_.resource_of(url);
            if (!what || what->kind == kind::external) {
                throw std::invalid_argument("oracle: the seed " + url + " is not a URL of this web");
            }
            const auto index = static_cast<std::uint32_t>(lineages_.size());
            lineages_.push_back({what->host, web_.domain_of(what->host), std::string(directory_of(web_.path(*what)))});
            if (seen_.insert(what->key()).second) {
                level.push_back({*what, index});
            }
        }
        if (spec_.sitemaps) {
            std::set<std::uint32_t> hosts;
            for (std::uint32_t s = 0; s < lineages_.size(); ++s) {
                if (!hosts.insert(lineages_[s].host).second) {
                    continue;
                }
                for (const resource& page : web_.sitemap_pages(lineages_[s].host)) {
                    admit(page, s, level);
                }
            }
        }
        return level;
    }

    /// Adds `target` to `level` when it is in scope of seed `seed`, passes the filters and
    /// was not seen before.
    void admit(const resource& target, std::uint32_t seed, std::vector<item>& level)
    {
        const lineage& from = lineages_[seed];
        const bool external = target.kind == kind::external;
        switch (spec_.scope) {
        case scope::host:
            if (external || target.host != from.host) {
                return;
            }
            break;
        case scope::domain:
            if (external || web_.domain_of(target.host) != from.domain) {
                return;
            }
            break;
        case scope::any:
            break;
        }
        if (spec_.no_parent && !external && target.host == from.host && !web_.path(target).starts_with(from.dir)) {
            return;
        }
        if (spec_.follow && !spec_.follow(web_.url(target))) {
            return;
        }
        if (seen_.insert(target.key()).second) {
            level.push_back({target, seed});
        }
    }

    /// The record of one URL; `found` gets the links it leads to, `level` a queued redirect.
    visit visit_one(const item& it, std::vector<link>& found, std::vector<item>& level)
    {
        visit v;
        v.url = web_.url(it.what);
        v.final_url = v.url;
        if (it.what.kind == kind::external) {
            v.outcome = outcome::unresolvable;
            return v;
        }
        if (!spec_.ignore_robots && !web_.robots_allow(it.what)) {
            v.outcome = outcome::robots_refused;
            return v;
        }
        resource end = it.what;
        if (it.what.kind == kind::redirect) {
            if (spec_.redirects == redirect_mode::queued) {
                v.outcome = outcome::redirect;
                v.status = web_.redirect_status(it.what);
                admit(web_.redirect_target(it.what), it.seed, level);
                return v;
            }
            // Each URL is fetched once: the hops and the end, requested within this record,
            // are seen (a landing page links to itself).
            while (end.kind == kind::redirect) {
                end = web_.redirect_target(end);
                v.hops.push_back(web_.url(end));
                seen_.insert(end.key());
            }
            v.final_url = v.hops.back();
        }
        switch (end.kind) {
        case kind::page: {
            page_plan plan = web_.plan(end);
            if (!plan.nofollow_page) {
                found = std::move(plan.links);
            }
            break;
        }
        case kind::calendar:
            found = web_.links(end);
            break;
        case kind::missing:
            v.outcome = outcome::not_found;
            v.status = 404;
            return v;
        default:
            break;
        }
        v.outcome = outcome::ok;
        v.status = 200;
        return v;
    }

    /// True when a limit falls inside the depth just walked: it becomes the candidate depth.
    bool cut_by_limits(const std::map<std::uint32_t, std::uint64_t>& fetches_by_host)
    {
        std::uint64_t level_fetches = 0;
        std::uint64_t allowed = 0;
        bool host_cut = false;
        for (const auto& [host, n] : fetches_by_host) {
            level_fetches += n;
            std::uint64_t room = n;
            if (spec_.max_per_host > 0) {
                const std::uint64_t before = fetches_by_host_[host];
                room = before >= spec_.max_per_host ? 0 : std::min(n, spec_.max_per_host - before);
                host_cut = host_cut || room < n;
            }
            allowed += room;
        }
        const bool page_cut = spec_.max_pages > 0 && total_fetches_ + allowed > spec_.max_pages;
        if (page_cut) {
            allowed = spec_.max_pages - total_fetches_;
        }
        if (page_cut || host_cut) {
            result_.cut_fetches = allowed;
            return true;
        }
        total_fetches_ += level_fetches;
        for (const auto& [host, n] : fetches_by_host) {
            fetches_by_host_[host] += n;
        }
        return false;
    }

    const web& web_;
    const crawl_spec& spec_;
    std::vector<lineage> lineages_;
    std::unordered_set<std::uint64_t> seen_;
    std::unordered_map<std::uint32_t, std::uint64_t> fetches_by_host_;
    std::uint64_t total_fetches_ = 0;
    std::uint64_t records_ = 0;
    std::set<std::uint32_t> robots_hosts_;
    crawl_expectation result_;
};

} // namespace

std::uint64_t crawl_expectation::records() const
{
    std::uint64_t n = 0;
    for (std::size_t d = 0; d < exact_depths; ++d) {
        n += depths[d].size();
    }
    return n;
}

std::uint64_t crawl_expectation::fetches() const
{
    std::uint64_t n = 0;
    for (std::size_t d = 0; d < exact_depths; ++d) {
        n += static_cast<std::uint64_t>(
            std::count_if(depths[d].begin(), depths[d].end(), [](const visit& v) { return fetched(v.outcome); }));
    }
    return n;
}

std::vector<std::string> crawl_expectation::urls() const
{
    std::vector<std::string> out;
    for (std::size_t d = 0; d < exact_depths; ++d) {
        for (const visit& v : depths[d]) {
            out.push_back(v.url);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<std::uint32_t> crawl_expectation::depth_of(std::string_view url) const
{
    for (std::size_t d = 0; d < depths.size(); ++d) {
        const auto& level = depths[d];
        const auto it = std::lower_bound(level.begin(), level.end(), url,
                                         [](const visit& v, std::string_view u) { return v.url < u; });
        if (it != level.end() && it->url == url) {
            return static_cast<std::uint32_t>(d);
        }
    }
    return std::nullopt;
}

crawl_expectation expect_crawl(const web& w, const crawl_spec& spec)
{
    return walk(w, spec).run();
}

} // namespace crawl::test::web
