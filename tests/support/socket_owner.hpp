#pragma once
// Which process holds the client end of a loopback TCP connection (Linux /proc only).
// The test server's /crash route uses it to SIGKILL the crawl worker that is fetching.

#include <boost/asio/ip/tcp.hpp>

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace crawl::test {

/// Inode of the socket whose local endpoint is `local` and whose peer is `remote`, read from
/// /proc/net/tcp and /proc/net/tcp6 (IPv4-mapped IPv6 addresses match their IPv4 form).
/// Empty when no such socket is listed in this network namespace.
std::optional<std::uint64_t> socket_inode(const boost::asio::ip::tcp::endpoint& local,
                                          const boost::asio::ip::tcp::endpoint& remote);

/// Every process with a descriptor open on the socket `local` → `remote` (several after a fork
/// that kept it). Processes of other users whose /proc/PID/fd cannot be read are skipped.
/// From a server, pass the connection's remote endpoint as `local` and its local endpoint as
/// `remote`: the client's socket is the mirror image of the server's.
std::vector<pid_t> socket_owners(const boost::asio::ip::tcp::endpoint& local,
                                 const boost::asio::ip::tcp::endpoint& remote);

} // namespace crawl::test
