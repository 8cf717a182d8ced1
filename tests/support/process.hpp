#pragma once
// Running the real crawl binary from tests: capture output, exit status, signals, children.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace crawl::test {

struct process_result {
    int exit_code = -1;   ///< exit status, or 128 + signal number when killed by a signal
    bool timed_out = false;
    std::string out;      ///< everything written to stdout
    std::string err;      ///< everything written to stderr
};

/// Runs `argv[0]` (a path) with the arguments, stdin from `stdin_data` (a pipe, closed after),
/// and waits at most `timeout` (then SIGKILLs it and sets timed_out).
process_result run_process(const std::vector<std::string>& argv, const std::string& stdin_data = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(60));

/// A child process running in the background, with stdout and stderr captured to pipes that
/// a reader thread drains (so the child never blocks on a full pipe).
class background_process {
public:
    explicit background_process(const std::vector<std::string>& argv);
    ~background_process(); ///< SIGKILLs and reaps the child if it still runs
    background_process(const background_process&) = delete;
    background_process& operator=(const background_process&) = delete;

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    void send_signal(int sig) const;
    /// Waits for exit (SIGKILL after `timeout`) and returns what it wrote.
    process_result wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));
    /// stdout captured so far (thread-safe snapshot).
    [[nodiscard]] std::string stdout_so_far() const;

private:
    struct impl;
    pid_t pid_ = -1;
    impl* impl_ = nullptr;
};

/// Direct children of `pid` (from /proc/PID/task/PID/children).
std::vector<pid_t> child_pids(pid_t pid);

/// True while /proc/PID exists and the process is not a zombie.
bool process_alive(pid_t pid);

/// Writes `content` to a fresh file in a temporary directory and returns its path.
std::string write_temp_file(const std::string& name, const std::string& content);

} // namespace crawl::test
