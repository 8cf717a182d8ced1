// The coordinator's recursive crawl (--depth above 0): what a page's links and redirects add
// to the frontier (depth, scope, deduplication), and drawing the frontier's URLs into the
// scheduler a few per host at a time, within --max-pages and --max-per-host
// (docs/design.md, "Recursive crawl").

#include "coordinator.hpp"

#include "crawl/url/url.hpp"

namespace crawl::supervisor {

namespace {

/// Frontier URLs of one host the coordinator holds at a time (queued, or waiting for robots.txt):
/// enough to keep its per-host slots busy, few enough that no host fills the window.
constexpr std::uint64_t loaded_per_host = 16;

} // namespace

/// Internal ids of discovered URLs and sitemap jobs: above every input line number, below the
/// robots ids.
std::uint64_t coordinator::next_discovered_id() noexcept
{
    constexpr std::uint64_t discovered_id_base = std::uint64_t{1} << 62;
    return discovered_id_base | next_discovered_id_++;
}

bool coordinator::recursive() const noexcept
{
    return opts_.crawl.depth > 0;
}

wire::crawl_context coordinator::seed_context() const
{
    wire::crawl_context c;
    if (recursive()) {
        c.flags = wire::recursive;
    }
    return c;
}

void coordinator::seed_admitted(pending_url& url)
{
    if (!recursive()) {
        return;
    }
    (void)env_.frontier->claim(fingerprint64(url.target.href));
    open_page(url);
    url.scope_prefix = scope_.origin_of_seed(url.target).no_parent_prefix;
    url.seed_chain = true;
    note_sitemap_seed(url);
}

/// A page of a recursive crawl is recorded: its links (or its redirect's target) join the
/// frontier, before its record is written (the caller appends it after).
void coordinator::take_links(const pending_url& page, const wire::result_view& result)
{
    if (!recursive() || result.follow.empty() || phase_ != phase::running) {
        return;
    }
    if ((page.crawl.flags & wire::sitemap) != 0) {
        take_sitemap(page, result);
        return;
    }
    frontier_entry e;
    e.found_on = page.target.href;
    e.scope_prefix = page.scope_prefix;
    // (A seed of a shared crawl comes back from the shared frontier as a discovered URL at
    // depth 0: its links are judged as a seed's.)
    const bool shared_seed = page.seed_chain && page.crawl.depth == 0 && page.redirect_hops == 0;
    const bool discovered = (page.crawl.flags & wire::discovered) != 0 && !shared_seed;
    // Inward addresses stay open to the URLs that descend from a seed that went there
    // (docs/design.md, "Where a crawl may go").
    e.outward_only = discovered ? (page.crawl.flags & wire::outward_only) != 0
                                : !opts_.worker.fetch.allow_private && !result.inward;
    if (result.redirect) {
        if (page.redirect_hops >= static_cast<std::uint32_t>(opts_.worker.fetch.max_redirects)) {
            return;
        }
        e.depth = page.crawl.depth;
        e.redirect_hops = page.redirect_hops + 1;
        if (page.seed_chain) {
            take_seed_redirect(result, e);
            return;
        }
    } else {
        if (page.crawl.depth >= opts_.crawl.depth) {
            return;
        }
        e.depth = page.crawl.depth + 1;
    }
    for (const auto link : result.follow) {
        // Most links of a crawl lead where it has been: the worker sends them normalized, so
        // their fingerprint says so before any parsing. A new one is parsed, judged, claimed.
        e.fingerprint = fingerprint64(link);
        if (env_.frontier->seen(e.fingerprint)) {
            continue;
        }
        auto target = url::parse_input(link);
        if (!target || !in_scope(*target, page)) {
            continue;
        }
        if (target->href != link) {
            e.fingerprint = fingerprint64(target->href); // (a link the worker left unnormalized)
        }
        discover(std::move(*target), e);
    }
}

/// A URL judged in scope joins the frontier, unless it was claimed before. `e.fingerprint`
/// is the target's.
void coordinator::discover(url::target target, frontier_entry& e)
{
    if (!env_.frontier->claim(e.fingerprint)) {
        return;
    }
    e.url = std::move(target.href);
    e.host_key = target.host_port();
    if (env_.shared != nullptr) {
        env_.shared->publish(e); // its host's owner crawls it, here or elsewhere
    } else {
        env_.frontier->add(e);
    }
    ++stats_.discovered;
}

/// A shared crawl's input URL joins the shared frontier like a link (depth 0, its own scope),
/// and comes back from it to whichever process owns its host: records of a shared crawl all
/// come from the shared frontier.
void coordinator::publish_seed(url::target target)
{
    frontier_entry e;
    e.fingerprint = fingerprint64(target.href);
    if (!env_.frontier->claim(e.fingerprint)) {
        return; // an earlier line had it
    }
    e.scope_prefix = scope_.origin_of_seed(target).no_parent_prefix;
    e.seed_chain = true;
    e.url = std::move(target.href);
    e.host_key = target.host_port();
    env_.shared->publish(e);
    ++stats_.shared.seeds;
}

/// Fencing (docs/design.md, "Many machines"): no request starts here to a host this process
/// no longer owns. A page job's URL is its next owner's to crawl; a robots.txt job's waiting
/// URLs are too. True when the job was let go; else a shared crawl's job carries the time its
/// request must be written by, which the worker checks.
bool coordinator::fence_to_lease(pending_url& job)
{
    if (env_.shared == nullptr) {
        return false;
    }
    job.send_by = env_.shared->held_until(job.target.host);
    if (job.send_by) {
        return false;
    }
    if (job.kind == job_kind::robots) {
        for (const auto& p : origins_.abandon(job.origin)) {
            let_go(p.url);
        }
        return true;
    }
    if (!from_frontier(job)) {
        return false; // (a shared crawl has no other pages)
    }
    let_go(job);
    return true;
}

/// A shared crawl's robots.txt job went to a worker or left it: its host's slot stays held
/// while the request may still start.
void coordinator::robots_out(const pending_url& job, bool out)
{
    if (env_.shared != nullptr && job.kind == job_kind::robots) {
        env_.shared->robots_out(job.target.host, out);
    }
}

void coordinator::let_go(const pending_url& url)
{
    if (!url.counted) {
        settle_loaded(url.host_key);
    }
    close_page(url);
    env_.shared->let_go(fingerprint64(url.url));
}

/// An input URL redirects (http to https, the bare domain to www, and so on): the crawl goes
/// where it points, whatever the scope, and what follows is judged as if the target had been
/// the input URL (its host, its directory for --no-parent); the regexes still apply. Only the
/// input URL's own chain does this: a link's redirect stays within the scope.
void coordinator::take_seed_redirect(const wire::result_view& result, frontier_entry& e)
{
    auto target = url::parse_input(result.follow.front());
    if (!target) {
        return;
    }
    const frontier::scope::origin origin = scope_.origin_of_seed(*target);
    if (scope_.judge(*target, *target, origin) != frontier::verdict::follow) {
        return;
    }
    e.fingerprint = fingerprint64(target->href);
    e.scope_prefix = origin.no_parent_prefix;
    e.seed_chain = true;
    discover(std::move(*target), e);
}

/// Whether a link of `page` may be followed: --scope, the regexes and --no-parent
/// (frontier::scope; the page stands in for its seed, see scope.hpp).
bool coordinator::in_scope(const url::target& link, const pending_url& page) const
{
    return scope_.judge(link, page.target, {page.scope_prefix}) == frontier::verdict::follow;
}

/// Once the input is read, the frontier's URLs come in while the window has room, level by
/// level: depth d only when no page of a smaller depth is still open (waiting, queued or in
/// flight), so that every URL is recorded at the smallest depth it is found at. Within a level,
/// a few URLs per host in turn, so that no host (a slow one, a paced one) fills the window.
/// (Starting depth d while the last pages of d - 1 still ran was tried: no faster on the
/// synthetic web, bench/README.md.)
void coordinator::draw_from_frontier()
{
    if (!recursive() || phase_ != phase::running || !input_done_) {
        return;
    }
    frontier_store& f = *env_.frontier;
    // A level may run dry without a page being admitted (a resume finds its URLs recorded):
    // then the next one may start at once.
    for (auto depth = f.lowest_depth(); depth && !open_below(*depth); depth = f.lowest_depth()) {
        draw_level(*depth);
        if (f.lowest_depth() == depth || waiting() >= window_) {
            return;
        }
    }
}

void coordinator::draw_level(std::uint32_t depth_now)
{
    frontier_store& f = *env_.frontier;
    const std::optional<std::uint32_t> depth = depth_now;
    // Hosts in a row that gave nothing and still wait (at their loaded or fetch limit): a full
    // round of them ends the pass.
    std::size_t idle_turns = 0;
    while (waiting() < window_ && idle_turns <= f.hosts_waiting(*depth)) {
        if (opts_.crawl.max_pages != 0 && fetches_ + loaded_total_ >= opts_.crawl.max_pages) {
            return;
        }
        auto host = f.next_host(*depth);
        if (!host) {
            return;
        }
        std::uint64_t room = loaded_per_host - std::min(loaded_per_host, loaded_[*host]);
        if (opts_.crawl.max_per_host != 0) {
            const std::uint64_t used = host_fetches_[*host] + loaded_[*host];
            room = std::min(room, opts_.crawl.max_per_host - std::min(used, opts_.crawl.max_per_host));
        }
        if (opts_.crawl.max_pages != 0) {
            room = std::min(room, opts_.crawl.max_pages - fetches_ - loaded_total_);
        }
        const auto hosts_before = f.hosts_waiting(*depth);
        auto entries = f.take(*host, *depth, static_cast<std::size_t>(room));
        const bool stuck = entries.empty() && f.hosts_waiting(*depth) == hosts_before;
        f.end_turn(std::move(*host), *depth);
        idle_turns = stuck ? idle_turns + 1 : 0;
        for (auto& e : entries) {
            admit_discovered(std::move(e));
        }
    }
}

bool coordinator::open_below(std::uint32_t depth) const
{
    for (std::uint32_t d = 0; d < depth && d < open_at_depth_.size(); ++d) {
        if (open_at_depth_[d] != 0) {
            return true;
        }
    }
    return false;
}

/// A page (or a sitemap, open at depth 0) of a recursive crawl is open from its admission to
/// its final record.
void coordinator::open_page(const pending_url& url)
{
    if (!recursive()) {
        return;
    }
    if (open_at_depth_.size() <= url.crawl.depth) {
        open_at_depth_.resize(url.crawl.depth + 1, 0);
    }
    ++open_at_depth_[url.crawl.depth];
}

void coordinator::close_page(const pending_url& url)
{
    if (recursive() && url.crawl.depth < open_at_depth_.size() && open_at_depth_[url.crawl.depth] > 0) {
        --open_at_depth_[url.crawl.depth];
    }
}

/// A page of a recursive crawl has its final record.
void coordinator::page_recorded(const pending_url& url)
{
    close_page(url);
    if (env_.shared != nullptr && from_frontier(url)) {
        env_.shared->recorded(fingerprint64(url.url));
    }
}

void coordinator::admit_discovered(frontier_entry e)
{
    auto target = url::parse_input(e.url);
    if (!target) {
        return; // (it parsed when it was added: the frontier holds normalized URLs)
    }
    if (env_.shared != nullptr && !env_.shared->start(e.fingerprint, target->host)) {
        return; // its host went to another process, which crawls it
    }
    pending_url url;
    url.seq = next_discovered_id();
    url.url = std::move(e.url);
    url.host_key = std::move(e.host_key);
    url.target = std::move(*target);
    url.delay = opts_.delay;
    url.crawl.flags = static_cast<std::uint8_t>(wire::recursive | wire::discovered |
                                                (e.outward_only ? wire::outward_only : 0));
    url.crawl.depth = e.depth;
    url.crawl.found_on = std::move(e.found_on);
    url.scope_prefix = std::move(e.scope_prefix);
    url.redirect_hops = e.redirect_hops;
    url.seed_chain = e.seed_chain;
    ++loaded_[url.host_key];
    ++loaded_total_;
    open_page(url);
    enqueue(std::move(url));
}

/// A page job starts for the first time: it counts against --max-pages and --max-per-host.
void coordinator::count_fetch(pending_url& job)
{
    if (job.kind != job_kind::page || job.counted || (job.crawl.flags & wire::sitemap) != 0) {
        return; // (a sitemap is no page of the crawl: the limits do not count it)
    }
    job.counted = true;
    ++fetches_;
    if (!recursive()) {
        return;
    }
    ++host_fetches_[job.host_key];
    if (from_frontier(job)) {
        settle_loaded(job.host_key);
    }
}

/// A URL drawn from the frontier (not an input line, not a sitemap job).
bool coordinator::from_frontier(const pending_url& url) noexcept
{
    return (url.crawl.flags & wire::discovered) != 0 && (url.crawl.flags & wire::sitemap) == 0;
}

/// A URL drawn from the frontier is dispatched, or answered without a fetch.
void coordinator::settle_loaded(const std::string& host_key)
{
    const auto it = loaded_.find(host_key);
    if (it == loaded_.end() || it->second == 0) {
        return;
    }
    --loaded_total_;
    if (--it->second == 0) {
        loaded_.erase(it);
    }
}

} // namespace crawl::supervisor
