#include "spawn.hpp"

#include "crawl/util/exit_child.hpp"
#include "crawl/worker/worker.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <system_error>

namespace crawl::supervisor {

namespace {

void make_pipe(unique_fd& read_end, unique_fd& write_end)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw std::system_error(errno, std::generic_category(), "pipe2");
    }
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
}

// Everything the child inherits that is not its own: the supervisor's signal handlers (they
// would write into a descriptor we are about to close), its blocked-signal mask, every other
// descriptor (a sibling's pipe end kept open here would hide that sibling's death from the
// supervisor; the output file kept open would outlive the supervisor).
void become_worker_process(pid_t supervisor, int keep_a, int keep_b)
{
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != supervisor) { // the supervisor died before prctl took effect
        ::_exit(1);
    }
    for (int sig = 1; sig < NSIG; ++sig) {
        ::signal(sig, SIG_DFL);
    }
    // Ctrl-C reaches the whole process group; the supervisor alone decides how to stop.
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGTERM, SIG_IGN);
    ::signal(SIGPIPE, SIG_IGN); // a dead peer shows up as EPIPE
    ::signal(SIGXFSZ, SIG_IGN); // a file size limit shows up as EFBIG from a WARC file's write
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);

    const auto lo = static_cast<unsigned>(std::min(keep_a, keep_b));
    const auto hi = static_cast<unsigned>(std::max(keep_a, keep_b));
    ::close_range(3, lo - 1, 0);
    ::close_range(lo + 1, hi - 1, 0);
    ::close_range(hi + 1, ~0U, 0);
    const int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        ::dup2(devnull, STDIN_FILENO);
        ::dup2(devnull, STDOUT_FILENO); // records travel only through the result pipe
        ::close(devnull);
    }
}

} // namespace

double cpu_seconds(const timeval& tv)
{
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

spawned_worker spawn_worker(unsigned id, const worker::options& opts)
{
    unique_fd jobs_read;
    unique_fd jobs_write;
    unique_fd results_read;
    unique_fd results_write;
    make_pipe(jobs_read, jobs_write);
    make_pipe(results_read, results_write);
    const pid_t supervisor = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::system_error(errno, std::generic_category(), "fork");
    }
    if (pid == 0) {
        become_worker_process(supervisor, jobs_read.get(), results_write.get());
        (void)jobs_write.release(); // closed by close_range already
        (void)results_read.release();
        const int status = worker::run(id, std::move(jobs_read), std::move(results_write), opts);
        exit_child(status); // _exit, after the leak check in sanitizer builds
    }
    return spawned_worker{pid, std::move(jobs_write), std::move(results_read)};
}

std::optional<worker_exit> reap_ended(pid_t pid)
{
    int status = 0;
    struct rusage usage {};
    pid_t r = 0;
    do {
        r = ::wait4(pid, &status, WNOHANG, &usage);
    } while (r < 0 && errno == EINTR);
    if (r <= 0) {
        return std::nullopt; // still running, or no such child
    }
    worker_exit out;
    out.pid = static_cast<int>(r);
    out.peak_rss_kb = usage.ru_maxrss;
    out.user_seconds = cpu_seconds(usage.ru_utime);
    out.sys_seconds = cpu_seconds(usage.ru_stime);
    if (WIFEXITED(status)) {
        out.how = "exited with status " + std::to_string(WEXITSTATUS(status));
        out.clean = WEXITSTATUS(status) == 0;
    } else if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        const char* name = sigabbrev_np(sig);
        out.how = "killed by signal " + std::to_string(sig) + (name != nullptr ? std::string(" (SIG") + name + ")" : "");
    } else {
        out.how = "stopped";
    }
    return out;
}

} // namespace crawl::supervisor
