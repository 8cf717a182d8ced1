#pragma once
// The per-page streaming pipeline: decode → (hash, extract) → record fields.

#include "crawl/decode/decoder.hpp"
#include "crawl/extract/html_extractor.hpp"
#include "crawl/fetch/client.hpp"
#include "crawl/record/record.hpp"
#include "crawl/sitemap/body_reader.hpp"
#include "crawl/util/digest.hpp"
#include "crawl/worker/options.hpp"

#include <optional>

namespace crawl::worker {

/// Receives the final response of one URL from the fetch client, decodes it chunk by chunk,
/// hashes the decoded bytes and, for HTML, feeds them to the extractor. Never holds the body.
class page_pipeline final : public response::body_handler {
public:
    /// What the body is read for.
    enum class purpose : std::uint8_t {
        page,   ///< the record's fields
        follow, ///< also the links a recursive crawl follows
        sitemap, ///< a sitemap's entries (--sitemaps), whatever its Content-Type
    };
    page_pipeline(const options& opts, record::record& out, purpose p = purpose::page);

    failure on_header(const response::response_info& info) override;
    failure on_body(std::string_view bytes) override;
    failure on_end() override;

    /// Fills the record from the fetch outcome and whatever the body produced (also after a
    /// failure mid-body: what was extracted so far is kept).
    void complete(fetch::outcome&& outcome);

    /// After complete(), for a `follow` pipeline: the page's links to follow, or the target of
    /// the redirect that ended the fetch; for a `sitemap` one, the sitemap's entries.
    [[nodiscard]] std::vector<std::string>& follow() noexcept { return follow_; }
    /// After complete(), for a `sitemap` pipeline: the file was a sitemap index (its entries are
    /// sitemaps).
    [[nodiscard]] bool sitemap_index() const noexcept { return sitemap_index_; }

    /// Bytes of links one page may hand a recursive crawl (its result frame stays far below
    /// wire::max_payload).
    static constexpr std::size_t max_follow_bytes = 8u << 20;

private:
    void on_decoded(std::string_view bytes);
    void take_follow(const std::vector<std::string>& links);
    void add_follow(std::string_view link);

    const options& opts_;
    record::record& record_;
    std::optional<decode::decoder> decoder_;
    std::optional<extract::html_extractor> extractor_;
    sha256 hash_;
    std::optional<sitemap::body_reader> sitemap_;
    std::vector<std::string> follow_;
    std::size_t follow_bytes_ = 0;
    purpose purpose_;
    bool sitemap_index_ = false;
    bool body_complete_ = false;
    bool header_nofollow_ = false; ///< X-Robots-Tag says nofollow or none to crawl
    std::string header_refresh_;   ///< the URL a Refresh field sends to, resolved
};

} // namespace crawl::worker
