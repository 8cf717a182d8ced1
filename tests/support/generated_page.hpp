#pragma once
// Pages made of the markup real pages are made of, drawn by a caller's chooser: scripts and
// styles holding '<' and '>', comments holding tags, attribute values in every quoting with
// character references, inline SVG, tables, raw UTF-8. crawl's extractor and the libxml2
// oracle agree on every such page (tests/unit/differential_test.cpp draws them at random,
// tests/fuzz/html_differential_fuzz.cpp from the fuzzer's bytes). Plain C++, no server: the
// fuzz build compiles it in.

#include <cstddef>
#include <functional>
#include <string>

namespace crawl::test {

/// Returns a number in [0, n), n > 0.
using chooser = std::function<std::size_t(std::size_t n)>;

/// A whole page: DOCTYPE, <html>, a <head> with a title and maybe a description, canonical
/// and <base>, then `parts` pieces of body markup, each chosen by `pick`.
std::string generated_page(const chooser& pick, std::size_t parts);

} // namespace crawl::test
