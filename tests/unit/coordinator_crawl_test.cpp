// The coordinator's recursive crawl, driven by the fake pool with a real frontier (SQLite, in
// memory): links join the frontier with their depth and the page they were found on, levels
// go one after the other, redirects stay at their depth, scope and limits hold, and every URL
// is dispatched once.

#include "coordinator_crawl_fixture.hpp"

namespace crawl::supervisor::coordinator_tests {
namespace {

TEST_F(CoordinatorCrawlTest, LinksGoLevelByLevelEachUrlOnceToTheDepthLimit)
{
    start_crawl();
    lines({"http://a.test/"});
    c->input_ended();
    EXPECT_EQ(sent_urls(), std::vector<std::string>{"http://a.test/"});
    answer_links(job_of("http://a.test/"), {"http://a.test/b", "http://a.test/c", "http://a.test/"});
    EXPECT_EQ(sent_urls(), (std::vector<std::string>{"http://a.test/b", "http://a.test/c"}))
        << "the seed itself is seen already";
    EXPECT_EQ(job_of("http://a.test/b").job.crawl.depth, 1u);
    EXPECT_EQ(job_of("http://a.test/b").job.crawl.found_on, "http://a.test/");

    const pool_call c_job = job_of("http://a.test/c");
    answer_links(job_of("http://a.test/b"), {"http://a.test/d"});
    EXPECT_TRUE(sent_urls().empty()) << "depth 2 waits while a page of depth 1 is open";
    answer_links(c_job, {"http://a.test/d", "http://a.test/e"});
    EXPECT_EQ(sent_urls(), (std::vector<std::string>{"http://a.test/d", "http://a.test/e"}));
    EXPECT_EQ(job_of("http://a.test/d").job.crawl.found_on, "http://a.test/b") << "found first on b";

    const pool_call e_job = job_of("http://a.test/e");
    answer_links(job_of("http://a.test/d"), {"http://a.test/f"});
    answer_links(e_job, {});
    EXPECT_EQ(names(pool.take()), (std::vector<std::string>{"finish 0"}))
        << "depth 3 is beyond --depth 2: every URL has its record, the worker is told to finish";
    EXPECT_EQ(written(), (std::vector<std::string>{"http://a.test/ 0 -", "http://a.test/b 1 http://a.test/",
                                                   "http://a.test/c 1 http://a.test/", "http://a.test/d 2 http://a.test/b",
                                                   "http://a.test/e 2 http://a.test/c"}));
    EXPECT_EQ(c->exit_status(), exit_ok);
}

TEST_F(CoordinatorCrawlTest, RedirectTargetsStayAtTheirDepthWithinMaxRedirects)
{
    opts.crawl.depth = 1;
    opts.worker.fetch.max_redirects = 2;
    start_crawl();
    lines({"http://a.test/"});
    c->input_ended();
    sent_urls();
    answer_links(job_of("http://a.test/"), {"http://a.test/r0"});
    sent_urls();
    answer_links(job_of("http://a.test/r0"), {"http://a.test/r1"}, true);
    ASSERT_EQ(sent_urls(), std::vector<std::string>{"http://a.test/r1"});
    EXPECT_EQ(job_of("http://a.test/r1").job.crawl.depth, 1u) << "a redirect is no hop deeper";
    answer_links(job_of("http://a.test/r1"), {"http://a.test/r2"}, true);
    ASSERT_EQ(sent_urls(), std::vector<std::string>{"http://a.test/r2"});
    answer_links(job_of("http://a.test/r2"), {"http://a.test/r3"}, true);
    EXPECT_TRUE(sent_urls().empty()) << "a third redirect in a row is past --max-redirects 2";
}

TEST_F(CoordinatorCrawlTest, AnInputUrlsRedirectSetsTheScopeALinksRedirectDoesNot)
{
    opts.crawl.scope.no_parent = true;
    start_crawl();
    lines({"http://a.test/"});
    c->input_ended();
    sent_urls();
    // The input URL moved to another host (the bare domain to www): the crawl follows, at
    // depth 0, and its links are judged by the new host and directory.
    answer_links(job_of("http://a.test/"), {"https://www.a.test/site/"}, true);
    ASSERT_EQ(sent_urls(), std::vector<std::string>{"https://www.a.test/site/"});
    EXPECT_EQ(job_of("https://www.a.test/site/").job.crawl.depth, 0u);
    answer_links(job_of("https://www.a.test/site/"), {"https://www.a.test/site/new"}, true);
    ASSERT_EQ(sent_urls(), std::vector<std::string>{"https://www.a.test/site/new"}) << "the chain goes on";
    answer_links(job_of("https://www.a.test/site/new"),
                 {"https://www.a.test/site/p", "https://www.a.test/other/q", "http://a.test/r", "http://b.test/s"});
    ASSERT_EQ(sent_urls(), std::vector<std::string>{"https://www.a.test/site/p"})
        << "the new host, under the new directory (--no-parent); not the old host, not another";
    EXPECT_EQ(job_of("https://www.a.test/site/p").job.crawl.depth, 1u);
    // A discovered page's redirect stays within the scope.
    answer_links(job_of("https://www.a.test/site/p"), {"http://c.test/"}, true);
    EXPECT_TRUE(sent_urls().empty()) << "a link's redirect to another host is not followed under --scope host";
}

TEST_F(CoordinatorCrawlTest, ScopeNoParentAndLimits)
{
    opts.crawl.scope.no_parent = true;
    opts.crawl.max_pages = 4;
    start_crawl();
    lines({"http://a.test/docs/index.html"});
    c->input_ended();
    sent_urls();
    answer_links(job_of("http://a.test/docs/index.html"),
                 {"http://b.test/docs/x", "http://a.test/", "http://a.test/docs/1", "http://a.test/docs/sub/2",
                  "http://a.test/docs/3", "http://a.test/docs/4"});
    EXPECT_EQ(sent_urls(), (std::vector<std::string>{"http://a.test/docs/1", "http://a.test/docs/sub/2",
                                                     "http://a.test/docs/3"}))
        << "another host is out of --scope host, / is above the seed's directory, and --max-pages 4 "
           "leaves three fetches after the seed";
}

TEST_F(CoordinatorCrawlTest, MaxPerHostCountsTheSeed)
{
    opts.crawl.scope.mode = frontier::scope_mode::any;
    opts.crawl.max_per_host = 2;
    start_crawl();
    lines({"http://a.test/"});
    c->input_ended();
    sent_urls();
    answer_links(job_of("http://a.test/"),
                 {"http://a.test/1", "http://a.test/2", "http://b.test/1", "http://b.test/2", "http://b.test/3"});
    EXPECT_EQ(sent_urls(), (std::vector<std::string>{"http://a.test/1", "http://b.test/1", "http://b.test/2"}));
}

} // namespace
} // namespace crawl::supervisor::coordinator_tests
