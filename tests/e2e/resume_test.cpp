// Resume and durability end to end: --resume after a torn write, a changed input refused,
// SIGKILL of the supervisor or of workers at random moments without losing or repeating a
// line, --max-time, and --dedup.

#include "harness.hpp"
#include "support/test_server.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

namespace crawl::test {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

std::size_t line_count(const std::string& text)
{
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

/// Checks that `path` holds exactly one whole record for each of seqs 1..n and nothing else.
void expect_exactly_once(const std::string& path, std::size_t n)
{
    const std::string text = read_file(path);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n') << "no torn last line";
    const auto run = records_of(text); // fails the test on a duplicate or a torn line
    EXPECT_EQ(run.lines.size(), n);
    ASSERT_EQ(run.records.size(), n);
    EXPECT_EQ(run.records.begin()->first, 1u);
    EXPECT_EQ(run.records.rbegin()->first, n);
}

std::vector<std::string> pages(const test_server& server, int n, std::string_view route = "/page/")
{
    std::vector<std::string> urls;
    for (int i = 1; i <= n; ++i) {
        urls.push_back(server.url(std::string(route) + std::to_string(i)));
    }
    return urls;
}

process_result crawl_resume(const std::string& input, const std::string& output, std::vector<std::string> extra = {})
{
    std::vector<std::string> argv{CRAWL_BIN, "--no-progress", "--resume", "-o", output};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(input);
    return run_process(argv);
}

TEST(ResumeTest, SkipsRecordedLinesCutsATornLineAndAppendsTheRest)
{
    test_server server;
    const auto input = write_temp_file("resume.txt", lines_of(pages(server, 30)));
    const auto output = write_temp_file("resume.jsonl", "");
    const auto first = crawl_resume(input, output);
    ASSERT_EQ(first.exit_code, 0) << first.err;
    expect_exactly_once(output, 30);
    EXPECT_TRUE(std::filesystem::exists(output + ".input.json")) << "the input's identity is kept beside";

    // What a kill leaves: the first ten records whole, then half of the eleventh.
    const std::string text = read_file(output);
    std::size_t cut = 0;
    for (int i = 0; i < 10; ++i) {
        cut = text.find('\n', cut) + 1;
    }
    const std::size_t eleventh_end = text.find('\n', cut);
    const std::string kept = text.substr(0, cut) + text.substr(cut, (eleventh_end - cut) / 2);
    {
        std::ofstream out(output, std::ios::binary | std::ios::trunc);
        out << kept;
    }
    const auto before = server.requests_for("/page/");
    const auto second = crawl_resume(input, output);
    EXPECT_EQ(second.exit_code, 0) << second.err;
    EXPECT_EQ(second.out, "") << "records go to the file only";
    expect_exactly_once(output, 30);
    EXPECT_EQ(server.requests_for("/page/") - before, 20u) << "only the 20 lines without a record are fetched";
    EXPECT_EQ(read_file(output).substr(0, cut), text.substr(0, cut)) << "whole records are kept as they were";
    EXPECT_NE(second.err.find("resume: 10 lines already recorded"), std::string::npos) << second.err;
    EXPECT_NE(second.err.find("unfinished last line cut off"), std::string::npos) << second.err;

    // Resuming a finished run fetches nothing and changes nothing.
    const std::string finished = read_file(output);
    const auto third = crawl_resume(input, output);
    EXPECT_EQ(third.exit_code, 0) << third.err;
    EXPECT_EQ(read_file(output), finished);
    EXPECT_EQ(server.requests_for("/page/") - before, 20u);
}

TEST(ResumeTest, CsvIsResumedWithOneHeader)
{
    test_server server;
    const auto input = write_temp_file("resume-csv.txt", lines_of(pages(server, 8)));
    const auto output = write_temp_file("resume.csv", "");
    ASSERT_EQ(crawl_resume(input, output, {"--format", "csv"}).exit_code, 0);
    const std::string full = read_file(output);
    // Keep the header and three rows.
    std::size_t cut = 0;
    for (int i = 0; i < 4; ++i) {
        cut = full.find('\n', cut) + 1;
    }
    {
        std::ofstream out(output, std::ios::binary | std::ios::trunc);
        out << full.substr(0, cut);
    }
    const auto again = crawl_resume(input, output, {"--format", "csv"});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    const std::string text = read_file(output);
    EXPECT_EQ(line_count(text), 9u);
    std::size_t headers = 0;
    for (std::size_t pos = 0; (pos = text.find("seq,url,", pos)) != std::string::npos; ++pos) {
        ++headers;
    }
    EXPECT_EQ(headers, 1u);
    // Resuming CSV output as JSONL is refused: the identity names the format.
    const auto wrong = crawl_resume(input, output);
    EXPECT_EQ(wrong.exit_code, 2);
}

TEST(ResumeTest, ADifferentInputIsRefusedWithOneClearLine)
{
    test_server server;
    const auto input = write_temp_file("identity.txt", lines_of(pages(server, 5)));
    const auto output = write_temp_file("identity.jsonl", "");
    ASSERT_EQ(crawl_resume(input, output).exit_code, 0);
    const std::string before = read_file(output);

    const auto changed = write_temp_file("identity-changed.txt", lines_of(pages(server, 6)));
    const auto refused = crawl_resume(changed, output);
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_EQ(refused.out, "");
    EXPECT_EQ(line_count(refused.err), 1u) << refused.err;
    EXPECT_EQ(refused.err.rfind("crawl: error: ", 0), 0u) << refused.err;
    EXPECT_NE(refused.err.find("different input"), std::string::npos) << refused.err;
    EXPECT_EQ(read_file(output), before) << "a refused resume touches nothing";

    std::filesystem::remove(output + ".input.json");
    const auto unknown = crawl_resume(input, output);
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.err.find("has no"), std::string::npos) << unknown.err;
    EXPECT_EQ(read_file(output), before);

    for (const std::vector<std::string>& args :
         {std::vector<std::string>{CRAWL_BIN, "--resume", input}, {CRAWL_BIN, "--resume", "-o", output, "-"}}) {
        const auto usage = run_process(args, "x\n");
        EXPECT_EQ(usage.exit_code, 2) << usage.err;
        EXPECT_EQ(usage.err.rfind("crawl: error: --resume needs", 0), 0u) << usage.err;
    }
}

TEST(ResumeTest, AnyRunWithAnOutputFileCanBeResumedNotOnlyOneStartedWithResume)
{
    test_server server;
    const int n = 200;
    const auto input = write_temp_file("plain.txt", lines_of(pages(server, n, "/slow?ms=20&i=")));
    const auto output = write_temp_file("plain.jsonl", "");
    background_process crawl(
        {CRAWL_BIN, "--no-progress", "-q", "-o", output, "-w", "2", "-c", "4", "--per-host", "0", input});
    const auto deadline = steady::now() + 30s;
    while (line_count(read_file(output)) < 20 && steady::now() < deadline) {
        std::this_thread::sleep_for(5ms);
    }
    crawl.send_signal(SIGINT);
    const auto interrupted = crawl.wait(20s);
    ASSERT_EQ(interrupted.exit_code, 130) << interrupted.err;
    const std::size_t kept = line_count(read_file(output));
    ASSERT_GE(kept, 20u);
    ASSERT_LT(kept, static_cast<std::size_t>(n)) << "the interrupt came too late to test anything";
    EXPECT_TRUE(std::filesystem::exists(output + ".input.json")) << "the identity is kept without --resume too";

    const auto resumed = crawl_resume(input, output, {"-w", "2", "-c", "4", "--per-host", "0"});
    EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
    expect_exactly_once(output, n);
    EXPECT_LE(server.requests_for("/slow"), static_cast<std::uint64_t>(n) + 8)
        << "only what was in flight at the interrupt is fetched twice";

    // From a pipe the input has no identity: a stale one must not vouch for the new output.
    const auto piped = run_process({CRAWL_BIN, "--no-progress", "-q", "-o", output, "-"}, server.url("/page/1") + "\n");
    EXPECT_EQ(piped.exit_code, 0) << piped.err;
    EXPECT_FALSE(std::filesystem::exists(output + ".input.json"));
    const auto refused = crawl_resume(input, output);
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_NE(refused.err.find("has no"), std::string::npos) << refused.err;
}

/// Starts crawl, waits until the output file holds at least `lines` lines (or crawl ends),
/// then SIGKILLs `victim(pid)`. Returns whether crawl was still running at the kill.
template <class Victim>
bool kill_when(background_process& crawl, const std::string& output, std::size_t lines, Victim victim)
{
    const auto deadline = steady::now() + 30s;
    while (steady::now() < deadline) {
        if (!process_alive(crawl.pid())) {
            return false;
        }
        if (line_count(read_file(output)) >= lines) {
            return victim(crawl.pid());
        }
        std::this_thread::sleep_for(5ms);
    }
    return false;
}

TEST(ResumeTest, SupervisorKilledAtRandomMomentsThenResumedLosesAndRepeatsNothing)
{
    test_server server;
    const int n = 300;
    const auto input = write_temp_file("kill.txt", lines_of(pages(server, n, "/slow?ms=20&i=")));
    const auto output = write_temp_file("kill.jsonl", "");
    const unsigned seed = std::random_device{}();
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    int kills = 0;
    std::size_t torn_seen = 0;
    for (int round = 0; round < 5; ++round) {
        const std::size_t have = line_count(read_file(output));
        const std::size_t target = have + 10 + rng() % 40;
        background_process crawl(
            {CRAWL_BIN, "--no-progress", "--resume", "-o", output, "-w", "2", "-c", "4", "--per-host", "0", input});
        // A random extra moment after the line count is reached, so kills land mid-batch too.
        const auto extra = std::chrono::milliseconds(rng() % 15);
        const bool killed = kill_when(crawl, output, target, [&](pid_t pid) {
            std::this_thread::sleep_for(extra);
            return ::kill(pid, SIGKILL) == 0;
        });
        const auto result = crawl.wait(20s);
        if (killed && result.exit_code == 128 + SIGKILL) {
            ++kills;
            const std::string text = read_file(output);
            torn_seen += !text.empty() && text.back() != '\n';
        }
    }
    const auto last = crawl_resume(input, output, {"-w", "2", "-c", "4", "--per-host", "0"});
    EXPECT_EQ(last.exit_code, 0) << last.err;
    expect_exactly_once(output, n);
    std::printf("supervisor SIGKILLed %d times (%zu left a torn last line), %llu requests for %d lines\n", kills,
                torn_seen, static_cast<unsigned long long>(server.requests_for("/slow")), n);
    EXPECT_GE(kills, 4) << "the kills landed mid-run";
    EXPECT_LT(server.requests_for("/slow"), static_cast<std::uint64_t>(2 * n)) << "resumes did not start over";
}

TEST(ResumeTest, WorkersKilledAtRandomMomentsLoseAndRepeatNothing)
{
    test_server server;
    const int n = 300;
    const auto input = write_temp_file("worker-kill.txt", lines_of(pages(server, n, "/slow?ms=20&i=")));
    const auto output = write_temp_file("worker-kill.jsonl", "");
    const auto stats = write_temp_file("worker-kill.json", "");
    const unsigned seed = std::random_device{}();
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    background_process crawl({CRAWL_BIN, "--no-progress", "-q", "-o", output, "--stats", stats, "-w", "3", "-c",
                              "4", "--per-host", "0", input});
    int kills = 0;
    std::size_t target = 0;
    for (int round = 0; round < 4; ++round) {
        target += 20 + rng() % 40;
        const bool killed = kill_when(crawl, output, target, [&](pid_t supervisor) {
            const auto workers = child_pids(supervisor);
            return !workers.empty() && ::kill(workers[rng() % workers.size()], SIGKILL) == 0;
        });
        kills += killed ? 1 : 0;
    }
    const auto result = crawl.wait(60s);
    EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 1) << result.exit_code << " " << result.err;
    expect_exactly_once(output, n);
    const auto run = records_of(read_file(output));
    std::size_t crashed = 0;
    for (const auto& [seq, r] : run.records) {
        if (error_class_of(r) == "worker_crash") {
            ++crashed; // a URL in two killed workers: recorded, once
        } else {
            EXPECT_TRUE(r.at("ok").as_bool()) << seq;
        }
    }
    const auto summary = boost::json::parse(read_file(stats)).as_object();
    std::printf("workers SIGKILLed %d times, %llu restarts, %zu worker_crash records, %llu requests for %d lines\n",
                kills, static_cast<unsigned long long>(summary.at("worker_restarts").to_number<std::uint64_t>()),
                crashed, static_cast<unsigned long long>(server.requests_for("/slow")), n);
    EXPECT_GE(kills, 3);
    EXPECT_EQ(summary.at("worker_restarts").to_number<int>(), kills);
}

TEST(ResumeTest, MaxTimeStopsDispatchingLetsInFlightFinishAndExitsThree)
{
    test_server server;
    const int n = 8;
    // Each URL takes 2.5 s, so whatever starts before the 2 s budget is out is in flight then.
    const auto input = write_temp_file("max-time.txt", lines_of(pages(server, n, "/slow?ms=2500&i=")));
    const auto output = write_temp_file("max-time.jsonl", "");
    // One worker running 4 at a time and holding 8 (4 more queued in it).
    const std::vector<std::string> args{"-w", "1", "-c", "4", "--per-host", "0"};
    std::vector<std::string> timed = args;
    timed.insert(timed.end(), {"--max-time", "2"});
    const auto start = steady::now();
    const auto first = crawl_resume(input, output, timed);
    const auto elapsed = steady::now() - start;
    EXPECT_EQ(first.exit_code, 3) << first.err;
    EXPECT_NE(first.err.find("stopped by --max-time"), std::string::npos) << first.err;
    const auto done = records_of(read_file(output));
    EXPECT_EQ(server.requests_for("/slow"), 4u) << "the 4 queued in the worker never started";
    EXPECT_EQ(done.records.size(), 4u) << "the 4 in flight at the deadline finished and were written";
    // Wall time, because --max-time is a deadline: the requests it let finish ran past it.
    EXPECT_GE(elapsed, 2500ms) << "they ran past the budget, within their own timeouts";
    for (const auto& [seq, r] : done.records) {
        EXPECT_TRUE(r.at("ok").as_bool()) << seq;
    }

    const auto rest = crawl_resume(input, output, args);
    EXPECT_EQ(rest.exit_code, 0) << rest.err;
    expect_exactly_once(output, n);
    EXPECT_EQ(server.requests_for("/slow"), static_cast<std::uint64_t>(n)) << "nothing fetched twice";
}

TEST(ResumeTest, DedupFetchesEachNormalizedUrlOnce)
{
    test_server server;
    const auto port = std::to_string(server.port());
    const std::vector<std::string> urls{
        server.url("/page/1"),                              // 1
        "HTTP://127.0.0.1:" + port + "/page/1",             // 2: scheme case
        server.url("/page/./1"),                            // 3: dot segment
        server.url("/page/1#section"),                      // 4: fragment
        server.url("/page/2"),                              // 5
        "http://0x7f.1:" + port + "/page/1",                // 6: IPv4 in hex, two parts
        server.url("/page/1"),                              // 7
    };
    const auto stats = write_temp_file("dedup.json", "");
    const auto run = run_crawl(urls, {"--dedup", "--stats", stats});
    ASSERT_EQ(run.records.size(), 7u) << run.process.err;
    EXPECT_EQ(run.process.exit_code, 0) << "duplicates are not failures";
    EXPECT_EQ(server.requests_for("/page/1"), 1u);
    EXPECT_TRUE(run.at(1).at("ok").as_bool());
    EXPECT_TRUE(run.at(5).at("ok").as_bool());
    for (const std::uint64_t seq : {2u, 3u, 4u, 6u, 7u}) {
        SCOPED_TRACE(seq);
        EXPECT_EQ(num(run.at(seq), "duplicate_of"), 1);
        EXPECT_EQ(error_class_of(run.at(seq)), "none");
        EXPECT_FALSE(run.at(seq).at("ok").as_bool());
        EXPECT_EQ(num(run.at(seq), "attempts"), 0);
    }
    EXPECT_EQ(num(run.at(1), "duplicate_of"), -1);
    const auto summary = boost::json::parse(read_file(stats)).as_object();
    EXPECT_EQ(summary.at("duplicates").to_number<int>(), 5);
    EXPECT_EQ(summary.at("dedup").at("fingerprints").to_number<int>(), 2);
    EXPECT_GT(summary.at("dedup").at("memory_bytes").to_number<int>(), 0);
    EXPECT_NE(run.process.err.find("duplicates 5"), std::string::npos) << run.process.err;
    EXPECT_NE(run.process.err.find("of fingerprints"), std::string::npos) << run.process.err;

    const auto without = run_crawl(urls, {});
    EXPECT_EQ(server.requests_for("/page/1"), 1u + 6u);

    // Across a resume, a repeat still points at the line an earlier run recorded.
    const auto input = write_temp_file("dedup.txt", lines_of(urls));
    const auto output = write_temp_file("dedup.jsonl", "");
    ASSERT_EQ(crawl_resume(input, output, {"--dedup"}).exit_code, 0);
    const std::string text = read_file(output);
    const auto at = text.find("{\"seq\":1,");
    ASSERT_NE(at, std::string::npos);
    {
        std::ofstream out(output, std::ios::binary | std::ios::trunc);
        out << text.substr(at, text.find('\n', at) + 1 - at); // only line 1's record is kept
    }
    const auto page1_before = server.requests_for("/page/1");
    const auto page2_before = server.requests_for("/page/2");
    const auto again = crawl_resume(input, output, {"--dedup"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    expect_exactly_once(output, 7);
    const auto resumed = records_of(read_file(output));
    for (const std::uint64_t seq : {2u, 3u, 4u, 6u, 7u}) {
        EXPECT_EQ(num(resumed.at(seq), "duplicate_of"), 1) << seq;
    }
    EXPECT_EQ(server.requests_for("/page/1"), page1_before) << "line 1 was recorded by the earlier run";
    EXPECT_EQ(server.requests_for("/page/2"), page2_before + 1);
}

} // namespace
} // namespace crawl::test
