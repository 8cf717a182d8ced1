#pragma once
// The input file as a lazy stream of lines: memory stays the same whatever its length.

#include "crawl/util/unique_fd.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crawl::supervisor {

/// Opens the input ("-" is stdin, duplicated). Throws std::system_error when unreadable.
unique_fd open_input(const std::string& path);

/// Reads lines from a descriptor. Pipes, sockets and terminals are read through Asio so a
/// slow producer never stalls the event loop; regular files and /dev/null (which epoll
/// refuses) with plain read(), which never waits long.
class input_lines {
public:
    /// Lines longer than this are reported as one over-long line, not split.
    static constexpr std::size_t max_line = 64 * 1024;

    struct line {
        std::uint64_t number = 0; ///< 1-based
        std::string_view text;    ///< without the newline (and a CR before it); valid until next()
        bool too_long = false;    ///< text holds only the first max_line bytes
    };

    input_lines(boost::asio::any_io_executor executor, unique_fd fd);
    ~input_lines();
    input_lines(const input_lines&) = delete;
    input_lines& operator=(const input_lines&) = delete;

    /// The next line, or nullopt at the end of the input.
    boost::asio::awaitable<std::optional<line>> next();

private:
    /// Reads more bytes into the buffer; false at end of input.
    boost::asio::awaitable<bool> fill();

    int fd_ = -1;
    int saved_flags_ = -1; ///< file status flags to restore (Asio sets O_NONBLOCK on shared descriptions)
    std::optional<boost::asio::posix::stream_descriptor> async_;
    std::string buf_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    std::uint64_t number_ = 0;
    bool eof_ = false;
    std::string long_line_;
};

} // namespace crawl::supervisor
