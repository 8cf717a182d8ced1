#pragma once
// The oracle: the extractor crawl had before its own tokenizer, libxml2 2.9.14's HTML push
// parser with SAX callbacks, kept for the tests (the differential test and fuzz target hold
// the tokenizer to it, every disagreement explained in docs/design.md) and for crawl-micro's
// speed ratio. Same charset decision and decoding (page_decoder), same collection of what
// each element contributes (page_collector): only the HTML parsing differs.

#include "crawl/extract/html_extractor.hpp"

#include <memory>
#include <string_view>

namespace crawl::oracle {

class libxml2_extractor {
public:
    libxml2_extractor(std::string_view page_url, std::string_view header_charset, extract::extract_options opts);
    ~libxml2_extractor();
    libxml2_extractor(const libxml2_extractor&) = delete;
    libxml2_extractor& operator=(const libxml2_extractor&) = delete;

    void feed(std::string_view chunk);
    void finish();
    [[nodiscard]] const extract::page_info& result() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace crawl::oracle
