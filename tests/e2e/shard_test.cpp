// --shard K/N: four processes on one list record, together, exactly what one process over the
// whole list records (record for record, timings and worker aside); each host in one shard
// only, lines that are no URL in shard 0; a shard resumes as itself and only as itself.

#include "e2e/harness.hpp"
#include "support/test_server.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace crawl::test {
namespace {

constexpr int hosts = 24;

/// The host names the list uses, all answered by one loopback server through --resolve.
std::vector<std::string> resolve_hosts(const test_server& server)
{
    std::vector<std::string> args;
    for (int h = 0; h < hosts; ++h) {
        args.insert(args.end(), {"--resolve", "h" + std::to_string(h) + ".shard.test:" +
                                                  std::to_string(server.port()) + ":127.0.0.1"});
    }
    return args;
}

std::vector<std::string> list_of(const test_server& server)
{
    const std::string port = std::to_string(server.port());
    std::vector<std::string> lines{"# a comment: no record", "not a url", ""};
    for (int i = 0; i < 3; ++i) {
        for (int h = 0; h < hosts; ++h) {
            const std::string host = "http://h" + std::to_string(h) + ".shard.test:" + port;
            lines.push_back(host + (i == 0 ? "/page/" + std::to_string(h) : i == 1 ? "/gzip/1" : "/status/404"));
        }
        lines.emplace_back("ftp://h1.shard.test/file");
    }
    lines.push_back("http://h3.shard.test:" + port + "/page/3"); // a repeat: --dedup points at the first
    return lines;
}

/// A record without what differs from run to run.
std::string comparable(boost::json::object r)
{
    r.erase("time_ms");
    r.erase("worker");
    return boost::json::serialize(r);
}

TEST(ShardTest, FourShardsTogetherRecordWhatOneRunRecords)
{
    test_server server;
    const auto lines = list_of(server);
    auto args = resolve_hosts(server);
    args.insert(args.end(), {"-w", "2", "--dedup", "--ignore-robots"});

    const auto whole = run_crawl(lines, args);
    ASSERT_LE(whole.process.exit_code, 1) << whole.process.err;
    ASSERT_EQ(whole.records.size(), lines.size() - 2) << "every line but the comment and the blank one";

    std::map<std::uint64_t, std::string> merged;
    std::map<std::string, int> shard_of_host;
    for (int k = 0; k < 4; ++k) {
        auto shard_args = args;
        shard_args.insert(shard_args.end(), {"--shard", std::to_string(k) + "/4"});
        const auto part = run_crawl(lines, shard_args);
        ASSERT_LE(part.process.exit_code, 1) << part.process.err;
        EXPECT_NE(part.process.err.find("shard " + std::to_string(k) + "/4: "), std::string::npos) << part.process.err;
        for (const auto& [seq, record] : part.records) {
            EXPECT_TRUE(merged.emplace(seq, comparable(record)).second) << "seq " << seq << " in two shards";
            const std::string url(record.at("url").as_string());
            if (url.starts_with("http://h")) {
                const std::string host = url.substr(7, url.find(':', 7) - 7);
                const auto [it, added] = shard_of_host.try_emplace(host, k);
                EXPECT_EQ(it->second, k) << host << " in shards " << it->second << " and " << k;
            } else {
                EXPECT_EQ(k, 0) << "a line that is no URL belongs to shard 0: " << url;
            }
        }
        std::printf("shard %d/4: %zu records\n", k, part.records.size());
    }
    std::set<int> shards_used;
    for (const auto& [host, k] : shard_of_host) {
        shards_used.insert(k);
    }
    EXPECT_EQ(shards_used.size(), 4U) << "24 hosts spread over the four shards";
    ASSERT_EQ(merged.size(), whole.records.size());
    for (const auto& [seq, record] : whole.records) {
        EXPECT_EQ(merged[seq], comparable(record)) << "seq " << seq;
    }
}

TEST(ShardTest, AShardResumesAsItselfOnly)
{
    test_server server;
    const auto lines = list_of(server);
    auto args = resolve_hosts(server);
    const std::string out = write_temp_file("shard-resume.jsonl", "");
    args.insert(args.end(), {"--ignore-robots", "-o", out, "--shard", "1/3"});

    const auto first = run_process(crawl_argv(lines, args), {}, std::chrono::seconds(60));
    ASSERT_LE(first.exit_code, 1) << first.err;
    const std::string written = read_file(out);
    ASSERT_FALSE(written.empty());

    auto again = args;
    again.insert(again.begin(), "--resume");
    const auto resumed = run_process(crawl_argv(lines, again), {}, std::chrono::seconds(60));
    EXPECT_LE(resumed.exit_code, 1) << resumed.err;
    EXPECT_EQ(read_file(out), written) << "every line of shard 1/3 had its record: nothing appended";

    auto other = again;
    other.back() = "2/3";
    const auto refused = run_process(crawl_argv(lines, other), {}, std::chrono::seconds(60));
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_NE(refused.err.find("shard 1/3"), std::string::npos) << refused.err;
    EXPECT_EQ(read_file(out), written) << "a refused resume leaves the output alone";
}

TEST(ShardTest, BadSplitsAreUsageErrors)
{
    for (const char* bad : {"4/4", "1", "a/b", "0/0", "-1/3", "1/3x", "0/70000"}) {
        const auto run = run_crawl({"http://127.0.0.1:9/"}, {"--shard", bad});
        EXPECT_EQ(run.process.exit_code, 2) << bad;
        EXPECT_NE(run.process.err.find("--shard expects K/N"), std::string::npos) << run.process.err;
    }
    const auto any = run_crawl({"http://127.0.0.1:9/"}, {"--shard", "0/2", "--depth", "1", "--scope", "any"});
    EXPECT_EQ(any.process.exit_code, 2);
    EXPECT_NE(any.process.err.find("--scope host or domain"), std::string::npos) << any.process.err;
}

} // namespace
} // namespace crawl::test
