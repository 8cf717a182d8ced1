// The fetch of one URL: a connection from the pool or a new one, one exchange per hop, the
// redirect loop, the whole-URL --timeout deadline, and one retry on a fresh connection when a
// pooled one turns out to be stale. The parts live in their own files: connect (DNS, TCP,
// TLS), connection_pool (keep-alive), descriptor_gate (waiting for a free descriptor) and
// exchange (one request and its response).

#include "crawl/fetch/client.hpp"

#include "address_class.hpp"
#include "connect.hpp"
#include "connection.hpp"
#include "connection_pool.hpp"
#include "deadline.hpp"
#include "exchange.hpp"

#include <unordered_set>

namespace crawl::fetch {

namespace net = boost::asio;

// The read deadlines of an exchange are armed on its stream, so both kinds must keep one.
static_assert(stream_with_deadline<decltype(connection::plain)::value_type> &&
              stream_with_deadline<decltype(connection::secure)::value_type>);

struct client::impl {
    impl(net::any_io_executor ex, const options& o) : opts(o), connect(ex, o), pool(o) {}

    const options& opts;
    connector connect;
    connection_pool pool; // after the connector: destroyed first, while the gate and TLS context exist

    /// One hop: a pooled or fresh connection, one exchange, retried once on a fresh
    /// connection when a reused one turns out to be closed. Unless `inward_allowed`, the hop
    /// may only connect to a public address. `peer` is set to the class of the address the
    /// hop connected to.
    net::awaitable<exchange_result> hop(const url::target& t, clock::time_point& deadline,
                                        response::body_handler& handler, bool inward_allowed, address_class& peer,
                                        pacer* pacing, outcome& out, capture_sink* sink)
    {
        const auto key = connection_pool::key_of(t);
        for (int attempt = 0;; ++attempt) {
            auto conn = attempt == 0 ? pool.take(key) : nullptr;
            if (conn && !inward_allowed && is_inward(classify(conn->remote))) {
                // Kept alive for a URL that may go there; this one may not.
                exchange_result blocked;
                blocked.error = blocked_failure(t, conn->remote);
                pool.put(std::move(conn));
                co_return blocked;
            }
            if (conn) {
                out.time_ms.dns = out.time_ms.connect = out.time_ms.tls = -1;
            } else {
                out.time_ms = record::timings{};
                conn = co_await connect.connect(t, pool, deadline, inward_allowed, out);
                if (!conn) {
                    exchange_result failed;
                    failed.error = out.error;
                    co_return failed;
                }
            }
            peer = classify(conn->remote);
            if (pacing != nullptr && !pacing->sending(t)) {
                pool.put(std::move(conn)); // unused: as good as before
                out.unsent = true;
                exchange_result refused;
                refused.error = {error_class::timeout, "not sent: the job's time to send had passed"};
                co_return refused;
            }
            const bool reused = conn->uses++ > 0;
            // The address the connection was opened to: what an archive records as WARC-IP-Address.
            const std::string remote = sink != nullptr ? conn->remote.to_string() : std::string();
            // Two statements, not ?: around co_await (a GCC 12 / Clang coroutine miscompile).
            exchange_result r;
            if (conn->secure) {
                r = co_await exchange(*conn->secure, conn->buffer, reused, t, deadline, opts, handler, out, pacing, sink,
                                      remote);
            } else {
                r = co_await exchange(*conn->plain, conn->buffer, reused, t, deadline, opts, handler, out, pacing, sink,
                                      remote);
            }
            if (r.retry_fresh && attempt == 0) {
                conn->close();
                continue;
            }
            if (r.retry_fresh) {
                r.error = {error_class::read, "connection closed before the response"};
            }
            if (r.reusable && r.error.cls == error_class::none) {
                pool.put(std::move(conn));
            } else {
                conn->close();
            }
            co_return r;
        }
    }

    net::awaitable<outcome> get(url::target target, response::body_handler& handler, hop_rules rules, pacer* pacing,
                                capture_sink* sink)
    {
        outcome out;
        const auto start = clock::now();
        auto deadline = start + opts.total_timeout; // moved on by waits for a descriptor
        std::unordered_set<std::string> visited;    // no braced list here: GCC 12 coroutine bug
        visited.insert(target.href);
        // The first hop goes wherever the URL says (the user asked for it, or a recursive crawl
        // found it from a page that was allowed there); the hops a server sends us on may go
        // inward only if the first one did, or the user allows it.
        bool inward_allowed = !rules.outward_only;
        for (;;) {
            out.final_url = target.href;
            out.status = 0;
            out.retry_after.clear();
            address_class peer = address_class::global;
            auto r = co_await hop(target, deadline, handler, inward_allowed, peer, pacing, out, sink);
            if (out.redirects == 0) {
                out.first_hop_inward = is_inward(peer);
                inward_allowed = opts.allow_private || out.first_hop_inward;
            }
            if (r.error.cls != error_class::none) {
                out.error = std::move(r.error);
                break;
            }
            if (r.location.empty()) {
                break;
            }
            auto next = url::resolve_redirect(target, r.location);
            if (!next) {
                out.error = next.error();
                out.error.message = "redirect to " + out.error.message;
                break;
            }
            if (rules.stop_at_redirect) {
                out.redirect_to = std::move(next->href);
                break;
            }
            if (out.redirects >= rules.max_redirects) {
                out.error = {error_class::too_many_redirects,
                             "more than " + std::to_string(rules.max_redirects) + " redirects"};
                break;
            }
            ++out.redirects;
            if (!visited.insert(next->href).second) {
                out.error = {error_class::redirect_loop, "redirect loop back to " + next->href};
                break;
            }
            target = std::move(*next);
            if (pacing != nullptr) {
                const auto asked = clock::now();
                co_await pacing->turn(target);
                deadline += clock::now() - asked; // waiting for politeness is not the server's slowness
            }
        }
        out.time_ms.total = ms_since(start);
        co_return out;
    }
};

client::client(net::any_io_executor executor, const options& opts) : impl_(std::make_unique<impl>(executor, opts)) {}

client::~client() = default;

net::awaitable<outcome> client::get(url::target target, response::body_handler& handler, int max_redirects,
                                    pacer* pacing, capture_sink* sink)
{
    return impl_->get(std::move(target), handler, hop_rules{max_redirects, false, false}, pacing, sink);
}

net::awaitable<outcome> client::get(url::target target, response::body_handler& handler, hop_rules rules,
                                    pacer* pacing, capture_sink* sink)
{
    return impl_->get(std::move(target), handler, rules, pacing, sink);
}

std::uint64_t client::descriptor_waits() const noexcept
{
    return impl_->connect.descriptor_waits();
}

} // namespace crawl::fetch
