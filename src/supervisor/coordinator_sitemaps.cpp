// The coordinator's --sitemaps: each input host's sitemaps (its robots.txt's Sitemap: lines,
// else /sitemap.xml) are fetched as jobs of their own, a sitemap index's files after it, and
// the pages they list join the frontier at depth 0, beside the input URLs
// (docs/design.md, "Recursive crawl").

#include "coordinator.hpp"

#include "crawl/url/url.hpp"

namespace crawl::supervisor {

/// An input URL of a host not seen yet: its sitemaps are read once its robots.txt has named
/// them (or at once without robots.txt).
void coordinator::note_sitemap_seed(const pending_url& seed)
{
    if (!opts_.crawl.sitemaps) {
        return;
    }
    const std::string origin = seed.target.scheme + "://" + seed.host_key;
    const auto [it, added] = sitemap_seeds_.try_emplace(origin, sitemap_seed{seed.target, seed.scope_prefix, false});
    if (added && !opts_.robots) {
        queue_sitemaps(origin, {});
    }
}

/// The origin's robots.txt answer is in: its Sitemap: lines, if it is an input host's.
void coordinator::sitemaps_named(const std::string& origin, const std::vector<std::string>& named)
{
    if (sitemap_seeds_.contains(origin)) {
        queue_sitemaps(origin, named);
    }
}

void coordinator::queue_sitemaps(const std::string& origin, const std::vector<std::string>& named)
{
    auto& seed = sitemap_seeds_.at(origin);
    if (seed.queued) {
        return;
    }
    seed.queued = true;
    if (named.empty()) {
        queue_sitemap(origin + "/sitemap.xml", origin, 0, {});
        return;
    }
    for (const auto& url : named) {
        queue_sitemap(url, origin, 0, origin + "/robots.txt");
    }
}

void coordinator::queue_sitemap(std::string_view url, const std::string& origin, std::uint32_t level,
                                std::string found_on)
{
    auto target = url::parse_input(url);
    if (!target || !env_.frontier->claim(fingerprint64(target->href))) {
        return;
    }
    const auto& seed = sitemap_seeds_.at(origin);
    pending_url job;
    job.seq = next_discovered_id();
    job.url = target->href;
    job.host_key = target->host_port();
    // A sitemap elsewhere than on its input host (robots.txt may name any URL) may not lead
    // the crawl inward.
    const bool own_host = target->host == seed.target.host;
    const bool outward = !own_host && !opts_.worker.fetch.allow_private;
    job.target = std::move(*target);
    job.delay = opts_.delay;
    job.origin = origin;
    job.sitemap_level = level;
    job.scope_prefix = seed.prefix;
    job.crawl.flags = static_cast<std::uint8_t>(wire::recursive | wire::discovered | wire::sitemap |
                                                (outward ? wire::outward_only : 0));
    job.crawl.depth = 0;
    job.crawl.found_on = std::move(found_on);
    open_page(job); // level 1 waits for the pages the sitemaps list at level 0
    enqueue(std::move(job));
}

/// A sitemap is read: an index's sitemaps are fetched next (an index in an index is not, as
/// the protocol says), a file's pages join the frontier at depth 0 if in scope of their input
/// host.
void coordinator::take_sitemap(const pending_url& job, const wire::result_view& result)
{
    if (result.sitemap_index) {
        if (job.sitemap_level == 0) {
            for (const auto url : result.follow) {
                queue_sitemap(url, job.origin, 1, job.target.href);
            }
        }
        return;
    }
    const auto& seed = sitemap_seeds_.at(job.origin);
    frontier_entry e;
    e.depth = 0;
    e.found_on = job.target.href;
    e.scope_prefix = seed.prefix;
    e.outward_only = (job.crawl.flags & wire::outward_only) != 0 ||
                     (!opts_.worker.fetch.allow_private && !result.inward);
    for (const auto link : result.follow) {
        auto target = url::parse_input(link);
        if (!target || scope_.judge(*target, seed.target, {seed.prefix}) != frontier::verdict::follow) {
            continue;
        }
        e.url = std::move(target->href);
        e.fingerprint = fingerprint64(e.url);
        e.host_key = target->host_port();
        if (env_.frontier->claim(e.fingerprint)) {
            env_.frontier->add(e);
            ++stats_.discovered;
        } else {
            (void)env_.frontier->lower(e); // a page of level 0 linked to it first
        }
    }
}

} // namespace crawl::supervisor
