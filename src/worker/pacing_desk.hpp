#pragma once
// A worker's side of pacing (crawl/fetch/pacer.hpp): for each paced job a job_pacer that
// reports the job's requests to the supervisor as they are written and, before each redirect hop, asks for a
// turn and waits for the supervisor's `go`. The desk routes the `go` frames to the waiting hops.

#include "crawl/fetch/pacer.hpp"
#include "crawl/wire/channel.hpp"
#include "crawl/wire/frame.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <unordered_map>

namespace crawl::worker {

class job_pacer;

class pacing_desk {
public:
    explicit pacing_desk(wire::channel& supervisor) : supervisor_(supervisor) {}

    /// The supervisor's answer to a turn; false when no hop of that job waits for one.
    bool grant(const wire::go& g);
    /// The supervisor is gone: waiting hops go ahead (there is nobody left to ask), and later
    /// ones do not ask.
    void release_all();

private:
    friend class job_pacer;
    wire::channel& supervisor_;
    std::unordered_map<std::uint64_t, job_pacer*> waiting_;
    bool released_ = false;
};

class job_pacer final : public fetch::pacer {
public:
    /// `pacing`: the job frame's bits (wire::report_sends, wire::ask_turns); `send_by_ns`: the
    /// job's time to send by (wire::job::send_by_ns; 0: none).
    job_pacer(pacing_desk& desk, boost::asio::any_io_executor ex, std::uint64_t id, std::uint8_t pacing,
              std::int64_t send_by_ns);
    ~job_pacer() override;
    job_pacer(const job_pacer&) = delete;
    job_pacer& operator=(const job_pacer&) = delete;

    [[nodiscard]] bool sending(const url::target& t) override;
    void written(const url::target& t) override;
    boost::asio::awaitable<void> turn(const url::target& t) override;

private:
    friend class pacing_desk;
    void wake(bool report_sends);

    pacing_desk& desk_;
    std::uint64_t id_;
    bool report_sends_; ///< the current hop's host is paced
    bool ask_turns_;
    std::int64_t send_by_ns_;
    bool granted_ = false;
    boost::asio::steady_timer wake_;
};

} // namespace crawl::worker
