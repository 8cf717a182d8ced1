// Which addresses are inward (fetch/address_class.hpp): every range the check refuses after a
// public first hop, its edges, and the IPv6 forms of the same places.

#include "fetch/address_class.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace crawl::fetch {
namespace {

address_class of(const std::string& text)
{
    return classify(boost::asio::ip::make_address(text));
}

TEST(AddressClass, EveryInwardRangeAndItsEdges)
{
    const std::vector<std::pair<std::string, address_class>> cases{
        {"127.0.0.1", address_class::loopback},
        {"127.255.255.254", address_class::loopback},
        {"0.0.0.0", address_class::unspecified},
        {"0.1.2.3", address_class::unspecified},
        {"10.0.0.1", address_class::private_use},
        {"10.255.255.255", address_class::private_use},
        {"172.16.0.1", address_class::private_use},
        {"172.31.255.255", address_class::private_use},
        {"172.15.255.255", address_class::global},
        {"172.32.0.0", address_class::global},
        {"192.168.1.1", address_class::private_use},
        {"192.169.0.1", address_class::global},
        {"100.64.0.1", address_class::shared},
        {"100.127.255.255", address_class::shared},
        {"100.128.0.0", address_class::global},
        {"169.254.169.254", address_class::link_local},
        {"169.255.0.1", address_class::global},
        {"224.0.0.1", address_class::multicast},
        {"255.255.255.255", address_class::multicast},
        {"8.8.8.8", address_class::global},
        {"198.51.100.7", address_class::global},
        {"::1", address_class::loopback},
        {"::", address_class::unspecified},
        {"fe80::1", address_class::link_local},
        {"febf::1", address_class::link_local},
        {"fec0::1", address_class::global},
        {"fc00::1", address_class::unique_local},
        {"fd12:3456::1", address_class::unique_local},
        {"ff02::1", address_class::multicast},
        {"2001:db8::7", address_class::global},
        {"2606:4700::1111", address_class::global},
    };
    for (const auto& [text, expected] : cases) {
        EXPECT_EQ(of(text), expected) << text;
    }
}

TEST(AddressClass, AMappedIpv4AddressIsClassedAsItsIpv4Self)
{
    EXPECT_EQ(of("::ffff:127.0.0.1"), address_class::loopback);
    EXPECT_EQ(of("::ffff:169.254.169.254"), address_class::link_local);
    EXPECT_EQ(of("::ffff:10.1.2.3"), address_class::private_use);
    EXPECT_EQ(of("::ffff:8.8.8.8"), address_class::global);
}

TEST(AddressClass, OnlyGlobalIsPublic)
{
    EXPECT_FALSE(is_inward(address_class::global));
    for (const auto c : {address_class::loopback, address_class::unspecified, address_class::private_use,
                         address_class::shared, address_class::link_local, address_class::unique_local,
                         address_class::multicast}) {
        EXPECT_TRUE(is_inward(c)) << describe(c);
    }
    EXPECT_EQ(describe(address_class::link_local), "link-local");
}

} // namespace
} // namespace crawl::fetch
