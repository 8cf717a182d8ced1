// A worker process: jobs in, result frames out, one io_context, many fetches in flight.

#include "crawl/worker/worker.hpp"

#include "archive_sink.hpp"

#include "crawl/decode/decoder.hpp"
#include "crawl/fetch/client.hpp"
#include "crawl/robots/robots.hpp"
#include "crawl/url/target.hpp"
#include "crawl/util/http_date.hpp"
#include "crawl/wire/channel.hpp"
#include "crawl/wire/frame.hpp"
#include "crawl/worker/page_pipeline.hpp"
#include "pacing_desk.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

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

/// A job as queued: a page, or a robots.txt fetch.
using queued_job = std::variant<wire::job, wire::robots_job>;

/// The robots.txt URL of a robots job's origin.
url::target robots_txt_target(wire::robots_job job)
{
    url::target t;
    t.scheme = std::move(job.scheme);
    t.host = std::move(job.host);
    t.port = job.port;
    t.request_target = "/robots.txt";
    t.href = t.scheme + "://" + t.host_header() + t.request_target;
    return t;
}

/// The rules as the frame carries them.
std::vector<wire::rule_data> rules_for_the_wire(const std::vector<robots::rule>& rules)
{
    std::vector<wire::rule_data> out;
    out.reserve(rules.size());
    for (const auto& rule : rules) {
        out.push_back(wire::rule_data{rule.allow, rule.pattern});
    }
    return out;
}

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
        const auto codings = decode::parse_content_encoding(info.content_encoding);
        if (!codings.refusal.empty()) {
            return {error_class::unsupported_encoding, codings.refusal};
        }
        decoder_.emplace(codings.applied, robots::max_bytes + 1, [this](std::string_view bytes) { body_.append(bytes); });
        return {};
    }
    failure on_body(std::string_view bytes) override
    {
        if (decoder_->feed(bytes) == decode::status::ok) {
            return {};
        }
        failure f = decoder_->error();
        if (f.cls == error_class::body_too_large) {
            f.message = "robots.txt is longer than the part that is read";
        }
        return f;
    }
    failure on_end() override
    {
        if (decoder_->finish() != decode::status::ok) {
            return decoder_->error();
        }
        return {};
    }
    [[nodiscard]] const std::string& body() const noexcept { return body_; }

private:
    std::optional<decode::decoder> decoder_;
    std::string body_;
};

class worker_loop {
public:
    worker_loop(net::io_context& ioc, unsigned id, unique_fd jobs, unique_fd results, const options& opts)
        : ioc_(ioc), id_(id), opts_(opts), supervisor_(ioc.get_executor(), std::move(jobs), std::move(results)),
          client_(ioc.get_executor(), opts.fetch), work_ready_(ioc.get_executor())
    {
        if (opts.warc) {
            auto settings = *opts.warc;
            settings.worker = id;
            archive_.emplace(std::move(settings), (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}());
        }
    }

    /// Runs until the worker is done. An exception from a coroutine or a handler ends it with
    /// status 1 here: in the forked worker it must never unwind into the supervisor's frames.
    void run()
    {
        start();
        try {
            ioc_.run();
        } catch (const std::exception& e) {
            fail(e.what());
        }
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
    void start()
    {
        wire::append_frame(wire::hello{wire::protocol_version, id_, static_cast<std::uint32_t>(::getpid())},
                           supervisor_.outbox());
        supervisor_.flush();
        supervisor_.start({
            .on_frame = [this](const wire::frame_view& frame) { return take_frame(frame); },
            .on_frames_handled = nullptr,
            .on_read_end = [this](const wire::channel_error& why) { input_ended(why); },
            .on_write_end = [this](const std::optional<wire::channel_error>& failure) { output_ended(failure); },
        });
        const auto rethrow = [](const std::exception_ptr& e) {
            if (e) {
                std::rethrow_exception(e); // out of ioc_.run(), into run()
            }
        };
        for (unsigned i = 0; i < opts_.concurrency; ++i) {
            net::co_spawn(ioc_, fetch_loop(), rethrow);
        }
    }

    void fail(const std::string& why)
    {
        std::fprintf(stderr, "crawl: worker %u: error: %s\n", id_, why.c_str());
        exit_status_ = 1;
        ioc_.stop();
    }

    /// One frame from the supervisor. A message when it breaks the protocol.
    std::optional<std::string> take_frame(const wire::frame_view& frame)
    {
        if (shutting_down_) {
            return std::nullopt; // nothing more is started, and the input is not needed
        }
        switch (frame.type) {
        case wire::frame_type::shutdown:
            shutting_down_ = true;
            queue_.clear();
            work_ready_.notify_all();
            close_output_when_done();
            return std::nullopt;
        case wire::frame_type::drain:
            queue_.clear(); // what has not started stays undone; what runs finishes
            return std::nullopt;
        case wire::frame_type::robots_job:
            return enqueue(wire::decode_robots_job(frame.payload), "robots job");
        case wire::frame_type::job:
            return enqueue(wire::decode_job(frame.payload), "job");
        case wire::frame_type::go: {
            const auto go = wire::decode_go(frame.payload);
            if (!go) {
                return "malformed go frame";
            }
            if (!pacing_.grant(*go)) {
                return "a go for a job that asked for no turn";
            }
            return std::nullopt;
        }
        default:
            return "unexpected frame type " + std::to_string(static_cast<int>(frame.type)) + " from the supervisor";
        }
    }

    /// Queues a job that decoded; a message when it did not.
    template <class Job>
    std::optional<std::string> enqueue(std::optional<Job> job, std::string_view kind)
    {
        if (!job) {
            return "malformed " + std::string(kind) + " frame";
        }
        queue_.emplace_back(std::move(*job));
        work_ready_.notify_one();
        return std::nullopt;
    }

    /// End of the jobs: the supervisor has no more (or is gone); finish what is queued.
    void input_ended(const wire::channel_error& why)
    {
        if (why.what == wire::channel_error::kind::protocol) {
            fail(why.message);
            return;
        }
        input_closed_ = true;
        pacing_.release_all();
        work_ready_.notify_all();
    }

    void output_ended(const std::optional<wire::channel_error>& failure)
    {
        if (failure) {
            exit_status_ = 1; // the supervisor is gone: nobody to report to
        }
        ioc_.stop();
    }

    [[nodiscard]] bool finished() const noexcept
    {
        return fetchers_done_ == opts_.concurrency || shutting_down_;
    }

    /// Once every fetcher is done (or a shutdown came), the archive's last file is closed, the
    /// last results go out and the output closes; then the worker stops.
    void close_output_when_done()
    {
        if (!finished() || output_closing_) {
            return;
        }
        output_closing_ = true;
        if (archive_) {
            if (auto failed = archive_->close(); failed && !archive_failed_) {
                archive_failed_ = true;
                wire::append_frame(wire::worker_failed{wire::failure_cause::archive, failed->message},
                                   supervisor_.outbox());
            }
        }
        supervisor_.close_after_flush();
    }

    /// A WARC file could not be written: the supervisor is told (it says why, once, and stops
    /// the run), nothing more is fetched or recorded, and the worker ends. The files end on
    /// their last whole record, and no record was sent for a page that is not in them.
    void archive_failed(const std::string& why)
    {
        if (archive_failed_ || shutting_down_) {
            return;
        }
        archive_failed_ = true;
        wire::append_frame(wire::worker_failed{wire::failure_cause::archive, why}, supervisor_.outbox());
        supervisor_.flush();
        shutting_down_ = true;
        queue_.clear();
        work_ready_.notify_all();
        close_output_when_done();
    }

    /// Where a fetch's captures go with --warc; nothing without.
    std::optional<archive_sink> archive_sink_for_fetch()
    {
        if (!archive_) {
            return std::nullopt;
        }
        return std::optional<archive_sink>(std::in_place, *archive_);
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
            if (auto* robots_job = std::get_if<wire::robots_job>(&next)) {
                const std::uint64_t id = robots_job->id;
                auto answer = co_await fetch_robots(std::move(*robots_job));
                if (!shutting_down_) {
                    if (answer) {
                        wire::append_frame(*answer, supervisor_.outbox());
                    } else {
                        wire::append_frame(wire::unsent{id}, supervisor_.outbox());
                    }
                    supervisor_.flush();
                }
                continue;
            }
            hang_if_asked(std::get<wire::job>(next));
            fetched f = co_await fetch_one(std::move(std::get<wire::job>(next)));
            if (!shutting_down_) {
                emit(f);
            }
        }
        ++fetchers_done_;
        close_output_when_done();
    }

    /// A test hook (tests/e2e/worker_exit_test.cpp): with CRAWL_TEST_HANG_ON=TEXT in the
    /// environment, a worker handed a URL that contains TEXT closes every descriptor and blocks
    /// for good, as a worker stuck on its way out would. The supervisor must not wait for it.
    void hang_if_asked(const wire::job& job) const
    {
        if (hang_on_ != nullptr && *hang_on_ != '\0' && job.url.find(hang_on_) != std::string::npos) {
            ::close_range(3, ~0U, 0);
            for (;;) {
                ::pause();
            }
        }
    }

    /// A page's record plus what the supervisor needs to schedule a retry.
    struct fetched {
        record::record r;
        std::uint32_t retry_after_ms = wire::no_millis;
        bool inward = false;              ///< recursive: the first hop's peer was inward
        bool redirect = false;            ///< recursive: follow holds a redirect's target
        bool sitemap_index = false;       ///< a sitemap job: follow holds the sitemaps of an index
        std::vector<std::string> follow;  ///< recursive: the links to follow
        bool unsent = false;              ///< its time to send passed: no record, an unsent frame
    };

    net::awaitable<fetched> fetch_one(wire::job job)
    {
        fetched f;
        record::record& r = f.r;
        r.seq = job.seq;
        r.attempts = job.attempt;
        r.worker = static_cast<int>(id_);
        r.url = std::move(job.url);
        const bool recursive = (job.crawl.flags & wire::recursive) != 0;
        const bool sitemap = (job.crawl.flags & wire::sitemap) != 0;
        if (recursive) {
            r.place = {true, (job.crawl.flags & wire::discovered) != 0, job.crawl.depth, std::move(job.crawl.found_on)};
        }
        using purpose = page_pipeline::purpose;
        page_pipeline pipeline(opts_, r, sitemap ? purpose::sitemap : recursive ? purpose::follow : purpose::page);
        job_pacer pacer(pacing_, ioc_.get_executor(), job.seq, job.pacing, job.send_by_ns);
        const bool paced = job.pacing != 0 || job.send_by_ns != 0;
        auto sink = archive_sink_for_fetch();
        // A sitemap's redirects are followed within its fetch: it is no page of the crawl.
        const fetch::hop_rules hops{opts_.fetch.max_redirects, recursive && !sitemap,
                                    (job.crawl.flags & wire::outward_only) != 0};
        auto outcome = co_await client_.get(std::move(job.target), pipeline, hops, paced ? &pacer : nullptr,
                                            sink ? &*sink : nullptr);
        if (outcome.unsent) {
            f.unsent = true;
            co_return f;
        }
        ++fetched_;
        f.inward = outcome.first_hop_inward;
        f.redirect = !outcome.redirect_to.empty();
        if (sink && sink->error()) {
            archive_failed(sink->error()->message);
        } else if (sink && sink->last()) {
            r.warc = {sink->last()->file, sink->last()->offset, sink->last()->length};
        }
        const std::string retry_after = std::move(outcome.retry_after);
        pipeline.complete(std::move(outcome));
        f.follow = std::move(pipeline.follow());
        f.sitemap_index = pipeline.sitemap_index();
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
    net::awaitable<std::optional<wire::robots_result>> fetch_robots(wire::robots_job job)
    {
        wire::robots_result answer;
        answer.id = job.id;
        robots_body body;
        job_pacer pacer(pacing_, ioc_.get_executor(), job.id, job.pacing, job.send_by_ns);
        const bool paced = job.pacing != 0 || job.send_by_ns != 0;
        auto sink = archive_sink_for_fetch();
        auto outcome = co_await client_.get(robots_txt_target(std::move(job)), body, robots_max_redirects,
                                            paced ? &pacer : nullptr, sink ? &*sink : nullptr);
        if (outcome.unsent) {
            co_return std::nullopt;
        }
        if (sink && sink->error()) {
            archive_failed(sink->error()->message);
        }
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
            answer.rules = rules_for_the_wire(rules.list());
            answer.sitemaps = rules.sitemaps();
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
        if (f.unsent) {
            wire::append_frame(wire::unsent{r.seq}, supervisor_.outbox());
            supervisor_.flush();
            return;
        }
        line_.clear();
        record::append(r, opts_.format, opts_.links, line_);
        wire::result frame;
        frame.seq = r.seq;
        frame.error = r.error;
        frame.http_status = static_cast<std::uint16_t>(r.status);
        frame.wire_bytes = r.wire_bytes;
        frame.body_bytes = r.body_bytes;
        frame.retry_after_ms = f.retry_after_ms;
        frame.inward = f.inward;
        frame.redirect = f.redirect;
        frame.sitemap_index = f.sitemap_index;
        frame.follow = std::move(f.follow);
        frame.line.swap(line_);
        wire::append_frame(frame, supervisor_.outbox());
        line_.swap(frame.line);
        supervisor_.flush();
    }

    net::io_context& ioc_;
    unsigned id_;
    const options& opts_;
    wire::channel supervisor_; ///< jobs in, results out
    pacing_desk pacing_{supervisor_};
    fetch::client client_;
    std::optional<warc::writer> archive_; ///< --warc: this worker's files
    wakeup work_ready_;
    std::deque<queued_job> queue_;
    std::string line_;
    unsigned fetchers_done_ = 0;
    std::uint64_t fetched_ = 0;
    bool input_closed_ = false;
    bool shutting_down_ = false;
    bool output_closing_ = false;
    bool archive_failed_ = false;
    int exit_status_ = 0;
    const char* hang_on_ = std::getenv("CRAWL_TEST_HANG_ON");
};

} // namespace

int run(unsigned worker_id, unique_fd jobs, unique_fd results, const options& opts)
{
    net::io_context ioc{1};
    worker_loop loop(ioc, worker_id, std::move(jobs), std::move(results), opts);
    loop.run();
    if (opts.verbose) {
        loop.report();
    }
    return loop.exit_status();
}

} // namespace crawl::worker
