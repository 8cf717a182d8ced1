// A worker's WARC files on a real file system: rolled over at their size, each opened by a
// warcinfo record, an index beside each, revisits for payloads written before, names never
// reused, and a failed write (a file size limit, as a full disk) cut back to the last record.

#include "crawl/util/digest.hpp"
#include "crawl/warc/writer.hpp"

#include "support/gzip_member.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <deque>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace crawl::warc {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// The text of the gzip member at `offset`, and its compressed size in `used`.
std::string inflate_at(const std::string& bytes, std::uint64_t offset, std::size_t& used)
{
    auto text = test::inflate_gzip_member(std::string_view(bytes).substr(offset), used);
    if (!text) {
        throw std::runtime_error("no whole gzip member at " + std::to_string(offset));
    }
    return std::move(*text);
}

/// The WARC-Type of every record in a file, in order (members read one after the other).
std::vector<std::string> record_types(const fs::path& path)
{
    const std::string bytes = read_file(path);
    std::vector<std::string> types;
    for (std::uint64_t at = 0; at < bytes.size();) {
        std::size_t used = 0;
        const std::string text = inflate_at(bytes, at, used);
        const auto start = text.find("WARC-Type: ") + 11;
        types.push_back(text.substr(start, text.find("\r\n", start) - start));
        at += used;
    }
    return types;
}

std::string sha1_raw(std::string_view bytes)
{
    digest d(digest::algorithm::sha1);
    d.update(bytes);
    return d.finish();
}

class WarcWriterTest : public ::testing::Test {
protected:
    WarcWriterTest()
    {
        char pattern[] = "/tmp/crawl-warc-XXXXXX";
        dir = ::mkdtemp(pattern);
    }
    ~WarcWriterTest() override { fs::remove_all(dir); }

    settings make_settings(std::uint64_t max_size = 1ull << 30)
    {
        settings s;
        s.prefix = (dir / "crawl").string();
        s.worker = 3;
        s.max_size = max_size;
        s.info = "software: crawl\r\n";
        return s;
    }

    /// An exchange for `path`, its body `body` (identity, no chunking).
    exchange page(const std::string& path, const std::string& body)
    {
        auto& keep = kept.emplace_back();
        keep.uri = "http://example.test" + path;
        keep.response = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;
        keep.digest = sha1_raw(body);
        keep.request = "GET " + path + " HTTP/1.1\r\n\r\n";
        exchange e;
        e.target_uri = keep.uri;
        e.ip_address = "127.0.0.1";
        e.date = std::chrono::system_clock::now();
        e.request = keep.request;
        e.response = keep.response;
        e.header_size = keep.response.size() - body.size();
        e.payload_digest = keep.digest;
        e.payload_length = body.size();
        e.status = 200;
        e.content_type = "text/html";
        return e;
    }

    static location written(std::variant<location, write_error> r)
    {
        if (auto* e = std::get_if<write_error>(&r)) {
            throw std::runtime_error(e->message);
        }
        return std::get<location>(r);
    }

    fs::path dir;
    /// What the exchanges' views point to (a deque: its elements never move).
    struct kept_strings {
        std::string uri;
        std::string request;
        std::string response;
        std::string digest;
    };
    std::deque<kept_strings> kept;
};

TEST_F(WarcWriterTest, RollsOverAtTheSizeEachFileStartingWithItsWarcinfo)
{
    writer w(make_settings(3000), 1);
    std::vector<location> where;
    for (int i = 0; i < 6; ++i) {
        where.push_back(written(w.write(page("/" + std::to_string(i), std::string(1500, static_cast<char>('a' + i))))));
    }
    ASSERT_FALSE(w.close());
    EXPECT_EQ(where[0].file, (dir / "crawl-3-00000.warc.gz").string());
    std::vector<std::string> files;
    for (const auto& l : where) {
        if (files.empty() || files.back() != l.file) {
            files.push_back(l.file);
        }
        EXPECT_TRUE(fs::exists(l.file));
    }
    ASSERT_GE(files.size(), 2u) << "rolled over";
    for (std::size_t i = 0; i < files.size(); ++i) {
        EXPECT_EQ(files[i], file_name((dir / "crawl").string(), 3, static_cast<unsigned>(i)));
        const auto types = record_types(files[i]);
        ASSERT_FALSE(types.empty());
        EXPECT_EQ(types[0], "warcinfo");
        EXPECT_EQ(std::count(types.begin(), types.end(), "warcinfo"), 1);
        // A file passes its size only by the exchange that opened it.
        EXPECT_LE(fs::file_size(files[i]), 3000u + where[0].length * 2) << files[i];
    }
    for (const auto& l : where) {
        const std::string bytes = read_file(l.file);
        std::size_t used = 0;
        const std::string text = inflate_at(bytes, l.offset, used);
        EXPECT_EQ(used, l.length);
        EXPECT_TRUE(text.starts_with("WARC/1.1\r\nWARC-Type: response\r\n")) << text.substr(0, 40);
    }
}

TEST_F(WarcWriterTest, AnIndexBesideEachFileSortedAndNamingItsRecords)
{
    auto s = make_settings();
    s.cdx = true;
    writer w(s, 2);
    const location b = written(w.write(page("/b", "bee")));
    const location a = written(w.write(page("/a", "ay")));
    ASSERT_FALSE(w.close());
    const std::string index = read_file(dir / "crawl-3-00000.cdxj");
    const std::string first = "test,example)/a ";
    ASSERT_TRUE(index.starts_with(first)) << index;
    const auto second = index.find("\ntest,example)/b ");
    ASSERT_NE(second, std::string::npos) << index;
    EXPECT_NE(index.find(R"("offset":")" + std::to_string(a.offset) + R"(","filename":"crawl-3-00000.warc.gz"})"),
              std::string::npos)
        << index;
    EXPECT_NE(index.find(R"("length":")" + std::to_string(b.length) + R"(","offset":")" + std::to_string(b.offset)),
              std::string::npos)
        << index;
    EXPECT_EQ(std::count(index.begin(), index.end(), '\n'), 2);
    EXPECT_FALSE(fs::exists(dir / "crawl-3-00000.cdxj.tmp"));
}

TEST_F(WarcWriterTest, ARepeatedPayloadIsARevisitOnlyWithRevisitsOnAndWhenComplete)
{
    auto s = make_settings();
    s.revisits = true;
    writer w(s, 3);
    written(w.write(page("/first", "same body")));
    written(w.write(page("/second", "same body")));
    exchange cut = page("/cut", "same body");
    cut.truncated = truncation::time;
    written(w.write(cut));
    written(w.write(page("/empty", "")));
    written(w.write(page("/empty-again", "")));
    ASSERT_FALSE(w.close());
    EXPECT_EQ(record_types(dir / "crawl-3-00000.warc.gz"),
              (std::vector<std::string>{"warcinfo", "request", "response", "request", "revisit", "request",
                                        "response", "request", "response", "request", "response"}));
    EXPECT_EQ(w.revisit_table_size(), 1u);

    writer without(make_settings(), 4);
    written(without.write(page("/first", "same body")));
    written(without.write(page("/second", "same body")));
    ASSERT_FALSE(without.close());
    const auto types = record_types(dir / "crawl-3-00001.warc.gz");
    EXPECT_EQ(std::count(types.begin(), types.end(), "revisit"), 0);
}

TEST_F(WarcWriterTest, NamesAreNeverReusedAndEarlierFilesAreRefusedUnlessResuming)
{
    const std::string prefix = (dir / "crawl").string();
    EXPECT_FALSE(check_prefix(prefix, false));
    std::ofstream(dir / "crawl-3-00004.warc.gz") << "from a run that was killed";
    std::ofstream(dir / "crawl-1-00009.cdxj") << "";
    const auto refusal = check_prefix(prefix, false);
    ASSERT_TRUE(refusal);
    EXPECT_NE(refusal->find("crawl-3-00004.warc.gz is already there"), std::string::npos) << *refusal;
    EXPECT_FALSE(check_prefix(prefix, true));
    EXPECT_FALSE(check_prefix((dir / "other").string(), false));
    EXPECT_TRUE(check_prefix((dir / "no-such-dir" / "crawl").string(), false));
    EXPECT_TRUE(check_prefix(dir.string() + "/", false)) << "a directory is not a prefix";

    writer w(make_settings(), 5);
    const location l = written(w.write(page("/a", "a")));
    ASSERT_FALSE(w.close());
    EXPECT_EQ(l.file, prefix + "-3-00005.warc.gz") << "after the highest number of this worker";
    EXPECT_EQ(read_file(dir / "crawl-3-00004.warc.gz"), "from a run that was killed");
}

TEST_F(WarcWriterTest, AFailedWriteIsCutBackToTheLastRecordAndEveryLaterWriteFails)
{
    writer w(make_settings(), 6);
    const location first = written(w.write(page("/a", "first page")));
    const auto size_before = fs::file_size(first.file);

    // A file size limit just past what is there: the next record does not fit (as on a full disk).
    rlimit old{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = old;
    small.rlim_cur = size_before + 100;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    auto failed = w.write(page("/b", std::string(5000, 'x')));
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);

    ASSERT_TRUE(std::holds_alternative<write_error>(failed));
    const std::string message = std::get<write_error>(failed).message;
    EXPECT_EQ(message, "writing " + first.file + ": File too large");
    EXPECT_EQ(fs::file_size(first.file), size_before) << "the partial record was cut off";
    EXPECT_EQ(record_types(first.file), (std::vector<std::string>{"warcinfo", "request", "response"}));

    auto again = w.write(page("/c", "small"));
    ASSERT_TRUE(std::holds_alternative<write_error>(again));
    EXPECT_EQ(std::get<write_error>(again).message, message);
    EXPECT_EQ(fs::file_size(first.file), size_before);
}

TEST_F(WarcWriterTest, AClosedWriterCreatesNoFile)
{
    writer w(make_settings(), 7);
    ASSERT_FALSE(w.close());
    EXPECT_TRUE(std::holds_alternative<write_error>(w.write(page("/a", "a"))));
    EXPECT_TRUE(fs::is_empty(dir));
}

} // namespace
} // namespace crawl::warc
