// The recursive crawl's frontier on a real SQLite file: per-host queues in discovery order,
// hosts taking turns, nothing handed out twice, lower() moving a waiting URL up a level, and
// a reopened file (a resume) handing out again every URL the output has no record of.

#include "supervisor/frontier_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

namespace crawl::supervisor {
namespace {

namespace fs = std::filesystem;

frontier_entry entry(const std::string& url, std::uint32_t depth, const std::string& found_on = "http://seed/")
{
    frontier_entry e;
    e.url = url;
    e.fingerprint = fingerprint64(url);
    e.host_key = url.substr(url.find("://") + 3, url.find('/', url.find("://") + 3) - url.find("://") - 3) + ":80";
    e.depth = depth;
    e.found_on = found_on;
    return e;
}

std::vector<std::string> urls(const std::vector<frontier_entry>& entries)
{
    std::vector<std::string> out;
    for (const auto& e : entries) {
        out.push_back(e.url);
    }
    return out;
}

class FrontierStoreTest : public ::testing::Test {
protected:
    FrontierStoreTest()
    {
        char pattern[] = "/tmp/crawl-frontier-test-XXXXXX";
        dir = ::mkdtemp(pattern);
        path = (dir / "out.jsonl.frontier").string();
    }
    ~FrontierStoreTest() override { fs::remove_all(dir); }

    frontier_store open(bool fresh, bool lowering = false)
    {
        auto opened = frontier_store::open(path, {.fresh = fresh, .lowering = lowering});
        if (auto* error = std::get_if<std::string>(&opened)) {
            ADD_FAILURE() << *error;
        }
        return std::move(std::get<frontier_store>(opened));
    }

    /// Claims and adds, as the coordinator does.
    static void discover(frontier_store& f, const frontier_entry& e)
    {
        ASSERT_TRUE(f.claim(e.fingerprint)) << e.url;
        f.add(e);
    }

    fs::path dir;
    std::string path;
};

TEST_F(FrontierStoreTest, HostsTakeTurnsAndEachUrlIsHandedOutOnce)
{
    auto f = open(true);
    for (const char* u : {"http://a/1", "http://a/2", "http://b/1", "http://a/3", "http://b/2"}) {
        discover(f, entry(u, 1));
    }
    EXPECT_FALSE(f.claim(fingerprint64("http://a/2"))) << "claimed once";
    EXPECT_TRUE(f.seen(fingerprint64("http://a/2")));
    EXPECT_FALSE(f.seen(fingerprint64("http://a/9")));
    EXPECT_EQ(f.waiting(), 5U);
    EXPECT_EQ(f.lowest_depth(), 1U);
    EXPECT_EQ(f.hosts_waiting(1), 2U);

    auto host = f.next_host(1);
    ASSERT_EQ(host, "a:80");
    EXPECT_EQ(urls(f.take(*host, 1, 2)), (std::vector<std::string>{"http://a/1", "http://a/2"}));
    f.end_turn(std::move(*host), 1);
    host = f.next_host(1);
    ASSERT_EQ(host, "b:80") << "a had its turn";
    EXPECT_EQ(urls(f.take(*host, 1, 10)), (std::vector<std::string>{"http://b/1", "http://b/2"}));
    f.end_turn(std::move(*host), 1);
    EXPECT_EQ(f.hosts_waiting(1), 1U) << "b has nothing left";

    discover(f, entry("http://b/3", 1)); // b waits again: only its new URL
    discover(f, entry("http://a/4", 2));
    host = f.next_host(1);
    ASSERT_EQ(host, "a:80");
    EXPECT_EQ(urls(f.take(*host, 1, 10)), std::vector<std::string>{"http://a/3"});
    f.end_turn(std::move(*host), 1);
    host = f.next_host(1);
    ASSERT_EQ(host, "b:80");
    EXPECT_EQ(urls(f.take(*host, 1, 10)), std::vector<std::string>{"http://b/3"});
    f.end_turn(std::move(*host), 1);
    EXPECT_EQ(f.next_host(1), std::nullopt);
    EXPECT_EQ(f.lowest_depth(), 2U);
    EXPECT_EQ(urls(f.take("a:80", 2, 10)), std::vector<std::string>{"http://a/4"});
    EXPECT_EQ(f.waiting(), 0U);
    EXPECT_EQ(f.lowest_depth(), std::nullopt);
}

TEST_F(FrontierStoreTest, EntriesComeBackAsTheyWent)
{
    auto f = open(true);
    frontier_entry e = entry("http://a/x?y", 3, "http://a/page");
    e.redirect_hops = 2;
    e.scope_prefix = "http://a/dir/";
    e.outward_only = true;
    discover(f, e);
    const auto taken = f.take("a:80", 3, 1);
    ASSERT_EQ(taken.size(), 1U);
    EXPECT_EQ(taken[0].url, e.url);
    EXPECT_EQ(taken[0].fingerprint, e.fingerprint);
    EXPECT_EQ(taken[0].host_key, e.host_key);
    EXPECT_EQ(taken[0].depth, 3U);
    EXPECT_EQ(taken[0].redirect_hops, 2U);
    EXPECT_EQ(taken[0].found_on, "http://a/page");
    EXPECT_EQ(taken[0].scope_prefix, "http://a/dir/");
    EXPECT_TRUE(taken[0].outward_only);
}

TEST_F(FrontierStoreTest, LowerMovesAWaitingUrlUpButNotATakenOne)
{
    auto f = open(true, true);
    discover(f, entry("http://a/1", 1, "http://a/"));
    discover(f, entry("http://a/2", 1, "http://a/"));
    discover(f, entry("http://a/3", 1, "http://a/"));
    EXPECT_EQ(urls(f.take("a:80", 1, 1)), std::vector<std::string>{"http://a/1"});

    EXPECT_FALSE(f.lower(entry("http://a/1", 0, "http://a/sitemap.xml"))) << "taken already";
    EXPECT_TRUE(f.lower(entry("http://a/3", 0, "http://a/sitemap.xml")));
    EXPECT_FALSE(f.lower(entry("http://a/3", 0, "http://a/sitemap.xml"))) << "at depth 0 already";
    EXPECT_FALSE(f.lower(entry("http://a/never", 0))) << "not in the frontier";
    EXPECT_EQ(f.waiting(), 2U);
    EXPECT_EQ(f.lowest_depth(), 0U);
    const auto moved = f.take("a:80", 0, 10);
    ASSERT_EQ(moved.size(), 1U);
    EXPECT_EQ(moved[0].url, "http://a/3");
    EXPECT_EQ(moved[0].found_on, "http://a/sitemap.xml");
    EXPECT_EQ(urls(f.take("a:80", 1, 10)), std::vector<std::string>{"http://a/2"}) << "a/3 left depth 1";
    EXPECT_EQ(f.waiting(), 0U);
}

TEST_F(FrontierStoreTest, AReopenedFrontierHandsOutAgainWhatHasNoRecord)
{
    {
        auto f = open(true);
        for (const char* u : {"http://a/1", "http://a/2", "http://a/3", "http://b/1"}) {
            discover(f, entry(u, 1));
        }
        (void)f.take("a:80", 1, 2); // handed out; whether they were recorded, only the output says
        f.commit();
        discover(f, entry("http://a/4", 1)); // the open batch: the store commits it when it closes
    }
    auto f = open(false);
    EXPECT_TRUE(f.seen(fingerprint64("http://a/1")));
    EXPECT_TRUE(f.seen(fingerprint64("http://b/1")));
    f.skip_recorded({fingerprint64("http://a/1")}); // the output has a/1's record, not a/2's
    EXPECT_EQ(urls(f.take("a:80", 1, 10)), (std::vector<std::string>{"http://a/2", "http://a/3", "http://a/4"}));
    EXPECT_EQ(urls(f.take("b:80", 1, 10)), std::vector<std::string>{"http://b/1"});
    EXPECT_EQ(f.waiting(), 0U);
}

TEST_F(FrontierStoreTest, AFreshOpenStartsEmpty)
{
    {
        auto f = open(true);
        discover(f, entry("http://a/1", 1));
        f.commit();
    }
    auto f = open(true);
    EXPECT_EQ(f.waiting(), 0U);
    EXPECT_FALSE(f.seen(fingerprint64("http://a/1")));
}

TEST_F(FrontierStoreTest, AFileOfAnotherLayoutIsRefused)
{
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE url (id INTEGER PRIMARY KEY, url TEXT, taken INTEGER)", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    const auto opened = frontier_store::open(path, {.fresh = false});
    ASSERT_TRUE(std::holds_alternative<std::string>(opened));
    EXPECT_NE(std::get<std::string>(opened).find("another version of crawl"), std::string::npos)
        << std::get<std::string>(opened);
}

TEST_F(FrontierStoreTest, SeenSetTakesAtMostTwentyTwoBytesPerUrl)
{
    auto f = open(true);
    for (int i = 0; i < 50'000; ++i) {
        ASSERT_TRUE(f.claim(fingerprint64("http://h/" + std::to_string(i))));
    }
    EXPECT_EQ(f.seen_count(), 50'000U);
    EXPECT_LE(f.seen_memory_bytes(), 22U * 50'000U);
}

} // namespace
} // namespace crawl::supervisor
