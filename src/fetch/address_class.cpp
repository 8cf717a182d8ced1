#include "address_class.hpp"

#include <cstdint>

namespace crawl::fetch {

namespace {

address_class classify_v4(std::uint32_t a) noexcept
{
    const auto in = [a](std::uint32_t network, int bits) {
        const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
        return (a & mask) == network;
    };
    if (in(0x7F000000, 8)) {
        return address_class::loopback;
    }
    if (in(0x00000000, 8)) {
        return address_class::unspecified;
    }
    if (in(0x0A000000, 8) || in(0xAC100000, 12) || in(0xC0A80000, 16)) {
        return address_class::private_use;
    }
    if (in(0x64400000, 10)) {
        return address_class::shared;
    }
    if (in(0xA9FE0000, 16)) {
        return address_class::link_local;
    }
    if (in(0xE0000000, 4) || a == 0xFFFFFFFF) {
        return address_class::multicast;
    }
    return address_class::global;
}

} // namespace

address_class classify(const boost::asio::ip::address& a) noexcept
{
    if (a.is_v4()) {
        return classify_v4(a.to_v4().to_uint());
    }
    const auto v6 = a.to_v6();
    if (v6.is_v4_mapped()) {
        return classify_v4(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_uint());
    }
    if (v6.is_loopback()) {
        return address_class::loopback;
    }
    if (v6.is_unspecified()) {
        return address_class::unspecified;
    }
    const auto bytes = v6.to_bytes();
    if ((bytes[0] & 0xFE) == 0xFC) {
        return address_class::unique_local;
    }
    if (bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0x80) {
        return address_class::link_local;
    }
    if (bytes[0] == 0xFF) {
        return address_class::multicast;
    }
    return address_class::global;
}

std::string_view describe(address_class c) noexcept
{
    switch (c) {
    case address_class::global:
        return "public";
    case address_class::loopback:
        return "loopback";
    case address_class::unspecified:
        return "unspecified";
    case address_class::private_use:
        return "private";
    case address_class::shared:
        return "shared (carrier-grade NAT)";
    case address_class::link_local:
        return "link-local";
    case address_class::unique_local:
        return "unique-local";
    case address_class::multicast:
        return "multicast";
    }
    return "unknown";
}

} // namespace crawl::fetch
