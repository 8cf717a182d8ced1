#pragma once
// Reading a run's WARC files with warcio.js (tests/warcio/check.mjs), the independent reader:
// ctest's warcio_install fixture puts it in CRAWL_WARCIO_DIR. Without npm on the machine the
// check is skipped with a message; with npm, a missing warcio is a failure.

#include "harness.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>

namespace crawl::test {

/// True when an executable `npm` is on PATH.
inline bool npm_on_path()
{
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path == nullptr ? "" : path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (!dir.empty() && ::access((dir + "/npm").c_str(), X_OK) == 0) {
            return true;
        }
    }
    return false;
}

/// Why warcio cannot be used here (npm missing), or nothing. Fails the test when npm is there
/// but warcio was not installed.
inline std::optional<std::string> warcio_missing()
{
    if (std::filesystem::exists(std::string(CRAWL_WARCIO_DIR) + "/node_modules/warcio/package.json")) {
        return std::nullopt;
    }
    if (!npm_on_path()) {
        return "npm is not installed: the WARC files are not read with warcio.js (apt-get install npm)";
    }
    ADD_FAILURE() << "npm is installed but warcio.js is not in " << CRAWL_WARCIO_DIR
                  << ": run ctest (its warcio_install test), or tests/warcio/install " << CRAWL_WARCIO_DIR;
    return "warcio.js is missing";
}

/// The WARC files (*.warc.gz) in `dir`, sorted.
inline std::vector<std::string> warc_files(const std::string& dir)
{
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().string();
        if (name.ends_with(".warc.gz")) {
            files.push_back(name);
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

/// A fresh directory for a run's WARC files.
inline std::string fresh_directory(const std::string& name)
{
    const auto dir = std::filesystem::temp_directory_path() / ("crawl-e2e-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir.string();
}

/// What check.mjs said about a set of files.
struct warcio_report {
    process_result process;
    boost::json::object summary; ///< files, records (per type), recordsChecked, hashesChecked, list
};

/// Runs check.mjs on `files`; with `records` (JSONL text), every record's `warc` location is
/// checked too; `index`: the CDXJ beside each file against warcio's; `list`: every record listed.
inline warcio_report read_with_warcio(const std::vector<std::string>& files, const std::string& records = {},
                                      bool index = false, bool list = false)
{
    // run_process takes a path: env finds node wherever npm's package put it.
    std::vector<std::string> argv{"/usr/bin/env", "node", CRAWL_WARCIO_CHECK, "--warcio", CRAWL_WARCIO_DIR};
    if (!records.empty()) {
        argv.push_back("--jsonl");
        argv.push_back(write_temp_file("warcio-records.jsonl", records));
    }
    if (index) {
        argv.emplace_back("--cdx");
    }
    if (list) {
        argv.emplace_back("--list");
    }
    argv.insert(argv.end(), files.begin(), files.end());
    warcio_report report;
    report.process = run_process(argv, {}, std::chrono::seconds(120));
    EXPECT_EQ(report.process.exit_code, 0) << "warcio found problems:\n" << report.process.err;
    boost::system::error_code ec;
    auto value = boost::json::parse(report.process.out, ec);
    if (!ec && value.is_object()) {
        report.summary = std::move(value.as_object());
    } else {
        ADD_FAILURE() << "check.mjs printed no summary: " << report.process.out << report.process.err;
    }
    return report;
}

} // namespace crawl::test
