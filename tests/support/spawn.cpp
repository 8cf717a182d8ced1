// posix_spawn rather than fork: the test process has server threads running, and posix_spawn
// leaves nothing to get wrong between fork and exec.

#include "support/spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <mutex>
#include <stdexcept>
#include <system_error>

extern char** environ;

namespace crawl::test::posix {
namespace {

/// Writes to a pipe whose reader died must fail with EPIPE, not kill the test with SIGPIPE.
void ignore_sigpipe_once()
{
    static std::once_flag once;
    std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

} // namespace

[[noreturn]] void fail(const char* what)
{
    throw std::system_error(errno, std::generic_category(), what);
}

void fd_handle::reset() noexcept
{
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

pipe_pair make_pipe()
{
    std::array<int, 2> fds{};
    // O_CLOEXEC: no other child spawned meanwhile from another thread inherits our ends (it
    // would hold the write end open and our reader would never see end-of-file).
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
        fail("pipe2");
    }
    return {fd_handle(fds[0]), fd_handle(fds[1])};
}

void set_nonblocking(int fd)
{
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        fail("fcntl");
    }
}

spawned spawn(const std::vector<std::string>& argv)
{
    if (argv.empty()) {
        throw std::invalid_argument("spawn: empty argv");
    }
    ignore_sigpipe_once();
    pipe_pair in = make_pipe();
    pipe_pair out = make_pipe();
    pipe_pair err = make_pipe();

    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in.read_end.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out.write_end.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err.write_end.get(), STDERR_FILENO);

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (const int sig : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2}) {
        sigaddset(&defaults, sig);
    }
    sigset_t empty_mask;
    sigemptyset(&empty_mask);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &empty_mask);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, static_cast<short>(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
                                                       POSIX_SPAWN_SETPGROUP));

    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        errno = rc;
        fail(("posix_spawn " + argv[0]).c_str());
    }
    spawned s;
    s.pid = pid;
    s.stdin_write = std::move(in.write_end);
    s.stdout_read = std::move(out.read_end);
    s.stderr_read = std::move(err.read_end);
    return s;
}

int decode_status(int status)
{
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return -1;
}

void kill_tree(pid_t pid)
{
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
}

int reap(pid_t pid)
{
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return decode_status(status);
}

bool read_available(int fd, std::string& sink)
{
    std::array<char, 65536> buf{};
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n > 0) {
            sink.append(buf.data(), static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return true;
        }
        return false;
    }
}

} // namespace crawl::test::posix
