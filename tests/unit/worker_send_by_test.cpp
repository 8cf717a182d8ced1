// A shared crawl's jobs carry the time their host's lease may run out (wire::job::send_by_ns):
// the worker writes no request after it. The real worker loop, on real pipes, against the
// loopback test server: a job past its time comes back as an unsent frame and the server never
// sees it; a job with time to spare, and a robots.txt job alike, are fetched as always.

#include "crawl/url/url.hpp"
#include "crawl/util/unique_fd.hpp"
#include "crawl/wire/frame.hpp"
#include "crawl/worker/worker.hpp"

#include "support/test_server.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <variant>

namespace crawl {
namespace {

std::int64_t steady_ns(std::chrono::steady_clock::duration from_now)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               (std::chrono::steady_clock::now() + from_now).time_since_epoch())
        .count();
}

wire::job job_for(const test::test_server& server, std::uint64_t seq, std::string_view path, std::int64_t send_by_ns)
{
    wire::job j;
    j.seq = seq;
    j.url = server.url(path);
    j.target = url::parse_input(j.url).value();
    j.send_by_ns = send_by_ns;
    return j;
}

/// Runs one worker on `input` (frames) until it has answered everything and exited; the
/// frames it sent, by type, in order.
std::vector<std::pair<wire::frame_type, std::string>> run_worker(const std::string& input)
{
    int jobs[2] = {-1, -1};
    int results[2] = {-1, -1};
    EXPECT_EQ(::pipe2(jobs, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(results, O_CLOEXEC), 0);
    worker::options opts;
    opts.concurrency = 4;
    int status = -1;
    std::thread worker_thread(
        [&] { status = worker::run(0, unique_fd(jobs[0]), unique_fd(results[1]), opts); });
    EXPECT_EQ(::write(jobs[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
    ::close(jobs[1]); // the end of the jobs: the worker finishes them and exits

    wire::frame_reader reader;
    std::vector<std::pair<wire::frame_type, std::string>> frames;
    for (;;) {
        auto room = reader.prepare(4096);
        const ssize_t n = ::read(results[0], room.data(), room.size());
        if (n <= 0) {
            break;
        }
        reader.commit(static_cast<std::size_t>(n));
        for (;;) {
            auto next = reader.next();
            const auto* frame = std::get_if<wire::frame_view>(&next);
            if (frame == nullptr) {
                break;
            }
            frames.emplace_back(frame->type, std::string(frame->payload));
        }
    }
    ::close(results[0]);
    worker_thread.join();
    EXPECT_EQ(status, 0);
    return frames;
}

TEST(WorkerSendBy, AJobPastItsTimeIsAnsweredUnsentAndNeverReachesTheServer)
{
    test::test_server server;
    std::string input;
    wire::append_frame(job_for(server, 1, "/page/1", steady_ns(-std::chrono::milliseconds(1))), input);
    wire::append_frame(job_for(server, 2, "/page/2", steady_ns(std::chrono::minutes(1))), input);
    wire::append_frame(job_for(server, 3, "/page/3", 0), input); // no time limit
    const auto target = url::parse_input(server.url("/")).value();
    wire::append_frame(wire::robots_job{0x8000000000000001ULL, "http", target.host, target.port, 0,
                                        steady_ns(-std::chrono::milliseconds(1))},
                       input);

    std::vector<std::uint64_t> unsent;
    std::vector<std::uint64_t> answered;
    for (const auto& [type, payload] : run_worker(input)) {
        if (type == wire::frame_type::unsent) {
            unsent.push_back(wire::decode_unsent(payload).value().id);
        } else if (type == wire::frame_type::result) {
            const auto r = wire::decode_result(payload).value();
            EXPECT_EQ(r.http_status, 200) << r.line;
            answered.push_back(r.seq);
        } else if (type == wire::frame_type::robots_result) {
            ADD_FAILURE() << "the robots.txt job was past its time";
        }
    }
    std::sort(unsent.begin(), unsent.end());
    std::sort(answered.begin(), answered.end());
    EXPECT_EQ(unsent, (std::vector<std::uint64_t>{1, 0x8000000000000001ULL}));
    EXPECT_EQ(answered, (std::vector<std::uint64_t>{2, 3}));
    EXPECT_EQ(server.requests_for("/page/1"), 0u);
    EXPECT_EQ(server.requests_for("/robots.txt"), 0u);
    EXPECT_EQ(server.requests_for("/page/2"), 1u);
    EXPECT_EQ(server.requests_for("/page/3"), 1u);
}

} // namespace
} // namespace crawl
