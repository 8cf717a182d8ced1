#pragma once
// One request and its response on an open connection: write the GET, read the response
// through response::reader under the read deadlines, and say how it ended (a failure of
// crawl's classes, a redirect to follow, whether the connection may serve another request).
// A template over the stream so that the client runs it over TCP and TLS and the unit tests
// over Beast's test stream.

#include "deadline.hpp"
#include "recording_buffer.hpp"

#include "crawl/fetch/capture.hpp"
#include "crawl/fetch/client.hpp"
#include "crawl/fetch/options.hpp"
#include "crawl/fetch/pacer.hpp"
#include "crawl/response/reader.hpp"
#include "crawl/url/url.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>

namespace crawl::fetch {

/// How one request/response exchange ended.
struct exchange_result {
    failure error;
    bool retry_fresh = false; ///< reused connection closed before any response byte
    std::string location;     ///< non-empty: follow this redirect
    bool reusable = false;    ///< connection may go back to the pool
};

/// The GET for `t` as it goes on the wire: crawl's default fields, then --header's additions
/// and removals.
std::string request_text(const url::target& t, const options& opts);

/// The caps every response is read under (--max-header-bytes, --max-header-fields, --max-body).
response::limits response_limits(const options& opts);

/// Errors that mean "the peer closed the connection": on a reused connection before any byte
/// of the response, the request is retried once on a fresh one.
bool is_closed_by_peer(const boost::system::error_code& ec);

/// A stream whose lowest layer keeps a deadline for the next I/O: beast::tcp_stream, under
/// TLS or not.
template <class Stream>
concept stream_with_deadline = requires(Stream& stream, clock::time_point when) {
    boost::beast::get_lowest_layer(stream).expires_at(when);
};

/// The most bytes of one response a capture keeps: the body's wire cap, twice over for chunk
/// framing, plus a header. A response larger than that is archived cut short.
[[nodiscard]] std::size_t capture_limit(const response::limits& l) noexcept;

/// Arms the deadline of the next I/O. Beast's test stream has no clock: under it the exchange
/// runs without deadlines.
template <class Stream>
void expire_at(Stream& stream, clock::time_point when)
{
    if constexpr (stream_with_deadline<Stream>) {
        boost::beast::get_lowest_layer(stream).expires_at(when);
    }
}

/// Sends the GET for `t` on `stream` and reads the response, through `buffer` (it keeps the
/// bytes between the responses of one connection), handing the final body to `handler`.
/// `reused`: the connection carried a response before, so its close before any byte of this
/// one means it had gone stale (retry_fresh), not that the server failed. `deadline` is the
/// whole URL's; each write and read must also finish within --read-timeout. Fills out's
/// wire_bytes, ttfb, status, content_type, content_encoding and retry_after; the handler is
/// told out.final_url. With a `sink`, what was sent and received goes to it once the response
/// header has arrived (capture.hpp), with `peer`, the address the connection is connected to
/// (connection::remote; empty when unknown). A `pacing` is told once the request is written.
/// Never throws for I/O or protocol failures.
template <class Stream>
boost::asio::awaitable<exchange_result> exchange(Stream& stream, boost::beast::flat_buffer& buffer, bool reused,
                                                 const url::target& t, clock::time_point deadline,
                                                 const options& opts, response::body_handler& handler, outcome& out,
                                                 pacer* pacing = nullptr, capture_sink* sink = nullptr,
                                                 std::string_view peer = {})
{
    namespace net = boost::asio;
    namespace beast = boost::beast;
    namespace http = beast::http;
    constexpr auto nothrow = net::as_tuple(net::use_awaitable);

    exchange_result result;
    const auto limits = response_limits(opts);
    buffer.max_size(response::buffer_limit(limits));
    const auto arm = [&] { expire_at(stream, std::min(deadline, clock::now() + opts.read_timeout)); };

    const std::string request = request_text(t, opts);
    const auto sent_at = std::chrono::system_clock::now();
    const auto sent = clock::now();
    arm();
    auto [write_ec, written] = co_await net::async_write(stream, net::buffer(request), nothrow);
    (void)written;
    if (pacing != nullptr) {
        pacing->written(t);
    }
    if (write_ec) {
        if (reused && is_closed_by_peer(write_ec)) {
            result.retry_fresh = true;
        } else if (write_ec == beast::error::timeout) {
            result.error = timeout_failure(deadline, opts, "sending the request timed out");
        } else {
            result.error = {error_class::write, "sending the request: " + write_ec.message()};
        }
        co_return result;
    }

    // Beast reads as much as the buffer has room for (at least 512 bytes): without room for
    // a whole chunk, a 20 KB body takes 40 recvmsg calls instead of two.
    buffer.reserve(response::chunk_size);
    // What is captured for an archive: the bytes the parser consumes, up to a cap.
    std::string raw;
    recording_buffer recorded(buffer, sink != nullptr ? &raw : nullptr, capture_limit(limits));
    // The response: crawl's caps, 1xx skipping and body handling live in the reader; this
    // loop only does the reads and knows the deadlines.
    response::reader rd(limits, out.final_url, handler, sink);
    while (rd.next() == response::step::read_header) {
        raw.clear(); // an interim response is not part of the final one
        arm();
        auto [ec, n] = co_await http::async_read_header(stream, recorded, rd.parser(), nothrow);
        out.wire_bytes += n;
        if (ec && reused && n == 0 && buffer.size() == 0 && is_closed_by_peer(ec)) {
            result.retry_fresh = true;
            co_return result;
        }
        rd.header_read(ec, n);
        if (rd.error().cls == error_class::timeout) {
            result.error =
                timeout_failure(deadline, opts, "no response header within " + seconds_text(opts.read_timeout));
            co_return result;
        }
    }
    out.time_ms.ttfb = ms_since(sent);
    out.status = rd.status();
    out.content_type = std::string(rd.content_type());
    out.content_encoding = std::string(rd.content_encoding());
    out.retry_after = std::string(rd.retry_after());
    const std::size_t header_size = raw.size();
    while (rd.next() == response::step::read_body) {
        rd.prepare_body();
        arm();
        // read_some returns after each batch the socket delivers, so the read timeout is an idle
        // timeout (async_read would wait for a full chunk under one arming).
        auto [ec, n] = co_await http::async_read_some(stream, recorded, rd.parser(), nothrow);
        out.wire_bytes += n;
        if (ec == net::ssl::error::stream_truncated && rd.parser().need_eof()) {
            // Servers often close TLS without close_notify; for a close-delimited body
            // that is the end of the body, not an attack on it.
            rd.parser().put_eof(ec);
        }
        rd.body_read(ec);
    }
    result.error = rd.error();
    if (result.error.cls == error_class::timeout) {
        result.error = timeout_failure(deadline, opts, "body read idle for " + seconds_text(opts.read_timeout));
    }
    result.location = rd.location();
    if (sink != nullptr && rd.has_final_header()) {
        // The parser's header, not the reader's view of it: a header whose Content-Length was
        // refused is whole, and archived with no body.
        const auto& head = rd.parser().get();
        const auto content_type = head[boost::beast::http::field::content_type];
        const auto content_encoding = head[boost::beast::http::field::content_encoding];
        exchange_capture capture;
        capture.target_uri = t.href;
        capture.peer_address = peer;
        capture.sent_at = sent_at;
        capture.request = request;
        capture.response = raw;
        capture.header_size = header_size;
        capture.status = static_cast<int>(head.result_int());
        capture.content_type = {content_type.data(), content_type.size()};
        capture.content_encoding = {content_encoding.data(), content_encoding.size()};
        capture.complete = rd.parser().is_done() && !recorded.overflowed();
        capture.error = recorded.overflowed() ? error_class::body_too_large : result.error.cls;
        sink->on_exchange(capture);
    }
    // Bytes past the end of the response are not ours to interpret: a server that sends
    // more than it declared could otherwise answer the next request on this connection.
    result.reusable = rd.reusable() && buffer.size() == 0;
    co_return result;
}

} // namespace crawl::fetch
