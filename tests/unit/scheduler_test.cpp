// The supervisor's scheduler with explicit times: pacing, held hosts, waiting retries,
// dropping a host, and the per-host limit. No clocks are read: every "now" is given.

#include "supervisor/scheduler.hpp"

#include <gtest/gtest.h>

namespace crawl::supervisor {
namespace {

using namespace std::chrono_literals;

pending_url url_of(std::uint64_t seq, std::string host, std::chrono::milliseconds delay = 0ms)
{
    pending_url u;
    u.seq = seq;
    u.url = "http://" + host + "/" + std::to_string(seq);
    u.host_key = std::move(host);
    u.delay = delay;
    return u;
}

const clock::time_point t0 = clock::time_point{} + 1000s;

TEST(SchedulerTest, DelaySpacesStartsToOneHostAndOthersGoOn)
{
    scheduler s(2, 10, 10, 0);
    s.add(url_of(1, "a:80", 200ms));
    s.add(url_of(2, "a:80", 200ms));
    s.add(url_of(3, "b:80", 0ms));
    s.add(url_of(4, "b:80", 0ms));
    auto first = s.next(t0);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->url.seq, 1u);
    s.confirm_sent("a:80", t0, 200ms, t0); // its worker wrote the request at once
    // a is paced now; b is not.
    auto second = s.next(t0);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->url.seq, 3u);
    auto third = s.next(t0);
    ASSERT_TRUE(third);
    EXPECT_EQ(third->url.seq, 4u);
    EXPECT_FALSE(s.next(t0 + 199ms));
    EXPECT_EQ(s.next_wakeup(), t0 + 200ms);
    auto fourth = s.next(t0 + 200ms);
    ASSERT_TRUE(fourth);
    EXPECT_EQ(fourth->url.seq, 2u);
}

TEST(SchedulerTest, PacingSurvivesTheHostGoingIdle)
{
    scheduler s(1, 10, 10, 0);
    s.add(url_of(1, "a:80", 300ms));
    ASSERT_TRUE(s.next(t0));
    s.confirm_sent("a:80", t0, 300ms, t0 + 1ms);
    s.completed(0, "a:80", t0 + 10ms); // idle now, but its next start is still ahead
    s.add(url_of(2, "a:80", 300ms));
    EXPECT_FALSE(s.next(t0 + 20ms));
    ASSERT_TRUE(s.next_wakeup());
    EXPECT_LE(*s.next_wakeup(), t0 + 300ms);
    EXPECT_FALSE(s.next(t0 + 299ms));
    auto again = s.next(t0 + 300ms);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->url.seq, 2u);
}

TEST(SchedulerTest, PacedHostWaitsForTheSendAndCountsFromIt)
{
    scheduler s(2, 10, 10, 0);
    s.add(url_of(1, "a:80", 100ms));
    s.add(url_of(2, "a:80", 100ms));
    ASSERT_TRUE(s.next(t0));
    // Dispatched at t0, but not written yet: however late that is, nothing else starts at a.
    EXPECT_FALSE(s.next(t0 + 500ms));
    s.confirm_sent("a:80", t0 + 450ms, 100ms, t0 + 500ms);
    EXPECT_FALSE(s.next(t0 + 549ms)) << "100 ms after the send, not after the dispatch";
    EXPECT_EQ(s.next_wakeup(), t0 + 550ms);
    auto second = s.next(t0 + 550ms);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->url.seq, 2u);
}

TEST(SchedulerTest, TurnsGoBeforeQueuedUrlsInPacingOrder)
{
    scheduler s(2, 10, 10, 0);
    s.add(url_of(1, "a:80", 100ms));
    s.add(url_of(2, "a:80", 100ms));
    ASSERT_TRUE(s.next(t0));
    s.confirm_sent("a:80", t0, 100ms, t0);
    // Job 1 was redirected within a: its next hop asks for a turn.
    s.request_turn("a:80", turn_request{0, 1, 100ms});
    EXPECT_FALSE(s.next_turn(t0 + 99ms));
    EXPECT_FALSE(s.next(t0 + 99ms));
    EXPECT_EQ(s.next_wakeup(), t0 + 100ms);
    auto turn = s.next_turn(t0 + 100ms);
    ASSERT_TRUE(turn);
    EXPECT_EQ(turn->request.id, 1u);
    EXPECT_EQ(turn->host_key, "a:80");
    EXPECT_FALSE(s.next(t0 + 100ms)) << "the turn went first; URL 2 waits for its send";
    s.confirm_sent("a:80", t0 + 120ms, 100ms, t0 + 120ms);
    EXPECT_FALSE(s.next(t0 + 219ms));
    auto second = s.next(t0 + 220ms);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->url.seq, 2u);
}

TEST(SchedulerTest, DroppedTurnsLeaveNothingBehind)
{
    scheduler s(2, 10, 10, 0);
    s.request_turn("b:80", turn_request{1, 7, 100ms});
    s.drop_turns(1);
    EXPECT_FALSE(s.next_turn(t0));
    EXPECT_FALSE(s.next_wakeup());
}

TEST(SchedulerTest, RetriesWaitWithoutAWorkerAndGoFirst)
{
    scheduler s(1, 1, 1, 0);
    s.add_later(url_of(1, "a:80"), t0 + 500ms);
    s.add(url_of(2, "a:80"));
    EXPECT_EQ(s.queued(), 2u);
    auto now = s.next(t0);
    ASSERT_TRUE(now);
    EXPECT_EQ(now->url.seq, 2u) << "the waiting retry holds no credit";
    s.completed(0, "a:80", t0 + 1ms);
    s.add(url_of(3, "a:80"));
    EXPECT_EQ(s.next_wakeup(), t0 + 500ms);
    auto later = s.next(t0 + 500ms);
    ASSERT_TRUE(later);
    EXPECT_EQ(later->url.seq, 1u) << "a retry that waited goes before the host's other URLs";
}

TEST(SchedulerTest, HeldHostWaitsOthersDoNot)
{
    scheduler s(1, 10, 10, 0);
    s.add(url_of(1, "a:80"));
    s.add(url_of(2, "b:80"));
    s.hold_host("a:80", t0 + 1s);
    auto first = s.next(t0);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->url.seq, 2u);
    EXPECT_FALSE(s.next(t0 + 999ms));
    auto held = s.next(t0 + 1s);
    ASSERT_TRUE(held);
    EXPECT_EQ(held->url.seq, 1u);
}

TEST(SchedulerTest, DropHostTakesQueuedAndWaitingUrls)
{
    scheduler s(1, 10, 10, 1);
    s.add(url_of(1, "a:80"));
    s.add(url_of(2, "a:80"));
    s.add(url_of(3, "b:80"));
    s.add_later(url_of(4, "a:80"), t0 + 1s);
    s.add_later(url_of(5, "b:80"), t0 + 1s);
    ASSERT_EQ(s.next(t0)->url.seq, 1u); // in flight: not dropped
    const auto dropped = s.drop_host("a:80");
    ASSERT_EQ(dropped.size(), 2u);
    EXPECT_EQ(dropped[0].seq + dropped[1].seq, 6u);
    EXPECT_EQ(s.queued(), 2u);
    EXPECT_EQ(s.next(t0)->url.seq, 3u);
    s.completed(0, "b:80", t0);
    EXPECT_EQ(s.next(t0 + 1s)->url.seq, 5u);
}

TEST(SchedulerTest, PerHostLimitIsGlobal)
{
    scheduler s(4, 10, 10, 2);
    for (std::uint64_t i = 1; i <= 5; ++i) {
        s.add(url_of(i, "a:80"));
    }
    ASSERT_TRUE(s.next(t0));
    ASSERT_TRUE(s.next(t0));
    EXPECT_FALSE(s.next(t0)) << "two in flight across all workers";
    s.completed(0, "a:80", t0);
    EXPECT_TRUE(s.next(t0));
}

} // namespace
} // namespace crawl::supervisor
