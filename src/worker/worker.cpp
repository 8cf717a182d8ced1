// A worker process: jobs in, result frames out, one io_context, many fetches in flight.

#include "crawl/worker/worker.hpp"

#include "crawl/decode/inflater.hpp"
#include "crawl/fetch/client.hpp"
#include "crawl/robots/robots.hpp"
#include "crawl/url/url.hpp"
#include "crawl/util/http_date.hpp"
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

#include <algorithm>
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

/// RFC 9309 2.3.1.2: crawlers follow at least five redirects for robots.txt.
constexpr int robots_max_redirects = 5;

/// A job as queued: a page, or a robots.txt fetch (whose job.seq is the supervisor's id).
struct queued_job {
    wire::job job;
    bool robots = false;
};

/// A Retry-After value as the frame carries it: milliseconds, clamped below no_millis.
std::uint32_t retry_after_millis(std::string_view value)
{
    const auto wait = http_date::retry_after(value, std::chrono::system_clock::now());
    if (!wait) {
        return wire::no_millis;
    }
    return static_cast<std::uint32_t>(std::min<std::int64_t>(wait->count(), wire::no_millis - 1));
}

/// Collects a robots.txt body, decoded, up to one byte past what the parser reads (so the
/// parser can tell that the file went on and drop a line the cap cut in half).
class robots_body final : public response::body_handler {
public:
    failure on_header(const response::response_info& info) override
    {
        const auto coding = decode::parse_content_encoding(info.content_encoding);
        if (!coding) {
            return {error_class::unsupported_encoding,
                    "unsupported Content-Encoding: " + std::string(info.content_encoding)};
        }
        inflater_.emplace(*coding, robots::max_bytes + 1, [this](std::string_view bytes) { body_.append(bytes); });
        return {};
    }
    failure on_body(std::string_view bytes) override
    {
        switch (inflater_->feed(bytes)) {
        case decode::status::ok:
            return {};
        case decode::status::too_large:
            return {error_class::body_too_large, "robots.txt is longer than the part that is read"};
        case decode::status::corrupt:
        case decode::status::truncated:
            break;
        }
        return {error_class::decode, "corrupt robots.txt encoding"};
    }
    failure on_end() override
    {
        if (inflater_->finish() != decode::status::ok) {
            return {error_class::decode, "truncated robots.txt encoding"};
        }
        return {};
    }
    [[nodiscard]] const std::string& body() const noexcept { return body_; }

private:
    std::optional<decode::inflater> inflater_;
    std::string body_;
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
                if (frame->type == wire::frame_type::drain) {
                    queue_.clear(); // what has not started stays undone; what runs finishes
                    continue;
                }
                if (frame->type == wire::frame_type::robots_job) {
                    auto job = wire::decode_robots_job(frame->payload);
                    if (!job) {
                        throw std::runtime_error("malformed robots job frame");
                    }
                    queued_job q;
                    q.job.seq = job->id;
                    q.job.url = std::move(job->url);
                    q.robots = true;
                    queue_.push_back(std::move(q));
                } else if (frame->type == wire::frame_type::job) {
                    auto job = wire::decode_job(frame->payload);
                    if (!job) {
                        throw std::runtime_error("malformed job frame");
                    }
                    queued_job q;
                    q.job = std::move(*job);
                    queue_.push_back(std::move(q));
                } else {
                    throw std::runtime_error("unexpected frame type from supervisor");
                }
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
            auto next = std::move(queue_.front());
            queue_.pop_front();
            if (next.robots) {
                wire::robots_result answer = co_await fetch_robots(std::move(next.job));
                if (!shutting_down_) {
                    wire::append_frame(answer, output_);
                    output_ready_.notify_one();
                }
                continue;
            }
            fetched f = co_await fetch_one(std::move(next.job));
            ++fetched_;
            if (!shutting_down_) {
                emit(f);
            }
        }
        ++fetchers_done_;
        output_ready_.notify_all();
    }

    /// A page's record plus what the supervisor needs to schedule a retry.
    struct fetched {
        record::record r;
        std::uint32_t retry_after_ms = wire::no_millis;
    };

    net::awaitable<fetched> fetch_one(wire::job job)
    {
        fetched f;
        record::record& r = f.r;
        r.seq = job.seq;
        r.attempts = job.attempt;
        r.worker = static_cast<int>(id_);
        r.url = std::move(job.url);
        auto target = url::parse_input(r.url);
        if (!target) {
            r.error = target.error().cls;
            r.error_message = target.error().message;
            co_return f;
        }
        page_pipeline pipeline(opts_, r);
        auto outcome = co_await client_.get(std::move(*target), pipeline, opts_.fetch.max_redirects);
        const std::string retry_after = std::move(outcome.retry_after);
        pipeline.complete(std::move(outcome));
        if (!retry_after.empty()) {
            f.retry_after_ms = retry_after_millis(retry_after);
            if (r.error == error_class::http_status) {
                r.error_message += " (Retry-After: " + retry_after + ")";
            }
        }
        co_return f;
    }

    /// Fetches robots.txt and answers with RFC 9309 2.3.1's verdict: the rules of our group
    /// (2xx), no restrictions (unavailable: 4xx, a final 3xx, too many redirects) or nothing
    /// allowed (unreachable: 5xx, a network failure, a broken body).
    net::awaitable<wire::robots_result> fetch_robots(wire::job job)
    {
        wire::robots_result answer;
        answer.id = job.seq;
        auto target = url::parse_input(job.url);
        if (!target) {
            answer.error = target.error().cls;
            answer.verdict = wire::robots_verdict::disallow_all;
            answer.message = target.error().message;
            co_return answer;
        }
        robots_body body;
        auto outcome = co_await client_.get(std::move(*target), body, robots_max_redirects);
        answer.error = outcome.error.cls;
        answer.http_status = static_cast<std::uint16_t>(outcome.status);
        answer.wire_bytes = outcome.wire_bytes;
        if (!outcome.retry_after.empty()) {
            answer.retry_after_ms = retry_after_millis(outcome.retry_after);
        }
        const int status = outcome.status;
        const bool complete = outcome.error.cls == error_class::none || outcome.error.cls == error_class::body_too_large;
        const bool redirects_exhausted = outcome.error.cls == error_class::too_many_redirects ||
                                         outcome.error.cls == error_class::redirect_loop;
        if (status >= 200 && status < 300 && complete) {
            const robots::rules rules = robots::parse(body.body(), opts_.robots_agent);
            answer.verdict = wire::robots_verdict::rules;
            answer.rules = rules.list();
            if (const auto delay = rules.crawl_delay()) {
                answer.crawl_delay_ms =
                    static_cast<std::uint32_t>(std::min(*delay * 1000.0, static_cast<double>(wire::no_millis - 1)));
            }
            answer.message = "HTTP " + std::to_string(status);
        } else if (redirects_exhausted || (status >= 300 && status < 500 && outcome.error.cls == error_class::none)) {
            answer.verdict = wire::robots_verdict::allow_all;
            answer.message = redirects_exhausted ? outcome.error.message : "HTTP " + std::to_string(status);
        } else {
            answer.verdict = wire::robots_verdict::disallow_all;
            answer.message = outcome.error.cls != error_class::none ? outcome.error.message
                                                                    : "HTTP " + std::to_string(status);
        }
        co_return answer;
    }

    void emit(fetched& f)
    {
        const record::record& r = f.r;
        line_.clear();
        record::append(r, opts_.format, opts_.links, line_);
        wire::result frame;
        frame.seq = r.seq;
        frame.error = r.error;
        frame.http_status = static_cast<std::uint16_t>(r.status);
        frame.wire_bytes = r.wire_bytes;
        frame.body_bytes = r.body_bytes;
        frame.retry_after_ms = f.retry_after_ms;
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
    std::deque<queued_job> queue_;
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
