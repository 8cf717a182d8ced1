#pragma once
// The whole run's configuration, as validated by the command line.

#include "crawl/worker/options.hpp"

#include <optional>
#include <string>

namespace crawl::supervisor {

struct options {
    worker::options worker;
    unsigned workers = 1;
    unsigned per_host = 8;     ///< in-flight requests per host:port across all workers; 0 = no cap
    std::string input = "-";   ///< path, or "-" for stdin
    std::string output;        ///< path; empty = stdout
    std::string stats_file;    ///< summary as JSON; empty = none
    bool quiet = false;
    bool verbose = false;      ///< diagnostics on stderr: limits, caps, per-worker counters
    std::optional<bool> progress; ///< unset: on when stderr is a terminal
};

/// Runs the crawl and returns the process exit status (README, "Exit status").
int run(const options& opts);

} // namespace crawl::supervisor
