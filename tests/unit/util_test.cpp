// HTTP dates and Retry-After; URL fingerprints and their set; the page-scale hash.

#include "crawl/util/fingerprint_set.hpp"
#include "crawl/util/http_date.hpp"
#include "crawl/util/page_hash.hpp"
#include "crawl/util/seen_fingerprints.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace crawl {
namespace {

using namespace std::chrono;

TEST(HttpDateTest, ThreeFormsOfTheSameInstant)
{
    // RFC 9110 5.6.7's example, in each of its forms.
    const auto expected = sys_days{year{1994} / November / 6} + hours{8} + minutes{49} + seconds{37};
    EXPECT_EQ(http_date::parse("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
    EXPECT_EQ(http_date::parse("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
    EXPECT_EQ(http_date::parse("Sun Nov  6 08:49:37 1994"), expected);
    EXPECT_EQ(http_date::parse("  Sun, 06 Nov 1994 08:49:37 GMT "), expected);
    EXPECT_EQ(http_date::parse("Thursday, 01-Jan-26 00:00:00 GMT"), sys_days{year{2026} / January / 1});
}

TEST(HttpDateTest, RejectsWhatIsNotAnHttpDate)
{
    for (const char* bad : {"", "yesterday", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC",
                            "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 6 Nov 1994 08:49:37 GMT",
                            "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT trailing"}) {
        EXPECT_FALSE(http_date::parse(bad)) << bad;
    }
}

TEST(HttpDateTest, RetryAfterSecondsOrDate)
{
    const auto now = sys_days{year{2026} / March / 1} + hours{12};
    EXPECT_EQ(http_date::retry_after("120", now), milliseconds(120'000));
    EXPECT_EQ(http_date::retry_after(" 0 ", now), milliseconds(0));
    EXPECT_EQ(http_date::retry_after("Sun, 01 Mar 2026 12:00:30 GMT", now), milliseconds(30'000));
    EXPECT_EQ(http_date::retry_after("Sun, 01 Mar 2026 11:00:00 GMT", now), milliseconds(0)) << "past: now";
    EXPECT_EQ(http_date::retry_after("99999999999999999999999", now), milliseconds(100LL * 365 * 24 * 3600 * 1000))
        << "absurd values are clamped, not rejected";
    EXPECT_FALSE(http_date::retry_after("-5", now));
    EXPECT_FALSE(http_date::retry_after("1.5", now));
    EXPECT_FALSE(http_date::retry_after("soon", now));
}

TEST(FingerprintTest, IsTheFirst64BitsOfSha256)
{
    // FIPS 180-2's examples; each twice, as the hashing context is reused.
    for (int round = 0; round < 2; ++round) {
        EXPECT_EQ(fingerprint64("abc"), 0xba7816bf8f01cfeaULL);
        EXPECT_EQ(fingerprint64(""), 0xe3b0c44298fc1c14ULL);
        EXPECT_EQ(fingerprint64("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), 0x248d6a61d20638b8ULL);
    }
}

TEST(FingerprintSetTest, FirstSeqIsKeptAndDuplicatesFound)
{
    fingerprint_set set;
    EXPECT_FALSE(set.insert(fingerprint64("http://a/1"), 3));
    EXPECT_FALSE(set.insert(fingerprint64("http://a/2"), 4));
    EXPECT_EQ(set.insert(fingerprint64("http://a/1"), 9), 3u);
    EXPECT_EQ(set.insert(fingerprint64("http://a/1"), 10), 3u);
    EXPECT_EQ(set.size(), 2u);
    EXPECT_NE(fingerprint64("http://a/1"), fingerprint64("http://a/2"));
    EXPECT_FALSE(set.insert(0, 11)) << "fingerprint 0 is stored, not taken for an empty slot";
    EXPECT_EQ(set.insert(0, 12), 11u);
}

TEST(FingerprintSetTest, AgreesWithAReferenceMapThroughGrowth)
{
    fingerprint_set set;
    std::unordered_map<std::uint64_t, std::uint64_t> reference;
    std::mt19937_64 rng(7);
    for (std::uint64_t seq = 1; seq <= 200'000; ++seq) {
        // Draw from a small range so that about a third are repeats.
        const std::uint64_t fp = fingerprint64(std::to_string(rng() % 150'000));
        const auto [it, inserted] = reference.try_emplace(fp, seq);
        const auto got = set.insert(fp, seq);
        ASSERT_EQ(got.has_value(), !inserted) << seq;
        if (got) {
            ASSERT_EQ(*got, it->second);
        }
    }
    EXPECT_EQ(set.size(), reference.size());
    // At most half full, 16 bytes a slot: between 32 and 64 bytes per fingerprint.
    EXPECT_LE(set.memory_bytes(), 64 * set.size());
    EXPECT_GE(set.memory_bytes(), 32 * set.size());
}

TEST(SeenFingerprintsTest, AgreesWithAReferenceSetThroughGrowth)
{
    seen_fingerprints seen;
    std::unordered_set<std::uint64_t> reference;
    std::mt19937_64 rng(11);
    for (int i = 0; i < 300'000; ++i) {
        const std::uint64_t fp = fingerprint64(std::to_string(rng() % 200'000));
        ASSERT_EQ(seen.contains(fp), reference.contains(fp)) << i;
        ASSERT_EQ(seen.insert(fp), reference.insert(fp).second) << i;
        ASSERT_TRUE(seen.contains(fp));
    }
    EXPECT_EQ(seen.size(), reference.size());
    EXPECT_FALSE(seen.contains(fingerprint64("never inserted")));
    // At most three quarters full, 8 bytes a slot: between 10.7 and 21.4 bytes per fingerprint.
    EXPECT_LE(3 * seen.memory_bytes(), 64 * seen.size());
    EXPECT_GE(3 * seen.memory_bytes(), 32 * seen.size());
}

TEST(SeenFingerprintsTest, ZeroIsAFingerprintLikeAnyOther)
{
    seen_fingerprints seen;
    EXPECT_FALSE(seen.contains(0));
    EXPECT_TRUE(seen.insert(0));
    EXPECT_TRUE(seen.contains(0));
    EXPECT_FALSE(seen.insert(0));
}

// Every bit of every byte counts, in both lanes, the tail and the length: one bit flipped
// anywhere in strings of 0 to 48 bytes gives another hash.
TEST(PageHashTest, EveryBitOfEveryByteChangesTheHash)
{
    for (std::size_t size = 0; size <= 48; ++size) {
        std::string s(size, 'a');
        const std::uint64_t h = page_hash(s);
        EXPECT_NE(page_hash(s + '\0'), h) << size;
        for (std::size_t i = 0; i < size; ++i) {
            for (int bit = 0; bit < 8; ++bit) {
                std::string t = s;
                t[i] = static_cast<char>(t[i] ^ (1 << bit));
                ASSERT_NE(page_hash(t), h) << size << " " << i << " " << bit;
            }
        }
    }
}

// seen_fingerprints picks a slot by a hash's low bits: links that differ in one digit must
// spread over the slots as well as random numbers would.
TEST(PageHashTest, SimilarLinksSpreadOverTheLowBits)
{
    constexpr std::size_t links = 1 << 16;
    constexpr std::size_t buckets = 1024;
    std::vector<std::size_t> count(buckets);
    std::unordered_set<std::uint64_t> distinct;
    for (std::size_t i = 0; i < links; ++i) {
        const std::uint64_t h = page_hash("https://example.com/catalogue/page-" + std::to_string(i) + ".html");
        ++count[h % buckets];
        distinct.insert(h);
    }
    EXPECT_EQ(distinct.size(), links);
    // 64 expected a bucket, binomial: a bucket outside 24..110 is 5 standard deviations out.
    EXPECT_GE(*std::min_element(count.begin(), count.end()), 24U);
    EXPECT_LE(*std::max_element(count.begin(), count.end()), 110U);
}

} // namespace
} // namespace crawl
