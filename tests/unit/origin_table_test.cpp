// The supervisor's robots.txt table: URLs park until their origin's answer is in, one fetch
// per origin, and answers beyond the memory budget are evicted least recently used first.

#include "supervisor/origin_table.hpp"

#include <gtest/gtest.h>

namespace crawl::supervisor {
namespace {

origin_table::parked_url parked(std::uint64_t seq, std::string path)
{
    origin_table::parked_url p;
    p.url.seq = seq;
    p.path = std::move(path);
    return p;
}

/// An answer with `rules` rules of about 40 bytes each.
robots_answer answer_with(int rules)
{
    std::vector<robots::rule> list;
    for (int i = 0; i < rules; ++i) {
        list.push_back({false, "/a-path-long-enough-to-be-on-the-heap/" + std::to_string(i)});
    }
    robots_answer a;
    a.rules = robots::rules(std::move(list));
    return a;
}

TEST(OriginTableTest, UrlsWaitForTheAnswerAndOnlyTheFirstAsksForIt)
{
    origin_table t(1 << 20);
    EXPECT_EQ(t.answer("http://a:80"), nullptr);
    EXPECT_TRUE(t.park("http://a:80", parked(1, "/x")));
    EXPECT_FALSE(t.park("http://a:80", parked(2, "/y"))) << "its robots.txt is already asked for";
    EXPECT_TRUE(t.park("http://b:80", parked(3, "/z")));
    EXPECT_EQ(t.parked(), 3u);
    EXPECT_EQ(t.answer("http://a:80"), nullptr) << "asked, not answered";

    auto a = answer_with(2);
    a.delay = std::chrono::milliseconds(250);
    const auto settled = t.settle("http://a:80", std::move(a));
    ASSERT_NE(settled.answer, nullptr);
    EXPECT_EQ(settled.answer->rules.list().size(), 2u);
    ASSERT_EQ(settled.parked.size(), 2u);
    EXPECT_EQ(settled.parked[0].url.seq, 1u);
    EXPECT_EQ(settled.parked[1].path, "/y");
    EXPECT_EQ(t.parked(), 1u);
    ASSERT_NE(t.answer("http://a:80"), nullptr);
    EXPECT_EQ(t.answer("http://a:80")->delay, std::chrono::milliseconds(250));
    EXPECT_EQ(t.answers(), 1u);
}

TEST(OriginTableTest, AnAnswerNobodyWaitedForIsDropped)
{
    origin_table t(1 << 20);
    const auto settled = t.settle("http://never-asked:80", answer_with(1));
    EXPECT_EQ(settled.answer, nullptr);
    EXPECT_TRUE(settled.parked.empty());
    EXPECT_EQ(t.answers(), 0u);
    t.park("http://a:80", parked(1, "/"));
    t.settle("http://a:80", answer_with(1));
    EXPECT_EQ(t.settle("http://a:80", answer_with(5)).answer, nullptr) << "the first answer stands";
    EXPECT_EQ(t.answer("http://a:80")->rules.list().size(), 1u);
}

TEST(OriginTableTest, AnswersBeyondTheBudgetAreEvictedLeastRecentlyUsedFirst)
{
    // Measure one answer's cost, then allow a little over two of them.
    std::size_t one = 0;
    {
        origin_table probe(1 << 30);
        probe.park("http://o0:80", parked(0, "/"));
        probe.settle("http://o0:80", answer_with(100));
        one = probe.answer_bytes();
    }
    ASSERT_GT(one, 100u * 40);
    origin_table t(2 * one + one / 2);
    for (const char* o : {"http://o1:80", "http://o2:80"}) {
        t.park(o, parked(1, "/"));
        t.settle(o, answer_with(100));
    }
    EXPECT_EQ(t.answers(), 2u);
    ASSERT_NE(t.answer("http://o1:80"), nullptr); // o1 is now the most recently used, o2 the least

    t.park("http://o3:80", parked(3, "/"));
    EXPECT_EQ(t.parked(), 1u);
    const auto settled = t.settle("http://o3:80", answer_with(100));
    ASSERT_NE(settled.answer, nullptr);
    EXPECT_EQ(settled.parked.size(), 1u);
    EXPECT_EQ(t.evictions(), 1u);
    EXPECT_EQ(t.answers(), 2u);
    EXPECT_LE(t.answer_bytes(), 2 * one + one / 2);
    EXPECT_EQ(t.answer("http://o2:80"), nullptr) << "the least recently used goes";
    EXPECT_NE(t.answer("http://o1:80"), nullptr);
    EXPECT_NE(t.answer("http://o3:80"), nullptr);

    // An evicted origin is asked for again by its next URL.
    EXPECT_TRUE(t.park("http://o2:80", parked(4, "/")));
}

TEST(OriginTableTest, TheNewestAnswerStaysEvenOverBudgetAndParkedUrlsAreNeverEvicted)
{
    origin_table t(0);
    t.park("http://waiting:80", parked(1, "/"));
    t.park("http://a:80", parked(2, "/"));
    const auto a = t.settle("http://a:80", answer_with(10));
    ASSERT_NE(a.answer, nullptr) << "kept for the URLs that waited for it";
    EXPECT_EQ(t.answers(), 1u);
    t.park("http://b:80", parked(3, "/"));
    t.settle("http://b:80", answer_with(10));
    EXPECT_EQ(t.answer("http://a:80"), nullptr);
    EXPECT_NE(t.answer("http://b:80"), nullptr);
    EXPECT_EQ(t.evictions(), 1u);
    EXPECT_EQ(t.parked(), 1u) << "the origin still waiting keeps its URL";
    const auto w = t.settle("http://waiting:80", answer_with(0));
    ASSERT_EQ(w.parked.size(), 1u);
    EXPECT_EQ(w.parked[0].url.seq, 1u);
}

} // namespace
} // namespace crawl::supervisor
