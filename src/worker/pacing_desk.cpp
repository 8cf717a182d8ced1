#include "pacing_desk.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

namespace crawl::worker {

namespace net = boost::asio;

namespace {

std::int64_t now_ns()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

bool pacing_desk::grant(const wire::go& g)
{
    const auto it = waiting_.find(g.id);
    if (it == waiting_.end()) {
        return false;
    }
    job_pacer* hop = it->second;
    waiting_.erase(it);
    hop->wake(g.report_sends);
    return true;
}

void pacing_desk::release_all()
{
    released_ = true;
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& [id, hop] : waiting) {
        hop->wake(false);
    }
}

job_pacer::job_pacer(pacing_desk& desk, net::any_io_executor ex, std::uint64_t id, std::uint8_t pacing,
                     std::int64_t send_by_ns)
    : desk_(desk), id_(id), report_sends_((pacing & wire::report_sends) != 0),
      ask_turns_((pacing & wire::ask_turns) != 0), send_by_ns_(send_by_ns),
      wake_(ex, net::steady_timer::time_point::max())
{
}

job_pacer::~job_pacer()
{
    // A fetch abandoned while it waited (the worker is shutting down) must not be woken later.
    if (const auto it = desk_.waiting_.find(id_); it != desk_.waiting_.end() && it->second == this) {
        desk_.waiting_.erase(it);
    }
}

bool job_pacer::sending(const url::target&)
{
    if (send_by_ns_ == 0) {
        return true;
    }
    // The worker may have held the job in its queue, or spent long connecting, since the
    // supervisor sent it: the host may be another process's by now.
    return now_ns() <= send_by_ns_;
}

void job_pacer::written(const url::target&)
{
    if (!report_sends_ || desk_.released_) {
        return;
    }
    wire::append_frame(wire::sent{id_, now_ns()}, desk_.supervisor_.outbox());
    desk_.supervisor_.flush();
}

net::awaitable<void> job_pacer::turn(const url::target& t)
{
    report_sends_ = false;
    if (!ask_turns_ || desk_.released_) {
        co_return;
    }
    wire::append_frame(wire::turn{id_, t.scheme, t.host_port()}, desk_.supervisor_.outbox());
    desk_.supervisor_.flush();
    desk_.waiting_[id_] = this;
    granted_ = false;
    while (!granted_) {
        co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
    }
}

void job_pacer::wake(bool report_sends)
{
    granted_ = true;
    report_sends_ = report_sends;
    wake_.cancel();
}

} // namespace crawl::worker
