// The process model end to end: forked workers, parity between worker counts, a worker killed
// mid-run, signals, and no orphans when the supervisor is killed.

#include "harness.hpp"
#include "support/test_server.hpp"

#include <algorithm>
#include <csignal>
#include <set>
#include <thread>

namespace crawl::test {
namespace {

using namespace std::chrono_literals;

/// The record without the fields that legitimately differ between runs.
boost::json::object comparable(boost::json::object r)
{
    r.erase("worker");
    r.erase("time_ms");
    return r;
}

std::vector<std::string> mixed_urls(const test_server& server)
{
    std::vector<std::string> urls{"# a comment", "", "not a url", "ftp://example.com/file"};
    for (int i = 0; i < 40; ++i) {
        const char* kinds[] = {"/page/", "/gzip/", "/chunked/", "/deflate/", "/redirect/", "/status/"};
        const std::string kind = kinds[i % 6];
        urls.push_back(server.url(kind + (kind == "/status/" ? std::string("404") : std::to_string(i % 3))));
    }
    return urls;
}

TEST(ProcessTest, OneAndFourWorkersProduceTheSameRecords)
{
    test_server server;
    const auto urls = mixed_urls(server);
    const auto one = run_crawl(urls, {"-w", "1"});
    const auto four = run_crawl(urls, {"-w", "4"});
    ASSERT_EQ(one.records.size(), urls.size() - 2) << "every line but the comment and the blank";
    ASSERT_EQ(four.records.size(), one.records.size());
    EXPECT_EQ(one.process.exit_code, 1);
    EXPECT_EQ(four.process.exit_code, 1);
    for (const auto& [seq, record] : one.records) {
        EXPECT_EQ(comparable(record), comparable(four.at(seq))) << "seq " << seq;
    }
    EXPECT_EQ(error_class_of(one.at(3)), "invalid_url");
    EXPECT_EQ(error_class_of(one.at(4)), "unsupported_scheme");
}

TEST(ProcessTest, FourWorkersShareTheWork)
{
    // Pages that take 300 ms, eight at a time (--per-host's default), each to the least loaded
    // worker: whichever workers have said hello when the first ones go out, all four have by
    // the later rounds (the mixed list above can be over before a loaded machine has started
    // them all).
    test_server server;
    std::vector<std::string> urls;
    for (int i = 0; i < 32; ++i) {
        urls.push_back(server.url("/slow?ms=300&i=" + std::to_string(i)));
    }
    const auto run = run_crawl(urls, {"-w", "4"});
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;
    std::set<std::int64_t> workers;
    for (const auto& [seq, record] : run.records) {
        workers.insert(num(record, "worker"));
    }
    EXPECT_GE(workers.size(), 3u);
}

TEST(ProcessTest, KilledWorkerIsReplacedAndItsUrlsFinish)
{
    test_server server;
    std::vector<std::string> urls;
    for (int i = 0; i < 30; ++i) {
        urls.push_back(server.url("/slow?ms=300&i=" + std::to_string(i)));
    }
    urls.insert(urls.begin() + 5, server.url("/crash"));
    const auto run = run_crawl(urls, {"-w", "2", "-c", "8", "--per-host", "0"});
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;
    EXPECT_EQ(run.process.exit_code, 1);
    EXPECT_EQ(error_class_of(run.at(6)), "worker_crash");
    EXPECT_EQ(num(run.at(6), "worker"), -1);
    for (const auto& [seq, record] : run.records) {
        if (seq != 6) {
            EXPECT_TRUE(record.at("ok").as_bool()) << "seq " << seq << " " << str(record, "url");
        }
    }
    EXPECT_EQ(server.requests_for("/crash"), 2u) << "a URL that kills a worker is tried twice";
    EXPECT_NE(run.process.err.find("killed by signal 9"), std::string::npos) << run.process.err;
}

TEST(ProcessTest, PerHostLimitIsGlobalAcrossWorkers)
{
    // 12 URLs of 300 ms each, four workers: what the server has in flight at once is the limit.
    const auto max_in_flight_with = [](const std::string& per_host) {
        test_server server;
        std::vector<std::string> urls;
        for (int i = 0; i < 12; ++i) {
            urls.push_back(server.url("/slow?ms=300&i=" + std::to_string(i)));
        }
        const auto run = run_crawl(urls, {"-w", "4", "--per-host", per_host});
        EXPECT_EQ(run.records.size(), 12u) << run.process.err;
        EXPECT_EQ(server.requests_for("/slow"), 12u);
        return server.max_in_flight("/slow");
    };
    EXPECT_EQ(max_in_flight_with("2"), 2u) << "never more than 2 at once, and 2 were";
    EXPECT_EQ(max_in_flight_with("5"), 5u);
    EXPECT_GT(max_in_flight_with("0"), 5u) << "no cap";
}

TEST(ProcessTest, SigintWritesFinishedRecordsAndExits130)
{
    test_server server;
    std::string input;
    for (int i = 0; i < 400; ++i) {
        input += server.url("/slow?ms=200&i=" + std::to_string(i)) + "\n";
    }
    const auto path = write_temp_file("sigint.txt", input);
    background_process crawl({CRAWL_BIN, "--no-progress", "-w", "2", "-c", "4", "--per-host", "0", path});
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    const auto lines_so_far = [&] {
        const auto out = crawl.stdout_so_far();
        return static_cast<std::size_t>(std::count(out.begin(), out.end(), '\n'));
    };
    while (lines_so_far() < 8 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
    }
    crawl.send_signal(SIGINT);
    const auto start = std::chrono::steady_clock::now();
    auto result = crawl.wait(15s);
    expect_no_sanitizer_report(result);
    // Wall time, because exiting promptly after SIGINT is a deadline.
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s) << "in-flight requests are cancelled, not awaited";
    EXPECT_EQ(result.exit_code, 130) << result.err;
    crawl_run run;
    run.process = result;
    parse_records(run); // fails on a torn line
    EXPECT_GE(run.records.size(), 8u) << "records finished before the signal are kept";
    EXPECT_LT(run.records.size(), 400u);
    EXPECT_NE(result.err.find("interrupted"), std::string::npos) << result.err;
}

TEST(ProcessTest, WorkersDieWithTheSupervisor)
{
    test_server server;
    std::string input;
    for (int i = 0; i < 50; ++i) {
        input += server.url("/never?i=" + std::to_string(i)) + "\n";
    }
    const auto path = write_temp_file("orphans.txt", input);
    background_process crawl({CRAWL_BIN, "--no-progress", "-w", "3", path});
    std::vector<pid_t> workers;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (workers.size() < 3 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
        workers = child_pids(crawl.pid());
    }
    ASSERT_EQ(workers.size(), 3u);
    crawl.send_signal(SIGKILL);
    (void)crawl.wait(5s);
    const auto gone_by = std::chrono::steady_clock::now() + 5s;
    bool any_alive = true;
    while (any_alive && std::chrono::steady_clock::now() < gone_by) {
        any_alive = false;
        for (pid_t w : workers) {
            any_alive = any_alive || process_alive(w);
        }
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_FALSE(any_alive) << "workers outlived a SIGKILLed supervisor";
}

TEST(ProcessTest, StdinInputAndOutputFile)
{
    test_server server;
    const auto out = write_temp_file("out.jsonl", "");
    const auto result =
        run_process({CRAWL_BIN, "--no-progress", "-q", "-o", out, "-"}, server.url("/page/1") + "\n" + server.url("/page/2") + "\n");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err, "") << "-q prints nothing when all is well";
    crawl_run run;
    run.process = run_process({"/bin/cat", out});
    parse_records(run);
    EXPECT_EQ(run.records.size(), 2u);
}

} // namespace
} // namespace crawl::test
