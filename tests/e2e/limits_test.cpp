// Resource limits: the descriptor limit (raised at start, and when it runs out anyway fetches
// wait instead of failing), and the caps on what one response may make crawl hold.

#include "harness.hpp"
#include "support/test_server.hpp"

#include <sys/resource.h>

#include <regex>

namespace crawl::test {
namespace {

using namespace std::chrono_literals;

/// Runs crawl under `ulimit -n limit` (soft and hard, so crawl cannot raise it back).
crawl_run run_crawl_with_descriptor_limit(unsigned limit, const std::vector<std::string>& urls,
                                          const std::vector<std::string>& args)
{
    std::string input;
    for (const auto& u : urls) {
        input += u + "\n";
    }
    const auto path = write_temp_file("limited.txt", input);
    std::vector<std::string> argv{"/bin/sh", "-c", "ulimit -n " + std::to_string(limit) + " && exec \"$0\" \"$@\"",
                                  CRAWL_BIN, "--no-progress"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(path);
    crawl_run run;
    run.process = run_process(argv, {}, 120s);
    expect_no_sanitizer_report(run.process);
    parse_records(run);
    return run;
}

/// Sum of "N waits for a free file descriptor" over the workers' --verbose lines.
std::uint64_t descriptor_waits(const std::string& err)
{
    static const std::regex line(R"(crawl: worker \d+ \(pid \d+\): \d+ URLs, (\d+) waits for a free file descriptor)");
    std::uint64_t total = 0;
    for (auto it = std::sregex_iterator(err.begin(), err.end(), line); it != std::sregex_iterator(); ++it) {
        total += std::stoull((*it)[1].str());
    }
    return total;
}

TEST(LimitsTest, VerboseReportsTheRaisedDescriptorLimit)
{
    struct rlimit lim {};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
    const auto run = run_crawl({"http://127.0.0.1:1/"}, {"-v", "-w", "2"});
    ASSERT_EQ(run.records.size(), 1u);
    EXPECT_NE(run.process.err.find("descriptor limit (RLIMIT_NOFILE): " + std::to_string(lim.rlim_max) + ","),
              std::string::npos)
        << "the soft limit is raised to the hard one:\n"
        << run.process.err;
    EXPECT_NE(run.process.err.find("1000 header fields"), std::string::npos) << run.process.err;
    EXPECT_NE(run.process.err.find("crawl: worker 0 (pid "), std::string::npos) << run.process.err;
    EXPECT_NE(run.process.err.find("crawl: worker 1 (pid "), std::string::npos) << run.process.err;
    const auto quiet = run_crawl({"http://127.0.0.1:1/"}, {"-q"});
    EXPECT_EQ(quiet.process.err, "") << "no diagnostics without --verbose";
}

TEST(LimitsTest, RunningOutOfDescriptorsSlowsFetchesButFailsNone)
{
    test_server server;
    std::vector<std::string> urls;
    for (int i = 0; i < 300; ++i) {
        urls.push_back(server.url("/slow?ms=40&i=" + std::to_string(i)));
    }
    // 32 descriptors: a worker keeps about 20 for sockets, far fewer than its 64 fetches.
    // No retries: a URL that failed for want of a descriptor must not be rescued by a second try.
    const auto run = run_crawl_with_descriptor_limit(32, urls, {"-v", "-w", "2", "-c", "64", "--per-host", "0",
                                                                "--retries", "0", "--ignore-robots"});
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;
    EXPECT_EQ(run.process.exit_code, 0) << run.process.err;
    for (const auto& [seq, r] : run.records) {
        ASSERT_EQ(error_class_of(r), "none") << seq << ": " << boost::json::serialize(r);
    }
    EXPECT_NE(run.process.err.find("descriptor limit (RLIMIT_NOFILE): 32,"), std::string::npos) << run.process.err;
    EXPECT_GT(descriptor_waits(run.process.err), 0u) << "the limit was never reached:\n" << run.process.err;
}

TEST(LimitsTest, HeaderCapsAreOptions)
{
    test_server server;
    // The test server's responses have 4 or 5 header fields and about 120 header bytes.
    const auto fields = run_crawl({server.url("/page/1")}, {"--max-header-fields", "2", "--ignore-robots"});
    ASSERT_EQ(fields.records.size(), 1u);
    EXPECT_EQ(error_class_of(fields.at(1)), "protocol");
    const auto bytes = run_crawl({server.url("/page/1")}, {"--max-header-size", "1K", "--ignore-robots"});
    EXPECT_TRUE(bytes.at(1).at("ok").as_bool()) << "1 KiB is enough for this header";
    const auto usage = run_process({CRAWL_BIN, "--max-header-size", "100", "x"});
    EXPECT_EQ(usage.exit_code, 2) << "below 1 KiB is refused";
}

} // namespace
} // namespace crawl::test
