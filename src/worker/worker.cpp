// A worker process: jobs in, result frames out, one io_context, many fetches in flight.

#include "crawl/worker/worker.hpp"

#include "crawl/fetch/client.hpp"
#include "crawl/url/url.hpp"
#include "crawl/wire/frame.hpp"
#include "crawl/worker/page_pipeline.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <unistd.h>

#include <cstdio>
#include <deque>

namespace crawl::worker {

namespace net = boost::asio;

namespace {

constexpr auto nothrow = net::as_tuple(net::use_awaitable);

/// A wake-up signal for coroutines waiting for a condition (single-threaded: the waiter
/// re-checks its condition after every wake, so a notify with no waiter is harmless).
class wakeup {
public:
    explicit wakeup(net::any_io_executor ex) : timer_(ex, net::steady_timer::time_point::max()) {}
    net::awaitable<void> wait() { co_await timer_.async_wait(nothrow); }
    void notify_one() { timer_.cancel_one(); }
    void notify_all() { timer_.cancel(); }

private:
    net::steady_timer timer_;
};

class worker_loop {
public:
    worker_loop(net::io_context& ioc, unsigned id, unique_fd jobs, unique_fd results, const options& opts)
        : ioc_(ioc), id_(id), opts_(opts), jobs_(ioc, jobs.release()), results_(ioc, results.release()),
          client_(ioc.get_executor(), opts.fetch), work_ready_(ioc.get_executor()),
          output_ready_(ioc.get_executor())
    {
    }

    void start()
    {
        wire::append_frame(wire::hello{wire::protocol_version, id_, static_cast<std::uint32_t>(::getpid())},
                           output_);
        const auto fail = [this](const std::exception_ptr& e) { on_coroutine_end(e); };
        net::co_spawn(ioc_, read_jobs(), fail);
        for (unsigned i = 0; i < opts_.concurrency; ++i) {
            net::co_spawn(ioc_, fetch_loop(), fail);
        }
        net::co_spawn(ioc_, write_results(), fail);
    }

    [[nodiscard]] int exit_status() const noexcept { return exit_status_; }

    /// With --verbose: what this worker did, for diagnosing a run (descriptor waits show a
    /// descriptor limit that throttled it).
    void report() const
    {
        std::fprintf(stderr, "crawl: worker %u (pid %d): %llu URLs, %llu waits for a free file descriptor\n", id_,
                     static_cast<int>(::getpid()), static_cast<unsigned long long>(fetched_),
                     static_cast<unsigned long long>(client_.descriptor_waits()));
    }

private:
    void on_coroutine_end(const std::exception_ptr& e)
    {
        if (!e) {
            return;
        }
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            std::fprintf(stderr, "crawl: worker %u: error: %s\n", id_, ex.what());
        }
        exit_status_ = 1;
        ioc_.stop();
    }

    net::awaitable<void> read_jobs()
    {
        wire::frame_reader reader;
        for (;;) {
            auto space = reader.prepare();
            auto [ec, n] = co_await jobs_.async_read_some(net::buffer(space.data(), space.size()), nothrow);
            if (ec) {
                break; // EOF: the supervisor has no more jobs for us
            }
            reader.commit(n);
            while (auto frame = reader.next()) {
                if (frame->type == wire::frame_type::shutdown) {
                    shutting_down_ = true;
                    queue_.clear();
                    output_ready_.notify_all();
                    work_ready_.notify_all();
                    co_return;
                }
                if (frame->type != wire::frame_type::job) {
                    throw std::runtime_error("unexpected frame type from supervisor");
                }
                auto job = wire::decode_job(frame->payload);
                if (!job) {
                    throw std::runtime_error("malformed job frame");
                }
                queue_.push_back(std::move(*job));
                work_ready_.notify_one();
            }
        }
        input_closed_ = true;
        work_ready_.notify_all();
    }

    net::awaitable<void> fetch_loop()
    {
        for (;;) {
            while (queue_.empty() && !input_closed_ && !shutting_down_) {
                co_await work_ready_.wait();
            }
            if (queue_.empty() || shutting_down_) {
                break;
            }
            auto job = std::move(queue_.front());
            queue_.pop_front();
            record::record r = co_await fetch_one(std::move(job));
            ++fetched_;
            if (!shutting_down_) {
                emit(r);
            }
        }
        ++fetchers_done_;
        output_ready_.notify_all();
    }

    net::awaitable<record::record> fetch_one(wire::job job)
    {
        record::record r;
        r.seq = job.seq;
        r.worker = static_cast<int>(id_);
        r.url = std::move(job.url);
        auto target = url::parse_input(r.url);
        if (!target) {
            r.error = target.error().cls;
            r.error_message = target.error().message;
            co_return r;
        }
        page_pipeline pipeline(opts_, r);
        auto outcome = co_await client_.get(std::move(*target), pipeline);
        pipeline.complete(std::move(outcome));
        co_return r;
    }

    void emit(const record::record& r)
    {
        line_.clear();
        record::append(r, opts_.format, opts_.links, line_);
        wire::result frame;
        frame.seq = r.seq;
        frame.error = r.error;
        frame.http_status = static_cast<std::uint16_t>(r.status);
        frame.wire_bytes = r.wire_bytes;
        frame.body_bytes = r.body_bytes;
        frame.line.swap(line_);
        wire::append_frame(frame, output_);
        line_.swap(frame.line);
        output_ready_.notify_one();
    }

    [[nodiscard]] bool finished() const noexcept
    {
        return fetchers_done_ == opts_.concurrency || shutting_down_;
    }

    net::awaitable<void> write_results()
    {
        std::string sending;
        for (;;) {
            while (output_.empty() && !finished()) {
                co_await output_ready_.wait();
            }
            if (output_.empty()) {
                break;
            }
            sending.clear();
            sending.swap(output_);
            auto [ec, n] = co_await net::async_write(results_, net::buffer(sending), nothrow);
            (void)n;
            if (ec) {
                exit_status_ = 1; // the supervisor is gone: nobody to report to
                break;
            }
        }
        ioc_.stop();
    }

    net::io_context& ioc_;
    unsigned id_;
    const options& opts_;
    net::posix::stream_descriptor jobs_;
    net::posix::stream_descriptor results_;
    fetch::client client_;
    wakeup work_ready_;
    wakeup output_ready_;
    std::deque<wire::job> queue_;
    std::string output_;
    std::string line_;
    unsigned fetchers_done_ = 0;
    std::uint64_t fetched_ = 0;
    bool input_closed_ = false;
    bool shutting_down_ = false;
    int exit_status_ = 0;
};

} // namespace

int run(unsigned worker_id, unique_fd jobs, unique_fd results, const options& opts)
{
    net::io_context ioc{1};
    worker_loop loop(ioc, worker_id, std::move(jobs), std::move(results), opts);
    loop.start();
    ioc.run();
    if (opts.verbose) {
        loop.report();
    }
    return loop.exit_status();
}

} // namespace crawl::worker
