// Command-line behaviour: usage errors, formats, summary and --stats.

#include "harness.hpp"
#include "support/test_server.hpp"

#include <set>

namespace crawl::test {
namespace {

TEST(CliTest, UsageErrorsExitTwoWithOneLine)
{
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"--no-such-option", "x"}, {"--workers", "0", "x"}, {"/nonexistent/urls.txt"},
          {"--format", "xml", "x"}, {"--resolve", "bad", "x"}, {"-H", "NoColon", "x"}}) {
        std::vector<std::string> argv{CRAWL_BIN};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto r = run_process(argv);
        EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.err;
        EXPECT_EQ(r.err.rfind("crawl: error: ", 0), 0u) << r.err;
        EXPECT_EQ(r.out, "");
    }
}

TEST(CliTest, HelpAndVersion)
{
    const auto help = run_process({CRAWL_BIN, "--help"});
    EXPECT_EQ(help.exit_code, 0);
    for (const char* option : {"--workers", "--concurrency", "--per-host", "--output", "--format", "--timeout",
                               "--connect-timeout", "--max-redirects", "--max-body", "--user-agent", "--header",
                               "--resolve", "--cacert", "--insecure", "--links", "--quiet", "--progress", "--stats",
                               "Examples:", "Exit status"}) {
        EXPECT_NE(help.out.find(option), std::string::npos) << option;
    }
    const auto version = run_process({CRAWL_BIN, "--version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_EQ(version.out.rfind("crawl ", 0), 0u);
}

TEST(CliTest, CsvOutput)
{
    test_server server;
    const auto path = write_temp_file("csv.txt", server.url("/page/1") + "\nnot a url\n");
    const auto r = run_process({CRAWL_BIN, "--no-progress", "--format", "csv", path});
    expect_no_sanitizer_report(r);
    EXPECT_EQ(r.exit_code, 1);
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    ASSERT_EQ(lines.size(), 3u) << r.out;
    EXPECT_EQ(lines[0].rfind("seq,url,final_url,status,ok,", 0), 0u) << lines[0];
    EXPECT_NE(r.out.find(",Page 1,"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("invalid_url"), std::string::npos);
}

TEST(CliTest, SummaryAndStatsFile)
{
    test_server server;
    const auto stats = write_temp_file("stats.json", "");
    const auto path = write_temp_file("summary.txt", server.url("/page/1") + "\n" + server.url("/status/500") + "\n");
    const auto r = run_process({CRAWL_BIN, "--no-progress", "-w", "2", "--stats", stats, path});
    expect_no_sanitizer_report(r);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("crawl: 2 URLs"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("ok 1, failed 1: http_status 1"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("5xx 1"), std::string::npos) << r.err;
    const auto json = boost::json::parse(run_process({"/bin/cat", stats}).out).as_object();
    EXPECT_EQ(json.at("urls").to_number<std::uint64_t>(), 2u);
    EXPECT_EQ(json.at("ok").to_number<std::uint64_t>(), 1u);
    EXPECT_EQ(json.at("errors").as_object().at("http_status").to_number<std::uint64_t>(), 1u);
    EXPECT_EQ(json.at("per_worker").as_array().size(), 2u);
    // Every worker process is reaped with its resource use.
    const auto& processes = json.at("worker_processes").as_array();
    ASSERT_EQ(processes.size(), 2u);
    std::set<std::uint64_t> slots;
    for (const auto& p : processes) {
        const auto& w = p.as_object();
        slots.insert(w.at("slot").to_number<std::uint64_t>());
        EXPECT_GT(w.at("peak_rss_kb").to_number<std::int64_t>(), 1000) << "a worker holds at least 1 MiB";
        EXPECT_EQ(w.at("ended").as_string(), "exited with status 0");
    }
    EXPECT_EQ(slots, (std::set<std::uint64_t>{0, 1}));
    EXPECT_GT(json.at("supervisor_peak_rss_kb").to_number<std::int64_t>(), 1000);
    EXPECT_NE(r.err.find("cpu: supervisor"), std::string::npos) << r.err;
}

} // namespace
} // namespace crawl::test
