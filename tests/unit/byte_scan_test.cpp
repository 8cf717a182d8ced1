// The tokenizer's byte scanner (src/extract/byte_scan.hpp): every implementation this CPU can
// run (the portable one always; AVX2 and AVX-512BW where the CPU has them) finds the same
// first byte as a plain loop, at every alignment and length, with the byte anywhere in a
// vector or its tail, and never reads past the end (ASan checks that).

#include "extract/byte_scan.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace crawl::extract {
namespace {

const char* reference(const char* p, const char* end, char a, char b, char c)
{
    while (p < end && *p != a && *p != b && *p != c) {
        ++p;
    }
    return p;
}

class ByteScan : public ::testing::TestWithParam<scan::kind> {
protected:
    void SetUp() override
    {
        saved_ = scan::active();
        ASSERT_TRUE(scan::use(GetParam()));
    }
    void TearDown() override { scan::use(saved_); }

private:
    scan::kind saved_ = scan::kind::portable;
};

TEST_P(ByteScan, FindsTheFirstOfThreeBytesAtEveryAlignmentAndLength)
{
    std::mt19937 rng(7);
    // Text-like bytes, with high bytes (UTF-8) and the searched ones sprinkled in rarely.
    for (int round = 0; round < 300; ++round) {
        const std::size_t size = std::uniform_int_distribution<std::size_t>(0, 300)(rng);
        // A separate allocation per buffer, so that a read past its end is one ASan sees.
        auto buffer = std::make_unique<char[]>(size + 1);
        for (std::size_t i = 0; i < size; ++i) {
            const auto r = rng() % 100;
            buffer[i] = r == 0 ? '<' : r == 1 ? '&' : r == 2 ? '\0' : static_cast<char>(r < 50 ? 'a' + r % 26 : 0x80 + r);
        }
        for (std::size_t from = 0; from <= std::min<std::size_t>(size, 70); ++from) {
            const char* begin = buffer.get() + from;
            const char* end = buffer.get() + size;
            ASSERT_EQ(scan::find_any(begin, end, '<', '&', '\0'), reference(begin, end, '<', '&', '\0'))
                << "size " << size << " from " << from;
            ASSERT_EQ(scan::find_any(begin, end, '"', '"', '"'), reference(begin, end, '"', '"', '"'));
        }
    }
}

TEST_P(ByteScan, FindsAByteInEveryPositionOfALongRun)
{
    for (const char needle : {'<', '&', '\0', '-', '\x80', '\xFF'}) {
        std::string run(200, 'x');
        for (std::size_t at = 0; at < run.size(); ++at) {
            run[at] = needle;
            const char* begin = run.data();
            const char* end = run.data() + run.size();
            ASSERT_EQ(scan::find_any(begin, end, needle, '<', '<') - begin, static_cast<std::ptrdiff_t>(at));
            run[at] = 'x';
        }
        EXPECT_EQ(scan::find_any(run.data(), run.data() + run.size(), needle, needle, needle), run.data() + run.size());
    }
}

TEST(ByteScanDispatch, PortableIsAlwaysThereAndTheDefaultIsTheWidestUpToAvx2)
{
    ASSERT_FALSE(scan::supported_kinds().empty());
    EXPECT_EQ(scan::supported_kinds().front(), scan::kind::portable);
    EXPECT_EQ(scan::active(), scan::supported(scan::kind::avx2) ? scan::kind::avx2 : scan::kind::portable);
    std::cout << "[ scanners ] this CPU:";
    for (const scan::kind k : scan::supported_kinds()) {
        std::cout << " " << scan::name(k);
    }
    std::cout << "\n";
}

INSTANTIATE_TEST_SUITE_P(EveryKindThisCpuHas, ByteScan, ::testing::ValuesIn(scan::supported_kinds().begin(), scan::supported_kinds().end()),
                         [](const ::testing::TestParamInfo<scan::kind>& k) { return std::string(scan::name(k.param)); });

} // namespace
} // namespace crawl::extract
