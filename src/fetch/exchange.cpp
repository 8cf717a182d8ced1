#include "exchange.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

namespace crawl::fetch {

namespace net = boost::asio;
namespace http = boost::beast::http;

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
