// Child processes for the end-to-end tests, started by spawn.hpp. Each child runs in its own
// process group, so a timeout or a destructor can kill the crawl supervisor together with any
// worker it left behind.

#include "support/process.hpp"

#include "support/spawn.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

namespace crawl::test {

using namespace posix;

namespace {

using steady = std::chrono::steady_clock;

/// After the child exits: how long its leftover process group may keep the output pipes open
/// before it is killed, and then how long to wait for end-of-file before giving up.
constexpr auto straggler_grace = std::chrono::milliseconds(200);
constexpr auto drain_grace = std::chrono::seconds(2);

int poll_timeout_ms(steady::time_point deadline)
{
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
    return static_cast<int>(std::clamp<std::int64_t>(left, 0, 50));
}

} // namespace

process_result run_process(const std::vector<std::string>& argv, const std::string& stdin_data,
                           std::chrono::milliseconds timeout)
{
    spawned child = spawn(argv);
    set_nonblocking(child.stdin_write.get());
    set_nonblocking(child.stdout_read.get());
    set_nonblocking(child.stderr_read.get());
    if (stdin_data.empty()) {
        child.stdin_write.reset();
    }

    process_result result;
    const steady::time_point deadline = steady::now() + timeout;
    std::size_t written = 0;
    bool exited = false;
    bool group_killed = false;
    steady::time_point drain_until{};
    // One poll loop feeds stdin and drains both outputs, so no pipe ever fills up and blocks
    // the child; between polls it checks (without blocking) whether the child has exited.
    for (;;) {
        std::array<pollfd, 3> fds{};
        nfds_t count = 0;
        if (child.stdout_read.valid()) {
            fds[count++] = {child.stdout_read.get(), POLLIN, 0};
        }
        if (child.stderr_read.valid()) {
            fds[count++] = {child.stderr_read.get(), POLLIN, 0};
        }
        if (child.stdin_write.valid()) {
            fds[count++] = {child.stdin_write.get(), POLLOUT, 0};
        }
        if (count == 0 && exited) {
            break;
        }
        const steady::time_point now = steady::now();
        if (!exited && now >= deadline) {
            kill_tree(child.pid);
            result.exit_code = reap(child.pid);
            result.timed_out = true;
            exited = true;
            group_killed = true;
            drain_until = now; // read what is already buffered, then stop
        }
        if (exited && !group_killed && now >= drain_until) {
            // The child is gone; whatever is left in its process group is a straggler.
            ::kill(-child.pid, SIGKILL);
            group_killed = true;
            drain_until = now + drain_grace;
        }
        if (exited && now >= drain_until) {
            // Read whatever is buffered one last time; a grandchild holding the pipe open
            // does not keep us waiting forever.
            if (child.stdout_read.valid()) {
                read_available(child.stdout_read.get(), result.out);
            }
            if (child.stderr_read.valid()) {
                read_available(child.stderr_read.get(), result.err);
            }
            break;
        }
        const int ready = ::poll(fds.data(), count, exited ? 50 : poll_timeout_ms(deadline));
        if (ready < 0 && errno != EINTR) {
            fail("poll");
        }
        for (nfds_t i = 0; ready > 0 && i < count; ++i) {
            if (fds[i].revents == 0) {
                continue;
            }
            if (fds[i].fd == child.stdin_write.get()) {
                const ssize_t n = ::write(fds[i].fd, stdin_data.data() + written, stdin_data.size() - written);
                if (n > 0) {
                    written += static_cast<std::size_t>(n);
                }
                // Done, or the child closed its stdin (EPIPE): either way, no more input.
                if (written == stdin_data.size() || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                    child.stdin_write.reset();
                }
            } else if (fds[i].fd == child.stdout_read.get()) {
                if (!read_available(fds[i].fd, result.out)) {
                    child.stdout_read.reset();
                }
            } else if (fds[i].fd == child.stderr_read.get()) {
                if (!read_available(fds[i].fd, result.err)) {
                    child.stderr_read.reset();
                }
            }
        }
        if (!exited) {
            int status = 0;
            const pid_t done = ::waitpid(child.pid, &status, WNOHANG);
            if (done == child.pid) {
                exited = true;
                result.exit_code = decode_status(status);
                child.stdin_write.reset();
                drain_until = steady::now() + straggler_grace;
            }
        }
    }
    ::kill(-child.pid, SIGKILL);
    return result;
}

// ---------------------------------------------------------------------------------------------

struct background_process::impl {
    fd_handle stdout_read;
    fd_handle stderr_read;
    fd_handle stop_read;  ///< becomes readable when the reader thread must stop
    fd_handle stop_write;
    std::thread reader;
    mutable std::mutex mutex;
    std::string out;
    std::string err;
    bool finished = false; ///< the reader saw end-of-file on both pipes (under `mutex`)
    bool reaped = false;
    int exit_code = -1;

    [[nodiscard]] bool reader_finished() const
    {
        const std::scoped_lock lock(mutex);
        return finished;
    }

    void read_loop()
    {
        read_until_eof();
        const std::scoped_lock lock(mutex);
        finished = true;
    }

    void read_until_eof()
    {
        bool out_open = true;
        bool err_open = true;
        while (out_open || err_open) {
            // A negative fd makes poll skip that entry.
            std::array<pollfd, 3> fds{{{out_open ? stdout_read.get() : -1, POLLIN, 0},
                                       {err_open ? stderr_read.get() : -1, POLLIN, 0},
                                       {stop_read.get(), POLLIN, 0}}};
            const int ready = ::poll(fds.data(), fds.size(), -1);
            if (ready < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return;
            }
            std::string out_chunk;
            std::string err_chunk;
            if (fds[0].revents != 0) {
                out_open = read_available(stdout_read.get(), out_chunk);
            }
            if (fds[1].revents != 0) {
                err_open = read_available(stderr_read.get(), err_chunk);
            }
            {
                const std::scoped_lock lock(mutex);
                out += out_chunk;
                err += err_chunk;
            }
            if (fds[2].revents != 0) {
                return;
            }
        }
    }

    void stop_reader()
    {
        if (reader.joinable()) {
            const char byte = 0;
            [[maybe_unused]] const ssize_t n = ::write(stop_write.get(), &byte, 1);
            reader.join();
        }
    }
};

background_process::background_process(const std::vector<std::string>& argv)
{
    spawned child = spawn(argv);
    child.stdin_write.reset(); // the child sees end-of-file on stdin
    set_nonblocking(child.stdout_read.get());
    set_nonblocking(child.stderr_read.get());
    pipe_pair stop = make_pipe();
    auto state = std::make_unique<impl>();
    state->stdout_read = std::move(child.stdout_read);
    state->stderr_read = std::move(child.stderr_read);
    state->stop_read = std::move(stop.read_end);
    state->stop_write = std::move(stop.write_end);
    impl* raw = state.get();
    state->reader = std::thread([raw] { raw->read_loop(); });
    pid_ = child.pid;
    impl_ = state.release();
}

background_process::~background_process()
{
    if (impl_ == nullptr) {
        return;
    }
    if (!impl_->reaped) {
        kill_tree(pid_);
        reap(pid_);
    } else {
        ::kill(-pid_, SIGKILL);
    }
    impl_->stop_reader();
    delete impl_;
}

void background_process::send_signal(int sig) const
{
    if (!impl_->reaped) {
        ::kill(pid_, sig);
    }
}

process_result background_process::wait(std::chrono::milliseconds timeout)
{
    process_result result;
    if (!impl_->reaped) {
        const steady::time_point deadline = steady::now() + timeout;
        for (;;) {
            int status = 0;
            const pid_t done = ::waitpid(pid_, &status, WNOHANG);
            if (done == pid_) {
                impl_->exit_code = decode_status(status);
                break;
            }
            if (done < 0 && errno != EINTR) {
                impl_->exit_code = -1;
                break;
            }
            if (steady::now() >= deadline) {
                kill_tree(pid_);
                impl_->exit_code = reap(pid_);
                result.timed_out = true;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        impl_->reaped = true;
        // Let the reader reach end-of-file (all output written before exit); a straggler in the
        // process group that keeps the pipes open gets a moment, then is killed.
        const auto wait_for_reader = [this](std::chrono::milliseconds grace) {
            const steady::time_point until = steady::now() + grace;
            while (steady::now() < until && !impl_->reader_finished()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        };
        wait_for_reader(straggler_grace);
        ::kill(-pid_, SIGKILL);
        wait_for_reader(drain_grace);
        impl_->stop_reader();
    }
    result.exit_code = impl_->exit_code;
    const std::scoped_lock lock(impl_->mutex);
    result.out = impl_->out;
    result.err = impl_->err;
    return result;
}

std::string background_process::stdout_so_far() const
{
    const std::scoped_lock lock(impl_->mutex);
    return impl_->out;
}

std::vector<pid_t> child_pids(pid_t pid)
{
    // A process forks from any of its threads, and each thread lists only its own children.
    std::vector<pid_t> children;
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path tasks = fs::path("/proc") / std::to_string(pid) / "task";
    for (fs::directory_iterator it(tasks, ec), end; !ec && it != end; it.increment(ec)) {
        std::ifstream in(it->path() / "children");
        pid_t child = 0;
        while (in >> child) {
            children.push_back(child);
        }
    }
    return children;
}

bool process_alive(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) {
        return false;
    }
    // "pid (comm) S ...": comm may itself contain ") ", so the state follows the last ')'.
    const std::size_t paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size()) {
        return false;
    }
    const char state = stat[paren + 2];
    return state != 'Z' && state != 'X' && state != 'x';
}

std::string write_temp_file(const std::string& name, const std::string& content)
{
    static std::mutex mutex;
    static std::string dir;
    static pid_t owner = 0;
    static unsigned counter = 0;
    const std::scoped_lock lock(mutex);
    if (dir.empty()) {
        std::string templ = "/tmp/crawl-test-XXXXXX";
        if (::mkdtemp(templ.data()) == nullptr) {
            fail("mkdtemp");
        }
        dir = templ;
        owner = ::getpid();
        // Only the process that made the directory removes it (a forked child exiting must not).
        std::atexit([] {
            if (::getpid() == owner) {
                std::error_code ignored;
                std::filesystem::remove_all(dir, ignored);
            }
        });
    }
    // Keep the name the test asked for (extensions may matter); only a repeat gets a prefix.
    std::string path = dir + "/" + name;
    if (std::filesystem::exists(path)) {
        path = dir + "/" + std::to_string(++counter) + "-" + name;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) {
        throw std::runtime_error("write_temp_file: cannot write " + path);
    }
    return path;
}

} // namespace crawl::test
