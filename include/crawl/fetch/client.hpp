#pragma once
// HTTP/1.1 and HTTPS GET with keep-alive pooling, redirects and deadlines, streaming the final
// response's body to a handler (through response::reader). One client per worker process;
// single-threaded use only.

#include "crawl/fetch/capture.hpp"
#include "crawl/fetch/options.hpp"
#include "crawl/fetch/pacer.hpp"
#include "crawl/response/body_handler.hpp"
#include "crawl/record/record.hpp"
#include "crawl/url/url.hpp"
#include "crawl/util/error_class.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace crawl::fetch {

/// What happened to one URL at the HTTP level.
struct outcome {
    failure error;          ///< error_class::none when a final response was read completely
    std::string final_url;  ///< the last URL requested
    int status = 0;         ///< the last response's status; 0 if none
    int redirects = 0;
    std::uint64_t wire_bytes = 0; ///< response bytes of every hop (header, framing, body)
    std::string content_type;
    std::string content_encoding;
    std::string retry_after; ///< the last response's Retry-After field, as sent
    record::timings time_ms; ///< dns/connect/tls/ttfb of the last hop; total of the whole URL
    /// hop_rules::stop_at_redirect: where the redirect that ended the fetch points (normalized).
    std::string redirect_to;
    bool first_hop_inward = false; ///< the first hop connected to a loopback or private address
    /// The pacer refused a request (its send-by time had passed): nothing was written, and
    /// `error` says so. The job is not done.
    bool unsent = false;
};

/// Which hops get() makes.
struct hop_rules {
    int max_redirects = 10; ///< redirects followed, at most
    /// A recursive crawl schedules a redirect's target as a URL of its own: the first redirect
    /// ends the fetch (no error), its target in outcome::redirect_to.
    bool stop_at_redirect = false;
    /// Even the first hop may only connect to a public address (blocked_address otherwise).
    bool outward_only = false;
};

class client {
public:
    client(boost::asio::any_io_executor executor, const options& opts);
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    /// Fetches `target`, following at most `max_redirects` redirects. Never throws for network
    /// or protocol failures: they come back in outcome::error. Running out of file descriptors
    /// is not a failure: the fetch waits for one, and that wait does not count against its
    /// deadlines. With a `pacer`, each request is announced to it as it is written, and each
    /// redirect hop waits for its turn (that wait does not count against the deadline either).
    /// With a `sink`, every hop whose response header arrived is captured to it.
    boost::asio::awaitable<outcome> get(url::target target, response::body_handler& handler, int max_redirects,
                                        pacer* pacing = nullptr, capture_sink* sink = nullptr);
    /// The same, with the hops chosen by `rules`.
    boost::asio::awaitable<outcome> get(url::target target, response::body_handler& handler, hop_rules rules,
                                        pacer* pacing = nullptr, capture_sink* sink = nullptr);

    /// Times a fetch found no free file descriptor and waited for one (docs/design.md, "File descriptors").
    [[nodiscard]] std::uint64_t descriptor_waits() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace crawl::fetch
