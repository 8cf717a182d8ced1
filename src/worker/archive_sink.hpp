#pragma once
// The worker's side of --warc: what one fetch (a page or robots.txt, every hop) sent and
// received, from the fetch client's captures into the worker's WARC files.

#include "crawl/fetch/capture.hpp"
#include "crawl/util/digest.hpp"
#include "crawl/warc/writer.hpp"

#include <cstdint>
#include <optional>

namespace crawl::worker {

/// One fetch's captures, written as they come. Lives as long as its fetch.
class archive_sink final : public fetch::capture_sink {
public:
    explicit archive_sink(warc::writer& writer) : writer_(writer) {}

    void on_payload(std::string_view bytes) override;
    void on_exchange(const fetch::exchange_capture& capture) override;

    /// Where the last hop's response record went: the record's `warc`. Empty when the last
    /// hop had no response, or it could not be written.
    [[nodiscard]] const std::optional<warc::location>& last() const noexcept { return last_; }
    /// The first write that failed: the worker cannot go on.
    [[nodiscard]] const std::optional<warc::write_error>& error() const noexcept { return error_; }

private:
    warc::writer& writer_;
    digest payload_{digest::algorithm::sha1};
    std::uint64_t payload_length_ = 0;
    std::optional<warc::location> last_;
    std::optional<warc::write_error> error_;
};

/// WARC-Truncated for a response read only in part, from how its hop ended.
[[nodiscard]] warc::truncation truncation_of(const fetch::exchange_capture& capture) noexcept;

} // namespace crawl::worker
