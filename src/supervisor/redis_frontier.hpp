#pragma once
// The shared frontier on Redis (--frontier redis://HOST:PORT[/DB]): several crawl processes,
// on one machine or many, crawl one web together, and each host has exactly one owner at a
// time, so per-host politeness and robots.txt stay exact across them (docs/design.md, "Many
// machines"; docs/sharding.md).
//
// What Redis holds (keys under "crawl:"):
//   slot:N:lease   the owner of host slot N (a host's slot is a stable hash of it, as --shard),
//                  with an expiry its owner renews; its value is the owner's fencing token
//   slot:N:stream  the URLs found for slot N's hosts, a stream with one consumer group: an
//                  entry is pending with the process it was delivered to until acknowledged
//   slot:N:seen    the fingerprints of every URL ever published to slot N
//   open           URLs published and not yet recorded: 0 means the crawl is over
//   members        the live processes (a sorted set by expiry), for the even share of the work
//   fence          the counter fencing tokens come from
//
// Everything runs on the supervisor's io_context, one connection, no threads: a round every
// quarter second renews leases that are due, surveys every slot's URLs waiting and holder to
// take or give back slots toward an even share of the work (slot_balance.hpp), and asks
// whether the crawl is over; every 50 ms, new URLs of the slots held are read while few wait
// here. A lease counts as held only until the time its last renewal was sent plus the lease,
// less a margin: a process that stalls (SIGSTOP, a partition) stops starting requests to those
// hosts before any other process can take them over.

#include "crawl/redis/address.hpp"
#include "crawl/redis/connection.hpp"

#include "scheduler.hpp" // clock
#include "shared_frontier.hpp"
#include "summary.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace crawl::supervisor {

class redis_frontier final : public shared_frontier {
public:
    /// The Lua scripts it runs (loaded once, then called by SHA-1).
    enum class lua : std::uint8_t { layout, publish, ack, acquire, renew, release, survey, heartbeat };
    static constexpr std::size_t lua_count = 8;

    struct settings {
        std::chrono::milliseconds lease{10'000}; ///< a slot's lease; renewed every quarter of it
        std::uint32_t slots = 64;                ///< host slots: the unit of ownership
        bool by_domain = false;                  ///< --scope domain: a registrable domain's hosts share a slot
        /// A slot taken over starts this long after it was taken (--delay): its last owner's
        /// last request may have just started.
        std::chrono::milliseconds handover{0};
        std::string robots_agent = "crawl"; ///< the product token robots.txt answers were selected for
    };
    struct handlers {
        /// URLs of the slots held here, new to this process: the driver queues them locally.
        std::function<void(std::vector<frontier_entry>)> delivered;
        /// Ownership or the end of the crawl may have changed: the coordinator should look again.
        std::function<void()> changed;
        /// The server is gone or answers what it should not: the crawl cannot go on.
        std::function<void(std::string_view)> failed;
        /// URLs waiting in this process: more are read only while few wait.
        std::function<std::uint64_t()> backlog;
        /// The answer to ask_robots: the origin's robots.txt as some process had it, or nothing.
        std::function<void(const std::string& origin, std::optional<wire::robots_result>)> robots_known;
    };

    redis_frontier(boost::asio::any_io_executor ex, const redis::address& address, settings s, handlers h);
    ~redis_frontier() override;
    redis_frontier(const redis_frontier&) = delete;
    redis_frontier& operator=(const redis_frontier&) = delete;

    /// Joins the crawl: checks the database's layout, then starts the rounds.
    void start();
    /// The driver has written the records: the URLs recorded since the last call are
    /// acknowledged (fenced by their slot's lease token).
    void acknowledge();
    /// Leaving: acknowledges what is recorded, gives back every lease and leaves the members.
    /// True once the server has answered all of it (the driver runs the loop until then).
    void leave();
    [[nodiscard]] bool settled() const noexcept;

    [[nodiscard]] const run_stats::shared_counts& counts() const noexcept { return counts_; }

    // ---- shared_frontier -----------------------------------------------------------------
    void publish(const frontier_entry& e) override;
    [[nodiscard]] std::optional<clock::time_point> held_until(std::string_view host) const override;
    bool start(std::uint64_t fingerprint, std::string_view host) override;
    void recorded(std::uint64_t fingerprint) override;
    void let_go(std::uint64_t fingerprint) override;
    void robots_out(std::string_view host, bool out) override;
    void ask_robots(const std::string& origin) override;
    void share_robots(const std::string& origin, const wire::robots_result& answer) override;
    [[nodiscard]] bool finished() const override { return finished_; }

private:
    struct slot_state {
        std::string token;             ///< our fencing token while held
        clock::time_point valid_until; ///< no request starts after this without a renewal
        clock::time_point renew_after;
        clock::time_point usable_from; ///< taken over: requests start from then on
        bool held = false;
        bool claiming = false;  ///< its group is being made and what the last owner left claimed
        bool ready = false;     ///< claimed: new URLs are read
        bool draining = false;  ///< being given back: nothing new starts, what runs finishes
        bool renewing = false;
        bool sweeping = false;
        clock::time_point sweep_after;  ///< the next look for entries stuck with another consumer
        std::string sweep_cursor = "0-0";
        std::uint64_t started = 0; ///< delivered URLs started here and not recorded
    };
    struct slot_survey {
        std::uint64_t waiting = 0; ///< its stream's length when last surveyed
        std::string holder;        ///< the consumer name of its lease holder; empty: free
    };
    struct slot_keys {
        std::string lease, stream, seen;
    };
    struct taken_url {
        std::uint32_t slot = 0;
        std::string id;    ///< the stream entry's
        std::string token; ///< the slot's lease it was delivered under
        bool started = false;
    };

    void command(std::vector<std::string> args, std::function<void(const redis::reply&)> done);
    void check_layout();
    void tick();
    void round();
    void heartbeat();
    void renew_due(clock::time_point now);
    void expire_stale(clock::time_point now);
    void release_drained(clock::time_point now);
    void survey();
    void balance();
    void acquire(std::uint32_t slot);
    void prepare(clock::time_point now);
    void autoclaim(std::vector<std::string> args, std::function<void(const redis::reply&)> done);
    void claim_left_over(std::uint32_t slot, std::string cursor);
    void sweep(clock::time_point now);
    void release(std::uint32_t slot);
    void read_new();
    void ask_finished();
    [[nodiscard]] std::string robots_key(std::string_view origin) const;
    void lose(std::uint32_t slot);
    void take_entries(std::uint32_t slot, const redis::reply& entries, std::vector<frontier_entry>& out);
    void deliver(std::vector<frontier_entry> batch);
    std::optional<taken_url> take_back(std::uint64_t fingerprint);
    [[nodiscard]] std::uint32_t slot_of(std::string_view host) const;
    [[nodiscard]] std::uint32_t slot_of_host_key(std::string_view host_key) const;
    [[nodiscard]] std::vector<std::string> call(lua script, std::initializer_list<std::string> keys,
                                                std::vector<std::string> args) const;

    settings settings_;
    handlers handlers_;
    std::unique_ptr<redis::connection> redis_;
    boost::asio::steady_timer timer_;
    std::string me_; ///< this process's consumer name: host, pid and a random part
    std::vector<slot_state> slots_;
    /// robots.txt requests out at each slot's hosts (kept apart from slot_state, which a
    /// release or a loss resets while such a request may still be out).
    std::vector<unsigned> robots_out_;
    std::vector<slot_keys> keys_; ///< each slot's keys, named once
    std::string open_key_;
    std::array<std::string, lua_count> sha_; ///< each script's SHA-1, hex
    std::unordered_map<std::uint64_t, taken_url> taken_; ///< delivered and not yet recorded or let go
    std::vector<std::pair<std::uint32_t, std::string>> recorded_; ///< (slot, entry id) to acknowledge
    /// Entry ids recorded here while an XAUTOCLAIM was in flight, or waiting for their
    /// acknowledgement when one was sent: kept out of its answer (autoclaim).
    std::unordered_set<std::string> recently_recorded_;
    unsigned claims_in_flight_ = 0;
    std::vector<slot_survey> survey_;
    clock::time_point give_back_after_; ///< the last give-back has settled in the survey by then
    std::uint64_t members_ = 1;
    std::minstd_rand random_{std::random_device{}()}; ///< the order free slots are tried in
    unsigned acquiring_ = 0;
    std::uint64_t ticks_ = 0;
    std::uint64_t publishes_ = 0; ///< sent so far
    bool surveying_ = false;
    bool surveyed_ = false;
    bool reading_ = false;
    bool asking_ = false;
    bool finished_ = false;
    bool failed_ = false;
    bool leaving_ = false;
    run_stats::shared_counts counts_;
};

} // namespace crawl::supervisor
