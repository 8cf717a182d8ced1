#pragma once
// Starting a child process for the tests: posix_spawn with three pipes, in its own process
// group, and reaping it. What process.cpp builds run_process and background_process on.

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace crawl::test::posix {

/// Throws std::system_error for errno, saying `what` failed.
[[noreturn]] void fail(const char* what);

/// An owned file descriptor.
class fd_handle {
public:
    fd_handle() = default;
    explicit fd_handle(int fd) noexcept : fd_(fd) {}
    fd_handle(fd_handle&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    fd_handle& operator=(fd_handle&& other) noexcept
    {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    fd_handle(const fd_handle&) = delete;
    fd_handle& operator=(const fd_handle&) = delete;
    ~fd_handle() { reset(); }

    [[nodiscard]] int get() const noexcept { return fd_; }
    [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
    void reset() noexcept;

private:
    int fd_ = -1;
};

struct pipe_pair {
    fd_handle read_end;
    fd_handle write_end;
};

/// A pipe whose ends are closed on exec.
pipe_pair make_pipe();

void set_nonblocking(int fd);

struct spawned {
    pid_t pid = -1;
    fd_handle stdin_write;
    fd_handle stdout_read;
    fd_handle stderr_read;
};

/// Starts argv with three pipes, in a new process group, with default signal dispositions and
/// an empty signal mask (the test process ignores SIGPIPE; the child must not inherit that).
spawned spawn(const std::vector<std::string>& argv);

/// The exit status, or 128 + signal number when killed by a signal (as a shell reports it).
int decode_status(int status);

/// Kills the child's whole process group (its workers too) and the child itself.
void kill_tree(pid_t pid);

/// Blocking waitpid that survives EINTR; returns decode_status of the result (-1 on error).
int reap(pid_t pid);

/// Reads what is available from the non-blocking `fd` into `sink`; false at end-of-file or
/// error.
bool read_available(int fd, std::string& sink);

} // namespace crawl::test::posix
