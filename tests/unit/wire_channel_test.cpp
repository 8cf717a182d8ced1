// wire::channel over real pipes in one io_context: frames both ways, a large outbox written in
// many partial writes, close after flush, a peer that dies (a forked process), destruction
// with reads and writes pending, and malformed frames.

#include "crawl/wire/channel.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace crawl::wire {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

struct pipe_ends {
    unique_fd read_end;
    unique_fd write_end;
};

pipe_ends make_pipe()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    }
    return {unique_fd(fds[0]), unique_fd(fds[1])};
}

// A frame as it arrived, copied out of the reader's buffer.
struct owned_frame {
    frame_type type;
    std::string payload;
    bool operator==(const owned_frame&) const = default;
};

owned_frame frame_of(std::string_view encoded)
{
    return {static_cast<frame_type>(encoded[4]), std::string(encoded.substr(header_size))};
}

// Everything a channel called back, in the order it came.
struct recorder {
    std::vector<owned_frame> frames;
    int batches = 0; ///< on_frames_handled calls
    std::optional<channel_error> read_end;
    std::optional<std::optional<channel_error>> write_end;

    channel_handlers handlers()
    {
        return {
            .on_frame =
                [this](const frame_view& f) {
                    frames.push_back({f.type, std::string(f.payload)});
                    return std::optional<std::string>();
                },
            .on_frames_handled = [this] { ++batches; },
            .on_read_end = [this](const channel_error& why) { read_end = why; },
            .on_write_end = [this](const std::optional<channel_error>& failure) { write_end = failure; },
        };
    }
    [[nodiscard]] bool called() const { return !frames.empty() || batches != 0 || read_end || write_end; }
};

result numbered_result(std::uint64_t seq, std::size_t line_size)
{
    result r;
    r.seq = seq;
    r.http_status = 200;
    r.line.assign(line_size, static_cast<char>('a' + seq % 26));
    return r;
}

std::string encoded(const result& r)
{
    std::string out;
    append_frame(r, out);
    return out;
}

class WireChannel : public ::testing::Test {
protected:
    void SetUp() override
    {
        // A write to a pipe whose reader is gone must fail with EPIPE, as in the crawler's
        // processes, instead of killing the test.
        ::signal(SIGPIPE, SIG_IGN);
    }

    /// Runs handlers until `done` or 20 s.
    template <class Done>
    bool run_until(Done done)
    {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            if (ioc.stopped()) {
                ioc.restart();
            }
            ioc.run_one_for(50ms);
        }
        return done();
    }

    /// Two channels joined by two pipes: a's outbox reaches b's handlers and back.
    void connect()
    {
        auto a_to_b = make_pipe();
        auto b_to_a = make_pipe();
        a.emplace(ioc.get_executor(), std::move(b_to_a.read_end), std::move(a_to_b.write_end));
        b.emplace(ioc.get_executor(), std::move(a_to_b.read_end), std::move(b_to_a.write_end));
    }

    net::io_context ioc{1};
    std::optional<channel> a;
    std::optional<channel> b;
    recorder at_a;
    recorder at_b;
};

TEST_F(WireChannel, FramesTravelBothWays)
{
    connect();
    a->start(at_a.handlers());
    b->start(at_b.handlers());

    const url::target t{.href = "http://h/", .scheme = "http", .host = "h", .port = 80, .request_target = "/"};
    std::string job_frame;
    append_frame(job{1, 1, "http://h/", t, 0, {}}, job_frame);
    a->outbox() += job_frame;
    a->flush();
    std::string hello_frame;
    append_frame(hello{protocol_version, 3, 99}, hello_frame);
    b->outbox() += hello_frame;
    b->outbox() += encoded(numbered_result(1, 10));
    b->flush();

    ASSERT_TRUE(run_until([&] { return at_b.frames.size() == 1 && at_a.frames.size() == 2; }));
    EXPECT_EQ(at_b.frames[0], frame_of(job_frame));
    const auto got = decode_job(at_b.frames[0].payload);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->target.host, "h");
    EXPECT_EQ(at_a.frames[0], frame_of(hello_frame));
    EXPECT_EQ(at_a.frames[1], frame_of(encoded(numbered_result(1, 10))));
    EXPECT_FALSE(at_a.read_end);
    EXPECT_FALSE(at_b.read_end);
    EXPECT_FALSE(at_a.write_end) << "writing goes on until close_after_flush";
}

TEST_F(WireChannel, LargeOutboxArrivesWholeAndInOrder)
{
    connect();
    a->start(at_a.handlers());
    b->start(at_b.handlers());
    // 12 MB against a 64 KiB pipe: hundreds of partial writes and reads. More frames are
    // appended while the first write is in flight; the single writer takes them after it.
    std::vector<owned_frame> expected;
    std::uint64_t seq = 0;
    for (; seq < 2000; ++seq) {
        const std::string one = encoded(numbered_result(seq, 4000 + seq));
        expected.push_back(frame_of(one));
        a->outbox() += one;
    }
    a->flush();
    ASSERT_TRUE(run_until([&] { return !at_b.frames.empty(); }));
    for (; seq < 3000; ++seq) {
        const std::string one = encoded(numbered_result(seq, 4000 + seq));
        expected.push_back(frame_of(one));
        a->outbox() += one;
        a->flush();
    }

    ASSERT_TRUE(run_until([&] { return at_b.frames.size() == expected.size() || at_b.read_end; }));
    ASSERT_FALSE(at_b.read_end) << at_b.read_end->message;
    EXPECT_TRUE(at_b.frames == expected) << "frames arrived changed or out of order";
    EXPECT_GT(at_b.batches, 100) << "the pipe should have cut the stream into many reads";
}

TEST_F(WireChannel, CloseAfterFlushEndsThePeersStreamAfterTheLastFrame)
{
    connect();
    a->start(at_a.handlers());
    b->start(at_b.handlers());
    for (std::uint64_t seq = 0; seq < 100; ++seq) {
        append_frame(numbered_result(seq, 3000), a->outbox());
    }
    append_shutdown_frame(a->outbox());
    a->close_after_flush(); // before a single byte is written
    a->outbox() += encoded(numbered_result(100, 10)); // still before the close: written too
    a->flush();

    ASSERT_TRUE(run_until([&] { return at_b.read_end && at_a.write_end; }));
    ASSERT_EQ(at_b.frames.size(), 102u);
    EXPECT_EQ(at_b.frames[100].type, frame_type::shutdown);
    EXPECT_EQ(decode_result(at_b.frames[101].payload)->seq, 100u);
    EXPECT_EQ(at_b.read_end->what, channel_error::kind::end_of_stream);
    EXPECT_EQ(at_b.read_end->message, "end of stream");
    EXPECT_EQ(*at_a.write_end, std::nullopt) << "a clean close is no failure";

    // The write end stays closed: later frames are dropped, nothing more is called back.
    append_drain_frame(a->outbox());
    a->flush();
    EXPECT_TRUE(a->outbox().empty());
    // The other direction is still open.
    append_drain_frame(b->outbox());
    b->flush();
    ASSERT_TRUE(run_until([&] { return !at_a.frames.empty(); }));
    EXPECT_EQ(at_a.frames[0].type, frame_type::drain);
}

TEST_F(WireChannel, CloseAfterFlushOfAnEmptyOutboxReportsFromTheEventLoop)
{
    connect();
    a->start(at_a.handlers());
    b->start(at_b.handlers());
    a->close_after_flush();
    EXPECT_FALSE(at_a.write_end) << "handlers never run inside a call to the channel";
    ASSERT_TRUE(run_until([&] { return at_b.read_end && at_a.write_end; }));
    EXPECT_TRUE(at_b.frames.empty());
    EXPECT_EQ(at_b.read_end->what, channel_error::kind::end_of_stream);
    EXPECT_EQ(*at_a.write_end, std::nullopt);
}

TEST_F(WireChannel, APeerThatDiesIsAnErrorValueBothWays)
{
    auto to_child = make_pipe();
    auto from_child = make_pipe();
    std::string said;
    append_frame(hello{protocol_version, 0, 1}, said);
    const std::string half = encoded(numbered_result(1, 100)).substr(0, 60);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // A worker that says hello, dies halfway through its first result and never reads.
        const std::string out = said + half;
        if (::write(from_child.write_end.get(), out.data(), out.size()) != static_cast<ssize_t>(out.size())) {
            ::_exit(2);
        }
        ::kill(::getpid(), SIGKILL);
    }
    a.emplace(ioc.get_executor(), std::move(from_child.read_end), std::move(to_child.write_end));
    from_child.write_end.reset();
    to_child.read_end.reset();
    a->start(at_a.handlers());
    for (std::uint64_t seq = 0; seq < 100; ++seq) {
        append_frame(numbered_result(seq, 3000), a->outbox()); // more than the pipe holds
    }
    a->flush();

    ASSERT_TRUE(run_until([&] { return at_a.read_end && at_a.write_end; }));
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
    ASSERT_EQ(at_a.frames.size(), 1u);
    EXPECT_EQ(at_a.frames[0], frame_of(said));
    EXPECT_EQ(at_a.read_end->what, channel_error::kind::end_of_stream);
    EXPECT_EQ(at_a.read_end->message, "end of stream inside a frame (60 bytes of it)");
    ASSERT_TRUE(*at_a.write_end);
    EXPECT_EQ((*at_a.write_end)->what, channel_error::kind::io);
    EXPECT_EQ((*at_a.write_end)->message, "writing: Broken pipe");
}

TEST_F(WireChannel, DestroyedWithReadAndWritePendingCallsNothingBack)
{
    // A read alone pending: the reader coroutine outlives the channel by itself.
    {
        auto in = make_pipe();
        auto out = make_pipe();
        a.emplace(ioc.get_executor(), std::move(in.read_end), std::move(out.write_end));
        a->start(at_a.handlers());
        ioc.run_for(50ms);
        a.reset();
        ioc.restart();
        ioc.run_for(10s);
        EXPECT_TRUE(ioc.stopped()) << "the reader has ended";
    }
    // The peer is a pair of raw descriptors that neither write nor read: a's read waits,
    // and its write waits on a full pipe.
    auto into_a = make_pipe();
    auto out_of_a = make_pipe();
    a.emplace(ioc.get_executor(), std::move(into_a.read_end), std::move(out_of_a.write_end));
    a->start(at_a.handlers());
    for (std::uint64_t seq = 0; seq < 100; ++seq) {
        append_frame(numbered_result(seq, 3000), a->outbox());
    }
    a->flush();
    ioc.restart();
    ioc.run_for(100ms);
    ASSERT_FALSE(ioc.stopped()) << "the read and the write should be pending";

    a.reset();
    ioc.restart();
    ioc.run_for(10s);
    EXPECT_TRUE(ioc.stopped()) << "both coroutines have ended";
    EXPECT_FALSE(at_a.called());
    // The peer reads what was written, then end of stream: the write end is closed.
    ASSERT_EQ(::fcntl(out_of_a.read_end.get(), F_SETFL, O_NONBLOCK), 0);
    std::string buffer(1 << 20, '\0');
    ssize_t n = 0;
    std::size_t total = 0;
    while ((n = ::read(out_of_a.read_end.get(), buffer.data(), buffer.size())) > 0) {
        total += static_cast<std::size_t>(n);
    }
    EXPECT_EQ(n, 0) << "end of stream, not EAGAIN";
    EXPECT_GT(total, 0u);
    EXPECT_LT(total, 100u * 3000u);
}

TEST_F(WireChannel, AHandlerMayDestroyItsChannel)
{
    connect();
    b->start(at_b.handlers());
    int frames_seen = 0;
    channel_handlers handlers = at_a.handlers();
    handlers.on_frame = [&](const frame_view&) {
        ++frames_seen;
        a.reset(); // as the supervisor does when it replaces a worker
        return std::optional<std::string>();
    };
    a->start(std::move(handlers));
    for (std::uint64_t seq = 0; seq < 5; ++seq) {
        append_frame(numbered_result(seq, 10), b->outbox()); // one read delivers them all
    }
    b->flush();
    ASSERT_TRUE(run_until([&] { return frames_seen != 0; }));
    ioc.run_for(200ms);
    EXPECT_EQ(frames_seen, 1) << "no frame after the channel is gone";
    EXPECT_FALSE(at_a.called());

    // From on_read_end, too: the supervisor's path when a worker dies.
    connect();
    handlers = at_a.handlers();
    handlers.on_read_end = [&](const channel_error&) { a.reset(); };
    a->start(std::move(handlers));
    b.reset();
    ASSERT_TRUE(run_until([&] { return !a.has_value(); }));
    ioc.run_for(200ms);
}

TEST_F(WireChannel, AMalformedFrameIsAProtocolErrorAndClosesTheReadEnd)
{
    auto into_a = make_pipe();
    auto out_of_a = make_pipe();
    a.emplace(ioc.get_executor(), std::move(into_a.read_end), std::move(out_of_a.write_end));
    a->start(at_a.handlers());
    std::string bytes;
    append_drain_frame(bytes);
    bytes += std::string("\x02\x00\x00\x00\x0dxx", 7); // type 13 does not exist
    append_drain_frame(bytes);
    ASSERT_EQ(::write(into_a.write_end.get(), bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));

    ASSERT_TRUE(run_until([&] { return at_a.read_end.has_value(); }));
    ASSERT_EQ(at_a.frames.size(), 1u) << "the frame before the bad one, none after";
    EXPECT_EQ(at_a.read_end->what, channel_error::kind::protocol);
    EXPECT_EQ(at_a.read_end->message, "unknown frame type 13");
    // The channel read no further and closed its read end: the peer's writes fail now.
    EXPECT_EQ(::write(into_a.write_end.get(), "x", 1), -1);
    EXPECT_EQ(errno, EPIPE);
}

TEST_F(WireChannel, AFrameItsHandlerRejectsIsAProtocolError)
{
    connect();
    b->start(at_b.handlers());
    int frames_seen = 0;
    channel_handlers handlers = at_a.handlers();
    handlers.on_frame = [&](const frame_view& f) -> std::optional<std::string> {
        ++frames_seen;
        if (!decode_hello(f.payload)) {
            return "malformed hello frame";
        }
        return std::nullopt;
    };
    a->start(std::move(handlers));
    b->outbox() += std::string("\x03\x00\x00\x00\x01" "abc", 8); // a hello needs 12 bytes

    append_frame(hello{}, b->outbox());
    b->flush();

    ASSERT_TRUE(run_until([&] { return at_a.read_end.has_value(); }));
    EXPECT_EQ(frames_seen, 1) << "reading stops at the rejected frame";
    EXPECT_EQ(at_a.read_end->what, channel_error::kind::protocol);
    EXPECT_EQ(at_a.read_end->message, "malformed hello frame");
}

} // namespace
} // namespace crawl::wire
