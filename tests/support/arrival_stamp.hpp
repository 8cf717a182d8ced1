#pragma once
// When a request reached a test server, as the kernel saw it. A server thread that is busy, or
// waits for a core (a test runs several crawl processes on two cores under ASan), reads a
// request tens of milliseconds after it arrived; stamped then, two requests look closer
// together than they were sent, and a politeness check fails on a polite crawl. The kernel
// stamps each segment as it reaches the socket (SO_TIMESTAMPNS); a peek at the first unread
// byte reads that stamp without consuming anything. Segments that queue up unread may be
// merged and keep the latest one's stamp: a request written at once (crawl writes a request's
// header in one write) is stamped when it was written. Header-only, like serve_loop.hpp.

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>

namespace crawl::test {

/// Asks the kernel to stamp each segment `fd` receives from now on.
inline void stamp_arrivals(int fd)
{
    const int on = 1;
    (void)::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

/// When the first unread byte on `fd` reached it, on the steady clock; now when no byte waits
/// or the kernel gave no stamp. (The kernel's stamp is on the system clock: its age, read
/// against that clock, is taken off the steady clock's now.)
inline std::chrono::steady_clock::time_point first_unread_arrival(int fd)
{
    char byte = 0;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const bool peeked = ::recvmsg(fd, &msg, MSG_PEEK | MSG_DONTWAIT) == 1;
    const auto steady_now = std::chrono::steady_clock::now();
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    for (cmsghdr* c = peeked ? CMSG_FIRSTHDR(&msg) : nullptr; c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
            timespec arrived{};
            std::memcpy(&arrived, CMSG_DATA(c), sizeof arrived);
            const auto age = std::chrono::seconds(now.tv_sec - arrived.tv_sec) +
                             std::chrono::nanoseconds(now.tv_nsec - arrived.tv_nsec);
            // (A step of the system clock could make the age negative: then now is the stamp.)
            return steady_now - std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::max(age, std::chrono::nanoseconds(0)));
        }
    }
    return steady_now;
}

} // namespace crawl::test
