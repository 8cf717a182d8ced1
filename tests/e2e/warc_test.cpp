// --warc end to end: the real binary against the test servers, its files read with warcio.js
// (tests/warcio/check.mjs): every exchange archived (chunked, gzip, deflate, br, zstd, gzip then
// br, redirect hops, robots.txt), the JSONL records' `warc` pointing at their responses and the
// payloads there hashing to the records' `hash`, bodies cut short marked WARC-Truncated,
// revisits with --dedup, files rolled over, --resume continuing into new files, a file size
// limit (a full disk) stopping the run with its own status and whole records.

#include "harness.hpp"
#include "support/liar_server.hpp"
#include "support/test_server.hpp"
#include "warc_check.hpp"

#include <csignal>
#include <filesystem>

namespace crawl::test {
namespace {

namespace fs = std::filesystem;
using json = boost::json::object;

/// The records warcio listed of `type` for target `uri`.
std::vector<json> listed_for(const warcio_report& report, std::string_view type, std::string_view uri)
{
    std::vector<json> out;
    for (const auto& r : report.summary.at("list").as_array()) {
        if (r.at("type").as_string() == type && !r.at("uri").is_null() && r.at("uri").as_string() == uri) {
            out.push_back(r.as_object());
        }
    }
    return out;
}

std::int64_t count_of(const warcio_report& report, std::string_view type)
{
    const auto& records = report.summary.at("records").as_object();
    const auto* n = records.if_contains(type);
    return n == nullptr ? 0 : n->to_number<std::int64_t>();
}

TEST(WarcTest, EveryExchangeIsArchivedAndEveryRecordLeadsToItsPage)
{
    test_server server;
    scripted_response robots;
    robots.body = "User-agent: *\nDisallow: /private\n";
    server.set_response("/robots.txt", robots);
    const std::vector<std::string> urls = {
        server.url("/page/1"),        server.url("/gzip/2"),       server.url("/deflate/3"),
        server.url("/chunked/4"),     server.url("/redirect/2"),   server.url("/status/404"),
        server.url("/close-delimited"), server.url("/binary"),     server.url("/deflate-raw/5"),
        server.url("/private/x"),     "not a url",                 server.url("/br/6"),
        server.url("/zstd/7"),        server.url("/stacked/8?ce=gzip,br"),
    };
    const std::string dir = fresh_directory("archive");
    const std::string prefix = dir + "/crawl";
    const auto run = run_crawl(urls, {"-w", "2", "--warc", prefix, "--cdx"});
    ASSERT_EQ(run.process.exit_code, 1) << run.process.err; // the 404, the bad line, robots.txt
    ASSERT_EQ(run.records.size(), urls.size());

    for (const auto& [seq, r] : run.records) {
        const bool fetched = !r.at("status").is_null();
        EXPECT_EQ(r.at("warc").is_null(), !fetched) << boost::json::serialize(r);
        if (fetched) {
            const auto& w = r.at("warc").as_object();
            EXPECT_TRUE(std::string(w.at("file").as_string()).starts_with(prefix + "-"));
            EXPECT_GT(w.at("length").to_number<std::int64_t>(), 0);
        }
    }
    const auto files = warc_files(dir);
    for (const auto& f : files) {
        EXPECT_TRUE(fs::exists(f.substr(0, f.size() - 8) + ".cdxj")) << "an index beside " << f;
    }
    if (const auto why = warcio_missing()) {
        GTEST_SKIP() << *why;
    }
    const auto report = read_with_warcio(files, run.process.out, true, true);
    EXPECT_EQ(report.summary.at("recordsChecked").to_number<std::int64_t>(), 12) << "every fetched URL's record";
    EXPECT_EQ(report.summary.at("hashesChecked").to_number<std::int64_t>(), 12) << "every body read whole";
    // One request and one response per request the server answered: redirect hops and
    // robots.txt included.
    const auto answered = static_cast<std::int64_t>(server.requests_received());
    EXPECT_EQ(count_of(report, "request"), answered);
    EXPECT_EQ(count_of(report, "response"), answered);
    EXPECT_EQ(count_of(report, "warcinfo"), static_cast<std::int64_t>(files.size()));
    EXPECT_EQ(listed_for(report, "response", server.url("/robots.txt")).size(), 1u);
    for (const auto* hop : {"/redirect/2", "/redirect/1", "/redirect/0"}) {
        const auto hops = listed_for(report, "response", server.url(hop));
        ASSERT_EQ(hops.size(), 1u) << hop;
        EXPECT_EQ(hops[0].at("status").to_number<int>(), 302);
    }
    EXPECT_EQ(listed_for(report, "response", server.url("/private/x")).size(), 0u) << "robots.txt forbids it";
}

TEST(WarcTest, BodiesCutShortSayWhy)
{
    test_server server;
    liar_server liar;
    const std::vector<std::string> urls = {
        server.url("/huge-chunked?bytes=14000000"), // --max-body, met while reading
        server.url("/huge?bytes=15000000"),         // --max-body, refused for its Content-Length
        liar.url("/trickle-body-forever"),          // --timeout
        server.url("/close-mid-body"),              // the server closes
        liar.url("/reset-mid-body"),                // the server resets
        server.url("/redirect/0"),
    };
    const std::string dir = fresh_directory("truncated");
    const auto run = run_crawl(urls, {"--warc", dir + "/cut", "--ignore-robots", "--retries", "0", "--max-body", "12M",
                                      "--timeout", "3", "--read-timeout", "2"});
    ASSERT_EQ(run.records.size(), urls.size()) << run.process.err;
    EXPECT_EQ(error_class_of(run.at(1)), "body_too_large");
    EXPECT_EQ(error_class_of(run.at(2)), "body_too_large");
    EXPECT_EQ(error_class_of(run.at(3)), "timeout");
    EXPECT_EQ(error_class_of(run.at(4)), "read");
    EXPECT_EQ(error_class_of(run.at(5)), "read");
    if (const auto why = warcio_missing()) {
        GTEST_SKIP() << *why;
    }
    const auto report = read_with_warcio(warc_files(dir), run.process.out, false, true);
    const auto truncated = [&](const std::string& url) {
        const auto responses = listed_for(report, "response", url);
        EXPECT_EQ(responses.size(), 1u) << url;
        const auto& t = responses.empty() ? boost::json::value() : responses[0].at("truncated");
        return t.is_null() ? std::string("none") : std::string(t.as_string());
    };
    EXPECT_EQ(truncated(urls[0]), "length");
    EXPECT_EQ(truncated(urls[1]), "length") << "its header archived, its body not read";
    EXPECT_EQ(truncated(urls[2]), "time");
    EXPECT_EQ(truncated(urls[3]), "disconnect");
    EXPECT_EQ(truncated(urls[4]), "disconnect");
    EXPECT_EQ(truncated(urls[5]), "none") << "a redirect read to its end";
    EXPECT_EQ(truncated(server.url("/page/1")), "none");
}

TEST(WarcTest, DedupWritesARevisitForAPayloadAlreadyArchived)
{
    test_server server;
    const std::vector<std::string> urls = {server.url("/page/1"), server.url("/page/1?copy=2"),
                                           server.url("/redirect/0"), server.url("/page/2")};
    const std::string dir = fresh_directory("dedup");
    const auto run = run_crawl(urls, {"-w", "1", "-c", "1", "--ignore-robots", "--dedup", "--warc", dir + "/d", "--cdx"});
    ASSERT_EQ(run.process.exit_code, 0) << run.process.err;
    if (const auto why = warcio_missing()) {
        GTEST_SKIP() << *why;
    }
    const auto report = read_with_warcio(warc_files(dir), run.process.out, true, true);
    EXPECT_EQ(listed_for(report, "response", urls[0]).size(), 1u);
    EXPECT_EQ(listed_for(report, "revisit", urls[1]).size(), 1u) << "the same page under another URL";
    EXPECT_EQ(listed_for(report, "revisit", server.url("/page/1")).size(), 1u) << "the end of the redirect";
    EXPECT_EQ(listed_for(report, "response", urls[3]).size(), 1u);
    EXPECT_EQ(count_of(report, "revisit"), 2);
    // Each record's hash was checked through its revisit, against the first capture's body.
    EXPECT_EQ(report.summary.at("hashesChecked").to_number<std::int64_t>(), 4);

    const std::string plain_dir = fresh_directory("no-dedup");
    const auto plain = run_crawl(urls, {"-w", "1", "--ignore-robots", "--warc", plain_dir + "/d"});
    const auto without = read_with_warcio(warc_files(plain_dir), plain.process.out);
    EXPECT_EQ(count_of(without, "revisit"), 0) << "revisits only with --dedup";
}

TEST(WarcTest, FilesRollOverAtTheirSize)
{
    test_server server;
    std::vector<std::string> urls;
    for (int i = 1; i <= 30; ++i) {
        urls.push_back(server.url("/page/" + std::to_string(i) + "?size=3000"));
    }
    const std::string dir = fresh_directory("roll");
    const auto run = run_crawl(urls, {"-w", "1", "--ignore-robots", "--warc", dir + "/r", "--warc-max-size", "8K"});
    ASSERT_EQ(run.process.exit_code, 0) << run.process.err;
    const auto files = warc_files(dir);
    ASSERT_GE(files.size(), 4u);
    for (std::size_t i = 0; i < files.size(); ++i) {
        char name[48];
        std::snprintf(name, sizeof name, "r-0-%05zu.warc.gz", i);
        EXPECT_EQ(fs::path(files[i]).filename().string(), name);
        EXPECT_LE(fs::file_size(files[i]), 8u * 1024 + 4096) << "past the size by one exchange at most";
    }
    if (const auto why = warcio_missing()) {
        GTEST_SKIP() << *why;
    }
    const auto report = read_with_warcio(files, run.process.out);
    EXPECT_EQ(count_of(report, "warcinfo"), static_cast<std::int64_t>(files.size())) << "one opens each file";
    EXPECT_EQ(count_of(report, "response"), 30);
    EXPECT_EQ(report.summary.at("hashesChecked").to_number<std::int64_t>(), 30);
}

TEST(WarcTest, ResumeContinuesIntoNewFilesAndEarlierOffsetsStayValid)
{
    test_server server;
    std::vector<std::string> urls;
    for (int i = 1; i <= 12; ++i) {
        urls.push_back(server.url(i <= 4 ? "/page/" + std::to_string(i) : "/slow?ms=3000&i=" + std::to_string(i)));
    }
    const std::string dir = fresh_directory("resume");
    const std::string prefix = dir + "/run";
    const auto input = write_temp_file("warc-resume.txt", lines_of(urls));
    const auto output = dir + "/out.jsonl";
    const std::vector<std::string> common = {CRAWL_BIN, "--no-progress", "-w", "1", "--ignore-robots",
                                             "-o",      output,          "--warc", prefix};
    auto with = [&](std::vector<std::string> extra) {
        auto argv = common;
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.push_back(input);
        return argv;
    };
    // One fetch at a time; stopped by SIGTERM once the four quick pages are recorded, while a
    // slow one runs.
    background_process crawl(with({"--resume", "-c", "1"}));
    ASSERT_TRUE(wait_until([&] { return records_of(read_file(output)).records.size() >= 4; }));
    crawl.send_signal(SIGTERM);
    const auto first = crawl.wait();
    ASSERT_EQ(first.exit_code, 128 + SIGTERM) << first.err;
    const auto first_records = read_file(output);
    const auto first_files = warc_files(dir);
    ASSERT_EQ(first_files.size(), 1u) << first.err;
    const auto first_bytes = read_file(first_files[0]);

    const auto refused = run_process(with({}));
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_NE(refused.err.find("run-0-00000.warc.gz is already there"), std::string::npos) << refused.err;
    EXPECT_EQ(read_file(output), first_records) << "a refused run changes nothing";

    const auto second = run_process(with({"--resume"}));
    ASSERT_EQ(second.exit_code, 0) << second.err;
    const auto files = warc_files(dir);
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(fs::path(files[1]).filename().string(), "run-0-00001.warc.gz") << "a new file, never appended to";
    EXPECT_EQ(read_file(files[0]), first_bytes) << "the first run's file is left as it was";
    const auto all = records_of(read_file(output));
    EXPECT_EQ(all.records.size(), urls.size());
    if (const auto why = warcio_missing()) {
        GTEST_SKIP() << *why;
    }
    // Both runs' records, through their offsets, in both runs' files.
    const auto report = read_with_warcio(files, read_file(output));
    EXPECT_EQ(report.summary.at("recordsChecked").to_number<std::int64_t>(), 12);
}

TEST(WarcTest, AFileSizeLimitStopsTheRunWithItsOwnStatusAndWholeRecords)
{
    test_server server;
    std::vector<std::string> urls;
    for (int i = 1; i <= 40; ++i) {
        urls.push_back(server.url("/page/" + std::to_string(i) + "?size=4000"));
    }
    const std::string dir = fresh_directory("full");
    const std::string prefix = dir + "/full";
    // RLIMIT_FSIZE, as a full disk: a write past 30,000 bytes fails (EFBIG) in the middle of
    // a record. The records go to stdout, a pipe, which the limit does not touch.
    std::vector<std::string> argv = crawl_argv(urls, {"-w", "1", "-c", "2", "--ignore-robots", "--warc", prefix});
    argv.insert(argv.begin(), {"/usr/bin/prlimit", "--fsize=30000"});
    const auto run = run_process(argv);
    EXPECT_EQ(run.exit_code, 4) << run.err;
    EXPECT_NE(run.err.find("crawl: error: worker 0: writing " + prefix + "-0-00000.warc.gz: File too large; stopping"),
              std::string::npos)
        << run.err;
    expect_no_sanitizer_report(run);
    const auto recorded = records_of(run.out);
    EXPECT_GT(recorded.records.size(), 0u);
    EXPECT_LT(recorded.records.size(), urls.size()) << "the run stopped";
    for (const auto& [seq, r] : recorded.records) {
        EXPECT_FALSE(r.at("warc").is_null()) << "no record without its page in the files";
    }
    const auto files = warc_files(dir);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_LE(fs::file_size(files[0]), 30000u);
    if (const auto why = warcio_missing()) {
        GTEST_SKIP() << *why;
    }
    // The file ends on a record boundary, and every record sent is in it.
    const auto report = read_with_warcio(files, run.out);
    EXPECT_EQ(report.summary.at("recordsChecked").to_number<std::int64_t>(),
              static_cast<std::int64_t>(recorded.records.size()));
}

} // namespace
} // namespace crawl::test
