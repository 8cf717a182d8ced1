#pragma once
// The per-page streaming pipeline: decode → (hash, extract) → record fields.

#include "crawl/decode/decoder.hpp"
#include "crawl/extract/html_extractor.hpp"
#include "crawl/fetch/client.hpp"
#include "crawl/record/record.hpp"
#include "crawl/util/digest.hpp"
#include "crawl/worker/options.hpp"

#include <optional>

namespace crawl::worker {

/// Receives the final response of one URL from the fetch client, decodes it chunk by chunk,
/// hashes the decoded bytes and, for HTML, feeds them to the extractor. Never holds the body.
class page_pipeline final : public response::body_handler {
public:
    /// `follow`: a recursive crawl's job, whose page's links to follow are collected.
    page_pipeline(const options& opts, record::record& out, bool follow = false);

    failure on_header(const response::response_info& info) override;
    failure on_body(std::string_view bytes) override;
    failure on_end() override;

    /// Fills the record from the fetch outcome and whatever the body produced (also after a
    /// failure mid-body: what was extracted so far is kept).
    void complete(fetch::outcome&& outcome);

    /// After complete(), for a `follow` pipeline: the page's links to follow, or the target of
    /// the redirect that ended the fetch.
    [[nodiscard]] std::vector<std::string>& follow() noexcept { return follow_; }

    /// Bytes of links one page may hand a recursive crawl (its result frame stays far below
    /// wire::max_payload).
    static constexpr std::size_t max_follow_bytes = 8u << 20;

private:
    void on_decoded(std::string_view bytes);
    void take_follow(const std::vector<std::string>& links);

    const options& opts_;
    record::record& record_;
    std::optional<decode::decoder> decoder_;
    std::optional<extract::html_extractor> extractor_;
    sha256 hash_;
    std::vector<std::string> follow_;
    bool keep_follow_ = false;
    bool body_complete_ = false;
};

} // namespace crawl::worker
