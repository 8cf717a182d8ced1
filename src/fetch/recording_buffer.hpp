#pragma once
// A connection's read buffer, seen through a window that records every byte Beast's parser
// consumes from it: exactly the bytes of the response being read (status line, header, chunk
// framing, body), never those of a response after it. Beast's read operations parse what the
// buffer holds and then consume() what they used; this keeps a copy first.

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <algorithm>
#include <cstddef>
#include <string>

namespace crawl::fetch {

/// A DynamicBuffer (Asio's v1 requirements, which Beast uses) over `buffer`; with a record,
/// what is consumed is appended to it first, up to `limit` bytes (beyond it the record stops
/// growing and overflowed() says so).
class recording_buffer {
public:
    using const_buffers_type = boost::beast::flat_buffer::const_buffers_type;
    using mutable_buffers_type = boost::beast::flat_buffer::mutable_buffers_type;

    recording_buffer(boost::beast::flat_buffer& buffer, std::string* record, std::size_t limit) noexcept
        : buffer_(buffer), record_(record), limit_(limit)
    {
    }

    [[nodiscard]] std::size_t size() const noexcept { return buffer_.size(); }
    [[nodiscard]] std::size_t max_size() const noexcept { return buffer_.max_size(); }
    [[nodiscard]] std::size_t capacity() const noexcept { return buffer_.capacity(); }
    [[nodiscard]] const_buffers_type data() const noexcept { return buffer_.data(); }
    mutable_buffers_type prepare(std::size_t n) { return buffer_.prepare(n); }
    void commit(std::size_t n) noexcept { buffer_.commit(n); }

    void consume(std::size_t n)
    {
        if (record_ != nullptr) {
            const auto bytes = buffer_.data();
            const std::size_t used = std::min(n, bytes.size());
            const std::size_t room = limit_ - std::min(limit_, record_->size());
            record_->append(static_cast<const char*>(bytes.data()), std::min(used, room));
            overflowed_ = overflowed_ || used > room;
        }
        buffer_.consume(n);
    }

    /// Bytes were consumed that the record had no room for.
    [[nodiscard]] bool overflowed() const noexcept { return overflowed_; }

private:
    boost::beast::flat_buffer& buffer_;
    std::string* record_;
    std::size_t limit_;
    bool overflowed_ = false;
};

static_assert(boost::asio::is_dynamic_buffer_v1<recording_buffer>::value);

} // namespace crawl::fetch
