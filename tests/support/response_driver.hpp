#pragma once
// Driving crawl's response reader from a byte string instead of a socket, for the unit tests
// and the HTTP response fuzzer. The loop mirrors the fetch client's exchange (src/fetch/
// exchange.hpp: header reads, then body reads) with Beast's synchronous reads in place of the
// asynchronous ones.

#include "crawl/response/reader.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace crawl::test {

/// A SyncReadStream over `data` that returns at most read_sizes[i % n] bytes on the i-th read
/// (so a response arrives split at chosen points), then end of stream. Zero sizes count as 1.
class buffer_stream {
public:
    buffer_stream(std::string_view data, std::vector<std::size_t> read_sizes)
        : data_(data), read_sizes_(std::move(read_sizes))
    {
        if (read_sizes_.empty()) {
            read_sizes_.push_back(data_.size() + 1);
        }
    }

    template <class MutableBufferSequence>
    std::size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec)
    {
        ec = {};
        if (data_.empty()) {
            ec = boost::asio::error::eof;
            return 0;
        }
        std::size_t limit = std::max<std::size_t>(1, read_sizes_[reads_++ % read_sizes_.size()]);
        std::size_t copied = 0;
        for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
             ++it) {
            const boost::asio::mutable_buffer b = *it;
            const std::size_t n = std::min({b.size(), limit, data_.size()});
            std::copy_n(data_.data(), n, static_cast<char*>(b.data()));
            data_.remove_prefix(n);
            limit -= n;
            copied += n;
            if (limit == 0 || data_.empty()) {
                break;
            }
        }
        return copied;
    }

    template <class MutableBufferSequence>
    std::size_t read_some(const MutableBufferSequence& buffers)
    {
        boost::system::error_code ec;
        const std::size_t n = read_some(buffers, ec);
        if (ec) {
            throw boost::system::system_error(ec);
        }
        return n;
    }

    /// Bytes not read yet.
    [[nodiscard]] std::size_t remaining() const noexcept { return data_.size(); }

private:
    std::string_view data_;
    std::vector<std::size_t> read_sizes_;
    std::size_t reads_ = 0;
};

/// Reads one response from `stream` into `rd` until the reader is done, as the client does.
template <class SyncReadStream>
void read_response(SyncReadStream& stream, boost::beast::flat_buffer& buffer, response::reader& rd)
{
    namespace http = boost::beast::http;
    buffer.reserve(response::chunk_size); // as the client does: Beast reads what the buffer has room for
    while (rd.next() == response::step::read_header) {
        boost::system::error_code ec;
        const std::size_t n = http::read_header(stream, buffer, rd.parser(), ec);
        rd.header_read(ec, n);
    }
    while (rd.next() == response::step::read_body) {
        rd.prepare_body();
        boost::system::error_code ec;
        http::read_some(stream, buffer, rd.parser(), ec);
        rd.body_read(ec);
    }
}

} // namespace crawl::test
