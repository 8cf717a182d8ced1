#pragma once
// Running the real crawl binary from end-to-end tests and reading its records back.

#include "support/process.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace crawl::test {

/// One finished crawl: exit status, stderr and the records keyed by seq.
struct crawl_run {
    process_result process;
    std::map<std::uint64_t, boost::json::object> records;
    /// A recursive crawl's records of discovered URLs (seq null), in output order.
    std::vector<boost::json::object> discovered;
    std::vector<std::string> lines;

    [[nodiscard]] const boost::json::object& at(std::uint64_t seq) const
    {
        const auto it = records.find(seq);
        if (it == records.end()) {
            throw std::runtime_error("no record with seq " + std::to_string(seq));
        }
        return it->second;
    }
};

/// Fails the test when a process of the run printed a sanitizer report. The supervisor and
/// its workers share stderr, and every ASan, LeakSanitizer and UBSan report contains one of
/// these; a worker's leaks reach it because workers exit through crawl::exit_child.
inline void expect_no_sanitizer_report(const process_result& p)
{
    for (const std::string_view sign : {"Sanitizer", "runtime error:"}) {
        EXPECT_EQ(p.err.find(sign), std::string::npos) << "sanitizer report on stderr:\n" << p.err;
    }
}

/// Splits JSONL output into objects; fails the test on a line that is not a JSON object.
inline void parse_records(crawl_run& run)
{
    std::istringstream in(run.process.out);
    std::string line;
    while (std::getline(in, line)) {
        run.lines.push_back(line);
        boost::system::error_code ec;
        auto value = boost::json::parse(line, ec);
        if (ec || !value.is_object()) {
            ADD_FAILURE() << "output line is not a JSON object: " << line;
            continue;
        }
        auto& obj = value.as_object();
        if (obj.at("seq").is_null()) {
            run.discovered.push_back(std::move(obj));
            continue;
        }
        const auto seq = obj.at("seq").to_number<std::uint64_t>();
        if (!run.records.emplace(seq, std::move(obj)).second) {
            ADD_FAILURE() << "two records for seq " << seq;
        }
    }
}

/// The command line that runs crawl with `args` on a fresh input file holding `input_lines`,
/// one per line.
inline std::vector<std::string> crawl_argv(const std::vector<std::string>& input_lines,
                                           const std::vector<std::string>& args)
{
    std::string input;
    for (const auto& l : input_lines) {
        input += l;
        input += '\n';
    }
    static int counter = 0;
    const auto path = write_temp_file("urls" + std::to_string(++counter) + ".txt", input);
    std::vector<std::string> argv{CRAWL_BIN, "--no-progress"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(path);
    return argv;
}

/// Runs crawl with `args` on an input file holding `input_lines`, one per line.
inline crawl_run run_crawl(const std::vector<std::string>& input_lines, const std::vector<std::string>& args,
                           std::chrono::milliseconds timeout = std::chrono::seconds(60))
{
    crawl_run run;
    run.process = run_process(crawl_argv(input_lines, args), {}, timeout);
    expect_no_sanitizer_report(run.process);
    parse_records(run);
    return run;
}

/// Waits for a crawl started with background_process and reads its records.
inline crawl_run finish_crawl(background_process& crawl, std::chrono::milliseconds timeout = std::chrono::seconds(60))
{
    crawl_run run;
    run.process = crawl.wait(timeout);
    expect_no_sanitizer_report(run.process);
    parse_records(run);
    return run;
}

/// Polls `condition` until it holds (true) or `limit` passes (false): for a test to act at a
/// point of a running crawl that the servers see, whatever this machine's speed.
template <class Condition>
bool wait_until(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(60))
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

/// The whole content of a file ("" when it cannot be read).
inline std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

/// Records parsed from JSONL text (as if it were a crawl's stdout).
inline crawl_run records_of(const std::string& jsonl)
{
    crawl_run run;
    run.process.out = jsonl;
    parse_records(run);
    return run;
}

/// Input text for `urls`, one per line.
inline std::string lines_of(const std::vector<std::string>& urls)
{
    std::string text;
    for (const auto& u : urls) {
        text += u;
        text += '\n';
    }
    return text;
}

inline std::string str(const boost::json::object& o, std::string_view key)
{
    const auto& v = o.at(key);
    return v.is_null() ? std::string("<null>") : std::string(v.as_string());
}

inline std::int64_t num(const boost::json::object& o, std::string_view key)
{
    const auto& v = o.at(key);
    return v.is_null() ? -1 : v.to_number<std::int64_t>();
}

/// The error class of a record, or "none".
inline std::string error_class_of(const boost::json::object& o)
{
    const auto& e = o.at("error");
    return e.is_null() ? std::string("none") : std::string(e.as_object().at("class").as_string());
}

} // namespace crawl::test
