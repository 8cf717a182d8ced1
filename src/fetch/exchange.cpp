#include "exchange.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>

namespace crawl::fetch {

namespace net = boost::asio;
namespace http = boost::beast::http;

namespace {

http::request<http::empty_body> make_request(const url::target& t, const options& opts)
{
    http::request<http::empty_body> req{http::verb::get, t.request_target, 11};
    req.set(http::field::host, t.host_header());
    req.set(http::field::user_agent, opts.user_agent);
    req.set(http::field::accept, "text/html,application/xhtml+xml,*/*;q=0.8");
    req.set(http::field::accept_encoding, "gzip, deflate, br, zstd");
    for (const auto& [name, value] : opts.headers) {
        if (value.empty()) {
            req.erase(name);
        } else {
            req.set(name, value);
        }
    }
    return req;
}

} // namespace

std::string request_text(const url::target& t, const options& opts)
{
    const auto req = make_request(t, opts);
    std::string text;
    text.append(req.method_string()).append(" ").append(req.target()).append(" HTTP/1.1\r\n");
    for (const auto& field : req) {
        text.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
    }
    text += "\r\n";
    return text;
}

std::size_t capture_limit(const response::limits& l) noexcept
{
    return 2 * (l.max_body + l.max_body / 8) + response::buffer_limit(l);
}

response::limits response_limits(const options& opts)
{
    return {opts.max_header_bytes, opts.max_header_fields, opts.max_body};
}

bool is_closed_by_peer(const boost::system::error_code& ec)
{
    return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == net::ssl::error::stream_truncated;
}

} // namespace crawl::fetch
