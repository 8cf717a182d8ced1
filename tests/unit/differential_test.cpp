// The HTML tokenizer's extractor (extract::html_extractor) against the oracle it replaced,
// libxml2 2.9.14's SAX parser (tests/oracle), on the same bytes: title, description,
// canonical, lang, base and the set of links must agree, except where docs/design.md ("HTML
// extraction: where crawl and libxml2 disagree") lists the page and says why the new answer
// is the right one. The expected disagreements are listed below too: a new one fails the
// test, and so does one that went away (then the list is out of date).
//
// The pages: every HTML body of the hostile suite (tests/support/hostile_pages.hpp), the
// charset fixtures, generated pages, and the benchmark corpus when bench/fetch-corpus has
// fetched it (bench/corpus/files, or CRAWL_CORPUS; not in git, so CI skips that part).

#include "crawl/extract/html_extractor.hpp"
#include "oracle/libxml2_extractor.hpp"
#include "support/generated_page.hpp"
#include "support/hostile_pages.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace crawl {
namespace {

using extract::page_info;

constexpr std::string_view page_url = "https://example.com/dir/page.html";

std::string read_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << "cannot open " << path;
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <class Extractor>
page_info run(std::string_view body, std::string_view header_charset)
{
    Extractor x(page_url, header_charset, {.keep_links = true});
    for (std::size_t at = 0; at < body.size(); at += 16 * 1024) {
        x.feed(body.substr(at, 16 * 1024));
    }
    x.finish();
    return x.result();
}

/// The fields that differ between the two results, by name.
std::set<std::string> differences(const page_info& ours, const page_info& theirs)
{
    std::set<std::string> d;
    const auto check = [&](const char* field, const std::string& a, const std::string& b) {
        if (a != b) {
            d.insert(field);
        }
    };
    check("title", ours.title, theirs.title);
    check("description", ours.description, theirs.description);
    check("canonical", ours.canonical, theirs.canonical);
    check("lang", ours.lang, theirs.lang);
    check("base", ours.base, theirs.base);
    if (std::set<std::string>(ours.links.begin(), ours.links.end()) !=
        std::set<std::string>(theirs.links.begin(), theirs.links.end())) {
        d.insert("links");
    }
    return d;
}

std::string describe(const page_info& ours, const page_info& theirs, const std::set<std::string>& fields)
{
    std::ostringstream out;
    for (const std::string& f : fields) {
        if (f == "links") {
            const std::set<std::string> a(ours.links.begin(), ours.links.end());
            const std::set<std::string> b(theirs.links.begin(), theirs.links.end());
            std::vector<std::string> only_ours;
            std::vector<std::string> only_theirs;
            std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(only_ours));
            std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(only_theirs));
            out << "  links: " << only_ours.size() << " only ours, " << only_theirs.size() << " only libxml2's";
            for (std::size_t i = 0; i < std::min<std::size_t>(3, only_ours.size()); ++i) {
                out << "\n    ours: " << only_ours[i];
            }
            for (std::size_t i = 0; i < std::min<std::size_t>(3, only_theirs.size()); ++i) {
                out << "\n    libxml2: " << only_theirs[i];
            }
            out << "\n";
            continue;
        }
        const auto field = [&](const page_info& p) -> const std::string& {
            return f == "title" ? p.title : f == "description" ? p.description : f == "canonical" ? p.canonical
                   : f == "lang"  ? p.lang
                                  : p.base;
        };
        out << "  " << f << ": ours \"" << field(ours).substr(0, 200) << "\", libxml2 \""
            << field(theirs).substr(0, 200) << "\"\n";
    }
    return out.str();
}

/// Compares the two extractors on one page; `expected`: the fields known to differ.
void compare(const std::string& name, std::string_view body, std::string_view header_charset,
             const std::set<std::string>& expected = {})
{
    const page_info ours = run<extract::html_extractor>(body, header_charset);
    const page_info theirs = run<oracle::libxml2_extractor>(body, header_charset);
    EXPECT_EQ(ours.charset, theirs.charset) << name;
    const std::set<std::string> got = differences(ours, theirs);
    EXPECT_EQ(got, expected) << name << ":\n" << describe(ours, theirs, got);
    if (expected.contains("links")) {
        // Every cause listed loses links libxml2 read out of text: none may be gained.
        const std::set<std::string> theirs_set(theirs.links.begin(), theirs.links.end());
        for (const std::string& link : ours.links) {
            EXPECT_TRUE(theirs_set.contains(link)) << name << ": a link only crawl finds: " << link;
        }
    }
}

/// tests/data/differential/corpus.txt: page → the fields expected to differ.
std::map<std::string, std::set<std::string>> corpus_disagreements()
{
    std::map<std::string, std::set<std::string>> table;
    std::istringstream lines(read_file(std::string(CRAWL_TEST_DATA) + "/differential/corpus.txt"));
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        std::istringstream fields(line);
        std::string page;
        std::string differing;
        fields >> page >> differing;
        std::set<std::string>& set = table[page];
        std::istringstream names(differing);
        for (std::string f; std::getline(names, f, ',');) {
            set.insert(f);
        }
    }
    return table;
}

TEST(Differential, HostileSuitePagesAgree)
{
    for (const test::html_page& page : test::hostile_suite_pages()) {
        compare(page.route, page.body, page.header_charset);
    }
}

TEST(Differential, CharsetFixturesAgree)
{
    const std::map<std::string, std::string> headers = {{"euc_kr_header_only.html", "EUC-KR"},
                                                        {"sjis_header_only.html", "shift_jis"},
                                                        {"koi8r_header_only.html", "koi8-r"},
                                                        {"utf8_header_only.html", "utf-8"}};
    std::size_t pages = 0;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(CRAWL_FIXTURES) + "/extract")) {
        if (entry.path().extension() != ".html") {
            continue;
        }
        const std::string file = entry.path().filename();
        const auto header = headers.find(file);
        compare(file, read_file(entry.path()), header == headers.end() ? "" : header->second);
        ++pages;
    }
    EXPECT_EQ(pages, 20U);
}

TEST(Differential, GeneratedPagesAgree)
{
    std::mt19937 rng(20261202);
    const test::chooser pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
    for (int i = 0; i < 100; ++i) {
        compare("generated page " + std::to_string(i), test::generated_page(pick, 50 + pick(400)),
                i % 2 == 0 ? "utf-8" : "");
    }
}

TEST(Differential, CorpusAgreesWhereItIsPresent)
{
    const char* dir = std::getenv("CRAWL_CORPUS");
    const std::filesystem::path corpus = dir != nullptr ? dir : CRAWL_CORPUS_DIR;
    if (!std::filesystem::is_directory(corpus)) {
        GTEST_SKIP() << "no corpus in " << corpus << " (bench/fetch-corpus fetches it)";
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
        if (entry.path().extension() == ".html") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    const auto expected = corpus_disagreements();
    std::size_t disagreeing = 0;
    for (const auto& f : files) {
        const std::string name = f.filename().string().substr(0, 8);
        const auto e = expected.find(name);
        disagreeing += e != expected.end() ? 1U : 0U;
        compare(name, read_file(f), "", e != expected.end() ? e->second : std::set<std::string>{});
    }
    EXPECT_EQ(disagreeing, expected.size()) << "pages listed in corpus.txt are missing from the corpus";
    std::cout << "[ corpus ] " << files.size() << " pages compared, " << disagreeing
              << " disagree as tests/data/differential/corpus.txt says\n";
}

} // namespace
} // namespace crawl
