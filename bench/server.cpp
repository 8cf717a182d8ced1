// crawl-bench-server: the benchmark's web server. Serves a corpus from memory with keep-alive,
// gzip-compressed ahead of time (level 6, sent when the client asks for gzip), on several
// loopback addresses and one port, so per-host connection pools matter. Also answers
// /delay?ms=N with a small page after N ms, for the IO-bound scenario.
//
//   crawl-bench-server [--corpus DIR] [--hosts N] [--port P] [--threads T]
//
// Listens on 127.0.0.1 … 127.0.0.N (default 8) port P (0: a free one), with T threads (default:
// the CPUs this process may run on), each with its own io_context and SO_REUSEPORT acceptors so
// the kernel spreads connections. Prints one line to stdout when ready:
//   port=P pages=258 html_bytes=… gzip_bytes=… corpus=DIR|generated
// Routes: /p/<i> (page i modulo the corpus; any query is ignored), /delay?ms=N, else 404.
// Stops on SIGINT/SIGTERM and prints "served R requests on C connections" to stderr.

#include "corpus.hpp"
#include "support/encoder.hpp"
#include "support/serve_loop.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include <sched.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
constexpr auto nothrow = net::as_tuple(net::use_awaitable);

struct server_options {
    std::string corpus_dir = crawl::bench::default_corpus_dir();
    unsigned hosts = 8;
    std::uint16_t port = 0;
    unsigned threads = 0;
};

/// One page as it goes on the wire, in both encodings, header blocks prepared in advance.
struct served_page {
    std::string identity_head;
    std::string identity_body;
    std::string gzip_head;
    std::string gzip_body;
};

std::string response_head(std::size_t length, bool gzip)
{
    std::string h = "HTTP/1.1 200 OK\r\nServer: crawl-bench\r\nContent-Type: text/html; charset=utf-8\r\n"
                    "Vary: Accept-Encoding\r\nContent-Length: " +
                    std::to_string(length) + "\r\n";
    if (gzip) {
        h += "Content-Encoding: gzip\r\n";
    }
    return h + "\r\n";
}

const std::string delay_body =
    "<!DOCTYPE html><html lang=\"en\"><head><title>Delayed page</title>"
    "<meta name=\"description\" content=\"answered after a delay\"></head><body>"
    "<a href=\"/p/1\">one</a> <a href=\"/p/2\">two</a> <a href=\"/delay?ms=1\">again</a></body></html>\n";
const std::string delay_head = response_head(delay_body.size(), false);
const std::string not_found =
    "HTTP/1.1 404 Not Found\r\nServer: crawl-bench\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nnot found\n";

struct shared_state {
    std::vector<served_page> pages;
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> connections{0};
};

template <class T>
bool parse_number(std::string_view s, T& out)
{
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && ptr == s.data() + s.size();
}

/// The query parameter `name` of a request target, or empty.
std::string_view query_param(std::string_view target, std::string_view name)
{
    const auto q = target.find('?');
    if (q == std::string_view::npos) {
        return {};
    }
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto pair = rest.substr(0, amp);
        if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=') {
            return pair.substr(name.size() + 1);
        }
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    }
    return {};
}

/// Answers one request from the corpus, /delay or with a 404; whether the connection goes on.
net::awaitable<bool> answer(shared_state& state, tcp::socket& socket, const crawl::test::bodiless_request& req,
                            net::steady_timer& timer)
{
    state.requests.fetch_add(1, std::memory_order_relaxed);
    const std::string_view target = req.target();
    const std::string_view path = target.substr(0, target.find('?'));
    const bool wants_gzip = req[http::field::accept_encoding].find("gzip") != std::string_view::npos;
    const bool keep_alive = req.keep_alive();

    std::array<net::const_buffer, 2> out;
    std::size_t page_index = 0;
    if (path.size() > 3 && path.substr(0, 3) == "/p/" && parse_number(path.substr(3), page_index)) {
        const auto& page = state.pages[page_index % state.pages.size()];
        if (wants_gzip) {
            out[0] = net::buffer(page.gzip_head);
            out[1] = net::buffer(page.gzip_body);
        } else {
            out[0] = net::buffer(page.identity_head);
            out[1] = net::buffer(page.identity_body);
        }
    } else if (path == "/delay") {
        unsigned ms = 0;
        (void)parse_number(query_param(target, "ms"), ms);
        timer.expires_after(std::chrono::milliseconds(ms));
        auto [timer_ec] = co_await timer.async_wait(nothrow);
        (void)timer_ec;
        out[0] = net::buffer(delay_head);
        out[1] = net::buffer(delay_body);
    } else {
        out[0] = net::buffer(not_found);
    }
    auto [write_ec, written] = co_await net::async_write(socket, out, nothrow);
    (void)written;
    co_return !write_ec && keep_alive;
}

net::awaitable<void> session(tcp::socket socket, shared_state& state)
{
    state.connections.fetch_add(1, std::memory_order_relaxed);
    co_await crawl::test::serve_keep_alive(
        socket, [&state](tcp::socket& s, const crawl::test::bodiless_request& req, net::steady_timer& timer) {
            return answer(state, s, req, timer);
        });
}

[[noreturn]] void usage_error(const std::string& message)
{
    std::cerr << "crawl-bench-server: error: " << message
              << "\nusage: crawl-bench-server [--corpus DIR] [--hosts N] [--port P] [--threads T]\n";
    std::exit(2);
}

server_options parse_args(int argc, char** argv)
{
    server_options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc) {
            usage_error(std::string(arg) + " needs a value");
        }
        const std::string_view value = argv[++i];
        bool ok = true;
        if (arg == "--corpus") {
            o.corpus_dir = std::string(value);
        } else if (arg == "--hosts") {
            ok = parse_number(value, o.hosts) && o.hosts >= 1 && o.hosts <= 254;
        } else if (arg == "--port") {
            ok = parse_number(value, o.port);
        } else if (arg == "--threads") {
            ok = parse_number(value, o.threads) && o.threads >= 1;
        } else {
            usage_error("unknown option " + std::string(arg));
        }
        if (!ok) {
            usage_error("bad value for " + std::string(arg) + ": " + std::string(value));
        }
    }
    if (o.threads == 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        o.threads = sched_getaffinity(0, sizeof set, &set) == 0 ? static_cast<unsigned>(CPU_COUNT(&set)) : 1;
    }
    return o;
}

} // namespace

int main(int argc, char** argv)
{
    const auto opts = parse_args(argc, argv);
    shared_state state;
    const auto corpus = crawl::bench::load_corpus(opts.corpus_dir);
    std::uint64_t gzip_bytes = 0;
    for (const auto& p : corpus.pages) {
        served_page s;
        s.identity_body = p.html;
        s.gzip_body = crawl::test::encode(crawl::test::wrapping::gzip, p.html);
        s.identity_head = response_head(s.identity_body.size(), false);
        s.gzip_head = response_head(s.gzip_body.size(), true);
        gzip_bytes += s.gzip_body.size();
        state.pages.push_back(std::move(s));
    }

    // One io_context per thread, each with its own SO_REUSEPORT acceptor on every address.
    std::vector<std::unique_ptr<net::io_context>> loops;
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
    std::uint16_t port = opts.port;
    try {
        for (unsigned t = 0; t < opts.threads; ++t) {
            loops.push_back(std::make_unique<net::io_context>(1));
            for (unsigned h = 1; h <= opts.hosts; ++h) {
                const tcp::endpoint ep(net::ip::make_address_v4("127.0.0." + std::to_string(h)), port);
                auto a = std::make_unique<tcp::acceptor>(*loops.back());
                a->open(ep.protocol());
                a->set_option(tcp::acceptor::reuse_address(true));
                const int one = 1;
                ::setsockopt(a->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
                a->bind(ep);
                a->listen(4096);
                port = a->local_endpoint().port(); // the first bind picks the port for all
                net::co_spawn(*loops.back(),
                              crawl::test::accept_each(
                                  *a, [&state](tcp::socket s) { return session(std::move(s), state); }),
                              net::detached);
                acceptors.push_back(std::move(a));
            }
        }
    } catch (const std::exception& e) {
        std::cerr << "crawl-bench-server: error: " << e.what() << "\n";
        return 1;
    }

    net::io_context signals_ctx(1);
    net::signal_set signals(signals_ctx, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) {
        for (auto& l : loops) {
            l->stop();
        }
    });
    std::printf("port=%u pages=%zu html_bytes=%llu gzip_bytes=%llu corpus=%s\n", static_cast<unsigned>(port),
                corpus.pages.size(), static_cast<unsigned long long>(corpus.total_bytes()),
                static_cast<unsigned long long>(gzip_bytes), corpus.generated ? "generated" : corpus.source.c_str());
    std::fflush(stdout);

    std::vector<std::thread> threads;
    for (auto& l : loops) {
        threads.emplace_back([&l] { l->run(); });
    }
    signals_ctx.run();
    for (auto& t : threads) {
        t.join();
    }
    std::fprintf(stderr, "crawl-bench-server: served %llu requests on %llu connections\n",
                 static_cast<unsigned long long>(state.requests.load()),
                 static_cast<unsigned long long>(state.connections.load()));
    return 0;
}
