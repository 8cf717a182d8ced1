#pragma once
// The fetch's side of politeness across processes. The supervisor paces each host (--delay,
// Crawl-delay); only the fetch knows when a request really leaves and where a redirect leads,
// so a paced fetch tells (each request once it is written) and asks (a turn before each
// redirect hop) through a pacer. docs/design.md, "Politeness". In a shared crawl the pacer
// also holds the job to its host's lease: no request is written after the lease may have run
// out ("Many machines").

#include "crawl/url/target.hpp"

#include <boost/asio/awaitable.hpp>

namespace crawl::fetch {

class pacer {
public:
    pacer() = default;
    pacer(const pacer&) = delete;
    pacer& operator=(const pacer&) = delete;
    virtual ~pacer() = default;

    /// The request for `t` is about to be written (every write: a retry on a fresh connection
    /// writes it again). False: it must not be, as the job's time to send has passed (the
    /// fetch ends with outcome::unsent).
    [[nodiscard]] virtual bool sending(const url::target& t) = 0;
    /// The request for `t` has just been written, or its write failed (the server may have
    /// some of it): the host's next request waits its delay from now. Told after the write, not
    /// before, so that a worker that loses its core in between cannot make the gap short.
    virtual void written(const url::target& t) = 0;
    /// A redirect leads to `t`: returns when a request to its host may start.
    virtual boost::asio::awaitable<void> turn(const url::target& t) = 0;
};

} // namespace crawl::fetch
