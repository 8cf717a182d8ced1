#pragma once
// Streaming extraction of what a crawler keeps from an HTML page (crawl's own HTML tokenizer).

#include "crawl/url/target.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace crawl::extract {

/// What a page yields. Strings are UTF-8; empty means absent.
struct page_info {
    std::string title;       ///< first <title>, whitespace collapsed and trimmed
    std::string description; ///< <meta name=description content>, whitespace collapsed
    std::string canonical;   ///< <link rel=canonical href>, resolved and normalized
    std::string lang;        ///< <html lang>
    std::string base;        ///< <base href>, resolved against the page URL
    std::string charset;     ///< the charset the page was decoded with
    std::uint64_t links_count = 0; ///< distinct resolved http(s) links from <a href> and <area href>
    std::vector<std::string> links; ///< those links in document order (only if keep_links)
    /// What a recursive crawl may follow from this page (only if keep_follow): the distinct
    /// resolved http(s) URLs of <a href>, <area href>, <frame src> and <iframe src> in document
    /// order, less the links whose rel holds nofollow; empty when `nofollow`.
    std::vector<std::string> follow;
    /// <meta name=robots> or <meta name=AGENT> (extract_options::robots_agent) says nofollow
    /// or none: nothing on this page is to be followed.
    bool nofollow = false;
};

/// What an extractor collects beyond the page's fields.
struct extract_options {
    bool keep_links = false;  ///< page_info::links (links_count is always counted)
    bool keep_follow = false; ///< page_info::follow
    /// Besides "robots", the <meta name> whose directives speak to this crawler: its robots.txt
    /// product token (ASCII case-insensitive; empty: none).
    std::string_view robots_agent = "crawl";
};

/// Limits on what one page may contribute to a record (the body cap bounds the rest).
inline constexpr std::size_t max_text_bytes = 4096;   ///< title, description, lang
inline constexpr std::size_t max_url_bytes = url::max_url_bytes; ///< canonical, base, each link

/// Takes the decoded body (after Content-Encoding) in chunks of any size and collects
/// page_info. Follows the rules in docs/design.md, "HTML extraction": the charset is decided
/// on the first bytes (BOM, header, meta prescan of the first 1024 bytes, UTF-8 check,
/// windows-1252) and the page decoded to UTF-8 as it streams in; the WHATWG tokenizer
/// (html_tokenizer) reads it, with the few tree-construction rules that change what is
/// extracted (the first HTML <title>, foreign content, <template>); hrefs lose tab/CR/LF and
/// non-http(s) schemes; links resolve against <base href> or the page URL; what may be
/// followed obeys rel=nofollow and <meta name=robots>. The output is the same however the
/// body is split into chunks.
class html_extractor {
public:
    /// `page_url`: the final URL (absolute, http/https). `header_charset`: the Content-Type
    /// charset label, possibly empty. `opts`: which lists to collect.
    html_extractor(std::string_view page_url, std::string_view header_charset, extract_options opts);
    ~html_extractor();
    html_extractor(const html_extractor&) = delete;
    html_extractor& operator=(const html_extractor&) = delete;

    void feed(std::string_view chunk);

    /// Ends the document; result() is complete afterwards. Further feeds are ignored.
    void finish();

    [[nodiscard]] const page_info& result() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace crawl::extract
