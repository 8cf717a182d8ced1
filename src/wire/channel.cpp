#include "crawl/wire/channel.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <exception>
#include <utility>

namespace crawl::wire {

namespace net = boost::asio;

/// Everything the coroutines touch. They hold it by shared_ptr, so it outlives the channel
/// until they have ended; `closed` tells them that the channel is gone.
struct detail::channel_state {
    channel_state(const net::any_io_executor& executor, unique_fd read_end, unique_fd write_end)
        : in(executor, read_end.release()), out(executor, write_end.release())
    {
    }

    net::posix::stream_descriptor in;
    net::posix::stream_descriptor out;
    std::string outbox;
    std::string sending; ///< what the write in flight writes; its capacity is reused
    std::function<void(const std::optional<channel_error>&)> on_write_end;
    bool writing = false;            ///< a writer coroutine runs
    bool close_when_flushed = false; ///< close_after_flush() was called
    bool closed = false;             ///< the channel was destroyed: call nothing back
};

namespace {

using state = detail::channel_state;

constexpr auto nothrow = net::as_tuple(net::use_awaitable);

/// A coroutine's exception (a handler's, say) leaves io_context::run() as it would have
/// left the handler.
void rethrow(const std::exception_ptr& e)
{
    if (e) {
        std::rethrow_exception(e);
    }
}

void close_quietly(net::posix::stream_descriptor& d)
{
    boost::system::error_code ignored;
    d.close(ignored);
}

/// The reader: read, hand every complete frame to the handler, repeat until the stream ends
/// or breaks. The handlers live in this coroutine's frame, so a handler that destroys the
/// channel does not destroy itself.
net::awaitable<void> read_frames(std::shared_ptr<state> s, channel_handlers handlers)
{
    const auto stop = [&](channel_error why) {
        close_quietly(s->in);
        if (handlers.on_read_end) {
            handlers.on_read_end(why);
        }
    };
    frame_reader reader;
    for (;;) {
        const auto space = reader.prepare();
        const auto [ec, n] = co_await s->in.async_read_some(net::buffer(space.data(), space.size()), nothrow);
        if (s->closed) {
            co_return;
        }
        if (ec == net::error::eof) {
            // A peer that dies halfway through writing a frame looks the same: its stream ended.
            std::string message = "end of stream";
            if (reader.pending() != 0) {
                message += " inside a frame (" + std::to_string(reader.pending()) + " bytes of it)";
            }
            stop({channel_error::kind::end_of_stream, std::move(message)});
            co_return;
        }
        if (ec) {
            stop({channel_error::kind::io, "reading: " + ec.message()});
            co_return;
        }
        reader.commit(n);
        for (;;) {
            auto next = reader.next();
            if (auto* broken = std::get_if<protocol_error>(&next)) {
                stop({channel_error::kind::protocol, std::move(broken->message)});
                co_return;
            }
            const auto* frame = std::get_if<frame_view>(&next);
            if (frame == nullptr) {
                break; // the rest of the frame is still on its way
            }
            auto violation = handlers.on_frame(*frame);
            if (s->closed) {
                co_return;
            }
            if (violation) {
                stop({channel_error::kind::protocol, std::move(*violation)});
                co_return;
            }
        }
        if (handlers.on_frames_handled) {
            handlers.on_frames_handled();
            if (s->closed) {
                co_return;
            }
        }
    }
}

/// Writing has stopped for good: the write end closes and the owner hears why, once.
void end_writing(const std::shared_ptr<state>& s, const std::optional<channel_error>& failure)
{
    close_quietly(s->out);
    s->outbox.clear();
    if (auto notify = std::exchange(s->on_write_end, nullptr)) {
        notify(failure);
    }
}

/// The single writer: swaps the outbox into the sending buffer and writes it, until the
/// outbox stays empty.
net::awaitable<void> write_outbox(std::shared_ptr<state> s)
{
    // First let the handlers that are ready run: what they append goes out in the same write
    // (a worker finishing many fetches at once, a supervisor dispatching many jobs).
    co_await net::post(s->out.get_executor(), net::use_awaitable);
    if (s->closed) {
        co_return;
    }
    while (!s->outbox.empty()) {
        s->sending.clear();
        s->sending.swap(s->outbox);
        const auto [ec, n] = co_await net::async_write(s->out, net::buffer(s->sending), nothrow);
        (void)n;
        if (s->closed) {
            co_return;
        }
        if (ec) {
            s->writing = false;
            end_writing(s, channel_error{channel_error::kind::io, "writing: " + ec.message()});
            co_return;
        }
    }
    s->writing = false;
    if (s->close_when_flushed) {
        end_writing(s, std::nullopt);
    }
}

} // namespace

channel::channel(const net::any_io_executor& executor, unique_fd read_end, unique_fd write_end)
    : state_(std::make_shared<state>(executor, std::move(read_end), std::move(write_end)))
{
}

channel::~channel()
{
    // Closing cancels the pending read and write; their coroutines see `closed` and end.
    state_->closed = true;
    close_quietly(state_->in);
    close_quietly(state_->out);
}

void channel::start(channel_handlers handlers)
{
    state_->on_write_end = std::move(handlers.on_write_end);
    net::co_spawn(state_->in.get_executor(), read_frames(state_, std::move(handlers)), rethrow);
}

std::string& channel::outbox() noexcept
{
    return state_->outbox;
}

void channel::flush()
{
    state& s = *state_;
    if (!s.out.is_open()) {
        s.outbox.clear(); // nobody reads it any more
        return;
    }
    if (s.writing || s.outbox.empty()) {
        return;
    }
    s.writing = true;
    net::co_spawn(s.out.get_executor(), write_outbox(state_), rethrow);
}

void channel::close_after_flush()
{
    state& s = *state_;
    if (!s.out.is_open() || s.close_when_flushed) {
        return;
    }
    s.close_when_flushed = true;
    if (s.writing || !s.outbox.empty()) {
        flush(); // the writer closes the write end once the outbox stays empty
        return;
    }
    // Nothing to write: close now, and report it from the executor, as every handler is.
    close_quietly(s.out);
    net::post(s.out.get_executor(), [weak = std::weak_ptr<state>(state_)] {
        const auto still = weak.lock();
        if (still && !still->closed) {
            end_writing(still, std::nullopt);
        }
    });
}

} // namespace crawl::wire
