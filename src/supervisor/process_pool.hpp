#pragma once
// The real worker_pool: one forked process per slot, a wire::channel over its two pipes, and
// reaping on SIGCHLD without ever waiting in the event loop. A worker's exit is reported once
// both its results have ended (every record it sent has been handed on) and its process has
// been reaped. A worker that closes its pipes but does not exit is killed after a grace
// period, so it can never hold the run up.

#include "crawl/wire/channel.hpp"
#include "crawl/worker/options.hpp"
#include "spawn.hpp"
#include "worker_pool.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace crawl::supervisor {

class process_pool final : public worker_pool {
public:
    /// Takes over the workers forked before the io_context existed, one per slot.
    process_pool(boost::asio::io_context& ioc, const worker::options& opts, std::vector<spawned_worker> workers);

    /// Starts reading from every worker and reaping; events go to `events` from now on.
    void start(pool_events& events);

    void send(unsigned worker, const pending_url& job) override;
    void grant_turn(unsigned worker, const wire::go& go) override;
    void finish(unsigned worker) override;
    void drain(unsigned worker) override;
    void shut_down(unsigned worker) override;
    void kill(unsigned worker) override;
    [[nodiscard]] std::error_code replace(unsigned worker) override;

private:
    struct slot {
        explicit slot(boost::asio::io_context& ioc) : grace(ioc) {}

        int pid = -1;
        std::unique_ptr<wire::channel> channel;
        bool input_ended = false;   ///< finish, drain or shut_down: nothing more is sent
        bool killed = false;        ///< SIGKILL sent: its frames are not handed on
        bool results_ended = false; ///< its result pipe reached its end
        bool hung = false;          ///< killed for closing its pipes without exiting
        std::optional<worker_exit> reaped;
        boost::asio::steady_timer grace; ///< how long a worker may live on after its results end
    };

    void attach(unsigned worker, spawned_worker w);
    [[nodiscard]] std::optional<std::string> take_frame(unsigned worker, const wire::frame_view& frame);
    void results_ended(unsigned worker, const wire::channel_error& why);
    void end_input(unsigned worker, void (*last_frame)(std::string&));
    void wait_for_children();
    void reap_children();
    void report_exit_when_complete(unsigned worker);

    boost::asio::io_context& ioc_;
    const worker::options& opts_;
    std::vector<slot> slots_;
    boost::asio::signal_set child_ended_;
    pool_events* events_ = nullptr;
};

} // namespace crawl::supervisor
