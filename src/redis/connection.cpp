// hiredis does the protocol; Asio only says when the socket is ready. hiredis asks for read
// and write readiness through its ev hooks, and a stream_descriptor on its socket waits for
// that readiness, then hands the event back (redisAsyncHandleRead/Write). The descriptor never
// reads, writes or closes: the socket stays hiredis's.
//
// hiredis calls back from inside redisAsyncHandleRead/Write and redisAsyncFree, and frees its
// context itself when the connection fails. So the code that runs inside those calls only
// records what happened and posts the user's callbacks; user code never runs inside hiredis,
// and may therefore send commands or destroy the connection from any callback.

#include "crawl/redis/connection.hpp"

#include "crawl/util/text.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <hiredis/async.h>

#include <array>
#include <climits>
#include <deque>
#include <optional>
#include <utility>

namespace crawl::redis {

namespace net = boost::asio;
using callback = connection::callback;

/// Everything hiredis's callbacks and the readiness waits touch. The connection owns it; a
/// wait or a posted callback holds it only while it runs, through a weak_ptr, so one that
/// fires after the connection is gone finds nothing (or `closed`) and does nothing.
struct detail::connection_state : std::enable_shared_from_this<connection_state> {
    net::any_io_executor executor;
    std::string name; ///< the address, the start of every message
    unsigned db = 0;
    std::function<void(std::string_view)> on_lost;

    redisAsyncContext* context = nullptr; ///< null once hiredis has freed it (or never had it)
    std::optional<net::posix::stream_descriptor> socket;
    bool want_read = false; ///< what hiredis asked for last
    bool want_write = false;
    bool read_waiting = false; ///< an async_wait is in flight
    bool write_waiting = false;

    /// One callback per command hiredis holds, in the order their replies come back.
    std::deque<callback> replies;
    /// Commands sent while SELECT is unanswered: they must not run in database 0.
    std::deque<std::pair<std::vector<std::string>, callback>> held;
    bool selecting = false;

    std::size_t waiting = 0;
    std::optional<std::string> lost; ///< why, once the connection is gone
    bool closed = false;             ///< destruction has begun: call nothing back
};

namespace {

using state = detail::connection_state;

reply error_reply(std::string text)
{
    reply r;
    r.type = reply::kind::error;
    r.text = std::move(text);
    return r;
}

reply copy_reply(const redisReply& r)
{
    reply out;
    switch (r.type) {
    case REDIS_REPLY_STRING:
        out.type = reply::kind::string;
        out.text.assign(r.str, r.len);
        break;
    case REDIS_REPLY_STATUS:
        out.type = reply::kind::status;
        out.text.assign(r.str, r.len);
        break;
    case REDIS_REPLY_ERROR:
        out.type = reply::kind::error;
        out.text.assign(r.str, r.len);
        break;
    case REDIS_REPLY_INTEGER:
        out.type = reply::kind::integer;
        out.integer = r.integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.type = reply::kind::array;
        out.elements.reserve(r.elements);
        for (std::size_t i = 0; i < r.elements; ++i) {
            out.elements.push_back(copy_reply(*r.element[i]));
        }
        break;
    default: // REDIS_REPLY_NIL: hiredis 0.14 knows no other type
        break;
    }
    return out;
}

/// Runs `done` (a callback made by counted() or the SELECT's) later, on the executor.
void deliver(state& s, callback done, reply r)
{
    net::post(s.executor, [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
}

/// The user's callback, counted in waiting() until it is called, and never called once the
/// connection is being destroyed.
callback counted(state& s, callback user)
{
    ++s.waiting;
    return [weak = s.weak_from_this(), user = std::move(user)](reply r) {
        const std::shared_ptr<state> self = weak.lock();
        if (!self || self->closed) {
            return;
        }
        --self->waiting;
        if (user) {
            user(std::move(r));
        }
    };
}

std::string context_error(const state& s, const redisAsyncContext& ac)
{
    return s.name + ": " + (ac.c.err != 0 ? ac.c.errstr : "the connection closed");
}

/// Records why the connection is gone, once: on_lost is posted, the held commands fail. The
/// commands hiredis holds fail through their NULL replies (on_reply).
void lose(state& s, std::string why)
{
    if (s.lost || s.closed) {
        return;
    }
    s.lost = why;
    net::post(s.executor, [weak = s.weak_from_this(), why] {
        const std::shared_ptr<state> self = weak.lock();
        if (self && !self->closed && self->on_lost) {
            self->on_lost(why);
        }
    });
    for (auto& [args, done] : s.held) {
        deliver(s, std::move(done), error_reply(why));
    }
    s.held.clear();
}

// hiredis's callbacks. `privdata`, ev.data and ac->data all point at the state.

void on_reply(redisAsyncContext* ac, void* r, void* privdata)
{
    state& s = *static_cast<state*>(privdata);
    callback done = std::move(s.replies.front());
    s.replies.pop_front();
    if (s.closed) {
        return;
    }
    if (r == nullptr) { // the connection failed with this command unanswered
        lose(s, context_error(s, *ac));
        deliver(s, std::move(done), error_reply(*s.lost));
        return;
    }
    deliver(s, std::move(done), copy_reply(*static_cast<const redisReply*>(r)));
}

/// Only a failure matters: commands are queued from the start, and hiredis writes them once up.
void on_connect(const redisAsyncContext* ac, int status)
{
    state& s = *static_cast<state*>(ac->data);
    if (status != REDIS_OK) {
        lose(s, context_error(s, *ac));
    }
}

/// After a connection that was up is gone (hiredis frees the context right after).
void on_disconnect(const redisAsyncContext* ac, int /*status*/)
{
    state& s = *static_cast<state*>(ac->data);
    lose(s, context_error(s, *ac));
}

/// One direction of readiness: what to wait for, its flags in the state, and the hiredis
/// call that takes the event.
struct direction {
    net::posix::stream_descriptor::wait_type wait;
    bool state::*want;
    bool state::*waiting;
    void (*handle)(redisAsyncContext*);
};

constexpr direction reading{net::posix::stream_descriptor::wait_read, &state::want_read, &state::read_waiting,
                            redisAsyncHandleRead};
constexpr direction writing{net::posix::stream_descriptor::wait_write, &state::want_write, &state::write_waiting,
                            redisAsyncHandleWrite};

/// Waits for readiness in direction `d` unless a wait is already out. hiredis asks again
/// (add_read, add_write) from inside the call that takes the event, while it wants more.
void arm(state& s, const direction& d)
{
    if (s.*d.waiting || !(s.*d.want) || !s.socket) {
        return;
    }
    s.*d.waiting = true;
    s.socket->async_wait(d.wait, [weak = s.weak_from_this(), &d](const boost::system::error_code& ec) {
        const std::shared_ptr<state> self = weak.lock();
        if (!self) {
            return;
        }
        self.get()->*d.waiting = false;
        // Another error is hiredis's to find: it reads and writes the socket itself.
        if (ec != net::error::operation_aborted && self->context != nullptr && self.get()->*d.want) {
            d.handle(self->context);
        }
    });
}

void add_read(void* p)
{
    state& s = *static_cast<state*>(p);
    s.want_read = true;
    arm(s, reading);
}

void del_read(void* p)
{
    static_cast<state*>(p)->want_read = false;
}

void add_write(void* p)
{
    state& s = *static_cast<state*>(p);
    s.want_write = true;
    arm(s, writing);
}

void del_write(void* p)
{
    static_cast<state*>(p)->want_write = false;
}

/// hiredis is about to close its socket and free the context: the descriptor lets go of the
/// socket first (cancelling its waits), and nothing may use the context after this.
void cleanup(void* p)
{
    state& s = *static_cast<state*>(p);
    s.want_read = false;
    s.want_write = false;
    if (s.socket) {
        s.socket->release();
        s.socket.reset();
    }
    s.context = nullptr;
}

/// Hands one command to hiredis, which appends it to its output and asks for a write.
void send(state& s, const std::vector<std::string>& args, callback done)
{
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const std::string& arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    s.replies.push_back(std::move(done));
    if (redisAsyncCommandArgv(s.context, on_reply, &s, static_cast<int>(argv.size()), argv.data(),
                              lengths.data()) != REDIS_OK) {
        done = std::move(s.replies.back());
        s.replies.pop_back();
        deliver(s, std::move(done), error_reply(s.name + ": hiredis did not take the command"));
    }
}

void selected(state& s, const reply& r)
{
    s.selecting = false;
    if (s.lost) {
        return; // the held commands have failed already
    }
    if (r.type != reply::kind::status) {
        lose(s, s.name + ": SELECT " + std::to_string(s.db) + " failed: " + r.text);
        // Posted, so not inside hiredis: the context goes at once, and with it the socket.
        if (s.context != nullptr) {
            redisAsyncFree(s.context);
        }
        return;
    }
    std::deque<std::pair<std::vector<std::string>, callback>> held = std::move(s.held);
    s.held.clear();
    for (auto& [args, done] : held) {
        send(s, args, std::move(done));
    }
}

/// Commands after which the server sends replies nobody asked for: the pairing of replies with
/// callbacks (and hiredis 0.14, which asserts on an unexpected push) would not survive them.
bool makes_pushes(std::string_view name)
{
    constexpr std::array<std::string_view, 7> names{"subscribe",    "psubscribe",   "ssubscribe", "unsubscribe",
                                                    "punsubscribe", "sunsubscribe", "monitor"};
    for (const std::string_view n : names) {
        if (text::iequals(name, n)) {
            return true;
        }
    }
    return false;
}

} // namespace

connection::connection(const net::any_io_executor& ex, const address& a,
                       std::function<void(std::string_view)> on_lost)
    : state_(std::make_shared<state>())
{
    state& s = *state_;
    s.executor = ex;
    s.name = a.text();
    s.db = a.db;
    s.on_lost = std::move(on_lost);

    redisAsyncContext* ac = a.unix_path.empty() ? redisAsyncConnect(a.host.c_str(), a.port)
                                                : redisAsyncConnectUnix(a.unix_path.c_str());
    if (ac == nullptr) {
        lose(s, s.name + ": out of memory");
        return;
    }
    if (ac->err != 0) { // refused at once, or the name did not resolve
        lose(s, context_error(s, *ac));
        redisAsyncFree(ac);
        return;
    }
    s.socket.emplace(ex);
    boost::system::error_code ec;
    s.socket->assign(ac->c.fd, ec);
    if (ec) {
        s.socket.reset(); // it holds nothing: closing it closes nothing
        lose(s, s.name + ": " + ec.message());
        redisAsyncFree(ac);
        return;
    }
    s.context = ac;
    ac->data = &s;
    ac->ev.data = &s;
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->ev.cleanup = cleanup;
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    // Asks for the first write event, which tells whether connect(2) worked: it comes even
    // when no command is sent.
    redisAsyncSetConnectCallback(ac, on_connect);

    if (a.db != 0) {
        s.selecting = true;
        send(s, {"SELECT", std::to_string(a.db)}, [weak = s.weak_from_this()](reply r) {
            const std::shared_ptr<state> self = weak.lock();
            if (self && !self->closed) {
                selected(*self, r);
            }
        });
    }
}

connection::~connection()
{
    state& s = *state_;
    s.closed = true;
    s.held.clear();
    // Not inside hiredis (no user code runs there), so this frees at once: the callbacks
    // hiredis still holds get NULL replies, which on_reply drops, and cleanup() lets go of the
    // socket before hiredis closes it.
    if (s.context != nullptr) {
        redisAsyncFree(s.context);
    }
    s.replies.clear();
}

void connection::command(std::vector<std::string> args, callback done)
{
    state& s = *state_;
    callback wrapped = counted(s, std::move(done));
    if (args.empty()) {
        deliver(s, std::move(wrapped), error_reply("ERR crawl::redis: an empty command"));
    } else if (args.size() > INT_MAX) {
        deliver(s, std::move(wrapped), error_reply("ERR crawl::redis: too many arguments"));
    } else if (makes_pushes(args.front())) {
        deliver(s, std::move(wrapped),
                error_reply("ERR crawl::redis: " + args.front() + " is not supported (no pub/sub, no MONITOR)"));
    } else if (s.lost || s.context == nullptr) {
        deliver(s, std::move(wrapped), error_reply(s.lost.value_or(s.name + ": the connection is closed")));
    } else if (s.selecting) {
        s.held.emplace_back(std::move(args), std::move(wrapped));
    } else {
        send(s, args, std::move(wrapped));
    }
}

std::size_t connection::waiting() const noexcept
{
    return state_->waiting;
}

bool connection::lost() const noexcept
{
    return state_->lost.has_value();
}

} // namespace crawl::redis
