#pragma once
// Forking a worker process with exactly its two pipe ends, and reaping it without waiting.

#include "crawl/util/unique_fd.hpp"
#include "crawl/worker/options.hpp"
#include "worker_pool.hpp"

#include <sys/time.h>
#include <sys/types.h>

#include <optional>

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

/// A child that has ended, reaped without waiting (wait4 with WNOHANG): `pid`, or any child
/// when it is -1. nullopt while none has ended (or when there is none).
std::optional<worker_exit> reap_ended(pid_t pid = -1);

/// A rusage time in seconds.
double cpu_seconds(const timeval& tv);

} // namespace crawl::supervisor
