#pragma once
// The process's file descriptor limit (RLIMIT_NOFILE), which every connection counts against.

#include <sys/resource.h>

namespace crawl::supervisor {

struct descriptor_limit {
    rlim_t before = 0; ///< soft limit found at start
    rlim_t after = 0;  ///< soft limit now
    rlim_t hard = 0;   ///< the ceiling an unprivileged process may raise it to
};

/// Raises the soft RLIMIT_NOFILE to the hard limit (workers inherit it across fork) and says
/// what it was and is. A failure to raise leaves the limit as it was (after == before).
descriptor_limit raise_descriptor_limit() noexcept;

} // namespace crawl::supervisor
