// --shard's split: "K/N" parsing, and the host-to-shard function pinned to values computed
// independently (Python's hashlib: the first 8 bytes of SHA-256 as a big-endian number,
// modulo N), since N processes, perhaps of different versions, must agree on it.

#include "crawl/supervisor/shard.hpp"

#include <gtest/gtest.h>

namespace crawl::supervisor {
namespace {

TEST(ShardSpec, ParsesKOverN)
{
    EXPECT_EQ(parse_shard("0/1"), (shard_spec{0, 1}));
    EXPECT_EQ(parse_shard("3/4"), (shard_spec{3, 4}));
    EXPECT_EQ(parse_shard("65535/65536"), (shard_spec{65535, 65536}));
    for (const char* bad : {"", "/", "1", "4/4", "0/0", "-1/3", "+1/3", "1/3x", " 1/3", "1/ 3", "0/65537", "a/b",
                            "99999999999/3"}) {
        EXPECT_FALSE(parse_shard(bad)) << bad;
    }
    EXPECT_EQ(shard_spec{}.text(), "");
    EXPECT_EQ((shard_spec{2, 5}).text(), "2/5");
    EXPECT_FALSE(shard_spec{}.sharded());
}

TEST(ShardOf, IsTheFirst64BitsOfSha256ModuloN)
{
    EXPECT_EQ(shard_of("example.com", 4, false), 1U);
    EXPECT_EQ(shard_of("www.example.com", 4, false), 0U);
    EXPECT_EQ(shard_of("xn--fa-hia.example", 7, false), 0U);
    EXPECT_EQ(shard_of("127.0.0.1", 3, false), 2U);
    EXPECT_EQ(shard_of("example.co.uk", 1000, false), 442U);
    EXPECT_EQ(shard_of("anything", 1, false), 0U);
}

TEST(ShardOf, ByDomainPutsAllHostsOfARegistrableDomainTogether)
{
    // www.example.com goes by example.com's shard (1 of 4), not its own (0 of 4).
    EXPECT_EQ(shard_of("www.example.com", 4, true), 1U);
    EXPECT_EQ(shard_of("a.b.example.com", 4, true), 1U);
    EXPECT_EQ(shard_of("www.example.co.uk", 1000, true), 442U);
}

} // namespace
} // namespace crawl::supervisor
