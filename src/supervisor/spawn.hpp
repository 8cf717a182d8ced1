#pragma once
// Forking a worker process with exactly its two pipe ends.

#include "crawl/util/unique_fd.hpp"
#include "crawl/worker/options.hpp"

#include <sys/time.h>
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

/// How a reaped worker ended and what it used (from wait4's rusage).
struct reaped_worker {
    std::string how; ///< "exited with status 1", "killed by signal 9 (SIGKILL)"
    bool clean = false; ///< exited with status 0
    long peak_rss_kb = 0;
    double user_seconds = 0;
    double sys_seconds = 0;
};

/// Waits for `pid`.
reaped_worker reap(pid_t pid);

/// A rusage time in seconds.
double cpu_seconds(const timeval& tv);

} // namespace crawl::supervisor
