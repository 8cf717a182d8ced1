// --frontier redis://: four crawl processes (four machines, one worker each) share one crawl
// of the synthetic web through a real redis-server. What they record together is what the web's
// oracle says one crawl records, each page once; the server's log shows each host's
// concurrency (--per-host 1) and delay never exceeded, although no process knows what the
// others fetch; and a process killed (SIGKILL) or paused past its lease (SIGSTOP) changes
// nothing but the pages it had in flight.

#include "harness.hpp"

#include "support/redis_server.hpp"
#include "support/web/oracle.hpp"
#include "support/web/server.hpp"

#include <csignal>
#include <map>
#include <memory>
#include <set>

using namespace crawl::test;

namespace {

namespace web = crawl::test::web;
using namespace std::chrono_literals;

constexpr int processes = 4;
constexpr auto delay = 100ms;
constexpr auto lease = 2s;
/// Pages a process may have in flight or recorded without acknowledgement when it dies: its
/// worker's jobs (--concurrency 4 and its queue), with room for an acknowledgement in flight.
constexpr std::size_t in_flight_bound = 16;

web::web_params shared_web()
{
    web::web_params p;
    p.seed = 11;
    p.pages = 320;
    p.hosts = 16;
    p.hosts_per_domain = 2;
    p.page_bytes = 2048;
    return p;
}

/// Four processes of one shared crawl; the seeds go to the first only (the others start with
/// an empty list and get their work from Redis). `started` of them start at once, the others
/// when start_rest is called; `address` is the server's (redis:// or unix://).
class shared_crawl {
public:
    shared_crawl(const web::web_server& server, const std::string& address, const std::vector<std::string>& seeds,
                 int started = processes)
        : seeds_(seeds)
    {
        // The endless calendar is left out: its end is where --depth cuts it, and processes that
        // go level by level each on its own may reach a month at more than its smallest depth.
        // Without it, --depth 50 is deeper than the web, so the pages are the same whatever the
        // depths.
        args_ = {"-w", "1", "--concurrency", "4", "--depth", "50", "--scope", "any", "--reject-regex", "/calendar/",
                 "--per-host", "1", "--delay", std::to_string(delay.count()), "--frontier", address,
                 "--frontier-lease", std::to_string(lease.count())};
        for (const auto& r : server.resolve_args(0, server.site().hosts())) {
            args_.insert(args_.end(), {"--resolve", r});
        }
        for (int i = 0; i < started; ++i) {
            start_one();
        }
    }

    void start_rest()
    {
        while (procs.size() < processes) {
            start_one();
        }
    }

    /// Waits for every process; their records together.
    std::vector<crawl_run> finish()
    {
        std::vector<crawl_run> runs;
        for (auto& p : procs) {
            runs.push_back(finish_crawl(*p, 90s));
        }
        return runs;
    }

    /// Records written so far by process `i`.
    [[nodiscard]] std::size_t records_so_far(int i) const
    {
        const auto out = procs[static_cast<std::size_t>(i)]->stdout_so_far();
        return static_cast<std::size_t>(std::count(out.begin(), out.end(), '\n'));
    }

    /// Signals process `i` and its worker.
    void signal_all(int i, int sig) const
    {
        const auto& p = *procs[static_cast<std::size_t>(i)];
        for (const pid_t child : child_pids(p.pid())) {
            ::kill(child, sig);
        }
        p.send_signal(sig);
    }

    [[nodiscard]] boost::json::object stats_of(int i) const
    {
        return boost::json::parse(read_file(stats[static_cast<std::size_t>(i)])).as_object();
    }

    std::vector<std::unique_ptr<background_process>> procs;
    std::vector<std::string> stats;

private:
    void start_one()
    {
        const auto i = procs.size();
        auto argv = args_;
        stats.push_back(write_temp_file("shared-stats-" + std::to_string(i) + ".json", ""));
        argv.insert(argv.end(), {"--stats", stats.back()});
        procs.push_back(std::make_unique<background_process>(crawl_argv(i == 0 ? seeds_ : std::vector<std::string>{}, argv)));
    }

    std::vector<std::string> seeds_;
    std::vector<std::string> args_;
};

/// How many records each URL has in all the runs.
std::map<std::string, std::size_t> record_counts(const std::vector<crawl_run>& runs)
{
    std::map<std::string, std::size_t> out;
    for (const auto& run : runs) {
        for (const auto& r : run.discovered) {
            ++out[std::string(r.at("url").as_string())];
        }
        EXPECT_TRUE(run.records.empty()) << "every record of a shared crawl comes from the shared frontier";
    }
    return out;
}

std::set<std::string> expected_urls(const web::web& w, const std::vector<std::string>& seeds)
{
    web::crawl_spec spec;
    spec.seeds = seeds;
    spec.depth = 50;
    spec.scope = web::scope::any;
    spec.redirects = web::redirect_mode::queued;
    spec.follow = [](std::string_view url) { return url.find("/calendar/") == std::string_view::npos; };
    const auto e = web::expect_crawl(w, spec);
    const auto urls = e.urls();
    return {urls.begin(), urls.end()};
}

/// The requests to host `h` that came closer than --delay after the one before (for a
/// failure's message: a handover shows as robots.txt, pacing within a process as two pages).
std::string close_requests(const web::web_server& server, std::uint32_t h)
{
    std::string out;
    std::optional<web::web_request> last;
    for (const auto& e : server.log().entries()) {
        if (e.host_index != h) {
            continue;
        }
        if (last && e.at - last->at < delay) {
            out += "\n  " + last->target + " then " + e.target + " after " +
                   std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(e.at - last->at).count()) + " ms";
        }
        last = e;
    }
    return out;
}

/// The politeness every process kept together: no host ever had two requests in flight, and
/// no two requests to one host arrived closer than --delay. A worker reports a request's time
/// once it is written and the server's stamps are the kernel's, so a gap is at least the delay;
/// the tenth left is for the kernel stamping a segment late when its network work is deferred
/// (five processes share two cores here).
void expect_polite(const web::web_server& server)
{
    std::optional<std::chrono::steady_clock::duration> smallest;
    for (std::uint32_t h = 0; h < server.site().hosts(); ++h) {
        const auto c = server.log().host(h);
        EXPECT_LE(c.max_in_flight, 1u) << "host " << h;
        if (c.min_gap && *c.min_gap < delay * 9 / 10) {
            ADD_FAILURE() << "host " << h << ": two requests " << std::chrono::duration<double, std::milli>(*c.min_gap).count()
                          << " ms apart:" << close_requests(server, h);
        }
        if (c.min_gap) {
            smallest = smallest ? std::min(*smallest, *c.min_gap) : *c.min_gap;
        }
    }
    if (smallest) {
        std::printf("smallest gap between two requests to a host: %.1f ms (--delay %lld)\n",
                    std::chrono::duration<double, std::milli>(*smallest).count(), static_cast<long long>(delay.count()));
    }
}

/// Pages requested more than once, robots.txt aside: each owner of a host reads its robots.txt
/// (a host changes owners as processes join and leave). The count of requests beyond one.
std::size_t pages_fetched_again(const web::web_server& server)
{
    std::size_t again = 0;
    for (const auto& [url, n] : server.log().repeated()) {
        if (!url.ends_with(" /robots.txt")) {
            again += n - 1;
        }
    }
    return again;
}

/// Records beyond one per URL, and URLs missing.
std::pair<std::size_t, std::string> extra_and_missing(const std::map<std::string, std::size_t>& got,
                                                      const std::set<std::string>& want)
{
    std::size_t extra = 0;
    std::string missing;
    for (const auto& url : want) {
        if (!got.contains(url)) {
            missing += url + "\n";
        }
    }
    for (const auto& [url, n] : got) {
        extra += n - 1;
        if (!want.contains(url)) {
            missing += "extra " + url + "\n";
        }
    }
    return {extra, missing};
}

std::vector<std::string> seeds_of(const web::web& w)
{
    return {w.url({web::kind::page, 0, 0, 0}), w.url({web::kind::page, 5, 0, 0})};
}

TEST(SharedFrontierTest, FourProcessesRecordEachPageOnceAndKeepEveryHostsLimits)
{
    redis_server redis;
    web::web_server server(shared_web());
    const auto seeds = seeds_of(server.site());
    const auto want = expected_urls(server.site(), seeds);

    shared_crawl crawl(server, redis.url(), seeds);
    const auto runs = crawl.finish();
    for (const auto& run : runs) {
        EXPECT_TRUE(run.process.exit_code == 0 || run.process.exit_code == 1) << run.process.err; // (404s)
    }
    const auto got = record_counts(runs);
    const auto [extra, missing] = extra_and_missing(got, want);
    EXPECT_EQ(extra, 0u) << "records beyond one per URL";
    EXPECT_TRUE(missing.empty()) << missing;
    EXPECT_EQ(pages_fetched_again(server), 0u);
    expect_polite(server);

    int sharing = 0;
    for (const auto& run : runs) {
        sharing += run.discovered.empty() ? 0 : 1;
    }
    EXPECT_GE(sharing, 2) << "the hosts were shared out";
    std::printf("%zu URLs recorded by %d processes; records per process:", got.size(), sharing);
    for (const auto& run : runs) {
        std::printf(" %zu", run.discovered.size());
    }
    std::printf("\n");
    EXPECT_EQ(redis.cli({"GET", "crawl:open"}), "0\n") << "every URL published was acknowledged";
}

/// A crawl slow enough to act in: every host answers after 40 ms.
void slow_down(web::web_server& server)
{
    for (std::uint32_t h = 0; h < server.site().hosts(); ++h) {
        server.set_delay(h, 40ms);
    }
}

TEST(SharedFrontierTest, ProcessesThatJoinLateGetTheirShareOverAUnixSocket)
{
    redis_server redis;
    web::web_server server(shared_web());
    slow_down(server);
    const auto seeds = seeds_of(server.site());
    const auto want = expected_urls(server.site(), seeds);

    shared_crawl crawl(server, redis.unix_url(), seeds, 1);
    ASSERT_TRUE(wait_until([&] { return crawl.records_so_far(0) >= 40; })) << "process 0 never crawled";
    const std::size_t alone = crawl.records_so_far(0);
    crawl.start_rest();
    const auto runs = crawl.finish();
    for (const auto& run : runs) {
        EXPECT_TRUE(run.process.exit_code == 0 || run.process.exit_code == 1) << run.process.err;
    }
    const auto got = record_counts(runs);
    const auto [extra, missing] = extra_and_missing(got, want);
    EXPECT_EQ(extra, 0u) << "records beyond one per URL";
    EXPECT_TRUE(missing.empty()) << missing;
    EXPECT_EQ(pages_fetched_again(server), 0u) << "a slot handed over drains first";
    // (The host whose robots.txt answers 503 is asked again by each owner: a 5xx says nothing
    // about later.)
    const std::string troubled = server.site().host_name(*server.site().params().robots_503_host) + ":";
    std::string robots_again;
    for (const auto& [url, n] : server.log().repeated()) {
        if (url.ends_with(" /robots.txt") && !url.starts_with(troubled)) {
            robots_again += "\n  " + url + " " + std::to_string(n) + " times";
        }
    }
    EXPECT_EQ(robots_again, "") << "a host's next owner takes the robots.txt its last owner fetched";
    // Every host's answer but the 503 one waits in Redis for a day.
    const std::string keys = redis.cli({"--raw", "KEYS", "crawl:robots:*"});
    EXPECT_EQ(static_cast<std::size_t>(std::count(keys.begin(), keys.end(), '\n')), server.site().hosts() - 1) << keys;
    const std::string some_key = keys.substr(0, keys.find('\n'));
    const long ttl = std::stol(redis.cli({"TTL", some_key}));
    EXPECT_GT(ttl, 86'000) << some_key;
    EXPECT_LE(ttl, 86'400) << some_key;
    std::uint64_t robots_taken = 0;
    for (int i = 0; i < processes; ++i) {
        robots_taken += crawl.stats_of(i).at("shared_frontier").as_object().at("robots_shared").to_number<std::uint64_t>();
    }
    expect_polite(server);
    for (std::size_t i = 1; i < runs.size(); ++i) {
        EXPECT_GE(runs[i].discovered.size(), 10u) << "process " << i << " joined and got little work";
    }
    const auto given = crawl.stats_of(0).at("shared_frontier").as_object().at("slots_given_back").to_number<std::uint64_t>();
    EXPECT_GE(given, 3u) << "process 0 gave back slots to the processes that joined";
    EXPECT_GE(robots_taken, 1u) << "hosts handed over after their robots.txt was fetched";
    std::printf("process 0 recorded %zu alone, then gave back %llu slots; robots.txt answers taken from another "
                "owner: %llu; records per process:",
                alone, static_cast<unsigned long long>(given), static_cast<unsigned long long>(robots_taken));
    for (const auto& run : runs) {
        std::printf(" %zu", run.discovered.size());
    }
    std::printf("\n");
}

/// A slow crawl of four processes, and what it should record.
class SlowSharedCrawl : public ::testing::Test {
protected:
    SlowSharedCrawl() { slow_down(server); }

    redis_server redis;
    web::web_server server{shared_web()};
    const std::vector<std::string> seeds = seeds_of(server.site());
    const std::set<std::string> want = expected_urls(server.site(), seeds);
    shared_crawl crawl{server, redis.url(), seeds};
};

TEST_F(SlowSharedCrawl, AProcessKilledLeavesOnlyItsPagesInFlightToBeFetchedAgain)
{
    // The victim is one that got work from the others (no seeds of its own).
    ASSERT_TRUE(wait_until([&] { return crawl.records_so_far(1) >= 5; })) << "process 1 never crawled";
    crawl.signal_all(1, SIGKILL);
    const auto runs = crawl.finish();
    EXPECT_EQ(runs[1].process.exit_code, 128 + SIGKILL);
    for (std::size_t i : {0u, 2u, 3u}) {
        EXPECT_TRUE(runs[i].process.exit_code == 0 || runs[i].process.exit_code == 1) << runs[i].process.err;
    }
    const auto got = record_counts(runs);
    const auto [extra, missing] = extra_and_missing(got, want);
    EXPECT_TRUE(missing.empty()) << "a page lost with the process:\n" << missing;
    EXPECT_LE(extra, in_flight_bound) << "only what it had in flight is recorded twice";
    const std::size_t fetched_again = pages_fetched_again(server);
    EXPECT_LE(fetched_again, in_flight_bound);
    expect_polite(server);
    std::printf("process 1 killed after %zu records; %zu records again, %zu requests again\n",
                runs[1].discovered.size(), extra, fetched_again);
}

TEST_F(SlowSharedCrawl, AProcessPausedPastItsLeaseStopsBeforeTheNextOwnerStarts)
{
    ASSERT_TRUE(wait_until([&] { return crawl.records_so_far(2) >= 5; })) << "process 2 never crawled";
    crawl.signal_all(2, SIGSTOP);
    const std::size_t others_before = crawl.records_so_far(0) + crawl.records_so_far(1) + crawl.records_so_far(3);
    std::this_thread::sleep_for(lease + lease / 2);
    const std::size_t others_after = crawl.records_so_far(0) + crawl.records_so_far(1) + crawl.records_so_far(3);
    crawl.signal_all(2, SIGCONT);
    const auto runs = crawl.finish();
    for (const auto& run : runs) {
        EXPECT_TRUE(run.process.exit_code == 0 || run.process.exit_code == 1) << run.process.err;
    }
    EXPECT_GT(others_after, others_before) << "the others went on while it was paused";
    const auto stats = crawl.stats_of(2).at("shared_frontier").as_object();
    EXPECT_GE(stats.at("slots_lost").to_number<std::uint64_t>(), 1u) << "its leases ran out while it was paused";

    const auto got = record_counts(runs);
    const auto [extra, missing] = extra_and_missing(got, want);
    EXPECT_TRUE(missing.empty()) << missing;
    EXPECT_LE(extra, in_flight_bound);
    EXPECT_LE(pages_fetched_again(server), in_flight_bound);
    expect_polite(server);
    std::printf("process 2 paused %lld ms: the others recorded %zu meanwhile; %zu records twice, slots lost %llu, "
                "jobs unsent %llu\n",
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(lease + lease / 2).count()),
                others_after - others_before, extra,
                static_cast<unsigned long long>(stats.at("slots_lost").to_number<std::uint64_t>()),
                static_cast<unsigned long long>(stats.at("unsent").to_number<std::uint64_t>()));
}

TEST_F(SlowSharedCrawl, LosingTheServerStopsEveryProcessWithStatus1AndWholeRecords)
{
    ASSERT_TRUE(wait_until([&] { return crawl.records_so_far(0) + crawl.records_so_far(1) >= 20; }))
        << "the crawl never started";
    ASSERT_EQ(::kill(redis.pid(), SIGKILL), 0);
    const auto runs = crawl.finish(); // (each line parses: a torn record fails the test)
    std::size_t records = 0;
    for (const auto& run : runs) {
        EXPECT_EQ(run.process.exit_code, 1) << run.process.err;
        EXPECT_NE(run.process.err.find("crawl: error: the shared frontier: "), std::string::npos) << run.process.err;
        records += run.discovered.size();
    }
    EXPECT_LT(records, want.size()) << "the crawl stopped with the server";
    std::printf("server killed after %zu records; every process stopped with status 1: %s", records,
                runs[0].process.err.c_str());
}

} // namespace
