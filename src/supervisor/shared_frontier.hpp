#pragma once
// The part of a recursive crawl that several crawl processes share (--frontier redis://):
// which URLs were ever found (one seen-set for all), where a found URL waits until its host's
// owner crawls it, and which process owns which host now. The coordinator sees only this
// interface, so it stays free of I/O; redis_frontier.hpp implements it on Redis and the unit
// tests fake it (docs/design.md, "Many machines").
//
// A URL taken from the shared frontier is this process's until it has its final record
// (recorded) or is let go because its host went to another process (let_go); until then a
// process that dies leaves it to the host's next owner, which crawls it again.

#include "frontier_store.hpp"

#include "scheduler.hpp" // clock

#include "crawl/wire/frame.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace crawl::supervisor {

class shared_frontier {
public:
    virtual ~shared_frontier() = default;

    /// A URL this process found and has not published before: it joins the shared frontier
    /// unless some process published it first (the shared seen-set decides). Whoever owns its
    /// host then crawls it.
    virtual void publish(const frontier_entry& e) = 0;
    /// Whether a request to `host` (normalized) may start now, and until when: this process
    /// holds the lease of its slot, and no request may be written after the time returned (the
    /// lease could have run out by then). Nothing: another process's host, or nobody's yet.
    [[nodiscard]] virtual std::optional<clock::time_point> held_until(std::string_view host) const = 0;
    /// A URL delivered by the shared frontier is about to be crawled here: true when its host
    /// is still this process's (else it is let go, and false).
    virtual bool start(std::uint64_t fingerprint, std::string_view host) = 0;
    /// A URL delivered by the shared frontier has its final record (acknowledged once the
    /// driver has written the records).
    virtual void recorded(std::uint64_t fingerprint) = 0;
    /// A URL delivered by the shared frontier is left to its host's next owner.
    virtual void let_go(std::uint64_t fingerprint) = 0;
    /// A robots.txt request to `host` went to a worker (true) or left it (false: answered,
    /// unsent, or its worker died). While one is out, its slot is not given back: the request
    /// could still start, and the next owner's first request must come after it.
    virtual void robots_out(std::string_view host, bool out) = 0;
    /// robots.txt answers are shared: a host's next owner takes its last owner's answer
    /// instead of fetching the file again. Asks for `origin`'s; the answer (or that there is
    /// none) comes back to the coordinator's robots_shared, through the driver.
    virtual void ask_robots(const std::string& origin) = 0;
    /// This process fetched `origin`'s robots.txt and had `answer` (a definitive one: the file,
    /// or a 4xx that allows all): the processes that own the host next take it.
    virtual void share_robots(const std::string& origin, const wire::robots_result& answer) = 0;
    /// Every URL published by any process has its final record: the crawl is over.
    [[nodiscard]] virtual bool finished() const = 0;
};

} // namespace crawl::supervisor
