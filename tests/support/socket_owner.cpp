#include "support/socket_owner.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>

namespace crawl::test {
namespace {

namespace ip = boost::asio::ip;

template <class T>
bool parse_hex(std::string_view text, T& value)
{
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value, 16);
    return ec == std::errc{} && ptr == end;
}

/// Parses "0100007F:1F90" (tcp) or 32 hex digits ":PORT" (tcp6). The kernel prints each 32-bit
/// word of the address as the number it is in memory, i.e. in host byte order, so copying the
/// parsed word back into memory restores the network-order bytes; the port is printed plainly.
std::optional<ip::tcp::endpoint> parse_endpoint(std::string_view text)
{
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view addr = text.substr(0, colon);
    std::uint16_t port = 0;
    if (!parse_hex(text.substr(colon + 1), port) || addr.size() % 8 != 0) {
        return std::nullopt;
    }
    std::array<unsigned char, 16> bytes{};
    const std::size_t words = addr.size() / 8;
    if (words != 1 && words != 4) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < words; ++i) {
        std::uint32_t word = 0;
        if (!parse_hex(addr.substr(i * 8, 8), word)) {
            return std::nullopt;
        }
        std::memcpy(bytes.data() + i * 4, &word, sizeof word);
    }
    if (words == 1) {
        return ip::tcp::endpoint(ip::make_address_v4(ip::address_v4::bytes_type{bytes[0], bytes[1], bytes[2], bytes[3]}),
                                 port);
    }
    ip::address_v6::bytes_type v6{};
    std::copy(bytes.begin(), bytes.end(), v6.begin());
    return ip::tcp::endpoint(ip::make_address_v6(v6), port);
}

/// IPv4-mapped IPv6 endpoints compare equal to their IPv4 form.
ip::tcp::endpoint normalized(const ip::tcp::endpoint& ep)
{
    if (ep.address().is_v6() && ep.address().to_v6().is_v4_mapped()) {
        return {ip::make_address_v4(ip::v4_mapped, ep.address().to_v6()), ep.port()};
    }
    return ep;
}

std::optional<std::uint64_t> find_in_table(const char* table, const ip::tcp::endpoint& local,
                                           const ip::tcp::endpoint& remote)
{
    std::ifstream in(table);
    std::string line;
    std::getline(in, line); // column titles
    while (std::getline(in, line)) {
        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
        std::istringstream fields(line);
        std::array<std::string, 10> f;
        for (std::string& field : f) {
            fields >> field;
        }
        if (!fields) {
            continue;
        }
        const auto l = parse_endpoint(f[1]);
        const auto r = parse_endpoint(f[2]);
        std::uint64_t inode = 0;
        const auto [ptr, ec] = std::from_chars(f[9].data(), f[9].data() + f[9].size(), inode);
        // Inode 0: a socket in TIME_WAIT or similar that no descriptor refers to any more.
        if (!l || !r || ec != std::errc{} || inode == 0) {
            continue;
        }
        if (normalized(*l) == local && normalized(*r) == remote) {
            return inode;
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<std::uint64_t> socket_inode(const ip::tcp::endpoint& local, const ip::tcp::endpoint& remote)
{
    const ip::tcp::endpoint l = normalized(local);
    const ip::tcp::endpoint r = normalized(remote);
    if (auto inode = find_in_table("/proc/net/tcp", l, r)) {
        return inode;
    }
    return find_in_table("/proc/net/tcp6", l, r);
}

std::vector<pid_t> socket_owners(const ip::tcp::endpoint& local, const ip::tcp::endpoint& remote)
{
    std::vector<pid_t> owners;
    const std::optional<std::uint64_t> inode = socket_inode(local, remote);
    if (!inode) {
        return owners;
    }
    const std::string wanted = "socket:[" + std::to_string(*inode) + "]";
    namespace fs = std::filesystem;
    std::error_code ec;
    for (fs::directory_iterator proc("/proc", ec), end; !ec && proc != end; proc.increment(ec)) {
        const std::string name = proc->path().filename().string();
        pid_t pid = 0;
        const auto [ptr, perr] = std::from_chars(name.data(), name.data() + name.size(), pid);
        if (perr != std::errc{} || ptr != name.data() + name.size()) {
            continue;
        }
        // Processes come and go while we scan, and other users' fd tables are unreadable:
        // every error here just means "not this one".
        std::error_code fd_ec;
        for (fs::directory_iterator fd(proc->path() / "fd", fd_ec), fd_end; !fd_ec && fd != fd_end;
             fd.increment(fd_ec)) {
            std::error_code link_ec;
            const fs::path target = fs::read_symlink(fd->path(), link_ec);
            if (!link_ec && target.native() == wanted) {
                owners.push_back(pid);
                break;
            }
        }
    }
    return owners;
}

} // namespace crawl::test
