// The fetch client's exchange (one request written, one response read) driven through Beast's
// test stream against a scripted peer: every I/O step made to fail in turn (Beast's fail_count
// matrix), responses delivered one byte per read, peers that close early, and crawl's caps.

#include "fetch/exchange.hpp"

#include "crawl/decode/decoder.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/error.hpp>
#include <boost/beast/_experimental/test/fail_count.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace crawl {
// gtest prints an error class by its name.
void PrintTo(error_class c, std::ostream* os)
{
    *os << to_string(c);
}
} // namespace crawl

namespace crawl::fetch {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;

/// Keeps what the reader hands over; optionally stops the body at a cap, keeping what fits,
/// as the page pipeline does at --max-body.
class recording_handler final : public response::body_handler {
public:
    failure on_header(const response::response_info& info) override
    {
        ++headers;
        status = info.status;
        final_url = std::string(info.final_url);
        return {};
    }
    failure on_body(std::string_view bytes) override
    {
        const auto room = cap - body.size();
        body.append(bytes.substr(0, room));
        if (bytes.size() > room) {
            return {error_class::body_too_large, "over the handler's cap"};
        }
        return {};
    }
    failure on_end() override
    {
        ended = true;
        return {};
    }

    std::size_t cap = std::numeric_limits<std::size_t>::max();
    int headers = 0;
    int status = 0;
    std::string final_url;
    std::string body;
    bool ended = false;
};

/// Keeps every capture and the payload bytes tapped before each.
class recording_sink final : public capture_sink {
public:
    struct kept {
        std::string target_uri;
        std::string request;
        std::string response;
        std::size_t header_size = 0;
        int status = 0;
        std::string content_type;
        bool complete = false;
        error_class error = error_class::none;
        std::string payload;
    };

    void on_payload(std::string_view bytes) override { payload.append(bytes); }
    void on_exchange(const exchange_capture& c) override
    {
        captures.push_back({std::string(c.target_uri), std::string(c.request), std::string(c.response),
                            c.header_size, c.status, std::string(c.content_type), c.complete, c.error,
                            std::exchange(payload, {})});
    }

    std::vector<kept> captures;
    std::string payload;
};

/// What the scripted server side does before the exchange starts.
struct peer_script {
    enum class end { stays_open, closes, gone };
    std::string response; ///< written into the connection before the request is even read
    end then = end::stays_open; ///< closes: after the response; gone: not there for the request
};

struct run_setup {
    beast::test::fail_count* fail = nullptr; ///< counts the client side's I/O steps
    std::size_t read_size = 0;               ///< most bytes one read returns; 0: all there is
    bool reused = false;
    options opts;
    std::size_t handler_cap = std::numeric_limits<std::size_t>::max();
    bool capture = false; ///< give the exchange a capture sink
    std::size_t write_size = 0; ///< most bytes one write takes; 0: all of them
    bool paced = false;         ///< give the exchange a pacer
};

/// A pacer that notes, each time it is told the request was written, what the peer had by then.
class recording_pacer final : public pacer {
public:
    explicit recording_pacer(std::function<std::string()> peer_has) : peer_has_(std::move(peer_has)) {}
    bool sending(const url::target&) override { return true; }
    void written(const url::target&) override { peer_had.push_back(peer_has_()); }
    net::awaitable<void> turn(const url::target&) override { co_return; }

    std::vector<std::string> peer_had;

private:
    std::function<std::string()> peer_has_;
};

struct exchange_run {
    bool completed = false;
    exchange_result result;
    outcome out;
    recording_handler handler;
    std::string request;   ///< what reached the server
    std::size_t steps = 0; ///< reads and writes the exchange started on its stream
    std::size_t writes = 0;
    recording_sink sink;
    std::vector<std::string> peer_had_when_written; ///< at each pacer::written
};

constexpr std::string_view url_text = "http://example.test/page";

exchange_run run_exchange(const peer_script& peer, const run_setup& setup)
{
    exchange_run run;
    run.handler.cap = setup.handler_cap;
    run.out.final_url = url_text;
    net::io_context ioc;
    auto client = setup.fail ? beast::test::stream(ioc, *setup.fail) : beast::test::stream(ioc);
    std::optional<beast::test::stream> server(std::in_place, ioc);
    client.connect(*server);
    if (setup.read_size > 0) {
        client.read_size(setup.read_size);
    }
    if (setup.write_size > 0) {
        client.write_size(setup.write_size);
    }
    recording_pacer pacing([&server] { return server ? std::string(server->str()) : std::string(); });
    net::write(*server, net::buffer(peer.response));
    if (peer.then == peer_script::end::closes) {
        server->close();
    } else if (peer.then == peer_script::end::gone) {
        server.reset();
    }
    beast::flat_buffer buffer;
    const auto target = url::parse_input(url_text).value();
    net::co_spawn(ioc,
                  exchange(client, buffer, setup.reused, target, clock::now() + std::chrono::minutes(1), setup.opts,
                           run.handler, run.out, setup.paced ? &pacing : nullptr,
                           setup.capture ? &run.sink : nullptr),
                  [&](std::exception_ptr e, exchange_result r) {
                      EXPECT_FALSE(e) << "the exchange threw";
                      run.result = std::move(r);
                      run.completed = true;
                  });
    ioc.run_for(std::chrono::seconds(10)); // a hang is a failure, not a stuck test
    EXPECT_TRUE(run.completed) << "the exchange did not finish";
    run.request = server ? std::string(server->str()) : std::string();
    run.steps = client.nread() + client.nwrite();
    run.writes = client.nwrite();
    run.peer_had_when_written = pacing.peer_had;
    return run;
}

/// How the exchange must end when nothing is injected.
struct expected {
    error_class error = error_class::none;
    int status = 200;
    std::string body; ///< all the handler receives (nothing for a redirect)
    bool body_ends = true;
    std::string location;
    bool reusable = true;
    bool reads_everything = true; ///< every byte of the response counts in wire_bytes
    bool header_whole = true;     ///< the final response's header arrived whole
};

/// A final response read to its end: the whole body reaches the handler.
expected delivered(std::string body, bool reusable = true)
{
    expected e;
    e.body = std::move(body);
    e.reusable = reusable;
    return e;
}

/// A redirect to follow: nothing reaches the handler, the body is drained.
expected redirect(int status, std::string location)
{
    expected e;
    e.status = status;
    e.body_ends = false;
    e.location = std::move(location);
    return e;
}

/// A failure of class `cls`. `status`: 0 when no header parsed; `body`: what the handler got.
expected failed(error_class cls, int status, std::string body = {})
{
    expected e;
    e.error = cls;
    e.status = status;
    e.body = std::move(body);
    e.body_ends = false;
    e.reusable = false;
    e.reads_everything = false;
    e.header_whole = status != 0;
    return e;
}

/// A Content-Length over the cap: the header is whole, the body refused before it is read.
expected refused_by_length()
{
    expected e = failed(error_class::body_too_large, 0);
    e.header_whole = true;
    return e;
}

void expect_result(const exchange_run& run, const expected& want, std::size_t response_size)
{
    EXPECT_EQ(run.result.error.cls, want.error) << run.result.error.message;
    EXPECT_FALSE(run.result.retry_fresh);
    EXPECT_EQ(run.result.location, want.location);
    EXPECT_EQ(run.result.reusable, want.reusable);
    EXPECT_EQ(run.out.status, want.status);
    EXPECT_EQ(run.handler.body.size(), want.body.size());
    EXPECT_TRUE(run.handler.body == want.body) << "the body differs";
    EXPECT_EQ(run.handler.ended, want.body_ends);
    if (want.location.empty() && want.status != 0) {
        EXPECT_EQ(run.handler.headers, 1);
        EXPECT_EQ(run.handler.status, want.status);
        EXPECT_EQ(run.handler.final_url, url_text);
    } else {
        EXPECT_EQ(run.handler.headers, 0) << "a redirect or a broken header reaches no handler";
    }
    if (want.reads_everything) {
        EXPECT_EQ(run.out.wire_bytes, response_size);
    }
}

/// Beast's fail matrix: for n = 0, 1, 2, ... the client stream's n-th I/O step fails (0 and 1
/// both fail the first). Every run that meets its failure must report the failed step's class
/// (write or read), leave the connection out of the pool, and have given the handler at most
/// a prefix of the body and no end. Returns the first run that met no failure, and the number
/// of failing runs before it in `failed_runs`.
exchange_run fail_matrix(const peer_script& peer, run_setup setup, const expected& want, std::size_t& failed_runs)
{
    const std::string injected = boost::system::error_code(beast::test::error::test_failure).message();
    failed_runs = 0;
    for (std::size_t n = 0; n < 1'000'000; ++n) {
        SCOPED_TRACE("fail_count " + std::to_string(n));
        beast::test::fail_count fc(n);
        setup.fail = &fc;
        auto run = run_exchange(peer, setup);
        const std::size_t failing_step = std::max<std::size_t>(n, 1);
        if (run.steps < failing_step) {
            return run;
        }
        ++failed_runs;
        EXPECT_EQ(run.steps, failing_step) << "the exchange went on after a failed step";
        const bool write_failed = run.writes == run.steps; // writes all come before the reads
        EXPECT_EQ(run.result.error.cls, write_failed ? error_class::write : error_class::read)
            << run.result.error.message;
        EXPECT_NE(run.result.error.message.find(injected), std::string::npos) << run.result.error.message;
        EXPECT_FALSE(run.result.reusable);
        EXPECT_FALSE(run.result.retry_fresh);
        EXPECT_FALSE(run.handler.ended);
        EXPECT_TRUE(want.body.starts_with(run.handler.body)) << "the handler saw bytes that are not the body's";
        EXPECT_LE(run.handler.headers, want.location.empty() ? 1 : 0);
        if (write_failed) {
            EXPECT_EQ(run.handler.headers, 0);
            EXPECT_EQ(run.out.wire_bytes, 0u);
        }
    }
    ADD_FAILURE() << "the exchange never ran without a failure";
    return {};
}

struct scenario {
    std::string name;
    peer_script peer;
    expected want;
    options opts = {};
    std::size_t handler_cap = std::numeric_limits<std::size_t>::max();
};

/// gzip of `data`, in one deflate call.
std::string gzip(std::string_view data)
{
    z_stream zs{};
    EXPECT_EQ(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

/// 60,000 random letters: their gzip (about 36 KB) takes several body chunks.
const std::string& random_text()
{
    static const std::string text = [] {
        std::mt19937 random(2024);
        std::uniform_int_distribution<int> letter('a', 'z');
        std::string s(60'000, ' ');
        std::generate(s.begin(), s.end(), [&] { return static_cast<char>(letter(random)); });
        return s;
    }();
    return text;
}

const std::string& gzipped_text()
{
    static const std::string compressed = gzip(random_text());
    return compressed;
}

std::string with_length(std::string_view head, std::string_view body)
{
    return std::string(head) + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

std::string chunked(std::string_view head, std::string_view body, std::size_t chunk)
{
    std::string out = std::string(head) + "Transfer-Encoding: chunked\r\n\r\n";
    for (std::size_t at = 0; at < body.size(); at += chunk) {
        const auto piece = body.substr(at, chunk);
        std::array<char, 16> size{};
        const auto size_end = std::to_chars(size.data(), size.data() + size.size(), piece.size(), 16).ptr;
        out.append(size.data(), size_end);
        out += "\r\n";
        out += piece;
        out += "\r\n";
    }
    return out + "0\r\n\r\n";
}

options capped(std::uint32_t header_bytes, std::uint32_t header_fields, std::uint64_t body)
{
    options o;
    o.max_header_bytes = header_bytes;
    o.max_header_fields = header_fields;
    o.max_body = body;
    return o;
}

/// The responses every test below runs: honest ones, then ones that hit a cap.
std::vector<scenario> scenarios()
{
    using end = peer_script::end;
    const std::string ok = "HTTP/1.1 200 OK\r\n";
    const options small = capped(1024, 4, 1000);
    const std::string over_wire_cap(70'000, 'x'); // above 1000 + 1000/8 + 64 KiB
    return {
        {"plain", {with_length(ok + "Content-Type: text/html\r\n", "hello world")}, delivered("hello world")},
        {"chunked", {chunked(ok, "hello chunked world", 6)}, delivered("hello chunked world")},
        {"gzip", {with_length(ok + "Content-Encoding: gzip\r\n", gzipped_text())}, delivered(gzipped_text())},
        {"redirect",
         {with_length("HTTP/1.1 301 Moved Permanently\r\nLocation: /elsewhere\r\n", "moved")},
         redirect(301, "/elsewhere")},
        {"interim", {"HTTP/1.1 100 Continue\r\n\r\n" + with_length(ok, "after 100")}, delivered("after 100")},
        {"close_delimited",
         {"HTTP/1.0 200 OK\r\n\r\nuntil the close", end::closes},
         delivered("until the close", false)},
        {"connection_close", {with_length(ok + "Connection: close\r\n", "bye")}, delivered("bye", false)},
        {"header_over_cap",
         {with_length(ok + "X-Pad: " + std::string(2000, 'p') + "\r\n", "x")},
         failed(error_class::protocol, 0),
         small},
        {"too_many_fields",
         {with_length(ok + "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n", "x")},
         failed(error_class::protocol, 0),
         small},
        {"content_length_over_cap", {with_length(ok, over_wire_cap)}, refused_by_length(), small},
        {"chunked_body_over_cap",
         {chunked(ok, over_wire_cap, 10'000)},
         failed(error_class::body_too_large, 200, over_wire_cap.substr(0, 60'000)),
         small},
        {"handler_stops_at_cap",
         {with_length(ok, std::string(3000, 'y'))},
         failed(error_class::body_too_large, 200, std::string(1000, 'y')),
         small, 1000},
    };
}

run_setup setup_for(const scenario& s, std::size_t read_size = 0)
{
    run_setup setup;
    setup.read_size = read_size;
    setup.opts = s.opts;
    setup.handler_cap = s.handler_cap;
    return setup;
}

run_setup reading(std::size_t read_size, bool reused = false)
{
    run_setup setup;
    setup.read_size = read_size;
    setup.reused = reused;
    return setup;
}

TEST(Exchange, EveryFailingStepIsClassifiedAndNothingIsReused)
{
    for (const auto& s : scenarios()) {
        SCOPED_TRACE(s.name);
        std::size_t failed_runs = 0;
        const auto clean = fail_matrix(s.peer, setup_for(s), s.want, failed_runs);
        EXPECT_GE(failed_runs, 2u) << "a write and at least one read";
        expect_result(clean, s.want, s.peer.response.size());
        EXPECT_TRUE(clean.request.starts_with("GET /page HTTP/1.1\r\nHost: example.test\r\n")) << clean.request;
    }
}

TEST(Exchange, EveryFailingStepOfOneByteReads)
{
    for (const auto& s : scenarios()) {
        if (s.peer.response.size() > 1000) {
            continue; // a step per byte: the long bodies would take minutes, not seconds
        }
        SCOPED_TRACE(s.name);
        std::size_t failed_runs = 0;
        const auto clean = fail_matrix(s.peer, setup_for(s, 1), s.want, failed_runs);
        EXPECT_GT(failed_runs, s.peer.response.size() / 2) << "about one read per byte";
        expect_result(clean, s.want, s.peer.response.size());
    }
}

TEST(Exchange, OneByteReadsGiveTheSameResult)
{
    for (const auto& s : scenarios()) {
        SCOPED_TRACE(s.name);
        const auto whole = run_exchange(s.peer, setup_for(s));
        const auto bytewise = run_exchange(s.peer, setup_for(s, 1));
        expect_result(bytewise, s.want, s.peer.response.size());
        EXPECT_EQ(bytewise.result.error.message, whole.result.error.message);
        EXPECT_GT(bytewise.steps, whole.steps);
    }
}

TEST(Exchange, GzipBodyArrivesAsSent)
{
    const auto all = scenarios();
    const auto& s = *std::find_if(all.begin(), all.end(), [](const scenario& c) { return c.name == "gzip"; });
    const auto run = run_exchange(s.peer, setup_for(s));
    EXPECT_EQ(run.out.content_encoding, "gzip");
    std::string decoded;
    decode::decoder inflate(decode::coding::gzip, 1u << 20, [&](std::string_view bytes) { decoded.append(bytes); });
    EXPECT_EQ(inflate.feed(run.handler.body), decode::status::ok);
    EXPECT_EQ(inflate.finish(), decode::status::ok);
    EXPECT_TRUE(decoded == random_text());
}

TEST(Exchange, BytesPastTheEndAreNotTakenForTheNextResponse)
{
    const std::string response = with_length("HTTP/1.1 200 OK\r\n", "mine");
    const std::string tail = "HTTP/1.1 200 OK\r\n"; // unasked: it must not answer the next request
    const auto whole = run_exchange({response + tail}, {});
    EXPECT_EQ(whole.result.error.cls, error_class::none) << whole.result.error.message;
    EXPECT_EQ(whole.handler.body, "mine");
    EXPECT_FALSE(whole.result.reusable) << "the tail is in the read buffer";
    // Read a byte at a time, the exchange stops at the response's end and never sees the tail:
    // the connection may go back, and the pool's check for unsolicited bytes (a socket's
    // available()) is what keeps it from being reused.
    const auto bytewise = run_exchange({response + tail}, reading(1));
    EXPECT_EQ(bytewise.handler.body, "mine");
    EXPECT_TRUE(bytewise.result.reusable);
    EXPECT_EQ(bytewise.out.wire_bytes, response.size());
}

TEST(Exchange, PeerClosingMidResponse)
{
    using end = peer_script::end;
    const auto mid_header = run_exchange({"HTTP/1.1 200 OK\r\nContent-Len", end::closes}, {});
    // A header cut short is not HTTP (as the response reader classifies it), whoever cut it.
    EXPECT_EQ(mid_header.result.error.cls, error_class::protocol) << mid_header.result.error.message;
    EXPECT_EQ(mid_header.handler.headers, 0);
    EXPECT_FALSE(mid_header.result.reusable);

    const auto mid_length = run_exchange({"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", end::closes}, {});
    EXPECT_EQ(mid_length.result.error.cls, error_class::read) << mid_length.result.error.message;
    EXPECT_EQ(mid_length.handler.body, "only this") << "what arrived is still handed over";
    EXPECT_FALSE(mid_length.handler.ended);
    EXPECT_FALSE(mid_length.result.reusable);

    const auto mid_chunk =
        run_exchange({"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n wo", end::closes}, {});
    EXPECT_EQ(mid_chunk.result.error.cls, error_class::read) << mid_chunk.result.error.message;
    EXPECT_EQ(mid_chunk.handler.body, "hello wo");
    EXPECT_FALSE(mid_chunk.handler.ended);
    EXPECT_FALSE(mid_chunk.result.reusable);
}

TEST(Exchange, StaleReusedConnectionAsksForAFreshOne)
{
    using end = peer_script::end;
    for (const bool reused : {false, true}) {
        SCOPED_TRACE(reused ? "reused" : "new");
        // Closed before any byte of the response: on a reused connection, stale.
        const auto silent = run_exchange({"", end::closes}, reading(0, reused));
        EXPECT_EQ(silent.result.retry_fresh, reused);
        EXPECT_EQ(silent.result.error.cls, reused ? error_class::none : error_class::read)
            << silent.result.error.message;
        EXPECT_FALSE(silent.result.reusable);

        // Gone before the request was written.
        const auto gone = run_exchange({"", end::gone}, reading(0, reused));
        EXPECT_EQ(gone.result.retry_fresh, reused);
        EXPECT_EQ(gone.result.error.cls, reused ? error_class::none : error_class::write)
            << gone.result.error.message;
        EXPECT_EQ(gone.handler.headers, 0);

        // Once the response has begun, a close is the response's failure, never a retry.
        const auto begun = run_exchange({"HTTP/1.1 200", end::closes}, reading(0, reused));
        EXPECT_FALSE(begun.result.retry_fresh);
        EXPECT_EQ(begun.result.error.cls, error_class::protocol) << begun.result.error.message;
    }
}

/// The final response's bytes in what the peer sent: interim (1xx) responses left out.
std::string_view final_response(std::string_view sent)
{
    while (sent.starts_with("HTTP/1.1 1")) {
        sent.remove_prefix(sent.find("\r\n\r\n") + 4);
    }
    return sent;
}

TEST(Exchange, CaptureIsTheBytesAsTheyCrossedTheWire)
{
    for (const auto& s : scenarios()) {
        for (const std::size_t read_size : {std::size_t{0}, std::size_t{1}}) {
            if (read_size == 1 && s.peer.response.size() > 1000) {
                continue;
            }
            SCOPED_TRACE(s.name + (read_size == 1 ? ", one-byte reads" : ""));
            auto setup = setup_for(s, read_size);
            setup.capture = true;
            const auto run = run_exchange(s.peer, setup);
            expect_result(run, s.want, s.peer.response.size());
            if (!s.want.header_whole) {
                EXPECT_TRUE(run.sink.captures.empty()) << "no response header, nothing to archive";
                continue;
            }
            ASSERT_EQ(run.sink.captures.size(), 1u);
            const auto& c = run.sink.captures[0];
            const std::string_view sent = final_response(s.peer.response);
            EXPECT_EQ(c.target_uri, url_text);
            EXPECT_EQ(c.request, run.request) << "the request as the server got it";
            EXPECT_EQ(c.status, s.want.status != 0 ? s.want.status : 200);
            EXPECT_EQ(c.header_size, sent.find("\r\n\r\n") + 4);
            EXPECT_TRUE(sent.starts_with(c.response)) << "the response as sent, from its status line";
            EXPECT_EQ(c.error, s.want.error);
            // Complete exactly when all of it was read (a handler that stops at its cap may
            // stop after the last byte arrived).
            EXPECT_EQ(c.complete, c.response.size() == sent.size());
            if (s.want.reads_everything) {
                EXPECT_TRUE(c.complete);
            }
            if (s.want.location.empty()) {
                EXPECT_TRUE(c.payload.starts_with(s.want.body)) << "the payload is the body without its framing";
                if (s.want.reads_everything) {
                    EXPECT_TRUE(c.payload == s.want.body);
                }
            } else {
                EXPECT_EQ(c.payload, "moved") << "a redirect's body is archived too";
            }
        }
    }
}

TEST(Exchange, CaptureStopsAtTheResponsesEnd)
{
    const std::string response = chunked("HTTP/1.1 200 OK\r\n", "mine, chunked", 4);
    const std::string tail = with_length("HTTP/1.1 200 OK\r\n", "not asked for");
    run_setup setup;
    setup.capture = true;
    const auto run = run_exchange({response + tail}, setup);
    ASSERT_EQ(run.sink.captures.size(), 1u);
    EXPECT_EQ(run.sink.captures[0].response, response);
    EXPECT_EQ(run.sink.captures[0].payload, "mine, chunked");
    EXPECT_TRUE(run.sink.captures[0].complete);
}

TEST(Exchange, CaptureOfABodyCutShortSaysHowItEnded)
{
    using end = peer_script::end;
    const std::string sent = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n wo";
    run_setup setup;
    setup.capture = true;
    const auto run = run_exchange({sent, end::closes}, setup);
    ASSERT_EQ(run.sink.captures.size(), 1u);
    const auto& c = run.sink.captures[0];
    EXPECT_FALSE(c.complete);
    EXPECT_EQ(c.error, error_class::read);
    EXPECT_EQ(c.payload, "hello wo");
    EXPECT_TRUE(sent.starts_with(c.response)) << c.response;
}

TEST(Exchange, RequestCarriesTheConfiguredFields)
{
    run_setup setup;
    setup.opts.user_agent = "crawl-test/1";
    setup.opts.headers = {{"X-Extra", "1"}, {"Accept-Encoding", ""}};
    const auto run = run_exchange({with_length("HTTP/1.1 204 No Content\r\n", "")}, setup);
    EXPECT_EQ(run.result.error.cls, error_class::none) << run.result.error.message;
    EXPECT_NE(run.request.find("\r\nUser-Agent: crawl-test/1\r\n"), std::string::npos) << run.request;
    EXPECT_NE(run.request.find("\r\nX-Extra: 1\r\n"), std::string::npos) << run.request;
    EXPECT_EQ(run.request.find("Accept-Encoding"), std::string::npos) << "an empty value removes the field";
    EXPECT_TRUE(run.request.ends_with("\r\n\r\n"));
}

// --delay counts from when a request was written: the pacer is told once the whole request is
// with the peer, however many writes it took, and not before.
TEST(Exchange, APacedRequestIsReportedOnceItIsWritten)
{
    for (const std::size_t write_size : {std::size_t{0}, std::size_t{1}}) {
        run_setup setup;
        setup.paced = true;
        setup.write_size = write_size;
        const auto run = run_exchange({with_length("HTTP/1.1 200 OK\r\n", "hi")}, setup);
        EXPECT_EQ(run.result.error.cls, error_class::none) << run.result.error.message;
        ASSERT_EQ(run.peer_had_when_written.size(), 1u) << write_size;
        EXPECT_TRUE(run.request.ends_with("\r\n\r\n"));
        EXPECT_EQ(run.peer_had_when_written.front(), run.request) << "told before the request was all out";
        if (write_size == 1) {
            EXPECT_EQ(run.writes, run.request.size());
        }
    }
}

} // namespace
} // namespace crawl::fetch
