#pragma once
// One connection to one host:port, plain or TLS, with the read buffer that must persist
// between the responses read from it. Counted in the descriptor gate while it lives.

#include "deadline.hpp"
#include "descriptor_gate.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <memory>
#include <optional>
#include <string>

namespace crawl::fetch {

struct connection {
    explicit connection(std::weak_ptr<descriptor_gate> g) : gate(std::move(g)) {}
    ~connection()
    {
        // Weak: a coroutine frame destroyed with the io_context may outlive the client.
        if (const auto g = gate.lock(); g && counted) {
            g->closed();
        }
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    std::weak_ptr<descriptor_gate> gate;
    bool counted = false; ///< counted in the gate as holding a descriptor
    std::string key;      ///< the pool's: scheme://host:port
    boost::asio::ip::address remote; ///< the address it is connected to
    std::optional<boost::beast::tcp_stream> plain;
    std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> secure;
    boost::beast::flat_buffer buffer; ///< capped at response::buffer_limit
    clock::time_point idle_since;
    unsigned uses = 0;

    boost::beast::tcp_stream& tcp() { return secure ? boost::beast::get_lowest_layer(*secure) : *plain; }
    void close()
    {
        boost::system::error_code ignored;
        tcp().socket().close(ignored);
    }
};

} // namespace crawl::fetch
