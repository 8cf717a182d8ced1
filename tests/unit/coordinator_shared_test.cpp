// The coordinator in a shared crawl (--frontier redis://), with a fake shared frontier: input
// URLs and new links are published, not queued; only what the shared frontier delivers is
// crawled, and only while this process owns its host (fencing); every delivered URL ends
// recorded or let go; the run ends when the shared frontier says the whole crawl is over.

#include "coordinator_crawl_fixture.hpp"

#include "crawl/url/url.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace crawl::supervisor::coordinator_tests {
namespace {

class fake_shared final : public shared_frontier {
public:
    void publish(const frontier_entry& e) override { published.push_back(e); }
    [[nodiscard]] std::optional<clock::time_point> held_until(std::string_view host) const override
    {
        if (!owned.contains(std::string(host))) {
            return std::nullopt;
        }
        return lease_end;
    }
    bool start(std::uint64_t fingerprint, std::string_view host) override
    {
        if (!held_until(host)) {
            let_go(fingerprint);
            return false;
        }
        return true;
    }
    void recorded(std::uint64_t fingerprint) override { recorded_urls.push_back(fingerprint); }
    void let_go(std::uint64_t fingerprint) override { let_go_urls.push_back(fingerprint); }
    void robots_out(std::string_view host, bool out) override
    {
        auto& n = robots_requests_out[std::string(host)];
        EXPECT_TRUE(out || n > 0) << "robots.txt of " << host << " left a worker it never went to";
        n += out ? 1 : -1;
    }
    void ask_robots(const std::string& origin) override { robots_asked.push_back(origin); }
    void share_robots(const std::string& origin, const wire::robots_result& answer) override
    {
        robots_given.insert_or_assign(origin, answer);
    }
    [[nodiscard]] bool finished() const override { return over; }

    std::vector<std::string> published_urls() const
    {
        std::vector<std::string> out;
        for (const auto& e : published) {
            out.push_back(e.url + " " + std::to_string(e.depth));
        }
        return out;
    }

    std::vector<frontier_entry> published;
    std::set<std::string> owned;
    clock::time_point lease_end = clock::time_point{} + 1h;
    std::vector<std::uint64_t> recorded_urls;
    std::vector<std::uint64_t> let_go_urls;
    std::map<std::string, int> robots_requests_out;
    std::vector<std::string> robots_asked;                  ///< origins, in order
    std::map<std::string, wire::robots_result> robots_given; ///< shared, by origin
    bool over = false;
};

class CoordinatorSharedTest : public CoordinatorCrawlTest {
protected:
    CoordinatorSharedTest() { shared = &fake; }

    /// What the driver does with a delivery: the URLs join the local frontier, the
    /// coordinator looks again.
    void deliver(std::vector<frontier_entry> entries)
    {
        for (auto& e : entries) {
            (void)links->claim(e.fingerprint);
            links->add(e);
        }
        c->tick();
    }

    /// The shared frontier's answer to every robots.txt asked for so far: nobody has it.
    void nobody_has_robots()
    {
        for (const auto& origin : std::exchange(fake.robots_asked, {})) {
            c->robots_shared(origin, std::nullopt);
        }
    }

    /// Delivers what was published (as the shared frontier would, to the owner of its hosts).
    void deliver_published()
    {
        deliver(std::exchange(fake.published, {}));
    }

    static frontier_entry entry(std::string_view url, std::uint32_t depth)
    {
        auto t = url::parse_input(url).value();
        frontier_entry e;
        e.url = t.href;
        e.fingerprint = fingerprint64(t.href);
        e.host_key = t.host_port();
        e.depth = depth;
        return e;
    }

    fake_shared fake;
};

TEST_F(CoordinatorSharedTest, InputAndLinksArePublishedAndOnlyDeliveredUrlsAreCrawled)
{
    fake.owned = {"a.test"};
    start_crawl();
    lines({"http://a.test/", "not a url", "http://a.test/"});
    c->input_ended();
    EXPECT_TRUE(sent_urls().empty()) << "an input URL waits for the shared frontier like a link";
    ASSERT_EQ(fake.published_urls(), std::vector<std::string>{"http://a.test/ 0"}) << "the repeated line is claimed";
    EXPECT_TRUE(fake.published.front().seed_chain);
    EXPECT_EQ(written().size(), 1u) << "the bad line has its record here";

    c->output().clear();
    deliver_published();
    ASSERT_EQ(sent_urls(), std::vector<std::string>{"http://a.test/"});
    answer_links(job_of("http://a.test/"), {"http://a.test/b", "http://b.test/x", "http://a.test/"});
    EXPECT_EQ(fake.published_urls(), std::vector<std::string>{"http://a.test/b 1"})
        << "the seed's own host is its scope; the seed is seen already";
    EXPECT_EQ(fake.recorded_urls, std::vector<std::uint64_t>{fingerprint64("http://a.test/")});
    EXPECT_TRUE(sent_urls().empty()) << "published, not queued here";
    EXPECT_EQ(names(pool.take()), std::vector<std::string>{}) << "not over while the shared frontier is not";

    deliver_published();
    ASSERT_EQ(sent_urls(), std::vector<std::string>{"http://a.test/b"});
    answer_links(job_of("http://a.test/b"), {});
    EXPECT_EQ(names(pool.take()), std::vector<std::string>{});
    fake.over = true;
    c->tick();
    EXPECT_EQ(names(pool.take()), std::vector<std::string>{"finish 0"});
    EXPECT_EQ(written(), (std::vector<std::string>{"http://a.test/ 0 -", "http://a.test/b 1 http://a.test/"}));
}

TEST_F(CoordinatorSharedTest, UrlsOfHostsNoLongerOwnedAreLetGoNotFetched)
{
    opts.per_host = 1;
    opts.delay = 100ms; // paced: a withdrawn dispatch must not leave the host waiting for a send report
    fake.owned = {"a.test"};
    start_crawl();
    c->input_ended();
    deliver({entry("http://a.test/1", 1), entry("http://a.test/2", 1), entry("http://b.test/1", 1)});
    EXPECT_EQ(sent_urls(), std::vector<std::string>{"http://a.test/1"}) << "one at a time at a.test; b.test is not ours";
    EXPECT_EQ(fake.let_go_urls, std::vector<std::uint64_t>{fingerprint64("http://b.test/1")});

    fake.owned.clear(); // the lease ran out while a.test/1 was in flight
    answer_links(job_of("http://a.test/1"), {"http://a.test/3"});
    now += 200ms; // past the delay
    c->tick();
    EXPECT_TRUE(sent_urls().empty()) << "a.test/2 waited for a.test's slot and must not start now";
    EXPECT_EQ(fake.let_go_urls, (std::vector<std::uint64_t>{fingerprint64("http://b.test/1"),
                                                            fingerprint64("http://a.test/2")}));
    EXPECT_EQ(fake.recorded_urls, std::vector<std::uint64_t>{fingerprint64("http://a.test/1")})
        << "what was in flight is recorded (its acknowledgement is fenced by the lease)";
    EXPECT_EQ(fake.published_urls(), std::vector<std::string>{"http://a.test/3 2"}) << "its links are not lost";

    // The slot comes back (taken over again): what it delivers now starts, after the delay.
    fake.owned = {"a.test"};
    deliver({entry("http://a.test/4", 1)});
    now += 200ms;
    c->tick();
    EXPECT_EQ(sent_urls(), std::vector<std::string>{"http://a.test/4"}) << "the host is not stuck";
    answer_links(job_of("http://a.test/4"), {});
    fake.over = true;
    c->tick();
    EXPECT_EQ(names(pool.take()), std::vector<std::string>{"finish 0"}) << "what was let go is another owner's";
}

TEST_F(CoordinatorSharedTest, ARobotsTxtFetchOfAHostNoLongerOwnedIsLetGoWithItsUrls)
{
    opts.robots = true;
    start_crawl();
    c->input_ended();
    // Eight hosts' robots.txt fill the worker's credits (4 in flight and 4 queued) ...
    std::vector<frontier_entry> filler;
    for (int i = 0; i < 8; ++i) {
        const std::string host = "h" + std::to_string(i) + ".test";
        fake.owned.insert(host);
        filler.push_back(entry("http://" + host + "/", 1));
    }
    deliver(filler);
    nobody_has_robots();
    auto robots = pool.take_sent();
    ASSERT_EQ(robots.size(), 8u);
    // ... so a.test's waits for a credit, and its lease runs out meanwhile.
    fake.owned.insert("a.test");
    deliver({entry("http://a.test/1", 1)});
    nobody_has_robots();
    EXPECT_TRUE(pool.take_sent().empty());
    fake.owned.erase("a.test");
    answer_robots(robots.front(), wire::robots_verdict::allow_all);
    const auto started = pool.take_sent();
    ASSERT_EQ(started.size(), 1u);
    EXPECT_EQ(started.front().job.url, "http://h0.test/") << "the credit went to h0.test's page, not to a.test's robots.txt";
    EXPECT_EQ(fake.let_go_urls, std::vector<std::uint64_t>{fingerprint64("http://a.test/1")});
}

TEST_F(CoordinatorSharedTest, ARobotsTxtRequestIsOutFromItsDispatchUntilItLeavesItsWorker)
{
    // While it is out, its slot is not given back (redis_frontier::release_drained).
    opts.robots = true;
    fake.owned = {"a.test", "b.test"};
    start_crawl();
    c->input_ended();
    deliver({entry("http://a.test/1", 1), entry("http://b.test/1", 1)});
    nobody_has_robots();
    auto robots = pool.take_sent();
    ASSERT_EQ(robots.size(), 2u);
    EXPECT_EQ(fake.robots_requests_out, (std::map<std::string, int>{{"a.test", 1}, {"b.test", 1}}));

    answer_robots(robots[0], wire::robots_verdict::allow_all); // answered
    EXPECT_EQ(fake.robots_requests_out[std::string(robots[0].job.target.host)], 0);
    const std::string other(robots[1].job.target.host);
    c->job_unsent(robots[1].worker, wire::unsent{robots[1].job.seq}); // unsent, still ours: out again
    EXPECT_EQ(fake.robots_requests_out[other], 1);
    auto again = pool.take_sent();
    ASSERT_FALSE(again.empty());
    c->worker_exited(again.back().worker, killed(100)); // its worker died: out again once replaced
    EXPECT_EQ(fake.robots_requests_out[other], 0);
    c->worker_ready(again.back().worker);
    EXPECT_EQ(fake.robots_requests_out[other], 1);
    auto retried = pool.take_sent();
    const auto it = std::find_if(retried.begin(), retried.end(), [](const auto& s) { return s.job.kind == job_kind::robots; });
    ASSERT_NE(it, retried.end());
    answer_robots(*it, wire::robots_verdict::allow_all);
    EXPECT_EQ(fake.robots_requests_out[other], 0);
}

// A host changes owners as processes come and go: its next owner takes the robots.txt answer
// its last owner fetched instead of fetching the file again.
TEST_F(CoordinatorSharedTest, ARobotsTxtAnswerSharedByAnotherOwnerIsTakenNotFetched)
{
    opts.robots = true;
    fake.owned = {"a.test"};
    start_crawl();
    c->input_ended();
    deliver({entry("http://a.test/1", 1), entry("http://a.test/private/2", 1), entry("http://a.test/3", 1)});
    EXPECT_EQ(fake.robots_asked, std::vector<std::string>{"http://a.test:80"}) << "asked once for the origin";
    EXPECT_TRUE(pool.take_sent().empty()) << "nothing goes out while the shared frontier is asked";

    wire::robots_result known;
    known.verdict = wire::robots_verdict::rules;
    known.http_status = 200;
    known.rules = {{false, "/private/"}};
    known.crawl_delay_ms = 250;
    c->robots_shared("http://a.test:80", known);
    const auto records = written();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records.front(), "http://a.test/private/2 1 -") << "disallowed by the shared rules";
    // Its last owner may have just sent a request: the first one here waits the Crawl-delay.
    EXPECT_TRUE(sent_urls().empty());
    advance(249ms);
    EXPECT_TRUE(sent_urls().empty());
    advance(1ms);
    EXPECT_EQ(sent_urls(), std::vector<std::string>{"http://a.test/1"}) << "no robots.txt fetch; one at a time";
    answer_links(job_of("http://a.test/1"), {});
    advance(249ms);
    EXPECT_TRUE(sent_urls().empty()) << "then a Crawl-delay between requests";
    advance(1ms);
    EXPECT_EQ(sent_urls(), std::vector<std::string>{"http://a.test/3"});
    EXPECT_EQ(c->stats().shared.robots_shared, 1u);
    EXPECT_EQ(c->stats().robots_fetched, 0u);
    EXPECT_TRUE(fake.robots_given.empty()) << "an answer taken is not shared again";
    c->robots_shared("http://a.test:80", std::nullopt); // (an answer nobody asked for is ignored)
    EXPECT_TRUE(pool.take_sent().empty());
}

TEST_F(CoordinatorSharedTest, ARobotsTxtNobodyHadIsFetchedAndADefinitiveAnswerShared)
{
    opts.robots = true;
    opts.retries = 0;
    fake.owned = {"a.test", "b.test", "c.test", "d.test"};
    start_crawl();
    c->input_ended();
    deliver({entry("http://a.test/1", 1), entry("http://b.test/1", 1), entry("http://c.test/1", 1),
             entry("http://d.test/1", 1)});
    EXPECT_EQ(fake.robots_asked.size(), 4u);
    nobody_has_robots();
    auto robots = pool.take_sent();
    ASSERT_EQ(robots.size(), 4u);
    std::map<std::string, pool_call> by_host;
    for (auto& r : robots) {
        by_host.emplace(std::string(r.job.target.host), r);
    }
    answer_robots(by_host.at("a.test"), wire::robots_verdict::rules, {{false, "/x"}}, 1000);
    answer_robots(by_host.at("b.test"), wire::robots_verdict::allow_all, {}, wire::no_millis, 404);
    answer_robots(by_host.at("c.test"), wire::robots_verdict::disallow_all, {}, wire::no_millis, 503);
    answer_robots(by_host.at("d.test"), wire::robots_verdict::disallow_all, {}, wire::no_millis, 0, error_class::connect);
    ASSERT_EQ(fake.robots_given.size(), 2u) << "a 5xx or an unreachable host says nothing for the next owner";
    const auto& a = fake.robots_given.at("http://a.test:80");
    EXPECT_EQ(a.verdict, wire::robots_verdict::rules);
    ASSERT_EQ(a.rules.size(), 1u);
    EXPECT_EQ(a.rules.front().pattern, "/x");
    EXPECT_EQ(a.crawl_delay_ms, 1000u);
    EXPECT_EQ(fake.robots_given.at("http://b.test:80").verdict, wire::robots_verdict::allow_all);
    EXPECT_EQ(c->stats().robots_fetched, 4u);
    EXPECT_EQ(c->stats().shared.robots_shared, 0u);
}

TEST_F(CoordinatorSharedTest, EveryJobCarriesItsLeasesEndAndAnUnsentOneIsRequeuedOrLetGo)
{
    fake.owned = {"a.test"};
    start_crawl();
    c->input_ended();
    deliver({entry("http://a.test/1", 1), entry("http://a.test/2", 1)});
    auto jobs = pool.take_sent();
    ASSERT_EQ(jobs.size(), 2u);
    for (const auto& s : jobs) {
        ASSERT_TRUE(s.job.send_by) << s.job.url;
        EXPECT_EQ(*s.job.send_by, fake.lease_end) << "the worker writes no request after the lease may end";
    }

    // a.test/1 waited in the worker past that time; a.test is still ours (renewed): it goes
    // back to the front of a.test's queue, and out again with the new end.
    fake.lease_end += 1h;
    c->job_unsent(jobs[0].worker, wire::unsent{jobs[0].job.seq});
    auto again = pool.take_sent();
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].job.url, "http://a.test/1");
    EXPECT_EQ(*again[0].job.send_by, fake.lease_end);
    EXPECT_TRUE(fake.let_go_urls.empty());

    // a.test/2 likewise, but a.test is another process's now: let go, never recorded here.
    fake.owned.clear();
    c->job_unsent(jobs[1].worker, wire::unsent{jobs[1].job.seq});
    EXPECT_TRUE(pool.take_sent().empty());
    EXPECT_EQ(fake.let_go_urls, std::vector<std::uint64_t>{fingerprint64("http://a.test/2")});
    answer_links(again[0], {});
    EXPECT_EQ(written(), std::vector<std::string>{"http://a.test/1 1 -"});
    EXPECT_EQ(c->final_stats().shared.unsent, 2u);
}

} // namespace
} // namespace crawl::supervisor::coordinator_tests
