#pragma once
// A worker process: one single-threaded io_context that fetches the jobs the supervisor sends
// and sends back one result frame per job.

#include "crawl/util/unique_fd.hpp"
#include "crawl/worker/options.hpp"

namespace crawl::worker {

/// Runs until the supervisor closes `jobs` (finish what was received, then exit) or sends a
/// shutdown frame (drop what is in flight, flush finished results, exit). Returns the exit
/// status for _exit: 0, or 1 when the supervisor went away or broke the protocol.
int run(unsigned worker_id, unique_fd jobs, unique_fd results, const options& opts);

} // namespace crawl::worker
