// The html5lib-tests encoding suite (tests/data/html5lib-tests/encoding, MIT, unmodified)
// against the charset decision's BOM check and <meta> prescan (extract::decide_charset with
// no header charset): every test of every file, on all of its data and on the first 1024
// bytes, which is what crawl prescans (docs/design.md, "HTML extraction"): on those, only a
// <meta> that lies further in may be missed. The suite expects the Standard's default,
// windows-1252, when the prescan finds nothing; crawl then sniffs UTF-8 first, so there the
// test only requires that no <meta> was taken. One ctest test per file.

#include "crawl/extract/charset.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

namespace crawl::extract {
namespace {

const std::string suite_dir = std::string(CRAWL_TEST_DATA) + "/html5lib-tests/encoding/";

struct encoding_case {
    std::string data;
    std::string encoding;
};

/// The #data / #encoding sections of a .dat file, line by line; the line break before a
/// section header belongs to the format, not to the data.
std::vector<encoding_case> read_cases(const std::string& file)
{
    std::ifstream in(suite_dir + file, std::ios::binary);
    EXPECT_TRUE(in.good()) << "cannot open " << file;
    std::vector<encoding_case> cases;
    enum class section { none, data, encoding } in_section = section::none;
    bool first_line = false;
    for (std::string line; std::getline(in, line);) {
        if (line == "#data") {
            cases.emplace_back();
            in_section = section::data;
            first_line = true;
        } else if (line == "#encoding") {
            in_section = section::encoding;
        } else if (in_section == section::data) {
            cases.back().data += (first_line ? "" : "\n") + line;
            first_line = false;
        } else if (in_section == section::encoding) {
            cases.back().encoding = line;
            in_section = section::none;
        }
    }
    return cases;
}

class Html5libEncoding : public ::testing::TestWithParam<std::string> {};

TEST_P(Html5libEncoding, ThePrescanFindsTheExpectedCharset)
{
    const std::vector<encoding_case> cases = read_cases(GetParam());
    ASSERT_FALSE(cases.empty());
    std::size_t past_the_prefix = 0;
    for (const encoding_case& c : cases) {
        SCOPED_TRACE("data: " + c.data.substr(0, 200));
        const std::string expected = canonical_charset(c.encoding);
        ASSERT_FALSE(expected.empty()) << "crawl does not know the expected label " << c.encoding;
        // The prescan itself, on all of the data; then what crawl decides on the first 1024 bytes.
        for (const std::size_t prefix : {c.data.size(), std::size_t{1024}}) {
            const charset_decision d = decide_charset("", std::string_view(c.data).substr(0, prefix));
            if (d.source == charset_source::meta || d.source == charset_source::bom) {
                EXPECT_EQ(d.name, expected) << "on " << prefix << " bytes";
            } else if (expected != "windows-1252") {
                // Only a <meta> after the first kilobyte, which crawl does not read, may be missed.
                EXPECT_EQ(prefix, 1024U) << "the prescan missed a <meta>; crawl decided " << d.name;
                EXPECT_GT(c.data.find(c.encoding), 1024U) << "a <meta> in the first 1024 bytes was missed";
                ++past_the_prefix;
            }
        }
    }
    std::cout << "[ html5lib ] " << GetParam() << ": " << cases.size() << " cases, " << past_the_prefix
              << " with their <meta> past the 1024 bytes crawl prescans\n";
}

// Every file of encoding/ but scripted/ and chardet/ (not copied: a charset set by a script,
// statistical detection; tests/data/html5lib-tests/SOURCE.txt).
INSTANTIATE_TEST_SUITE_P(Suite, Html5libEncoding,
                         ::testing::Values("tests1.dat", "tests2.dat", "test-yahoo-jp.dat"),
                         [](const ::testing::TestParamInfo<std::string>& file) {
                             std::string name = file.param.substr(0, file.param.find('.'));
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

} // namespace
} // namespace crawl::extract
