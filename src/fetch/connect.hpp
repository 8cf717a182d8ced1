#pragma once
// Opening a connection for a target: name resolution, TCP connect and, for https, the TLS
// handshake with SNI and certificate verification, all under --connect-timeout. Owns what
// every new connection shares: the resolver, the TLS context and the descriptor gate.

#include "connection.hpp"
#include "connection_pool.hpp"
#include "deadline.hpp"
#include "descriptor_gate.hpp"
#include "resolver.hpp"

#include "crawl/fetch/client.hpp"
#include "crawl/fetch/options.hpp"
#include "crawl/url/url.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>

#include <cstdint>
#include <memory>

namespace crawl::fetch {

/// The failure of a hop that would connect to inward address `a` (address_class.hpp).
[[nodiscard]] failure blocked_failure(const url::target& t, const boost::asio::ip::address& a);

class connector {
public:
    /// Throws when the TLS context or the resolver cannot be set up.
    connector(boost::asio::any_io_executor executor, const options& opts);

    /// A connected (and for https, handshaken) connection to `t`; nullptr with out.error set
    /// on failure. Fills out.time_ms's dns, connect and tls. When this worker's share of
    /// descriptors is used up, closes a connection of `idle` or waits for one to close (that
    /// wait moves `deadline`, the URL's, on by as much). Unless `inward_allowed`, only public
    /// addresses of the host are tried (address_class.hpp), and a host that has none gives
    /// blocked_address without a connection attempt: the check is on the very address
    /// connected to, so a name that changes its answer between lookups cannot slip past it.
    boost::asio::awaitable<std::unique_ptr<connection>> connect(const url::target& t, connection_pool& idle,
                                                                clock::time_point& deadline, bool inward_allowed,
                                                                outcome& out);

    /// Times a connect found no free file descriptor and waited for one.
    [[nodiscard]] std::uint64_t descriptor_waits() const noexcept { return gate_->waits(); }

private:
    boost::asio::awaitable<bool> handshake(connection& conn, const url::target& t, clock::time_point connect_deadline,
                                           clock::time_point deadline, outcome& out);

    boost::asio::any_io_executor executor_;
    const options& opts_;
    boost::asio::ssl::context tls_;
    resolver dns_;
    // After the resolver: the gate takes the descriptors open when it is made as not ours.
    std::shared_ptr<descriptor_gate> gate_;
};

} // namespace crawl::fetch
