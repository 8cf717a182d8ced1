#pragma once
// Forking a worker process with exactly its two pipe ends.

#include "crawl/util/unique_fd.hpp"
#include "crawl/worker/options.hpp"

#include <sys/types.h>

#include <string>

namespace crawl::supervisor {

struct spawned_worker {
    pid_t pid = -1;
    unique_fd jobs;    ///< write end: job frames to the worker
    unique_fd results; ///< read end: result frames from the worker
};

/// Forks worker `id`. The child resets signal handling, asks the kernel to kill it when the
/// supervisor dies, closes every descriptor but its two pipe ends and stderr, runs
/// worker::run and exits through exit_child (_exit, plus the leak check in sanitizer builds):
/// it never returns here. Throws std::system_error if pipe or fork fail.
spawned_worker spawn_worker(unsigned id, const worker::options& opts);

/// How a worker process ended.
struct exit_report {
    bool clean = false;      ///< exited with status 0
    std::string description; ///< "exited with status 1", "killed by signal 9 (SIGKILL)"
};

/// Waits for `pid` and says how it ended.
exit_report reap(pid_t pid);

} // namespace crawl::supervisor
