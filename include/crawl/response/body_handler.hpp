#pragma once
// The receiving end of a response body: what the page pipeline implements and the response
// reader calls. Plain C++, no Beast, so the pipeline does not compile the HTTP parser.

#include "crawl/util/error_class.hpp"

#include <string_view>

namespace crawl::response {

/// The final response's header, as the body handler needs it.
struct response_info {
    int status = 0;
    std::string_view content_type;
    std::string_view content_encoding;
    std::string_view final_url;
    std::string_view x_robots_tag; ///< its X-Robots-Tag fields, one a line
    std::string_view refresh;      ///< its Refresh field, as sent
};

/// Receives the final (non-redirect) response. Returning a failure stops the read: the
/// connection is not reused and the failure becomes the response's.
class body_handler {
public:
    virtual ~body_handler() = default;
    virtual failure on_header(const response_info& info) = 0;
    /// Body bytes as they arrive, still content-encoded, in chunks of at most 16 KiB.
    virtual failure on_body(std::string_view bytes) = 0;
    /// The body ended completely.
    virtual failure on_end() = 0;
};

/// Sees every body byte as it is read, transfer coding removed and content coding kept, for
/// every response the reader reads to the end of its header (redirects included): what an
/// archive's payload digest is computed over.
class body_tap {
public:
    virtual ~body_tap() = default;
    virtual void on_payload(std::string_view bytes) = 0;
};

} // namespace crawl::response
