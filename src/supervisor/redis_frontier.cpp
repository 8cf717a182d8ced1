#include "redis_frontier.hpp"

#include "crawl/supervisor/shard.hpp"
#include "crawl/util/digest.hpp"

#include "shared_entry.hpp"
#include "slot_balance.hpp"

#include <unistd.h>

#include <algorithm>
#include <random>

namespace crawl::supervisor {

namespace net = boost::asio;
using std::chrono::milliseconds;

namespace {

// Every key of a crawl starts with this; a database holds one crawl.
constexpr std::string_view prefix = "crawl:";
constexpr std::string_view group = "crawl";
/// The layout of the keys: a process of another layout (another slot count, say) would give a
/// host two owners, so it is refused.
constexpr std::string_view layout_version = "1";

/// The rounds (renewals, heartbeat, survey, share-out, sweeps) come every quarter second; in
/// between, a tick every 50 ms reads new URLs, and asks whether the crawl is over while nothing
/// runs here, so a link found on a page of this process's hosts waits little, and the crawl's
/// end is seen soon. The first rounds come sooner (at ticks 0, 1, 2 and 4): a process that just
/// started has nothing to do until it holds slots.
constexpr milliseconds tick_interval{50};
constexpr unsigned ticks_per_round = 5;
constexpr milliseconds round_interval = tick_interval * ticks_per_round;
/// URLs waiting here below which more are read, and how many a read takes at most.
constexpr std::uint64_t low_water = 512;
constexpr std::uint64_t read_batch = 256;
constexpr std::uint64_t claim_batch = 500;

// The scripts: each runs atomically in Redis, so no other process sees half of one.

/// Sets the layout if the database has none; returns the layout it has.
constexpr const char* layout_script = R"(
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1]))";

/// A URL joins its slot's stream the first time its fingerprint is seen: 1, else 0.
/// KEYS: seen, stream, open. ARGV: fingerprint, then the entry's field-value pairs.
constexpr const char* publish_script = R"(
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
redis.call('INCR', KEYS[3])
return 1)";

/// Acknowledges recorded entries while the lease token is still ours (fencing): the count
/// acknowledged, or -1 when the slot has another owner (who crawls them again).
/// KEYS: lease, stream, open. ARGV: token, group, ids...
constexpr const char* ack_script = R"(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local n = redis.call('XACK', KEYS[2], ARGV[2], unpack(ARGV, 3))
redis.call('XDEL', KEYS[2], unpack(ARGV, 3))
redis.call('DECRBY', KEYS[3], n)
return n)";

/// Takes a free slot: a new fencing token, or nil when someone holds it.
/// KEYS: lease, fence. ARGV: owner, lease ms.
constexpr const char* acquire_script = R"(
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local token = ARGV[1] .. '#' .. redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return token)";

/// Extends a lease that is still ours: 1, else 0. KEYS: lease. ARGV: token, lease ms.
constexpr const char* renew_script = R"(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1)";

/// Gives a lease back if it is still ours. KEYS: lease. ARGV: token.
constexpr const char* release_script = R"(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1)";

/// Every slot's URLs waiting (its stream's length: found and not yet recorded) and its lease
/// holder's token ('' when free), in pairs. ARGV: key prefix, slot count. (It names keys
/// that KEYS does not list, as no cluster can hold a crawl: docs/design.md.)
constexpr const char* survey_script = R"(
local out = {}
for s = 0, tonumber(ARGV[2]) - 1 do
  local slot = ARGV[1] .. 'slot:' .. s .. ':'
  out[#out + 1] = redis.call('XLEN', slot .. 'stream')
  out[#out + 1] = redis.call('GET', slot .. 'lease') or ''
end
return out)";

/// This process is alive for another lease; the others that stopped saying so leave. Returns
/// how many are alive. KEYS: members. ARGV: me, lease ms.
constexpr const char* heartbeat_script = R"(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1]))";

std::string fingerprint_bytes(std::uint64_t f)
{
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) {
        out[static_cast<std::size_t>(i)] = static_cast<char>(f >> (56 - 8 * i));
    }
    return out;
}

/// The host of a "host:port" key (IPv6 without its brackets, as url::target::host).
std::string_view host_of(std::string_view host_key)
{
    const auto colon = host_key.rfind(':');
    std::string_view host = host_key.substr(0, colon == std::string_view::npos ? host_key.size() : colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    return host;
}

std::string consumer_name()
{
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) {
        host[0] = '\0';
    }
    std::random_device random;
    return std::string(host) + ':' + std::to_string(::getpid()) + ':' + std::to_string(random());
}

/// The scripts by name, in the order of redis_frontier::lua.
constexpr std::array<const char*, redis_frontier::lua_count> lua_bodies{
    layout_script, publish_script, ack_script, acquire_script, renew_script, release_script, survey_script,
    heartbeat_script};

std::string sha1_hex(std::string_view text)
{
    digest d(digest::algorithm::sha1);
    d.update(text);
    return to_hex(d.finish());
}

} // namespace

redis_frontier::redis_frontier(net::any_io_executor ex, const redis::address& address, settings s, handlers h)
    : settings_(s), handlers_(std::move(h)), timer_(ex), me_(consumer_name()), slots_(s.slots),
      robots_out_(s.slots, 0),
      open_key_(std::string(prefix) + "open"), survey_(s.slots)
{
    counts_.address = address.text();
    keys_.reserve(s.slots);
    for (std::uint32_t slot = 0; slot < s.slots; ++slot) {
        const std::string base = std::string(prefix) + "slot:" + std::to_string(slot) + ':';
        keys_.push_back({base + "lease", base + "stream", base + "seen"});
    }
    redis_ = std::make_unique<redis::connection>(ex, address, [this](std::string_view why) {
        if (!failed_) {
            failed_ = true;
            handlers_.failed(why);
        }
    });
    // The scripts are loaded before any other command is sent, so each call afterwards names
    // its script by SHA-1 (EVALSHA) rather than sending the whole body; the connection keeps
    // the order.
    for (std::size_t i = 0; i < lua_count; ++i) {
        sha_[i] = sha1_hex(lua_bodies[i]);
        command({"SCRIPT", "LOAD", lua_bodies[i]}, [this, i](const redis::reply& r) {
            if (r.text != sha_[i]) {
                failed_ = true;
                handlers_.failed("SCRIPT LOAD answered " + r.text + ", not the script's SHA-1 " + sha_[i]);
            }
        });
    }
}

redis_frontier::~redis_frontier() = default;

void redis_frontier::command(std::vector<std::string> args, std::function<void(const redis::reply&)> done)
{
    redis_->command(std::move(args), [this, done = std::move(done)](redis::reply r) {
        if (failed_) {
            return;
        }
        if (r.is_error()) {
            failed_ = true;
            handlers_.failed(r.text);
            return;
        }
        done(r);
    });
}

std::vector<std::string> redis_frontier::call(lua script, std::initializer_list<std::string> keys,
                                              std::vector<std::string> args) const
{
    std::vector<std::string> out{"EVALSHA", sha_[static_cast<std::size_t>(script)], std::to_string(keys.size())};
    out.insert(out.end(), keys.begin(), keys.end());
    out.insert(out.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
    return out;
}

std::uint32_t redis_frontier::slot_of(std::string_view host) const
{
    return shard_of(host, settings_.slots, settings_.by_domain);
}

std::uint32_t redis_frontier::slot_of_host_key(std::string_view host_key) const
{
    return slot_of(host_of(host_key));
}

// ---- joining and the rounds --------------------------------------------------------------

void redis_frontier::start()
{
    check_layout();
    tick();
}

void redis_frontier::check_layout()
{
    const std::string want = std::string(layout_version) + '/' + std::to_string(settings_.slots) +
                             (settings_.by_domain ? "/domain" : "/host");
    command(call(lua::layout, {std::string(prefix) + "layout"}, {want}), [this, want](const redis::reply& r) {
        if (r.text != want) {
            failed_ = true;
            handlers_.failed("the database holds a crawl of another layout (" + r.text + ", this one is " + want +
                             "): give this crawl a database of its own");
        }
    });
}

void redis_frontier::tick()
{
    const bool round_due = ticks_ % ticks_per_round == 0 || ticks_ == 1 || ticks_ == 2 || ticks_ == 4;
    ++ticks_;
    if (round_due) {
        round();
    } else {
        read_new();
        if (taken_.empty()) {
            ask_finished();
        }
    }
    timer_.expires_after(tick_interval);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec && !failed_ && !leaving_) {
            tick();
        }
    });
}

void redis_frontier::round()
{
    const auto now = clock::now();
    expire_stale(now);
    heartbeat();
    renew_due(now);
    release_drained(now);
    survey();
    prepare(now);
    sweep(now);
    read_new();
    ask_finished();
}

void redis_frontier::heartbeat()
{
    command(call(lua::heartbeat, {std::string(prefix) + "members"},
                   {me_, std::to_string(settings_.lease.count())}),
            [this](const redis::reply& r) { members_ = static_cast<std::uint64_t>(std::max<long long>(1, r.integer)); });
}

/// A lease whose last renewal is too old is no longer ours to use, whatever the server says
/// later: this process may have been stopped while it ran out.
void redis_frontier::expire_stale(clock::time_point now)
{
    for (std::uint32_t s = 0; s < slots_.size(); ++s) {
        if (slots_[s].held && now >= slots_[s].valid_until) {
            lose(s);
        }
    }
}

void redis_frontier::renew_due(clock::time_point now)
{
    for (std::uint32_t s = 0; s < slots_.size(); ++s) {
        auto& slot = slots_[s];
        if (!slot.held || slot.renewing || now < slot.renew_after) {
            continue;
        }
        slot.renewing = true;
        const auto sent = now;
        command(call(lua::renew, {keys_[s].lease}, {slot.token, std::to_string(settings_.lease.count())}),
                [this, s, sent, token = slot.token](const redis::reply& r) {
                    auto& renewed = slots_[s];
                    renewed.renewing = false;
                    if (!renewed.held || renewed.token != token) {
                        return;
                    }
                    if (r.integer != 1) {
                        lose(s);
                        return;
                    }
                    // Counted from when the renewal was sent: the server's expiry is later still.
                    renewed.valid_until = sent + settings_.lease - settings_.lease / 5;
                    renewed.renew_after = sent + settings_.lease / 4;
                });
    }
}

/// Slots given back are released once nothing started there is running (pages, robots.txt), and what was
/// recorded there is acknowledged: an acknowledgement that reached Redis after the release
/// would be fenced, and the next owner would crawl the page again. (Acknowledgements wait for
/// the records to be written; once sent, the release follows them on the connection.)
void redis_frontier::release_drained(clock::time_point now)
{
    for (std::uint32_t s = 0; s < slots_.size(); ++s) {
        if (!slots_[s].held || !slots_[s].draining || slots_[s].started != 0 || robots_out_[s] != 0) {
            continue;
        }
        if (std::none_of(recorded_.begin(), recorded_.end(), [s](const auto& r) { return r.first == s; })) {
            release(s);
            // The survey shows where its URLs went only after the others' next rounds.
            give_back_after_ = std::max(give_back_after_, now + 2 * round_interval);
        }
    }
}

/// Where the URLs wait and who holds each slot; then the share-out is planned on it.
void redis_frontier::survey()
{
    if (surveying_) {
        return;
    }
    surveying_ = true;
    command(call(lua::survey, {}, {std::string(prefix), std::to_string(settings_.slots)}),
            [this](const redis::reply& r) {
                surveying_ = false;
                if (r.elements.size() != 2 * survey_.size()) {
                    return;
                }
                for (std::size_t s = 0; s < survey_.size(); ++s) {
                    survey_[s].waiting = static_cast<std::uint64_t>(std::max<long long>(0, r.elements[2 * s].integer));
                    const std::string& token = r.elements[2 * s + 1].text;
                    survey_[s].holder = token.substr(0, std::min(token.size(), token.rfind('#')));
                }
                surveyed_ = true;
                balance();
            });
}

/// Takes free slots and gives back held ones so that the URLs waiting are spread evenly over
/// the live processes (slot_balance.hpp). A slot given back drains first: nothing new starts
/// there, what runs finishes, and then its lease is deleted.
void redis_frontier::balance()
{
    if (acquiring_ != 0 || leaving_ || failed_ || !surveyed_) {
        return;
    }
    std::vector<slot_view> view(slots_.size());
    bool draining = false;
    for (std::uint32_t s = 0; s < slots_.size(); ++s) {
        view[s].waiting = survey_[s].waiting;
        if (slots_[s].held) {
            view[s].holder = me_;
            view[s].draining = slots_[s].draining;
            draining = draining || slots_[s].draining;
        } else if (survey_[s].holder != me_) {
            view[s].holder = survey_[s].holder; // (ours when surveyed, and since lost or released: free)
        }
    }
    const auto now = clock::now();
    const balance_rules rules{.may_give_back = !draining && now >= give_back_after_};
    const auto plan = plan_balance(view, me_, members_, rules, random_);
    for (const auto s : plan.give_back) {
        slots_[s].draining = true;
        ++counts_.slots_given_back;
    }
    if (!plan.give_back.empty()) {
        give_back_after_ = now + 2 * round_interval;
        handlers_.changed();
    }
    for (const auto s : plan.take) {
        acquire(s);
    }
}

void redis_frontier::acquire(std::uint32_t s)
{
    ++acquiring_;
    const auto sent = clock::now();
    command(call(lua::acquire, {keys_[s].lease, std::string(prefix) + "fence"},
                   {me_, std::to_string(settings_.lease.count())}),
            [this, s, sent](const redis::reply& r) {
                --acquiring_;
                if (r.type != redis::reply::kind::string || leaving_) {
                    return; // another process holds it
                }
                auto& slot = slots_[s];
                slot = slot_state{};
                slot.held = true;
                slot.token = r.text;
                slot.valid_until = sent + settings_.lease - settings_.lease / 5;
                slot.renew_after = sent + settings_.lease / 4;
                // The wait counts from the answer, not from the send: the last owner's last
                // request started before it released the slot, which was before this
                // acquire ran, and a busy pipeline can hold the acquire for a while.
                const auto now = clock::now();
                slot.usable_from = now + settings_.handover;
                ++counts_.slots_taken;
                prepare(now);
            });
}

/// Slots taken and past their handover wait get their stream's group, and what the last owner
/// left pending is claimed. (The group may exist already: BUSYGROUP is no error here.)
void redis_frontier::prepare(clock::time_point now)
{
    for (std::uint32_t s = 0; s < slots_.size(); ++s) {
        auto& slot = slots_[s];
        if (!slot.held || slot.claiming || slot.ready || now < slot.usable_from) {
            continue;
        }
        slot.claiming = true;
        redis_->command({"XGROUP", "CREATE", keys_[s].stream, std::string(group), "0", "MKSTREAM"},
                        [this, s](const redis::reply&) { claim_left_over(s, "0-0"); });
    }
}

/// An XAUTOCLAIM answers with entries as they were when Redis ran it: one recorded here before
/// its answer came, and acknowledged after it ran, would come back and be crawled again. So
/// what is recorded while a claim is in flight (or waits for its acknowledgement when one is
/// sent) is kept out of the answers.
void redis_frontier::autoclaim(std::vector<std::string> args, std::function<void(const redis::reply&)> done)
{
    if (claims_in_flight_++ == 0) {
        recently_recorded_.clear();
    }
    for (const auto& [slot, id] : recorded_) {
        recently_recorded_.insert(id);
    }
    command(std::move(args), [this, done = std::move(done)](const redis::reply& r) {
        done(r);
        if (--claims_in_flight_ == 0) {
            recently_recorded_.clear();
        }
    });
}

/// What earlier owners of the slot took and did not record is this process's now: XAUTOCLAIM
/// with no idle time, since the lease says they are gone.
void redis_frontier::claim_left_over(std::uint32_t s, std::string cursor)
{
    autoclaim({"XAUTOCLAIM", keys_[s].stream, std::string(group), me_, "0", cursor, "COUNT",
               std::to_string(claim_batch)},
            [this, s](const redis::reply& r) {
                auto& slot = slots_[s];
                if (!slot.held || r.elements.size() < 2) {
                    return;
                }
                std::vector<frontier_entry> batch;
                take_entries(s, r.elements[1], batch);
                deliver(std::move(batch));
                const std::string& next = r.elements[0].text;
                if (next == "0-0" || next.empty()) {
                    slot.claiming = false;
                    slot.ready = true;
                    slot.sweep_after = clock::now() + settings_.lease / 2;
                    handlers_.changed();
                    read_new();
                } else {
                    claim_left_over(s, next);
                }
            });
}

/// An entry can be left pending with a consumer that no longer holds its slot: one that read
/// it just as it lost the lease (its read reached the server late, after a pause), or this
/// process, between the end of a lease and the next round. So the owner claims, every half
/// lease, what has been pending longer than a lease with anybody; what it already holds is
/// skipped when it comes back.
void redis_frontier::sweep(clock::time_point now)
{
    for (std::uint32_t s = 0; s < slots_.size(); ++s) {
        auto& slot = slots_[s];
        if (!slot.held || !slot.ready || slot.draining || slot.sweeping || now < slot.sweep_after) {
            continue;
        }
        slot.sweeping = true;
        autoclaim({"XAUTOCLAIM", keys_[s].stream, std::string(group), me_, std::to_string(settings_.lease.count()),
                   slot.sweep_cursor, "COUNT", std::to_string(claim_batch)},
                [this, s, token = slot.token](const redis::reply& r) {
                    auto& swept = slots_[s];
                    if (!swept.held || swept.token != token || r.elements.size() < 2) {
                        return;
                    }
                    swept.sweeping = false;
                    swept.sweep_cursor = r.elements[0].text.empty() ? "0-0" : r.elements[0].text;
                    swept.sweep_after = clock::now() + settings_.lease / 2;
                    std::vector<frontier_entry> batch;
                    take_entries(s, r.elements[1], batch);
                    deliver(std::move(batch));
                });
    }
}

void redis_frontier::release(std::uint32_t s)
{
    auto& slot = slots_[s];
    command(call(lua::release, {keys_[s].lease}, {slot.token}), [](const redis::reply&) {});
    slot = slot_state{};
}

void redis_frontier::lose(std::uint32_t s)
{
    slots_[s] = slot_state{};
    ++counts_.slots_lost;
    handlers_.changed();
}

/// New URLs of the slots held, while few wait here.
void redis_frontier::read_new()
{
    if (reading_ || handlers_.backlog() >= low_water) {
        return;
    }
    std::vector<std::uint32_t> ready;
    for (std::uint32_t s = 0; s < slots_.size(); ++s) {
        if (slots_[s].held && slots_[s].ready && !slots_[s].draining) {
            ready.push_back(s);
        }
    }
    if (ready.empty()) {
        return;
    }
    const std::uint64_t each = std::max<std::uint64_t>(16, read_batch / ready.size());
    std::vector<std::string> args{"XREADGROUP", "GROUP", std::string(group), me_, "COUNT", std::to_string(each),
                                  "STREAMS"};
    for (const auto s : ready) {
        args.push_back(keys_[s].stream);
    }
    args.insert(args.end(), ready.size(), ">");
    reading_ = true;
    command(std::move(args), [this, ready](const redis::reply& r) {
        reading_ = false;
        std::vector<frontier_entry> batch;
        for (const auto& stream : r.elements) {
            if (stream.elements.size() != 2) {
                continue;
            }
            const std::string& name = stream.elements[0].text;
            for (const auto s : ready) {
                if (name == keys_[s].stream && slots_[s].held) {
                    take_entries(s, stream.elements[1], batch);
                }
            }
        }
        deliver(std::move(batch));
    });
}

void redis_frontier::take_entries(std::uint32_t s, const redis::reply& entries, std::vector<frontier_entry>& out)
{
    std::vector<std::string> broken; // entries no crawl can use: acknowledged away
    for (const auto& entry : entries.elements) {
        if (entry.elements.size() != 2) {
            continue; // (XAUTOCLAIM: an entry deleted meanwhile)
        }
        const std::string& id = entry.elements[0].text;
        if (recently_recorded_.contains(id)) {
            continue; // recorded here, its acknowledgement on its way
        }
        std::vector<std::string_view> pairs;
        for (const auto& field : entry.elements[1].elements) {
            pairs.emplace_back(field.text);
        }
        auto e = decode_shared_entry(pairs);
        if (!e) {
            broken.push_back(id);
            continue;
        }
        if (const auto it = taken_.find(e->fingerprint); it != taken_.end()) {
            // Delivered here already, and still waiting in the local frontier: under this lease
            // (a sweep), or under an earlier one of this slot, and nobody took it meanwhile.
            it->second.token = slots_[s].token;
            continue;
        }
        taken_.emplace(e->fingerprint, taken_url{s, id, slots_[s].token, false});
        out.push_back(std::move(*e));
    }
    for (auto& id : broken) {
        recorded_.emplace_back(s, std::move(id));
    }
}

void redis_frontier::deliver(std::vector<frontier_entry> batch)
{
    if (batch.empty()) {
        return;
    }
    counts_.delivered += batch.size();
    handlers_.delivered(std::move(batch));
}

// ---- robots.txt answers ----------------------------------------------------------------
// One key per product token and origin, holding the robots_result frame's payload (the
// selected group's rules, Crawl-delay, Sitemaps), for a day: RFC 9309 asks that a cached
// robots.txt be used no longer. What does not decode (another version's) counts as nothing.

std::string redis_frontier::robots_key(std::string_view origin) const
{
    return std::string(prefix) + "robots:" + settings_.robots_agent + ' ' + std::string(origin);
}

void redis_frontier::ask_robots(const std::string& origin)
{
    command({"GET", robots_key(origin)}, [this, origin](const redis::reply& r) {
        std::optional<wire::robots_result> answer;
        if (r.type == redis::reply::kind::string) {
            answer = wire::decode_robots_result(r.text);
        }
        handlers_.robots_known(origin, std::move(answer));
    });
}

void redis_frontier::share_robots(const std::string& origin, const wire::robots_result& answer)
{
    std::string frame;
    wire::append_frame(answer, frame);
    constexpr auto day = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours(24));
    command({"SET", robots_key(origin), frame.substr(wire::header_size), "PX", std::to_string(day.count())},
            [](const redis::reply&) {});
}

void redis_frontier::ask_finished()
{
    if (asking_) {
        return;
    }
    asking_ = true;
    command({"GET", open_key_}, [this, sent_after = publishes_](const redis::reply& r) {
        asking_ = false;
        // No key: nothing was ever published (the seeds are on their way from some process).
        // A publish sent after the question makes the answer stale.
        const bool over = r.type == redis::reply::kind::string && r.text == "0" && recorded_.empty() &&
                          publishes_ == sent_after;
        if (over != finished_) {
            finished_ = over;
            handlers_.changed();
        }
    });
}

// ---- shared_frontier -----------------------------------------------------------------------

void redis_frontier::publish(const frontier_entry& e)
{
    const std::uint32_t s = slot_of_host_key(e.host_key);
    std::vector<std::string> args{fingerprint_bytes(e.fingerprint)};
    auto pairs = encode_shared_entry(e);
    args.insert(args.end(), std::make_move_iterator(pairs.begin()), std::make_move_iterator(pairs.end()));
    finished_ = false; // (until the server says otherwise again)
    ++publishes_;
    command(call(lua::publish, {keys_[s].seen, keys_[s].stream, open_key_}, std::move(args)),
            [this](const redis::reply& r) { ++(r.integer == 1 ? counts_.published : counts_.known); });
}

std::optional<clock::time_point> redis_frontier::held_until(std::string_view host) const
{
    const auto& slot = slots_[slot_of(host)];
    const auto now = clock::now();
    if (slot.held && !slot.draining && slot.usable_from <= now && now < slot.valid_until) {
        return slot.valid_until;
    }
    return std::nullopt;
}

bool redis_frontier::start(std::uint64_t fingerprint, std::string_view host)
{
    if (!held_until(host)) {
        let_go(fingerprint);
        return false;
    }
    const auto it = taken_.find(fingerprint);
    if (it == taken_.end()) {
        return true;
    }
    if (it->second.token != slots_[it->second.slot].token) {
        // Delivered under an earlier lease of its slot and waiting here since: the slot had
        // another owner in between, who may have crawled it. If it is still to be crawled, the
        // claim of this lease delivers it again (and that renews it here).
        let_go(fingerprint);
        return false;
    }
    if (!it->second.started) {
        it->second.started = true;
        ++slots_[it->second.slot].started;
    }
    return true;
}

/// A delivered URL's life here ends: it is no longer running in its slot.
std::optional<redis_frontier::taken_url> redis_frontier::take_back(std::uint64_t fingerprint)
{
    const auto it = taken_.find(fingerprint);
    if (it == taken_.end()) {
        return std::nullopt;
    }
    taken_url t = std::move(it->second);
    taken_.erase(it);
    auto& slot = slots_[t.slot];
    if (t.started && slot.started > 0) {
        --slot.started;
    }
    return t;
}

void redis_frontier::recorded(std::uint64_t fingerprint)
{
    if (auto t = take_back(fingerprint)) {
        if (claims_in_flight_ != 0) {
            recently_recorded_.insert(t->id);
        }
        recorded_.emplace_back(t->slot, std::move(t->id));
    }
}

void redis_frontier::let_go(std::uint64_t fingerprint)
{
    if (take_back(fingerprint)) {
        ++counts_.let_go;
    }
}

void redis_frontier::robots_out(std::string_view host, bool out)
{
    auto& n = robots_out_[slot_of(host)];
    n = out ? n + 1 : (n > 0 ? n - 1 : 0);
}

void redis_frontier::acknowledge()
{
    if (recorded_.empty() || failed_) {
        return;
    }
    std::sort(recorded_.begin(), recorded_.end());
    for (std::size_t i = 0; i < recorded_.size();) {
        const std::uint32_t s = recorded_[i].first;
        std::size_t end = i;
        std::vector<std::string> args{slots_[s].token, std::string(group)};
        for (; end < recorded_.size() && recorded_[end].first == s; ++end) {
            args.push_back(std::move(recorded_[end].second));
        }
        const std::size_t n = end - i;
        i = end;
        if (!slots_[s].held) {
            counts_.fenced += n; // the slot's next owner crawls these again
            continue;
        }
        command(call(lua::ack, {keys_[s].lease, keys_[s].stream, open_key_}, std::move(args)),
                [this, n](const redis::reply& r) {
                    if (r.integer < 0) {
                        counts_.fenced += n;
                    }
                });
    }
    recorded_.clear();
}

void redis_frontier::leave()
{
    acknowledge();
    leaving_ = true;
    timer_.cancel();
    for (std::uint32_t s = 0; s < slots_.size(); ++s) {
        if (slots_[s].held) {
            release(s);
        }
    }
    command({"ZREM", std::string(prefix) + "members", me_}, [](const redis::reply&) {});
}

bool redis_frontier::settled() const noexcept
{
    return failed_ || redis_->waiting() == 0;
}

} // namespace crawl::supervisor
