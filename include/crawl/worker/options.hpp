#pragma once
// Everything one worker process needs to know; it inherits this across fork.

#include "crawl/fetch/options.hpp"
#include "crawl/record/record.hpp"
#include "crawl/warc/writer.hpp"

#include <optional>
#include <string>

namespace crawl::worker {

struct options {
    fetch::options fetch;
    unsigned concurrency = 64; ///< fetches in flight at once
    bool links = false;        ///< put each page's link list in its record
    record::format format = record::format::jsonl;
    std::string robots_agent = "crawl"; ///< product token that selects our robots.txt group
    bool verbose = false;      ///< report the worker's counters on stderr when it exits
    /// --warc: what each fetch sent and received goes to this worker's WARC files (the worker
    /// number in the settings is replaced by each worker's own).
    std::optional<warc::settings> warc;
};

} // namespace crawl::worker
