#pragma once
// Where an address leads: the public internet, or inward (this machine, its networks, the cloud
// metadata service at 169.254.169.254). A crawl that follows what servers send must not be led
// inward by them: a redirect from a public site to an inward address is refused, unless the URL
// the crawl started from was inward itself (an intranet crawl) or --allow-private says so.

#include <boost/asio/ip/address.hpp>

#include <string_view>

namespace crawl::fetch {

enum class address_class {
    global,       ///< anything not below: reachable on the internet
    loopback,     ///< 127.0.0.0/8, ::1
    unspecified,  ///< 0.0.0.0/8 ("this network"), ::
    private_use,  ///< 10/8, 172.16/12, 192.168/16 (RFC 1918)
    shared,       ///< 100.64/10, carrier-grade NAT (RFC 6598)
    link_local,   ///< 169.254/16 (the metadata service lives here), fe80::/10
    unique_local, ///< fc00::/7
    multicast,    ///< 224/4, ff00::/8, and 255.255.255.255
};

/// The class of `a`; an IPv4-mapped IPv6 address is classed as its IPv4 address.
[[nodiscard]] address_class classify(const boost::asio::ip::address& a) noexcept;

/// True for every class but global.
[[nodiscard]] inline bool is_inward(address_class c) noexcept
{
    return c != address_class::global;
}

/// "loopback", "private", "link-local", ... for messages.
[[nodiscard]] std::string_view describe(address_class c) noexcept;

} // namespace crawl::fetch
