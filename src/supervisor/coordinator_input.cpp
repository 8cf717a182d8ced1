// The coordinator's admission of input lines: resume skipping, bad lines, deduplication, hosts
// given up, and robots.txt (a URL waits, holding no worker, until its origin's answer is in).

#include "coordinator.hpp"

#include "crawl/url/url.hpp"
#include "crawl/util/text.hpp"
#include "input.hpp"

namespace crawl::supervisor {

namespace {

/// Robots job ids live above every possible line number, so one in-flight map holds both.
constexpr std::uint64_t robots_id_base = std::uint64_t{1} << 63;

/// The rules a worker sent, moved into robots::rules (already canonical and in order, so
/// nothing is sorted again).
robots::rules rules_from_the_wire(std::vector<wire::rule_data> rules)
{
    std::vector<robots::rule> list;
    list.reserve(rules.size());
    for (auto& rule : rules) {
        list.push_back(robots::rule{rule.allow, std::move(rule.pattern)});
    }
    return robots::rules(std::move(list));
}

} // namespace

void coordinator::take_line(std::uint64_t number, std::string_view raw, bool too_long)
{
    admit_line(number, raw, too_long);
    after_event();
}

void coordinator::admit_line(std::uint64_t number, std::string_view raw, bool too_long)
{
    const auto text = text::trim(raw);
    if (text.empty() || text.front() == '#') {
        return; // blank lines and comments keep their numbers but yield no record
    }
    // --shard: whose line is it? (Parsed this early only when sharded: a resume skips the
    // lines it recorded without parsing them.)
    std::optional<url::result<url::target>> parsed;
    if (opts_.shard.sharded()) {
        if (!too_long) {
            parsed = url::parse_input(text);
        }
        if (!owns(parsed && *parsed ? &**parsed : nullptr)) {
            ++stats_.other_shard_lines; // another process of the split records it
            return;
        }
    }
    // A line recorded by an earlier run is skipped; with --dedup its URL still claims its
    // fingerprint, so a later repeat points at it.
    const bool done = env_.done.contains(number);
    if (done && !opts_.dedup && !recursive()) {
        ++stats_.resumed_lines;
        return;
    }
    if (too_long) {
        if (done) {
            ++stats_.resumed_lines;
            return;
        }
        emit_own(number, text,
                 {error_class::invalid_url, "line longer than " + std::to_string(input_lines::max_line) + " bytes"},
                 seed_context());
        return;
    }
    auto target = parsed ? std::move(*parsed) : url::parse_input(text);
    if (done) {
        if (target) {
            const auto fingerprint = fingerprint64(target->href);
            (void)fingerprints_.insert(fingerprint, number);
            if (recursive()) {
                (void)env_.frontier->claim(fingerprint);
            }
        }
        ++stats_.resumed_lines;
        return;
    }
    if (!target) {
        emit_own(number, text, target.error(), seed_context());
        return;
    }
    if (opts_.dedup) {
        if (const auto first = fingerprints_.insert(fingerprint64(target->href), number)) {
            emit_duplicate(number, text, *first);
            return;
        }
    }
    if (env_.shared != nullptr) {
        publish_seed(std::move(*target));
        return;
    }
    pending_url url;
    url.seq = number;
    url.url = std::string(text);
    url.host_key = target->host_port();
    url.target = std::move(*target); // parsed once: the worker fetches it as it is
    url.delay = opts_.delay;
    url.crawl = seed_context();
    seed_admitted(url);
    enqueue(std::move(url));
}

/// --shard K/N: a URL is this process's when its host (its registrable domain with --scope
/// domain) hashes to K; a line that is no URL is shard 0's.
bool coordinator::owns(const url::target* target) const
{
    if (!opts_.shard.sharded()) {
        return true;
    }
    if (target == nullptr) {
        return opts_.shard.index == 0;
    }
    const bool by_domain = opts_.crawl.scope.mode == frontier::scope_mode::domain;
    return shard_of(target->host, opts_.shard.count, by_domain) == opts_.shard.index;
}

void coordinator::input_ended()
{
    input_done_ = true;
    after_event();
}

/// A URL to fetch joins the crawl: a record at once if its host was given up, else it waits
/// for its origin's robots.txt (unless --no-robots) and then a worker.
void coordinator::enqueue(pending_url url)
{
    if (refused_as_given_up(url)) {
        return;
    }
    if (!opts_.robots) {
        sched_.add(std::move(url));
        return;
    }
    admit(std::move(url));
}

/// Sends the URL on once its origin's robots.txt is known; the first URL of an origin queues
/// the robots.txt fetch, and it and the next ones wait (parked, holding no worker) until the
/// answer is in. Other origins go on meanwhile.
void coordinator::admit(pending_url url)
{
    std::string origin = url.target.scheme + "://" + url.host_key;
    std::string path = url.target.request_target;
    if (const robots_answer* known = origins_.answer(origin)) {
        decide(*known, std::move(url), path);
        return;
    }
    pending_url robots_job;
    robots_job.kind = job_kind::robots;
    robots_job.target.scheme = url.target.scheme;
    robots_job.target.host = url.target.host;
    robots_job.target.port = url.target.port;
    robots_job.host_key = url.host_key;
    robots_job.delay = opts_.delay;
    if (origins_.park(origin, {std::move(url), std::move(path)})) {
        robots_job.seq = robots_id_base | next_robots_id_++;
        robots_job.origin = origin;
        if (env_.shared != nullptr) {
            // The host's last owner may have fetched it: asked first, fetched if not.
            robots_asked_.emplace(origin, std::move(robots_job));
            env_.shared->ask_robots(origin);
            return;
        }
        sched_.add(std::move(robots_job));
    }
}

/// A URL whose origin's robots.txt is known: a record if it may not be fetched, else queued.
void coordinator::decide(const robots_answer& a, pending_url url, std::string_view path)
{
    if (refused_as_given_up(url)) {
        return;
    }
    if (a.refusal) {
        emit_own(url, *a.refusal);
        return;
    }
    const auto verdict = a.rules.check(path);
    if (!verdict.allowed) {
        emit_own(url, {error_class::robots_disallowed, "disallowed by robots.txt: Disallow: " + verdict.matched->pattern});
        return;
    }
    url.delay = a.delay;
    sched_.add(std::move(url));
}

/// The origin's robots.txt answer is final: decide every URL that waited for it.
void coordinator::settle_origin(const std::string& origin, wire::robots_result* answer, std::optional<failure> refusal)
{
    using std::chrono::milliseconds;
    robots_answer a;
    a.delay = opts_.delay;
    a.refusal = std::move(refusal);
    if (answer != nullptr && answer->verdict == wire::robots_verdict::rules) {
        a.rules = rules_from_the_wire(std::move(answer->rules));
        if (answer->crawl_delay_ms != wire::no_millis) {
            crawl_delay_seen_ = true;
            a.delay = std::max(opts_.delay, std::min(milliseconds(answer->crawl_delay_ms), opts_.max_delay));
        }
    }
    if (opts_.crawl.sitemaps && !a.refusal) {
        const bool named = answer != nullptr && answer->verdict == wire::robots_verdict::rules;
        sitemaps_named(origin, named ? answer->sitemaps : std::vector<std::string>{});
    }
    auto settled = origins_.settle(origin, std::move(a));
    for (auto& p : settled.parked) {
        decide(*settled.answer, std::move(p.url), p.path);
    }
}

} // namespace crawl::supervisor
