#include "connect.hpp"

#include "address_class.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <optional>
#include <vector>

namespace crawl::fetch {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr auto nothrow = net::as_tuple(net::use_awaitable);

/// Drops the inward addresses from `endpoints`; the failure when none is left.
std::optional<failure> keep_public(std::vector<tcp::endpoint>& endpoints, const url::target& t)
{
    const auto first = endpoints.empty() ? tcp::endpoint{} : endpoints.front();
    std::erase_if(endpoints, [](const tcp::endpoint& e) { return is_inward(classify(e.address())); });
    if (!endpoints.empty()) {
        return std::nullopt;
    }
    return blocked_failure(t, first.address());
}

} // namespace

failure blocked_failure(const url::target& t, const net::ip::address& a)
{
    return {error_class::blocked_address,
            t.host_port() + " is " + a.to_string() + ", a " + std::string(describe(classify(a))) +
                " address, and this URL was reached from a public one: not connected (--allow-private allows it)"};
}

connector::connector(net::any_io_executor executor, const options& opts)
    : executor_(executor), opts_(opts), tls_(ssl::context::tls_client), dns_(executor, opts),
      gate_(std::make_shared<descriptor_gate>(executor))
{
    tls_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3);
    // Idle pooled TLS connections keep no read/write buffers.
    SSL_CTX_set_mode(tls_.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    if (opts_.insecure) {
        tls_.set_verify_mode(ssl::verify_none);
    } else {
        tls_.set_verify_mode(ssl::verify_peer);
        if (opts_.cacert.empty()) {
            tls_.set_default_verify_paths();
        } else {
            tls_.load_verify_file(opts_.cacert);
        }
    }
}

net::awaitable<std::unique_ptr<connection>> connector::connect(const url::target& t, connection_pool& idle,
                                                              clock::time_point& deadline, bool inward_allowed,
                                                              outcome& out)
{
    auto connect_deadline = std::min(deadline, clock::now() + opts_.connect_timeout);
    for (;;) {
        if (gate_->full()) { // our share of the descriptors is in use
            co_await gate_->wait_for_descriptor(deadline, connect_deadline, idle);
            continue;
        }
        const auto dns_start = clock::now();
        auto answer = co_await dns_.resolve(t.host, t.port, connect_deadline);
        out.time_ms.dns = answer.looked_up ? ms_since(dns_start) : 0.0;
        if (answer.error.cls != error_class::none) {
            if (answer.error.cls == error_class::timeout) {
                answer.error = timeout_failure(deadline, opts_, answer.error.message);
            }
            out.error = std::move(answer.error);
            co_return nullptr;
        }
        if (!inward_allowed) {
            if (auto refused = keep_public(answer.endpoints, t)) {
                out.error = std::move(*refused);
                co_return nullptr;
            }
        }

        auto conn = std::make_unique<connection>(gate_);
        conn->key = connection_pool::key_of(t);
        if (t.tls()) {
            conn->secure.emplace(executor_, tls_);
        } else {
            conn->plain.emplace(executor_);
        }
        auto& stream = conn->tcp();
        conn->counted = true; // from here on it holds (or is about to hold) a descriptor
        gate_->opened();
        const auto connect_start = clock::now();
        stream.expires_at(connect_deadline);
        auto [ec, endpoint] = co_await stream.async_connect(answer.endpoints, nothrow);
        if (ec && is_descriptor_shortage(ec)) {
            const bool retry = co_await gate_->wait_for_descriptor(deadline, connect_deadline, idle);
            if (retry) {
                continue;
            }
            out.error = {error_class::connect,
                         "connect to " + t.host_port() + ": no file descriptor free and none held by this worker"};
            co_return nullptr;
        }
        if (ec) {
            out.error = ec == beast::error::timeout
                            ? timeout_failure(deadline, opts_,
                                              "connect to " + t.host_port() + " timed out after " +
                                                  seconds_text(opts_.connect_timeout))
                            : failure{error_class::connect, "connect to " + t.host_port() + ": " + ec.message()};
            co_return nullptr;
        }
        out.time_ms.connect = ms_since(connect_start);
        conn->remote = endpoint.address();
        error_code ignored;
        stream.socket().set_option(tcp::no_delay(true), ignored);

        if (conn->secure) {
            if (!co_await handshake(*conn, t, connect_deadline, deadline, out)) {
                co_return nullptr;
            }
        }
        co_return conn;
    }
}

net::awaitable<bool> connector::handshake(connection& conn, const url::target& t, clock::time_point connect_deadline,
                                          clock::time_point deadline, outcome& out)
{
    SSL* native = conn.secure->native_handle();
    error_code literal_error;
    (void)net::ip::make_address(t.host, literal_error);
    const bool host_is_ip = !literal_error;
    if (!host_is_ip) {
        // SNI (SSL_set_tlsext_host_name is a macro with an old-style cast).
        SSL_ctrl(native, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(t.host.c_str()));
    }
    if (!opts_.insecure) {
        if (host_is_ip) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(native), t.host.c_str());
        } else {
            SSL_set1_host(native, t.host.c_str());
        }
    }
    const auto start = clock::now();
    conn.tcp().expires_at(connect_deadline);
    auto [ec] = co_await conn.secure->async_handshake(ssl::stream_base::client, nothrow);
    if (ec) {
        if (ec == beast::error::timeout) {
            out.error = timeout_failure(deadline, opts_,
                                        "TLS handshake with " + t.host_port() + " timed out after " +
                                            seconds_text(opts_.connect_timeout));
        } else {
            std::string why = ec.message();
            const long verify = SSL_get_verify_result(native);
            if (verify != X509_V_OK) {
                why = std::string("certificate verification failed: ") + X509_verify_cert_error_string(verify);
            }
            out.error = {error_class::tls, "TLS handshake with " + t.host_port() + ": " + why};
        }
        co_return false;
    }
    out.time_ms.tls = ms_since(start);
    co_return true;
}

} // namespace crawl::fetch
