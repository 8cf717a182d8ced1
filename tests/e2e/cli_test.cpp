// Command-line behaviour: usage errors, formats, summary and --stats, and what cron needs:
// records only on stdout, silence with -q; and the manual (docs/crawl.1) against the program:
// its options, error classes and exit statuses.

#include "harness.hpp"
#include "support/test_server.hpp"

#include "crawl/util/error_class.hpp"

#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
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

// A repeatable option takes one value each time, as with curl: the FILE after it stays the
// FILE when more options follow (it used to be read as a second --resolve, and the run
// stopped on "FILE is required").
TEST(CliTest, ARepeatableOptionDoesNotTakeTheFileAfterIt)
{
    test_server server;
    const std::string host = "crawl.test:" + std::to_string(server.port());
    const auto path = write_temp_file("repeatable.txt", "http://" + host + "/page/1\n");
    const auto r = run_process({CRAWL_BIN, "--no-progress", "--resolve", host + ":127.0.0.1", path, "-H", "X-One: 1",
                                "--ignore-robots"});
    expect_no_sanitizer_report(r);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("\"status\":200"), std::string::npos) << r.out;
    const auto log = server.requests_log("/page/1");
    ASSERT_EQ(log.size(), 1U);
    EXPECT_EQ(log[0].host, host);
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

/// The man page's source as its readers see the .TP tags: per section (.SH), each tag line
/// as plain text ("\fB\-w\fR, \fB\-\-workers\fR \fIN\fR" -> "-w, --workers N").
std::map<std::string, std::vector<std::string>> man_page_tags(const std::string& roff)
{
    const auto plain = [](std::string line) {
        if (!line.empty() && line.front() == '.') {
            const auto space = line.find(' ');
            line = space == std::string::npos ? "" : line.substr(space + 1); // ".B 0" -> "0"
        }
        line = std::regex_replace(line, std::regex(R"(\\f[BIRP])"), "");
        line = std::regex_replace(line, std::regex(R"(\\-)"), "-");
        line = std::regex_replace(line, std::regex(R"(\\\(aq)"), "'");
        return std::regex_replace(line, std::regex("\""), "");
    };
    std::map<std::string, std::vector<std::string>> tags;
    std::string section;
    bool tag_next = false;
    std::istringstream in(roff);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(".SH ", 0) == 0) {
            section = plain(line);
            tag_next = false;
        } else if (line == ".TP") {
            tag_next = true;
        } else if (tag_next) {
            tags[section].push_back(plain(line));
            tag_next = false;
        }
    }
    return tags;
}

/// "-w,--workers" for an option with a short form, "--per-host" for one without.
std::string option_entry(const std::string& short_name, const std::string& long_name)
{
    return short_name.empty() ? long_name : short_name + "," + long_name;
}

TEST(CliTest, ManPageDocumentsEveryOptionOfHelpAndNoOther)
{
    const auto help = run_process({CRAWL_BIN, "--help"}).out;
    // --help lists an option per line: "  -w,--workers UINT..." or "  --per-host UINT=8 ...".
    std::set<std::string> in_help;
    const std::regex help_option(R"(^\s+(-[A-Za-z])?,?(--[a-z][a-z-]*)\b)");
    std::istringstream lines(help);
    for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (std::regex_search(line, m, help_option)) {
            in_help.insert(option_entry(m[1], m[2]));
        }
    }
    EXPECT_GE(in_help.size(), 30u) << help;

    // Each entry of OPTIONS names one option: "-w, --workers N", "--format jsonl|csv".
    const auto tags = man_page_tags(read_file(CRAWL_MAN_PAGE));
    ASSERT_TRUE(tags.contains("OPTIONS"));
    std::set<std::string> in_man;
    const std::regex short_name(R"((?:^|[ ,])(-[A-Za-z])(?=$|[ ,]))");
    const std::regex long_name(R"(--[a-z][a-z-]*)");
    for (const auto& tag : tags.at("OPTIONS")) {
        std::vector<std::string> shorts;
        std::vector<std::string> longs;
        for (std::sregex_iterator it(tag.begin(), tag.end(), short_name), end; it != end; ++it) {
            shorts.push_back((*it)[1]);
        }
        for (std::sregex_iterator it(tag.begin(), tag.end(), long_name), end; it != end; ++it) {
            longs.push_back(it->str());
        }
        ASSERT_EQ(longs.size(), 1u) << "an OPTIONS entry names one long option: " << tag;
        ASSERT_LE(shorts.size(), 1u) << tag;
        in_man.insert(option_entry(shorts.empty() ? "" : shorts.front(), longs.front()));
    }
    for (const auto& o : in_help) {
        EXPECT_TRUE(in_man.contains(o)) << o << " is in --help but has no entry in docs/crawl.1, OPTIONS";
    }
    for (const auto& o : in_man) {
        EXPECT_TRUE(in_help.contains(o)) << o << " has an entry in docs/crawl.1, OPTIONS, but is not in --help";
    }

    // README's short option table names only options that exist.
    const std::string readme = read_file(CRAWL_README);
    std::istringstream readme_lines(readme);
    unsigned in_readme = 0;
    for (std::string line; std::getline(readme_lines, line);) {
        if (line.rfind("| `-", 0) != 0) {
            continue;
        }
        const std::string cell = line.substr(0, line.find('|', 1));
        for (std::sregex_iterator it(cell.begin(), cell.end(), long_name), end; it != end; ++it, ++in_readme) {
            EXPECT_NE(help.find(it->str()), std::string::npos) << it->str() << " is in README's table, not in --help";
        }
    }
    EXPECT_GE(in_readme, 10u) << "README's option table";
}

TEST(CliTest, ManPageDocumentsEveryErrorClass)
{
    const auto tags = man_page_tags(read_file(CRAWL_MAN_PAGE));
    ASSERT_TRUE(tags.contains("ERRORS"));
    const std::set<std::string> in_man(tags.at("ERRORS").begin(), tags.at("ERRORS").end());
    for (std::size_t i = 1; i < error_class_count; ++i) {
        const std::string name(to_string(static_cast<error_class>(i)));
        EXPECT_TRUE(in_man.contains(name)) << name << " has no entry in docs/crawl.1, ERRORS";
    }
    for (const auto& name : in_man) {
        const auto cls = error_class_from_string(name);
        EXPECT_TRUE(cls && *cls != error_class::none) << "docs/crawl.1, ERRORS, lists " << name
                                                      << ", which is not an error class";
    }
}

TEST(CliTest, ManPageDocumentsEveryExitStatus)
{
    const auto tags = man_page_tags(read_file(CRAWL_MAN_PAGE));
    ASSERT_TRUE(tags.contains("EXIT STATUS"));
    const std::set<std::string> in_man(tags.at("EXIT STATUS").begin(), tags.at("EXIT STATUS").end());
    // The statuses the supervisor defines ("inline constexpr int exit_usage = 2;"), and those
    // of the signals it stops on.
    const std::string header = read_file(CRAWL_EXIT_STATUSES);
    const std::regex defined(R"(inline constexpr int (exit_[a-z_]+) = ([0-9]+);)");
    std::vector<std::pair<std::string, int>> statuses;
    for (std::sregex_iterator it(header.begin(), header.end(), defined), end; it != end; ++it) {
        statuses.emplace_back((*it)[1], std::stoi((*it)[2]));
    }
    EXPECT_GE(statuses.size(), 4u) << "exit statuses in " << CRAWL_EXIT_STATUSES;
    for (const int sig : {SIGINT, SIGTERM, SIGPIPE}) {
        statuses.emplace_back(sigabbrev_np(sig), 128 + sig);
    }
    for (const auto& [name, status] : statuses) {
        EXPECT_TRUE(in_man.contains(std::to_string(status)))
            << status << " (" << name << ") has no entry in docs/crawl.1, EXIT STATUS";
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
