// The shared frontier's share-out of host slots (plan_balance): driven with surveys written by
// hand, and, in the last test, by repeated rounds of four simulated processes until they
// settle.

#include "supervisor/slot_balance.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <string>

namespace crawl::supervisor {
namespace {

std::vector<std::uint32_t> sorted(std::vector<std::uint32_t> v)
{
    std::sort(v.begin(), v.end());
    return v;
}

std::uint64_t sum_of(const std::vector<slot_view>& slots, const std::vector<std::uint32_t>& which)
{
    std::uint64_t n = 0;
    for (const auto s : which) {
        n += slots[s].waiting;
    }
    return n;
}

TEST(SlotBalance, AloneTakesEverySlotWithWorkAndNoEmptyOne)
{
    std::vector<slot_view> slots{{5, ""}, {0, ""}, {300, ""}, {1, ""}};
    std::minstd_rand random(1);
    const auto plan = plan_balance(slots, "a", 1, {}, random);
    EXPECT_EQ(sorted(plan.take), (std::vector<std::uint32_t>{0, 2, 3}));
    EXPECT_TRUE(plan.give_back.empty());
}

TEST(SlotBalance, BelowTheShareTakesWhatFitsUnderIt)
{
    // 400 URLs, two processes: a share of 200. b holds 100 already; a holds nothing.
    std::vector<slot_view> slots{{100, "b"}, {150, ""}, {90, ""}, {60, ""}};
    std::minstd_rand random(1);
    const auto plan = plan_balance(slots, "a", 2, {}, random);
    // What fits under 200, and one slot more while a is still below b's 100.
    EXPECT_GE(sum_of(slots, plan.take), 150U);
    EXPECT_LE(sum_of(slots, plan.take), 100U + 150U);
    EXPECT_TRUE(plan.give_back.empty());
}

TEST(SlotBalance, TheLeastLoadedTakesASlotLargerThanTheShare)
{
    // One free slot bigger than any share must still find an owner: the least loaded takes it.
    std::vector<slot_view> slots{{10, "b"}, {10, "c"}, {500, ""}};
    std::minstd_rand random(1);
    EXPECT_EQ(plan_balance(slots, "a", 3, {}, random).take, (std::vector<std::uint32_t>{2}));
    // b is not the least loaded (a holds nothing), and 510 > 174 + 16.
    EXPECT_TRUE(plan_balance(slots, "b", 3, {}, random).take.empty());
}

TEST(SlotBalance, AboveTheShareGivesBackTowardTheIdle)
{
    // a holds 4 slots of 100; three processes joined with nothing: a share of 100.
    std::vector<slot_view> slots{{100, "a"}, {100, "a"}, {100, "a"}, {100, "a"}, {0, "a"}};
    std::minstd_rand random(1);
    const auto plan = plan_balance(slots, "a", 4, {}, random);
    EXPECT_TRUE(plan.take.empty());
    EXPECT_EQ(plan.give_back.size(), 3U); // one for each idle process
    EXPECT_EQ(std::count(plan.give_back.begin(), plan.give_back.end(), 4U), 0); // empty: no use to anyone
}

TEST(SlotBalance, GivesBackTheSlotThatEvensThePairBest)
{
    // a: 40 + 70 + 10 = 120, b: 0. Moving 70 leaves 50/70, moving 40 leaves 80/40: 70 is best.
    std::vector<slot_view> slots{{40, "a"}, {70, "a"}, {10, "a"}};
    std::minstd_rand random(1);
    const auto plan = plan_balance(slots, "a", 2, {}, random);
    ASSERT_FALSE(plan.give_back.empty());
    EXPECT_EQ(plan.give_back.front(), 1U);
}

TEST(SlotBalance, NoMoveThatNarrowsTheGapByLessThanAPartOfTheShare)
{
    // a: 300 (slots of 30 and 270), b: 180; a share of 240. Moving 30 narrows the gap by 30:
    // enough for a 16th of the share (15), not for a 4th (60).
    std::vector<slot_view> slots{{30, "a"}, {270, "a"}, {180, "b"}};
    std::minstd_rand random(1);
    EXPECT_EQ(plan_balance(slots, "a", 2, {}, random).give_back, (std::vector<std::uint32_t>{0}));
    EXPECT_TRUE(plan_balance(slots, "a", 2, {.gap_divisor = 4}, random).give_back.empty());
}

TEST(SlotBalance, AtTheStartOneSeedASlotStillMoves)
{
    // The first process took every seed's slot before the others joined.
    std::vector<slot_view> slots(40, slot_view{1, "a"});
    std::minstd_rand random(1);
    const auto plan = plan_balance(slots, "a", 4, {}, random);
    EXPECT_EQ(plan.give_back.size(), 30U);
}

TEST(SlotBalance, OneBigSlotStaysWhereItIs)
{
    // Moving a's only slot to b would only swap who has the load.
    std::vector<slot_view> slots{{500, "a"}, {0, "b"}};
    std::minstd_rand random(1);
    EXPECT_TRUE(plan_balance(slots, "a", 2, {}, random).give_back.empty());
}

TEST(SlotBalance, NothingGivenBackWhileTheLastGiveBackSettles)
{
    std::vector<slot_view> slots{{100, "a"}, {100, "a"}, {100, "a", true}};
    std::minstd_rand random(1);
    EXPECT_TRUE(plan_balance(slots, "a", 3, {.may_give_back = false}, random).give_back.empty());
    // The draining slot is already on its way: it is not counted as a's, nor given twice.
    const auto plan = plan_balance(slots, "a", 3, {}, random);
    EXPECT_EQ(plan.give_back.size(), 1U);
    EXPECT_NE(plan.give_back.front(), 2U);
}

TEST(SlotBalance, LeaseHoldersNotAmongTheMembersStillCount)
{
    // The member count lags (a heartbeat not seen yet): holders are processes all the same.
    std::vector<slot_view> slots{{100, "a"}, {100, "b"}, {100, "c"}};
    std::minstd_rand random(1);
    const auto plan = plan_balance(slots, "a", 1, {}, random);
    EXPECT_TRUE(plan.take.empty());
    EXPECT_TRUE(plan.give_back.empty());
}

// Four processes, the first holding everything, plan in turn; a slot given back is free for
// the next planner, a slot taken is held. The loads settle within a few rounds, close to even.
TEST(SlotBalance, FourProcessesSettleNearTheEvenShare)
{
    std::minstd_rand make(7);
    std::vector<std::uint64_t> waiting(64);
    for (auto& w : waiting) {
        w = make() % 4 == 0 ? 0 : 10 + make() % 90; // a quarter empty, the rest 10 to 99
    }
    const std::vector<std::string> names{"p0", "p1", "p2", "p3"};
    std::vector<std::string> holder(64, "p0");
    std::minstd_rand random(3);
    auto loads = [&] {
        std::map<std::string, std::uint64_t> l;
        for (const auto& n : names) {
            l[n] = 0;
        }
        for (std::size_t s = 0; s < 64; ++s) {
            if (!holder[s].empty()) {
                l[holder[s]] += waiting[s];
            }
        }
        return l;
    };
    for (int round = 0; round < 8; ++round) {
        for (const auto& me : names) {
            std::vector<slot_view> view;
            for (std::size_t s = 0; s < 64; ++s) {
                view.push_back({waiting[s], holder[s]});
            }
            const auto plan = plan_balance(view, me, 4, {}, random);
            for (const auto s : plan.give_back) {
                holder[s].clear();
            }
            for (const auto s : plan.take) {
                holder[s] = me;
            }
        }
    }
    const auto l = loads();
    const std::uint64_t total = std::accumulate(waiting.begin(), waiting.end(), std::uint64_t{0});
    std::uint64_t held = 0;
    for (const auto& [name, load] : l) {
        held += load;
        // Within a slot's worth (at most 99) and the minimum gap of the even share.
        EXPECT_LE(load, total / 4 + 99 + 16) << name;
        EXPECT_GE(load + 99 + 16, total / 4) << name;
    }
    EXPECT_EQ(held, total); // every slot with work has an owner
}

} // namespace
} // namespace crawl::supervisor
