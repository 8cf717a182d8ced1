// crawl::exit_child, which every worker exits through: in a sanitizer build a leak in the
// child must be reported and turn into a failing exit status, although _exit skips the
// at-exit leak check (that is what hid worker leaks before).

#include "crawl/util/exit_child.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace crawl {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool leak_checked = true;
#else
constexpr bool leak_checked = false;
#endif

struct child_end {
    int status = -1;
    std::string err;
};

/// Forks; the child allocates `leak` bytes it never frees (0: none) and calls exit_child(0).
child_end fork_and_exit(std::size_t leak)
{
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(fds[1], STDERR_FILENO);
        if (leak > 0) {
            volatile void* lost = std::malloc(leak);
            lost = nullptr; // the only pointer is gone: a definite leak
            (void)lost;
        }
        exit_child(0);
    }
    ::close(fds[1]);
    child_end end;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) {
        end.err.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    end.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return end;
}

TEST(ExitChild, ALeakInTheChildFailsIt)
{
    if (!leak_checked) {
        GTEST_SKIP() << "not an ASan build: nothing checks for leaks";
    }
    const child_end clean = fork_and_exit(0);
    EXPECT_EQ(clean.status, 0) << clean.err;
    EXPECT_EQ(clean.err, "");
    const child_end leaky = fork_and_exit(4242);
    EXPECT_NE(leaky.status, 0);
    EXPECT_NE(leaky.err.find("LeakSanitizer: detected memory leaks"), std::string::npos) << leaky.err;
    EXPECT_NE(leaky.err.find("4242 byte(s)"), std::string::npos) << leaky.err;
}

TEST(ExitChild, KeepsTheStatusWhenNothingLeaked)
{
    const pid_t pid = ::fork();
    if (pid == 0) {
        exit_child(7);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 7);
}

} // namespace
} // namespace crawl
