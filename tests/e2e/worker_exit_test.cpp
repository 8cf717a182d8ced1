// How the supervisor learns that a worker is gone, end to end: a worker that closes its pipes
// and then hangs must not freeze the crawl (the supervisor never waits for a child in its
// event loop; it reaps on SIGCHLD and kills a worker that stopped talking but lives on).

#include "harness.hpp"
#include "support/test_server.hpp"

namespace crawl::test {
namespace {

using namespace std::chrono_literals;

TEST(WorkerExitTest, AWorkerThatClosesItsPipesAndHangsIsKilledAndItsUrlsGoOn)
{
    test_server server;
    std::vector<std::string> urls;
    for (int i = 0; i < 30; ++i) {
        urls.push_back(server.url("/page/" + std::to_string(i % 5) + "?i=" + std::to_string(i)));
    }
    urls.insert(urls.begin() + 7, server.url("/page/1?hang-here"));
    // The worker's test hook (src/worker/worker.cpp): a job whose URL contains this text makes
    // the worker close both pipes and block forever, as a worker stuck in its teardown would.
    const auto input = write_temp_file("hang.txt", lines_of(urls));
    const auto result = run_process({"/usr/bin/env", "CRAWL_TEST_HANG_ON=hang-here", CRAWL_BIN, "--no-progress", "-w",
                                     "2", "-c", "4", "--per-host", "0", input},
                                    {}, 60s);
    // The behaviour under test is that the run ends at all: it used to wait for the hung
    // worker forever.
    ASSERT_FALSE(result.timed_out) << result.err;
    expect_no_sanitizer_report(result);
    crawl_run run;
    run.process = result;
    parse_records(run);
    ASSERT_EQ(run.records.size(), urls.size()) << result.err;
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_EQ(error_class_of(run.at(8)), "worker_crash") << "it hung two workers, each alone the second time";
    for (const auto& [seq, record] : run.records) {
        if (seq != 8) {
            EXPECT_EQ(error_class_of(record), "none") << "seq " << seq << ": " << str(record, "url");
        }
    }
    EXPECT_NE(result.err.find("closed its result pipe without exiting and was killed by signal 9"),
              std::string::npos)
        << result.err;
}

} // namespace
} // namespace crawl::test
