#pragma once
// What a fetch sent and received, byte for byte, for an archive (--warc): one capture per hop
// whose response header arrived, redirects and robots.txt included. Plain data and an
// interface: the worker archives, the fetch client only reports.

#include "crawl/response/body_handler.hpp"
#include "crawl/util/error_class.hpp"

#include <chrono>
#include <cstddef>
#include <string_view>

namespace crawl::fetch {

/// One request and the response it got, as they crossed the wire. Views valid during
/// capture_sink::on_exchange only.
struct exchange_capture {
    std::string_view target_uri;   ///< the URL requested (normalized, no fragment)
    std::string_view peer_address; ///< the IP address connected to; empty when unknown
    std::chrono::system_clock::time_point sent_at; ///< when the request started
    std::string_view request;      ///< the request bytes as sent
    /// The final response as received (interim 1xx responses left out): status line, header
    /// and body with its transfer coding and content coding, up to where reading stopped.
    std::string_view response;
    std::size_t header_size = 0;   ///< bytes of `response` that are the status line and header
    int status = 0;
    std::string_view content_type; ///< the Content-Type field, as sent
    std::string_view content_encoding; ///< the Content-Encoding field, as sent
    bool complete = false;         ///< the response was read to its end
    /// How the hop ended: why an incomplete response stopped (body_too_large, timeout, read,
    /// ...), or none.
    error_class error = error_class::none;
};

/// Receives the captures of a fetch. on_payload (from body_tap) sees the body bytes of the
/// response being read, transfer coding removed, before its on_exchange.
class capture_sink : public response::body_tap {
public:
    virtual void on_exchange(const exchange_capture& capture) = 0;
};

} // namespace crawl::fetch
