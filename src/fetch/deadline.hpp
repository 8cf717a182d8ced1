#pragma once
// Time in the fetch client's records and messages: elapsed milliseconds, durations as people
// write them, and which deadline a timeout hit.

#include "crawl/fetch/options.hpp"
#include "crawl/util/error_class.hpp"

#include <chrono>
#include <string>

namespace crawl::fetch {

using clock = std::chrono::steady_clock;

/// Milliseconds from `start` to now, for the record's timings.
double ms_since(clock::time_point start);

/// "10 s" for whole seconds, "250 ms" otherwise.
std::string seconds_text(std::chrono::milliseconds d);

/// A timeout failure that names the deadline that was binding: the whole URL's --timeout when
/// it is (about to be) over, otherwise the phase's own (`phase` says which).
failure timeout_failure(clock::time_point total_deadline, const options& opts, std::string phase);

} // namespace crawl::fetch
