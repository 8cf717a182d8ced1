// Fuzz target: crawl's extractor (extract::html_extractor, its own tokenizer) against the
// libxml2 2.9.14 oracle it replaced (tests/oracle), on pages the fuzzer's bytes compose from
// the markup of tests/support/generated_page.cpp: every order and mix of scripts, styles,
// comments, SVG, tables, quoting forms and references. On such pages the two parsers must
// agree; where they may not (docs/design.md, "Where crawl and libxml2 disagree") the markup
// is left out of the generator.
// Input: u8 flags (bit 0: the header names utf-8), u16 split seed, then the choices: one byte
// per choice (a choice reads 0 once the input is used up); the page has one body part per two
// bytes of input, at most 1000.
// Checks: title, description, canonical, lang, base, charset and the set of links agree,
// whole and in pieces, with the follow list collected (it must change none of them).

#include "crawl/extract/html_extractor.hpp"
#include "fuzz_input.hpp"
#include "oracle/libxml2_extractor.hpp"
#include "support/generated_page.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace crawl;

template <class Extractor>
extract::page_info extract_pieces(std::string_view charset, const std::vector<std::string_view>& pieces)
{
    Extractor ex("https://example.com/dir/page.html", charset, {.keep_links = true, .keep_follow = true});
    for (const auto piece : pieces) {
        ex.feed(piece);
    }
    ex.finish();
    return ex.result();
}

bool agree(const extract::page_info& a, const extract::page_info& b)
{
    return a.title == b.title && a.description == b.description && a.canonical == b.canonical &&
           a.lang == b.lang && a.base == b.base && a.charset == b.charset &&
           std::set<std::string>(a.links.begin(), a.links.end()) == std::set<std::string>(b.links.begin(), b.links.end());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::input in(data, size);
    const std::string_view charset = (in.byte() & 1) != 0 ? "utf-8" : "";
    const auto seed = in.u16();
    const std::size_t parts = std::min<std::size_t>(in.rest().size() / 2, 1000);
    const test::chooser pick = [&](std::size_t n) { return in.byte() % n; };
    const std::string page = test::generated_page(pick, parts);

    const std::vector<std::string_view> whole{page};
    const auto ours = extract_pieces<extract::html_extractor>(charset, fuzz::split(page, seed));
    const auto theirs = extract_pieces<oracle::libxml2_extractor>(charset, whole);
    fuzz::check(agree(ours, theirs), "crawl's extractor and the libxml2 oracle disagree");
    return 0;
}
