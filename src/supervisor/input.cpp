#include "input.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace crawl::supervisor {

namespace net = boost::asio;

namespace {
constexpr std::size_t read_size = 64 * 1024;
} // namespace

unique_fd open_input(const std::string& path)
{
    const int fd = path == "-" ? ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw std::system_error(errno, std::generic_category(), path == "-" ? "stdin" : path);
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw std::system_error(EISDIR, std::generic_category(), path);
    }
    return unique_fd(fd);
}

input_lines::input_lines(net::any_io_executor executor, unique_fd fd) : fd_(fd.get())
{
    struct stat st {};
    const bool pollable = ::fstat(fd_, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || ::isatty(fd_));
    if (pollable) {
        saved_flags_ = ::fcntl(fd_, F_GETFL);
        async_.emplace(executor, fd.release());
    } else {
        fd_ = fd.release();
    }
    buf_.resize(max_line + read_size);
}

input_lines::~input_lines()
{
    if (async_) {
        if (saved_flags_ >= 0) {
            ::fcntl(fd_, F_SETFL, saved_flags_);
        }
    } else if (fd_ >= 0) {
        ::close(fd_);
    }
}

net::awaitable<bool> input_lines::fill()
{
    if (eof_) {
        co_return false;
    }
    if (begin_ > 0) { // keep the unfinished line at the front
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    std::size_t n = 0;
    if (async_) {
        auto [ec, got] = co_await async_->async_read_some(net::buffer(buf_.data() + end_, buf_.size() - end_),
                                                          net::as_tuple(net::use_awaitable));
        n = ec ? 0 : got;
    } else {
        ssize_t got = 0;
        do {
            got = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
        } while (got < 0 && errno == EINTR);
        n = got > 0 ? static_cast<std::size_t>(got) : 0;
    }
    if (n == 0) {
        eof_ = true;
        co_return false;
    }
    end_ += n;
    co_return true;
}

net::awaitable<std::optional<input_lines::line>> input_lines::next()
{
    bool too_long = false;
    for (;;) {
        const char* start = buf_.data() + begin_;
        const auto* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
        if (nl != nullptr || (eof_ && begin_ < end_)) {
            const std::size_t len = nl != nullptr ? static_cast<std::size_t>(nl - start) : end_ - begin_;
            begin_ += len + (nl != nullptr ? 1 : 0);
            if (too_long) {
                co_return line{++number_, long_line_, true};
            }
            std::string_view text(start, len);
            if (!text.empty() && text.back() == '\r') {
                text.remove_suffix(1);
            }
            co_return line{++number_, text, false};
        }
        if (eof_) {
            if (too_long) {
                co_return line{++number_, long_line_, true};
            }
            co_return std::nullopt;
        }
        if (end_ - begin_ >= max_line) {
            // An over-long line: keep its head for the record, drop the rest up to '\n'.
            if (!too_long) {
                long_line_.assign(start, max_line);
                too_long = true;
            }
            begin_ = end_;
        }
        co_await fill();
    }
}

} // namespace crawl::supervisor
