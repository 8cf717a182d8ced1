#pragma once
// The benchmark corpus: the real pages of htmlparser-benchmark (fetched by bench/fetch-corpus
// into bench/corpus/, never committed), or a generated stand-in of similar size and shape when
// those are absent. Shared by crawl-bench-server and crawl-micro so both measure the same bytes.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crawl::bench {

struct page {
    std::string name; ///< file name, or "generated-N"
    std::string html;
};

struct corpus {
    std::vector<page> pages;
    bool generated = false; ///< true when the real corpus was not found
    std::string source;     ///< the directory read, or a description of the generator
    [[nodiscard]] std::uint64_t total_bytes() const;
};

/// The directory bench/fetch-corpus unpacks into (relative to the source tree).
std::string default_corpus_dir();

/// Reads every *.html file of `dir` (sorted by name). When `dir` has none, generates 258
/// deterministic pages instead (mean about 95 KB, as the real corpus).
corpus load_corpus(const std::string& dir);

} // namespace crawl::bench
