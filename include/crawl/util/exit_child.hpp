#pragma once
// Ending a forked child process without the parent's exit-time work, but with the leak check.

namespace crawl {

/// Ends the calling process with `status` like _exit: no atexit handlers, no stdio flush (in a
/// forked child both belong to the parent). In a LeakSanitizer build (ASan) it first runs the
/// leak check that _exit would skip, so a worker's leaks are reported like the supervisor's:
/// on stderr, and as exit status 1 instead of `status`.
[[noreturn]] void exit_child(int status) noexcept;

} // namespace crawl
