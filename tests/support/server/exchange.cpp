#include "support/server/exchange.hpp"

#include "support/routes.hpp"

#include <boost/beast/http/status.hpp>

#include <array>
#include <charconv>

namespace crawl::test::server_impl {
namespace {

std::string percent_decode(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned value = 0;
        if (text[i] == '%' && i + 2 < text.size()) {
            const auto [ptr, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
            if (ec == std::errc{} && ptr == text.data() + i + 3) {
                out += static_cast<char>(value);
                i += 2;
                continue;
            }
        }
        // '+' stays '+': tests percent-encode what they mean, and /redirect-to must echo exactly.
        out += text[i];
    }
    return out;
}

} // namespace

request_view make_request_view(const http::request<http::string_body>& msg, tcp::endpoint client,
                               tcp::endpoint server)
{
    request_view req;
    req.message = &msg;
    req.keep_alive = msg.keep_alive();
    req.client = client;
    req.server = server;
    const std::string_view target(msg.target().data(), msg.target().size());
    const std::size_t question = target.find('?');
    req.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) {
        std::string_view rest = target.substr(question + 1);
        while (!rest.empty()) {
            const std::size_t amp = rest.find('&');
            const std::string_view item = rest.substr(0, amp);
            rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
            const std::size_t eq = item.find('=');
            req.query.emplace_back(percent_decode(item.substr(0, eq)),
                                   eq == std::string_view::npos ? std::string() : percent_decode(item.substr(eq + 1)));
        }
    }
    return req;
}

field_list one_field(std::string_view name, std::string value)
{
    field_list list;
    list.emplace_back(name, std::move(value));
    return list;
}

std::string chunk(std::string_view data)
{
    std::array<char, 20> size{};
    const auto [end, ec] = std::to_chars(size.data(), size.data() + size.size(), data.size(), 16);
    return std::string(size.data(), end) + "\r\n" + std::string(data) + "\r\n";
}

std::optional<std::uint64_t> parse_number(std::string_view text)
{
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::string_view> exchange::param(std::string_view name) const
{
    for (const auto& [key, value] : req.query) {
        if (key == name) {
            return std::string_view(value);
        }
    }
    return std::nullopt;
}

std::uint64_t exchange::number_param(std::string_view name, std::uint64_t fallback) const
{
    const auto text = param(name);
    return text ? parse_number(*text).value_or(fallback) : fallback;
}

std::optional<std::uint64_t> exchange::path_number(std::string_view prefix) const
{
    return parse_number(std::string_view(req.path).substr(prefix.size()));
}

bool exchange::accepts_gzip() const
{
    const auto it = req.message->find(http::field::accept_encoding);
    return it != req.message->end() && it->value().find("gzip") != boost::beast::string_view::npos;
}

std::string exchange::head(unsigned status, std::string_view content_type, framing f, std::uint64_t length,
                           const field_list& extra) const
{
    const bool close = !req.keep_alive || f == framing::until_close;
    std::string reason(http::obsolete_reason(http::int_to_status(status)));
    if (reason.empty() || reason == "<unknown-status>") {
        reason = "Unknown";
    }
    // A close-delimited body is the HTTP/1.0 way; say so in the status line too.
    std::string h =
        (f == framing::until_close ? "HTTP/1.0 " : "HTTP/1.1 ") + std::to_string(status) + " " + reason + "\r\n";
    h += "Server: " + std::string(routes::server_name) + "\r\n";
    if (!content_type.empty()) {
        h += "Content-Type: " + std::string(content_type) + "\r\n";
    }
    if (f == framing::length) {
        h += "Content-Length: " + std::to_string(length) + "\r\n";
    } else if (f == framing::chunked) {
        h += "Transfer-Encoding: chunked\r\n";
    }
    for (const auto& [name, value] : extra) {
        h += std::string(name) + ": " + value + "\r\n";
    }
    if (close && f != framing::until_close) {
        h += "Connection: close\r\n";
    } else if (!close && req.message->version() == 10) {
        h += "Connection: keep-alive\r\n";
    }
    h += "\r\n";
    return h;
}

net::awaitable<next_step> exchange::send(unsigned status, std::string_view content_type, std::string body,
                                         field_list extra)
{
    std::string out = head(status, content_type, framing::length, body.size(), extra);
    out += body;
    co_await conn.write(out);
    co_return after_response();
}

net::awaitable<next_step> route_not_found(exchange& ex)
{
    co_return co_await ex.send(404, html_type, routes::small_html("Not Found"));
}

} // namespace crawl::test::server_impl
