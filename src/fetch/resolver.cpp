#include "resolver.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <ares.h>
#include <netinet/in.h>

#include <algorithm>
#include <climits>
#include <list>
#include <mutex>
#include <stdexcept>

namespace crawl::fetch {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr auto nothrow = net::as_tuple(net::use_awaitable);
constexpr std::size_t max_cache_entries = 10'000;
// A TTL is honoured as given, but a huge one must not pin an address for a whole long run.
constexpr int max_ttl_seconds = 24 * 3600;
// c-ares's first try per server; later tries double it. Capped by --connect-timeout anyway.
constexpr int first_try_ms = 2000;
constexpr int tries = 3;

std::vector<tcp::endpoint> with_port(const std::vector<net::ip::address>& addresses, std::uint16_t port)
{
    std::vector<tcp::endpoint> endpoints;
    endpoints.reserve(addresses.size());
    for (const auto& a : addresses) {
        endpoints.emplace_back(a, port);
    }
    return endpoints;
}

net::ip::address address_of(const ares_addrinfo_node& node)
{
    if (node.ai_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(node.ai_addr);
        return net::ip::address_v4(ntohl(in->sin_addr.s_addr));
    }
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(node.ai_addr);
    net::ip::address_v6::bytes_type bytes;
    std::copy_n(in6->sin6_addr.s6_addr, bytes.size(), bytes.begin());
    return net::ip::address_v6(bytes, in6->sin6_scope_id);
}

void init_ares_library()
{
    static std::once_flag once;
    std::call_once(once, [] {
        if (const int rc = ares_library_init(ARES_LIB_INIT_ALL); rc != ARES_SUCCESS) {
            throw std::runtime_error(std::string("c-ares: ") + ares_strerror(rc));
        }
    });
}

} // namespace

struct resolver::lookup {
    resolver* owner = nullptr;
    std::string host;
    bool done = false;
    std::vector<net::ip::address> addresses;
    std::string error; ///< empty on success
    std::list<net::steady_timer*> waiters; ///< woken by cancel() when the answer arrives
};

struct resolver::watched {
    watched(net::any_io_executor ex, int socket) : fd(socket), descriptor(ex, socket) {}
    int fd;
    net::posix::stream_descriptor descriptor; ///< never closes: c-ares owns the socket
    bool want_read = false;
    bool want_write = false;
    bool reading = false; ///< an async_wait(wait_read) is pending
    bool writing = false;
    bool active = true; ///< false once c-ares is done with the socket
};

resolver::resolver(net::any_io_executor executor, const options& opts)
    : executor_(executor), options_(opts), timeout_timer_(executor)
{
    init_ares_library();
    ares_options o{};
    o.sock_state_cb = &resolver::on_socket_state;
    o.sock_state_cb_data = this;
    o.timeout = static_cast<int>(std::min<long long>(first_try_ms, std::max<long long>(1, opts.connect_timeout.count())));
    o.tries = tries;
    const int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
    if (const int rc = ares_init_options(&channel_, &o, mask); rc != ARES_SUCCESS) {
        throw std::runtime_error(std::string("c-ares: ") + ares_strerror(rc));
    }
    if (!opts.dns_servers.empty()) {
        std::string csv;
        for (const auto& s : opts.dns_servers) {
            csv += (csv.empty() ? "" : ",") + s;
        }
        if (const int rc = ares_set_servers_ports_csv(channel_, csv.c_str()); rc != ARES_SUCCESS) {
            ares_destroy(channel_);
            throw std::runtime_error("--dns-server " + csv + ": " + ares_strerror(rc));
        }
    }
}

resolver::~resolver()
{
    // Ends every query (callbacks see ARES_EDESTRUCTION) and closes c-ares's sockets, which
    // releases them from their descriptors through on_socket_state.
    ares_destroy(channel_);
}

net::awaitable<resolver::answer> resolver::resolve(std::string host, std::uint16_t port, clock::time_point deadline)
{
    answer out;
    for (const auto& o : options_.resolve) {
        if (o.port == port && o.host == host) {
            out.endpoints.emplace_back(net::ip::make_address(o.address), port);
            co_return out;
        }
    }
    boost::system::error_code literal_error;
    const auto literal = net::ip::make_address(host, literal_error);
    if (!literal_error) {
        out.endpoints.emplace_back(literal, port);
        co_return out;
    }
    if (auto it = cache_.find(host); it != cache_.end()) {
        if (it->second.expires > clock::now()) {
            out.endpoints = with_port(it->second.addresses, port);
            co_return out;
        }
        cache_.erase(it);
    }

    out.looked_up = true;
    std::shared_ptr<lookup> pending;
    if (auto it = in_progress_.find(host); it != in_progress_.end()) {
        pending = it->second;
    } else {
        pending = std::make_shared<lookup>();
        pending->owner = this;
        pending->host = host;
        in_progress_.emplace(host, pending);
        start_lookup(host, pending); // may answer at once (hosts file, bad name)
    }
    if (!pending->done) {
        // A caller giving up at its deadline leaves the query running for the others waiting
        // on it, and for the cache.
        net::steady_timer timer(executor_, deadline);
        auto me = pending->waiters.insert(pending->waiters.end(), &timer);
        co_await timer.async_wait(nothrow);
        pending->waiters.erase(me);
    }
    if (!pending->done) {
        out.error = {error_class::timeout, "name resolution of " + host + " timed out"};
    } else if (!pending->error.empty()) {
        out.error = {error_class::dns, "cannot resolve " + host + ": " + pending->error};
    } else {
        out.endpoints = with_port(pending->addresses, port);
    }
    co_return out;
}

void resolver::start_lookup(const std::string& host, const std::shared_ptr<lookup>& pending)
{
    ares_addrinfo_hints hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    // The callback owns this reference until c-ares calls it (exactly once, destruction included).
    auto* ref = new std::shared_ptr<lookup>(pending);
    ares_getaddrinfo(
        channel_, host.c_str(), nullptr, &hints,
        [](void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
            const std::unique_ptr<std::shared_ptr<lookup>> owned(static_cast<std::shared_ptr<lookup>*>(arg));
            lookup& l = **owned;
            l.owner->finish_lookup(l, status, result);
            if (result != nullptr) {
                ares_freeaddrinfo(result);
            }
        },
        ref);
    schedule_timeout();
}

void resolver::finish_lookup(lookup& pending, int status, ares_addrinfo* result)
{
    pending.done = true;
    if (status == ARES_EDESTRUCTION) {
        pending.error = "resolver shut down";
        return; // the worker is ending: nobody waits, nothing to cache
    }
    in_progress_.erase(pending.host);
    int ttl = max_ttl_seconds;
    if (status == ARES_SUCCESS && result != nullptr) {
        for (const ares_addrinfo_node* n = result->nodes; n != nullptr; n = n->ai_next) {
            if (n->ai_family == AF_INET || n->ai_family == AF_INET6) {
                pending.addresses.push_back(address_of(*n));
                ttl = std::min(ttl, n->ai_ttl);
            }
        }
    }
    if (status != ARES_SUCCESS) {
        pending.error = ares_strerror(status);
    } else if (pending.addresses.empty()) {
        pending.error = "no addresses";
    } else if (ttl > 0) { // a TTL of 0 means "do not cache" (RFC 1035 3.2.1)
        if (cache_.size() >= max_cache_entries) {
            cache_.clear();
        }
        cache_[pending.host] = cached{pending.addresses, clock::now() + std::chrono::seconds(ttl)};
    }
    for (auto* waiter : pending.waiters) {
        waiter->cancel();
    }
}

void resolver::on_socket_state(void* self, int fd, int readable, int writable)
{
    static_cast<resolver*>(self)->watch(fd, readable != 0, writable != 0);
}

void resolver::watch(int fd, bool readable, bool writable)
{
    auto it = sockets_.find(fd);
    if (!readable && !writable) {
        if (it != sockets_.end()) {
            it->second->active = false;
            (void)it->second->descriptor.release(); // cancels its waits; c-ares closes the socket
            sockets_.erase(it);
        }
        return;
    }
    if (it == sockets_.end()) {
        it = sockets_.emplace(fd, std::make_shared<watched>(executor_, fd)).first;
    }
    it->second->want_read = readable;
    it->second->want_write = writable;
    arm(it->second);
}

void resolver::arm(const std::shared_ptr<watched>& w)
{
    if (w->want_read && !w->reading) {
        w->reading = true;
        w->descriptor.async_wait(net::posix::stream_descriptor::wait_read, [this, w](const boost::system::error_code& ec) {
            w->reading = false;
            if (ec || !w->active) {
                return; // released: the resolver may be gone
            }
            ares_process_fd(channel_, w->fd, ARES_SOCKET_BAD);
            if (w->active) {
                arm(w);
            }
            schedule_timeout();
        });
    }
    if (w->want_write && !w->writing) {
        w->writing = true;
        w->descriptor.async_wait(net::posix::stream_descriptor::wait_write, [this, w](const boost::system::error_code& ec) {
            w->writing = false;
            if (ec || !w->active) {
                return;
            }
            ares_process_fd(channel_, ARES_SOCKET_BAD, w->fd);
            if (w->active) {
                arm(w);
            }
            schedule_timeout();
        });
    }
}

void resolver::schedule_timeout()
{
    timeval storage{};
    const timeval* next = ares_timeout(channel_, nullptr, &storage);
    if (next == nullptr) {
        timeout_timer_.cancel();
        return;
    }
    timeout_timer_.expires_after(std::chrono::seconds(next->tv_sec) + std::chrono::microseconds(next->tv_usec));
    timeout_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) {
            return; // rescheduled, or the resolver is gone
        }
        ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        schedule_timeout();
    });
}

} // namespace crawl::fetch
