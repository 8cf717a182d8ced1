// Command-line behaviour: usage errors, formats, summary and --stats, and what cron needs:
// records only on stdout, silence with -q, documented options and exit statuses.

#include "harness.hpp"
#include "support/test_server.hpp"

#include <unistd.h>

#include <filesystem>
#include <regex>
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
                               "--ignore-robots", "--robots-agent", "--robots-cache", "--delay", "--max-delay", "--retries",
                               "--retry-base", "--max-retry-wait", "--host-errors", "--resume", "--max-time", "--dedup",
                               "Examples:", "Exit status", "3 stopped by --max-time"}) {
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

TEST(CliTest, ReadmeDocumentsEveryOptionAndExitStatus)
{
    const auto help = run_process({CRAWL_BIN, "--help"}).out;
    const std::string readme = read_file(CRAWL_README);
    ASSERT_FALSE(readme.empty());
    const std::regex option("--[a-z][a-z-]+");
    std::set<std::string> options;
    for (std::sregex_iterator it(help.begin(), help.end(), option), end; it != end; ++it) {
        options.insert(it->str());
    }
    EXPECT_GE(options.size(), 30u);
    // The option table's rows start with "| `": "| `-w, --workers N` | ...".
    std::string table;
    std::istringstream lines(readme);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("| `-", 0) == 0) {
            table += line.substr(0, line.find('|', 1)) + '\n';
        }
    }
    for (const auto& o : options) {
        const std::regex whole(o + "([^a-z-]|$)");
        EXPECT_TRUE(std::regex_search(table, whole)) << o << " is in --help but not in README's option table";
    }
    for (const char* status : {"| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 130 / 143 |", "| 141 |"}) {
        EXPECT_NE(readme.find(status), std::string::npos) << status;
    }
}

TEST(CliTest, QuietRunWritesOnlyRecordsAndNothingElse)
{
    test_server server;
    scripted_response robots;
    robots.body = "User-agent: *\nDisallow: /gzip/\n";
    server.set_response("/robots.txt", robots);
    const std::vector<std::string> urls{server.url("/page/1"),
                                        server.url("/gzip/1"),                                      // disallowed
                                        server.url("/status-then-ok?fail=1&code=503&key=q"),        // retried
                                        server.url("/status/404"),                                  // failed
                                        server.url("/page/1"),                                      // duplicate
                                        "not a url",
                                        "http://127.0.0.1:1/a", "http://127.0.0.1:1/b", "http://127.0.0.1:1/c"};
    const auto path = write_temp_file("quiet.txt", lines_of(urls));
    const auto r = run_process({CRAWL_BIN, "-q", "--dedup", "--retry-base", "20", "--host-errors", "1", path});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "") << "-q: nothing on stderr unless something fails to start";
    const auto run = records_of(r.out);
    EXPECT_EQ(run.lines.size(), urls.size()) << "stdout holds the records and nothing else";
    EXPECT_EQ(run.records.size(), urls.size());
    EXPECT_EQ(error_class_of(run.at(2)), "robots_disallowed");
    EXPECT_EQ(num(run.at(3), "attempts"), 2);
    EXPECT_EQ(num(run.at(5), "duplicate_of"), 1);

    // With -o, stdout stays empty too; a failure to start still speaks, in one line.
    const auto out = write_temp_file("quiet.jsonl", "");
    const auto to_file = run_process({CRAWL_BIN, "-q", "-o", out, path});
    EXPECT_EQ(to_file.out, "");
    EXPECT_EQ(to_file.err, "");
    const auto broken = run_process({CRAWL_BIN, "-q", "-o", "/nonexistent/dir/out.jsonl", path});
    EXPECT_EQ(broken.exit_code, 2);
    EXPECT_EQ(broken.err.rfind("crawl: error: ", 0), 0u) << broken.err;
}

TEST(CliTest, StatsFileIsReplacedAtomically)
{
    test_server server;
    const auto stats = write_temp_file("atomic-stats.json", "old\n");
    // A second name for the old file: written in place, it would change too; replaced by a
    // rename, it keeps the old content.
    const auto twin = stats + ".twin";
    std::filesystem::create_hard_link(stats, twin);
    const auto path = write_temp_file("atomic.txt", server.url("/page/1") + "\n");
    const auto r = run_process({CRAWL_BIN, "-q", "--stats", stats, path});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(twin), "old\n");
    const auto json = boost::json::parse(read_file(stats)).as_object();
    EXPECT_EQ(json.at("urls").to_number<int>(), 1);
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(stats).parent_path())) {
        EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
    }
}

} // namespace
} // namespace crawl::test
