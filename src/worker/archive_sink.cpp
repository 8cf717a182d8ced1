#include "archive_sink.hpp"

#include "crawl/util/text.hpp"

namespace crawl::worker {

warc::truncation truncation_of(const fetch::exchange_capture& capture) noexcept
{
    if (capture.complete) {
        return warc::truncation::none;
    }
    switch (capture.error) {
    case error_class::none:           // a redirect's body too large to be worth reading
    case error_class::body_too_large: // --max-body, or the capture's own cap
        return warc::truncation::length;
    case error_class::timeout:
        return warc::truncation::time;
    case error_class::read:
        return warc::truncation::disconnect;
    default:
        return warc::truncation::unspecified;
    }
}

namespace {

/// A body with a content coding other than identity is compressed already.
bool compressed(std::string_view content_encoding) noexcept
{
    const auto coding = text::trim(content_encoding);
    return !coding.empty() && !text::iequals(coding, "identity");
}

} // namespace

void archive_sink::on_payload(std::string_view bytes)
{
    payload_.update(bytes);
    payload_length_ += bytes.size();
}

void archive_sink::on_exchange(const fetch::exchange_capture& capture)
{
    const std::string payload_digest = payload_.finish();
    payload_ = digest(digest::algorithm::sha1); // for the next hop
    warc::exchange e;
    e.target_uri = capture.target_uri;
    e.ip_address = capture.peer_address;
    e.date = capture.sent_at;
    e.request = capture.request;
    e.response = capture.response;
    e.header_size = capture.header_size;
    e.payload_digest = payload_digest;
    e.payload_length = std::exchange(payload_length_, 0);
    e.payload_compressed = compressed(capture.content_encoding);
    e.truncated = truncation_of(capture);
    e.status = capture.status;
    e.content_type = capture.content_type;
    last_.reset();
    if (error_) {
        return;
    }
    auto written = writer_.write(e);
    if (auto* where = std::get_if<warc::location>(&written)) {
        last_ = std::move(*where);
    } else {
        error_ = std::move(std::get<warc::write_error>(written));
    }
}

} // namespace crawl::worker
