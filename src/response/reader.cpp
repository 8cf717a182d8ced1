#include "crawl/response/reader.hpp"

#include "crawl/decode/decoder.hpp"
#include "crawl/util/text.hpp"

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <iterator>

namespace crawl::response {

namespace http = boost::beast::http;
using error_code = boost::system::error_code;

namespace {

bool is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool is_http_error(const error_code& ec)
{
    return ec.category() == http::make_error_code(http::error::end_of_stream).category();
}

/// A failure of the connection itself (reset, EOF before any byte, TLS) rather than of what
/// the server sent.
bool is_transport_error(const error_code& ec)
{
    return ec == http::error::end_of_stream || !is_http_error(ec);
}

} // namespace

std::size_t buffer_limit(const limits& l) noexcept
{
    // Beast reads at most 64 KiB at a time, so the header limit is always hit first in the header.
    return std::size_t{l.max_header_bytes} + 64 * 1024;
}

reader::reader(const limits& l, std::string_view final_url, body_handler& handler, body_tap* tap)
    : limits_(l), final_url_(final_url), handler_(handler), tap_(tap)
{
    parser_.emplace();
    parser_->header_limit(limits_.max_header_bytes);
    // The wire limit sits above the decoded cap, so an identity body is stopped by the handler's
    // cap (body_too_large with what was read so far) and a compressed one by its decoded size.
    parser_->body_limit(decode::max_encoded_size(limits_.max_body));
}

std::string_view reader::field(boost::beast::http::field name) const
{
    if (status_ == 0) {
        return {}; // no header parsed: fields Beast stored before a bad one are not the response's
    }
    const auto v = parser_->get()[name];
    return {v.data(), v.size()};
}

std::string_view reader::content_type() const
{
    return field(http::field::content_type);
}

std::string_view reader::content_encoding() const
{
    if (status_ == 0) {
        return {};
    }
    return content_encoding_;
}

std::string_view reader::retry_after() const
{
    return field(http::field::retry_after);
}

step reader::fail(failure f)
{
    error_ = std::move(f);
    reusable_ = false;
    next_ = step::done;
    return next_;
}

step reader::header_read(error_code ec, std::size_t header_bytes)
{
    if (ec) {
        if (ec == boost::beast::error::timeout) {
            return fail({error_class::timeout, "no response header within the read timeout"});
        }
        if (ec == http::error::body_limit) { // Content-Length alone is over the cap
            final_header_ = true;             // (the header itself was whole)
            return fail({error_class::body_too_large,
                         "Content-Length exceeds --max-body of " + std::to_string(limits_.max_body) + " bytes"});
        }
        if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
            return fail({error_class::protocol,
                         "response header exceeds " + std::to_string(limits_.max_header_bytes) + " bytes"});
        }
        if (is_transport_error(ec)) {
            return fail({error_class::read, "reading the response header: " + ec.message()});
        }
        // A header cut short by the server's close is not valid HTTP either (the peer may not
        // be speaking HTTP at all: a response without a status line ends like this).
        return fail({error_class::protocol, "malformed response: " + ec.message()});
    }
    // Beast applies its limit to the status line and to the fields separately when both arrive
    // in one read (so up to twice the cap passes), and to the whole header when it trickles
    // in: checking the total here makes the cap exact, whatever the packet boundaries.
    if (header_bytes > limits_.max_header_bytes) {
        return fail({error_class::protocol,
                     "response header exceeds " + std::to_string(limits_.max_header_bytes) + " bytes"});
    }
    auto& head = parser_->get();
    // Counted after the parse: the header byte limit already bounds what these fields hold.
    const auto fields = static_cast<std::size_t>(std::distance(head.begin(), head.end()));
    if (fields > limits_.max_header_fields) {
        return fail({error_class::protocol, "response has " + std::to_string(fields) + " header fields, more than " +
                                                std::to_string(limits_.max_header_fields)});
    }
    status_ = static_cast<int>(head.result_int());
    // Several Content-Encoding fields are one list (RFC 9110, section 5.3): "gzip" then "br"
    // is "gzip, br", and the body must be decoded as such.
    content_encoding_.clear();
    const auto [first, last] = head.equal_range(http::field::content_encoding);
    for (auto f = first; f != last; ++f) {
        content_encoding_.append(content_encoding_.empty() ? "" : ", ").append(f->value());
    }
    if (status_ >= 100 && status_ < 200 && status_ != 101) {
        if (++interim_ > max_interim_responses) {
            return fail({error_class::protocol,
                         "more than " + std::to_string(max_interim_responses) + " interim (1xx) responses"});
        }
        status_ = 0; // only the final response's status counts
        parser_.emplace(); // Beast needs a new parser per message
        parser_->header_limit(limits_.max_header_bytes);
        parser_->body_limit(decode::max_encoded_size(limits_.max_body));
        next_ = step::read_header;
        return next_;
    }
    final_header_ = true;
    const auto loc = head[http::field::location];
    // Only a Location with something in it redirects; an empty one is a final 3xx (it must not
    // count as a redirect here and as a final response once the body comes: location_ alone
    // decides both, so the handler always sees a header before any body byte).
    if (is_redirect(status_) && !text::trim({loc.data(), loc.size()}).empty()) {
        location_.assign(loc.data(), loc.size());
    } else {
        // X-Robots-Tag fields are kept apart: a comma inside one ("unavailable_after: 25 Jun
        // 2026, nofollow") does not end what an "AGENT:" at its start speaks to.
        std::string x_robots_tag;
        const auto [robots_first, robots_last] = head.equal_range("X-Robots-Tag");
        for (auto f = robots_first; f != robots_last; ++f) {
            x_robots_tag.append(x_robots_tag.empty() ? "" : "\n").append(f->value());
        }
        const auto refresh = head["Refresh"]; // (Beast has no http::field for it)
        const response_info info{status_,      content_type(), content_encoding(), final_url_, x_robots_tag,
                                 {refresh.data(), refresh.size()}};
        if (auto f = handler_.on_header(info); f.cls != error_class::none) {
            return fail(std::move(f));
        }
    }
    if (parser_->is_done()) {
        return finish_body();
    }
    next_ = step::read_body;
    return next_;
}

void reader::prepare_body() noexcept
{
    parser_->get().body().data = chunk_.data();
    parser_->get().body().size = chunk_.size();
}

step reader::body_read(error_code ec)
{
    const std::size_t got = chunk_.size() - parser_->get().body().size;
    if (ec == http::error::need_buffer) {
        ec = {};
    }
    // Bytes that arrived before an error are still the page's: the handler keeps what it can.
    if (got > 0) {
        if (tap_ != nullptr) {
            tap_->on_payload({chunk_.data(), got});
        }
        drained_ += got;
        if (location_.empty()) {
            if (auto f = handler_.on_body({chunk_.data(), got}); f.cls != error_class::none) {
                return fail(std::move(f));
            }
        }
    }
    if (ec) {
        if (ec == boost::beast::error::timeout) {
            return fail({error_class::timeout, "body read idle for the read timeout"});
        }
        if (ec == http::error::body_limit) {
            return fail({error_class::body_too_large,
                         "body exceeds " + std::to_string(limits_.max_body) + " bytes"});
        }
        if (ec == http::error::buffer_overflow) {
            return fail({error_class::protocol, "chunk header or trailer exceeds " +
                                                    std::to_string(buffer_limit(limits_)) + " bytes"});
        }
        if (ec == http::error::partial_message || is_transport_error(ec)) {
            return fail({error_class::read, "connection closed mid-body: " + ec.message()});
        }
        return fail({error_class::protocol, "malformed response: " + ec.message()});
    }
    if (parser_->is_done()) {
        return finish_body();
    }
    if (!location_.empty() && drained_ > max_drained_redirect_body) {
        next_ = step::done; // not worth reading: the connection is dropped instead
        return next_;
    }
    next_ = step::read_body;
    return next_;
}

step reader::finish_body()
{
    if (location_.empty()) {
        if (auto f = handler_.on_end(); f.cls != error_class::none) {
            return fail(std::move(f));
        }
    }
    reusable_ = parser_->keep_alive();
    next_ = step::done;
    return next_;
}

} // namespace crawl::response
