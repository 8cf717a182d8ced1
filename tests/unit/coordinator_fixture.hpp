#pragma once
// The coordinator's tests' fixture: a fake worker pool that records what it is asked, a fake
// clock, and helpers that play a worker's part (answers, robots.txt answers, exits) and read
// the records back. No process, no pipe, no timer.

#include "supervisor/coordinator.hpp"

#include "crawl/record/record.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace crawl::supervisor::coordinator_tests {

using namespace std::chrono_literals;
namespace json = boost::json;

/// What the coordinator asked of the pool, in order.
struct pool_call {
    std::string what; ///< send, go, finish, drain, shut_down, kill, replace
    unsigned worker = 0;
    pending_url job;  ///< for send
    wire::go go;      ///< for go
};

class fake_pool final : public worker_pool {
public:
    void send(unsigned worker, const pending_url& job) override { calls.push_back({"send", worker, job, {}}); }
    void grant_turn(unsigned worker, const wire::go& go) override { calls.push_back({"go", worker, {}, go}); }
    void finish(unsigned worker) override { calls.push_back({"finish", worker, {}, {}}); }
    void drain(unsigned worker) override { calls.push_back({"drain", worker, {}, {}}); }
    void shut_down(unsigned worker) override { calls.push_back({"shut_down", worker, {}, {}}); }
    void kill(unsigned worker) override { calls.push_back({"kill", worker, {}, {}}); }
    std::error_code replace(unsigned worker) override
    {
        calls.push_back({"replace", worker, {}, {}});
        return fork_fails ? std::make_error_code(std::errc::resource_unavailable_try_again) : std::error_code{};
    }

    /// The calls since the last take(), then forgets them.
    std::vector<pool_call> take() { return std::exchange(calls, {}); }
    /// The jobs sent since the last take(), then forgets every call.
    std::vector<pool_call> take_sent()
    {
        std::vector<pool_call> sent;
        for (auto& c : take()) {
            if (c.what == "send") {
                sent.push_back(std::move(c));
            }
        }
        return sent;
    }

    std::vector<pool_call> calls;
    bool fork_fails = false;
};

/// The names of the calls, for compact assertions: "finish 0", "shut_down 1", "send 0 #3".
inline std::vector<std::string> names(const std::vector<pool_call>& calls)
{
    std::vector<std::string> out;
    for (const auto& c : calls) {
        std::string s = c.what + " " + std::to_string(c.worker);
        if (c.what == "send") {
            s += c.job.kind == job_kind::robots ? " robots " + c.job.origin : " #" + std::to_string(c.job.seq);
        }
        if (c.what == "go") {
            s += " #" + std::to_string(c.go.id) + (c.go.report_sends ? " paced" : "");
        }
        out.push_back(std::move(s));
    }
    return out;
}

inline worker_exit killed(int pid)
{
    return {pid, "killed by signal 9 (SIGKILL)", false, 0, 0, 0};
}

inline worker_exit exited_cleanly(int pid)
{
    return {pid, "exited with status 0", true, 0, 0, 0};
}

class CoordinatorTest : public ::testing::Test {
protected:
    CoordinatorTest()
    {
        opts.robots = false;
        opts.retries = 2;
        opts.retry_base = 1000ms;
        opts.max_retry_wait = 10s;
        opts.worker.concurrency = 4;
    }

    /// Builds the coordinator; every worker says hello unless told otherwise.
    void start(bool hello = true)
    {
        coordinator::environment env;
        env.now = [this] { return now; };
        env.warn = [this](std::string_view line) { warnings.emplace_back(line); };
        env.seed = 42;
        env.done = std::move(done);
        c = std::make_unique<coordinator>(opts, pool, std::move(env));
        for (unsigned w = 0; hello && w < opts.workers; ++w) {
            c->worker_ready(w);
        }
    }

    void lines(std::initializer_list<std::string_view> texts)
    {
        for (const auto text : texts) {
            c->take_line(++line_number, text, false);
        }
    }

    /// A worker's answer to a page job: the record line it would have written.
    void answer(const pool_call& job, unsigned status, error_class error = error_class::none,
                std::uint32_t retry_after_ms = wire::no_millis)
    {
        record::record r;
        r.seq = job.job.seq;
        r.url = job.job.url;
        r.status = static_cast<int>(status);
        r.error = error;
        r.attempts = job.job.attempt;
        r.worker = static_cast<int>(job.worker);
        std::string line;
        record::append_jsonl(r, false, line);
        wire::result_view result;
        result.seq = job.job.seq;
        result.error = error;
        result.http_status = static_cast<std::uint16_t>(status);
        result.retry_after_ms = retry_after_ms;
        result.line = line;
        c->page_result(job.worker, result);
    }

    void answer_robots(const pool_call& job, wire::robots_verdict verdict, std::vector<wire::rule_data> rules = {},
                       std::uint32_t crawl_delay_ms = wire::no_millis, unsigned status = 200,
                       error_class error = error_class::none)
    {
        wire::robots_result r;
        r.id = job.job.seq;
        r.verdict = verdict;
        r.rules = std::move(rules);
        r.crawl_delay_ms = crawl_delay_ms;
        r.http_status = static_cast<std::uint16_t>(status);
        r.error = error;
        if (error != error_class::none) {
            r.message = std::string(to_string(error)) + " failed";
        } else {
            r.message = "HTTP " + std::to_string(status);
        }
        c->robots_result(job.worker, r);
    }

    /// The records written since the last call, by seq (each seq at most once).
    std::map<std::uint64_t, json::object> records()
    {
        std::map<std::uint64_t, json::object> out;
        std::string_view text = c->output();
        while (!text.empty()) {
            const auto end = text.find('\n');
            auto object = json::parse(text.substr(0, end)).as_object();
            const auto seq = static_cast<std::uint64_t>(object.at("seq").as_int64());
            EXPECT_TRUE(out.emplace(seq, std::move(object)).second) << "two records for line " << seq;
            text.remove_prefix(end + 1);
        }
        c->output().clear();
        return out;
    }

    static std::string error_of(const json::object& r)
    {
        return r.at("error").is_null() ? "none" : std::string(r.at("error").as_object().at("class").as_string());
    }

    void advance(std::chrono::milliseconds by)
    {
        now += by;
        c->tick();
    }

    options opts;
    fake_pool pool;
    clock::time_point now = clock::time_point{} + 1000s;
    std::vector<std::string> warnings;
    done_lines done;
    std::unique_ptr<coordinator> c;
    std::uint64_t line_number = 0;
};

} // namespace crawl::supervisor::coordinator_tests
