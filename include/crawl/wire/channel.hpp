#pragma once
// One end of a supervisor ⇄ worker connection: frames in on one pipe, frames out on the other,
// on an Asio executor. Its own library (crawl::wire_channel) so that the frames themselves
// (crawl::wire) stay free of Asio and of processes.

#include "crawl/util/unique_fd.hpp"
#include "crawl/wire/frame.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace crawl::wire {

/// Why a channel stopped reading or writing.
struct channel_error {
    enum class kind : std::uint8_t {
        end_of_stream, ///< the peer closed its end, or died (the kernel closed it)
        io,            ///< a read or a write failed
        protocol,      ///< the peer sent something the protocol does not allow
    };
    kind what = kind::end_of_stream;
    std::string message;
};

/// What a channel calls back. Handlers run on the channel's executor, never inside a call to
/// the channel, and never after the channel is destroyed. Any of them may destroy it.
struct channel_handlers {
    /// Each complete frame, in order; the payload is valid during the call. Answer nullopt to
    /// read on, or what is wrong with the frame: reading stops with a protocol error.
    std::function<std::optional<std::string>(const frame_view& frame)> on_frame;
    /// After the frames of one read have been handled: where work that may wait for a batch
    /// of frames goes (optional).
    std::function<void()> on_frames_handled;
    /// Once, when reading stops for good. The read end is closed by then.
    std::function<void(const channel_error& why)> on_read_end;
    /// Once, when writing stops for good: nullopt when close_after_flush() has written
    /// everything and closed the write end; otherwise the write that failed (optional).
    std::function<void(const std::optional<channel_error>& failure)> on_write_end;
};

namespace detail {
struct channel_state;
} // namespace detail

/// Reads frames from `read_end` and hands each to a handler; writes what is appended to the
/// outbox to `write_end`, one write at a time, in order. Single-threaded, like its executor.
///
/// The coroutines keep the channel's state alive themselves: destroying a channel closes
/// both ends, and its pending reads and writes then end without touching anything else (or
/// calling a handler). So an owner may destroy a channel at any moment, from a handler too.
class channel {
public:
    channel(const boost::asio::any_io_executor& executor, unique_fd read_end, unique_fd write_end);
    ~channel();
    channel(const channel&) = delete;
    channel& operator=(const channel&) = delete;

    /// Starts the reader. Call once.
    void start(channel_handlers handlers);

    /// Frames appended here (wire::append_frame) are written by the next flush(), in order.
    [[nodiscard]] std::string& outbox() noexcept;
    /// Has the outbox written: the writer starts once the handlers that are ready have run
    /// (what they append goes into the same write); a writer already running takes the
    /// outbox when its write is done. Once the write end is closed or failed, the outbox is
    /// dropped instead.
    void flush();
    /// Writes what the outbox holds, and what is appended to it until it is empty, then
    /// closes the write end: the peer reads end of stream after the last frame. Does nothing
    /// once the write end is closed or a write failed.
    void close_after_flush();

private:
    std::shared_ptr<detail::channel_state> state_;
};

} // namespace crawl::wire
