// Self-test of the e2e support library: the scripted server seen through a plain Beast client,
// and the process helpers run on /bin/sh. If these fail, every e2e test's verdict is suspect.

#include "support/process.hpp"
#include "support/routes.hpp"
#include "support/socket_owner.hpp"
#include "support/test_server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <gtest/gtest.h>

#include <zlib.h>

#include <iconv.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using crawl::test::server_options;
using crawl::test::test_server;
using namespace std::chrono_literals;

using response = http::response<http::string_body>;

/// A blocking HTTP/1.1 client on one connection.
class client {
public:
    explicit client(std::uint16_t port) : socket_(ioc_)
    {
        socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    }

    response get(const std::string& target, unsigned version = 11, const std::string& accept_encoding = "",
                 bool close = false)
    {
        http::request<http::empty_body> req{http::verb::get, target, version};
        req.set(http::field::host, "127.0.0.1");
        if (!accept_encoding.empty()) {
            req.set(http::field::accept_encoding, accept_encoding);
        }
        if (close) {
            req.set(http::field::connection, "close");
        }
        http::write(socket_, req);
        return read();
    }

    response read()
    {
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        http::read(socket_, buffer_, parser);
        return parser.release();
    }

    void send_raw(const std::string& bytes) { net::write(socket_, net::buffer(bytes)); }

    /// True when the server closed the connection (a read ends with EOF).
    bool server_closed()
    {
        std::array<char, 16> buf{};
        boost::system::error_code ec;
        socket_.read_some(net::buffer(buf), ec);
        return ec == net::error::eof || ec == net::error::connection_reset;
    }

    tcp::socket& socket() { return socket_; }

private:
    net::io_context ioc_;
    tcp::socket socket_;
    beast::flat_buffer buffer_;
};

std::string inflate(const std::string& data, int window_bits)
{
    z_stream zs{};
    if (inflateInit2(&zs, window_bits) != Z_OK) {
        throw std::runtime_error("inflateInit2");
    }
    std::string input = data;
    zs.next_in = reinterpret_cast<Bytef*>(input.data());
    zs.avail_in = static_cast<uInt>(input.size());
    std::string out;
    std::array<unsigned char, 65536> buf{};
    int rc = Z_OK;
    while (rc == Z_OK) {
        zs.next_out = buf.data();
        zs.avail_out = static_cast<uInt>(buf.size());
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(reinterpret_cast<const char*>(buf.data()), buf.size() - zs.avail_out);
    }
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        throw std::runtime_error("inflate: " + std::to_string(rc));
    }
    return out;
}

std::string to_utf8(const std::string& text, const char* charset)
{
    iconv_t cd = iconv_open("UTF-8", charset);
    std::string in = text;
    std::string out(in.size() * 4 + 16, '\0');
    char* in_ptr = in.data();
    std::size_t in_left = in.size();
    char* out_ptr = out.data();
    std::size_t out_left = out.size();
    iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
    iconv_close(cd);
    out.resize(out.size() - out_left);
    return out;
}

std::string header(const response& res, http::field f)
{
    return std::string(res[f]);
}

TEST(SupportServer, ServesPagesWithLinksAndServerHeader)
{
    test_server server;
    client c(server.port());
    const response res = c.get("/page/3");
    EXPECT_EQ(res.result_int(), 200U);
    EXPECT_EQ(res.body(), crawl::test::routes::page_html(3));
    EXPECT_EQ(header(res, http::field::content_type), "text/html; charset=utf-8");
    EXPECT_EQ(header(res, http::field::server), "crawl-test");
    EXPECT_NE(res.body().find("<title>Page 3</title>"), std::string::npos);
    EXPECT_NE(res.body().find("href=\"/page/5#frag\""), std::string::npos);
    EXPECT_EQ(c.get("/").body(), crawl::test::routes::page_html(0));
    EXPECT_EQ(c.get("/page/2?size=5000").body().size(), 5000U);
    EXPECT_EQ(c.get("/nothing-here").result_int(), 404U);
    EXPECT_EQ(c.get("/page/x").result_int(), 404U);
}

TEST(SupportServer, CompressedRoutesInflateToThePage)
{
    test_server server;
    client c(server.port());
    const response gz = c.get("/gzip/5");
    EXPECT_EQ(header(gz, http::field::content_encoding), "gzip");
    EXPECT_EQ(inflate(gz.body(), 31), crawl::test::routes::page_html(5));
    EXPECT_EQ(inflate(c.get("/deflate/6").body(), 15), crawl::test::routes::page_html(6));
    const response raw = c.get("/deflate-raw/7");
    EXPECT_EQ(header(raw, http::field::content_encoding), "deflate");
    EXPECT_EQ(inflate(raw.body(), -15), crawl::test::routes::page_html(7));
    // /page is plain unless both the client and the URL ask for gzip.
    EXPECT_EQ(c.get("/page/1?gz=1").body(), crawl::test::routes::page_html(1));
    EXPECT_EQ(inflate(c.get("/page/1?gz=1", 11, "gzip, deflate").body(), 31), crawl::test::routes::page_html(1));
    EXPECT_EQ(inflate(c.get("/gzip-bomb?mb=4").body(), 31), std::string(4U * 1024 * 1024, '\0'));
    EXPECT_THROW(inflate(c.get("/truncated-gzip").body(), 31), std::runtime_error);
    EXPECT_THROW(inflate(c.get("/corrupt-gzip").body(), 31), std::runtime_error);
}

TEST(SupportServer, KeepAliveServesManyRequestsOnOneConnection)
{
    test_server server;
    {
        client c(server.port());
        EXPECT_EQ(c.get("/page/1").result_int(), 200U);
        EXPECT_EQ(c.get("/page/2").result_int(), 200U);
        EXPECT_EQ(c.get("/gzip/2").result_int(), 200U);
    }
    EXPECT_EQ(server.connections_accepted(), 1U);
    EXPECT_EQ(server.requests_received(), 3U);
    EXPECT_EQ(server.requests_for("/page/"), 2U);
    EXPECT_EQ(server.requests_for("/gzip"), 1U);
    EXPECT_EQ(server.requests_for("/"), 3U);
}

TEST(SupportServer, CountsConcurrentClientsOnSeveralThreads)
{
    server_options options;
    options.threads = 4;
    test_server server(options);
    constexpr int clients = 8;
    constexpr int requests_each = 20;
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < clients; ++i) {
        threads.emplace_back([&server, &ok, i] {
            client c(server.port());
            for (int r = 0; r < requests_each; ++r) {
                const auto n = static_cast<std::uint64_t>(i * requests_each + r);
                if (c.get("/page/" + std::to_string(n)).body() == crawl::test::routes::page_html(n)) {
                    ++ok;
                }
            }
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    EXPECT_EQ(ok.load(), clients * requests_each);
    EXPECT_EQ(server.connections_accepted(), static_cast<std::uint64_t>(clients));
    EXPECT_EQ(server.requests_for("/page/"), static_cast<std::uint64_t>(clients * requests_each));
}

TEST(SupportServer, HonoursConnectionCloseAndHttp10)
{
    test_server server;
    {
        client c(server.port());
        const response res = c.get("/page/1", 11, "", true);
        EXPECT_FALSE(res.keep_alive());
        EXPECT_TRUE(c.server_closed());
    }
    {
        client c(server.port());
        EXPECT_EQ(c.get("/page/1", 10).body(), crawl::test::routes::page_html(1));
        EXPECT_TRUE(c.server_closed());
    }
    {
        client c(server.port());
        const response res = c.get("/keepalive-then-close");
        EXPECT_TRUE(res.keep_alive());
        EXPECT_TRUE(c.server_closed());
    }
}

TEST(SupportServer, FramingVariants)
{
    test_server server;
    client c(server.port());
    const response chunked = c.get("/chunked/4");
    EXPECT_TRUE(chunked.chunked());
    EXPECT_EQ(chunked.body(), crawl::test::routes::page_html(4));
    const response huge = c.get("/huge?bytes=1000000");
    EXPECT_EQ(huge.body().size(), 1000000U);
    EXPECT_EQ(huge.body().rfind("<!DOCTYPE html>", 0), 0U);
    const response huge_chunked = c.get("/huge-chunked?bytes=300001");
    EXPECT_TRUE(huge_chunked.chunked());
    EXPECT_EQ(huge_chunked.body(), huge.body().substr(0, 300001));
    EXPECT_EQ(c.get("/binary").body(), crawl::test::routes::binary_body());
    EXPECT_EQ(c.get("/random-html").body().size(), 1024U * 1024);
    EXPECT_EQ(header(c.get("/json"), http::field::content_type), "application/json");
    EXPECT_EQ(c.get("/status/503").result_int(), 503U);
    const response no_content = c.get("/status/204");
    EXPECT_EQ(no_content.result_int(), 204U);
    EXPECT_EQ(no_content.count(http::field::content_length), 0U);

    client delimited(server.port());
    const response close_delimited = delimited.get("/close-delimited");
    EXPECT_FALSE(close_delimited.has_content_length());
    EXPECT_EQ(close_delimited.body(), crawl::test::routes::page_html(1));

    client broken(server.port());
    EXPECT_THROW(broken.get("/close-mid-body"), boost::system::system_error);
}

TEST(SupportServer, Redirects)
{
    test_server server;
    client c(server.port());
    EXPECT_EQ(header(c.get("/redirect/2"), http::field::location), "/redirect/1");
    EXPECT_EQ(header(c.get("/redirect/0"), http::field::location), "/page/1");
    EXPECT_EQ(header(c.get("/redirect-abs/1"), http::field::location), server.url("/redirect-abs/0"));
    EXPECT_EQ(header(c.get("/redirect-rel"), http::field::location), "../page/2");
    EXPECT_EQ(c.get("/redirect-308").result_int(), 308U);
    EXPECT_EQ(header(c.get("/loop/a"), http::field::location), "/loop/b");
    EXPECT_EQ(header(c.get("/redirect-to?location=ftp%3A%2F%2Fx%2F"), http::field::location), "ftp://x/");
    EXPECT_EQ(header(c.get("/redirect-to?location=%2Fa%20b%2F%C3%A9"), http::field::location), "/a b/\xC3\xA9");
}

TEST(SupportServer, CharsetPagesCarryTheirEncodedTitles)
{
    test_server server;
    client c(server.port());
    const response header_kr = c.get("/charset/euc-kr-header");
    EXPECT_EQ(header(header_kr, http::field::content_type), "text/html; charset=EUC-KR");
    EXPECT_NE(to_utf8(header_kr.body(), "EUC-KR").find(crawl::test::routes::euc_kr_title), std::string::npos);
    const response meta_sjis = c.get("/charset/sjis-meta");
    EXPECT_EQ(header(meta_sjis, http::field::content_type), "text/html");
    EXPECT_NE(meta_sjis.body().find("<meta charset=\"Shift_JIS\">"), std::string::npos);
    EXPECT_NE(to_utf8(meta_sjis.body(), "SHIFT_JIS").find(crawl::test::routes::sjis_title), std::string::npos);
    const response win = c.get("/charset/win1252-meta");
    EXPECT_EQ(win.body().find(crawl::test::routes::win1252_title), std::string::npos); // not UTF-8 on the wire
    EXPECT_NE(to_utf8(win.body(), "WINDOWS-1252").find(crawl::test::routes::win1252_title), std::string::npos);
}

TEST(SupportServer, TlsVerifiesAgainstTheGeneratedCertificate)
{
    server_options options;
    options.tls = true;
    test_server server(options);
    ASSERT_NE(server.certificate_pem().find("BEGIN CERTIFICATE"), std::string::npos);
    EXPECT_EQ(server.base_url(), "https://localhost:" + std::to_string(server.port()));

    net::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ctx.add_certificate_authority(net::buffer(server.certificate_pem()));
    ctx.set_verify_mode(ssl::verify_peer);
    ssl::stream<tcp::socket> stream(ioc, ctx);
    stream.set_verify_callback(ssl::host_name_verification("localhost"));
    // SNI; SSL_set_tlsext_host_name is a macro with a C cast, so call what it expands to.
    ASSERT_EQ(SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                       const_cast<char*>("localhost")),
              1);
    stream.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
    stream.handshake(ssl::stream_base::client);

    for (int n = 1; n <= 2; ++n) {
        http::request<http::empty_body> req{http::verb::get, "/page/" + std::to_string(n), 11};
        req.set(http::field::host, "localhost");
        http::write(stream, req);
        beast::flat_buffer buffer;
        response res;
        http::read(stream, buffer, res);
        EXPECT_EQ(res.body(), crawl::test::routes::page_html(static_cast<std::uint64_t>(n)));
    }
    EXPECT_EQ(server.connections_accepted(), 1U);

    // The certificate also verifies as 127.0.0.1 (IP SAN).
    ssl::stream<tcp::socket> by_ip(ioc, ctx);
    by_ip.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    by_ip.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
    EXPECT_NO_THROW(by_ip.handshake(ssl::stream_base::client));
}

TEST(SupportServer, NeverAnswersAndDestructorStillReturnsPromptly)
{
    net::io_context ioc;
    tcp::socket socket(ioc);
    beast::flat_buffer buffer;
    response res;
    bool done = false;
    boost::system::error_code result;
    auto server = std::make_unique<test_server>();
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()));
    const std::string request = "GET /never HTTP/1.1\r\nHost: x\r\n\r\n";
    net::write(socket, net::buffer(request));
    http::async_read(socket, buffer, res, [&](boost::system::error_code ec, std::size_t) {
        done = true;
        result = ec;
    });
    ioc.run_for(300ms);
    EXPECT_FALSE(done) << "the /never route answered";

    // A second client parks on /slow: its timer must be cancelled too.
    client slow(server->port());
    slow.send_raw("GET /slow?ms=60000 HTTP/1.1\r\nHost: x\r\n\r\n");
    while (server->requests_received() < 2) {
        std::this_thread::sleep_for(1ms);
    }

    const auto start = std::chrono::steady_clock::now();
    server.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    ioc.restart();
    ioc.run_for(2s);
    EXPECT_TRUE(done);
    EXPECT_TRUE(result);
    EXPECT_TRUE(slow.server_closed());
}

TEST(SupportServer, SocketOwnerFindsThisProcess)
{
    test_server server;
    client c(server.port());
    const tcp::endpoint local = c.socket().local_endpoint();
    const tcp::endpoint remote = c.socket().remote_endpoint();
    const std::vector<pid_t> owners = crawl::test::socket_owners(local, remote);
    EXPECT_NE(std::find(owners.begin(), owners.end(), ::getpid()), owners.end());
    EXPECT_TRUE(crawl::test::socket_inode(local, remote).has_value());
    // The mirror image is the server's socket: in this process too, but a different inode.
    EXPECT_NE(crawl::test::socket_inode(remote, local), crawl::test::socket_inode(local, remote));
    EXPECT_FALSE(crawl::test::socket_inode(local, tcp::endpoint(remote.address(), 1)).has_value());
}

TEST(SupportServer, CrashKillsTheFetchingProcess)
{
    test_server server;
    // bash's /dev/tcp makes the fetching process a child we can watch die.
    const std::string script = "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(server.port()) +
                               "; printf 'GET /crash HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' >&3; IFS= read -r line <&3; echo survived";
    crawl::test::background_process fetcher({"/bin/bash", "-c", script});
    const crawl::test::process_result result = fetcher.wait(10s);
    EXPECT_FALSE(result.timed_out);
    EXPECT_EQ(result.exit_code, 128 + SIGKILL);
    EXPECT_EQ(result.out.find("survived"), std::string::npos);
    // The test process itself is never a victim.
    client self(server.port());
    self.send_raw("GET /crash HTTP/1.1\r\nHost: x\r\n\r\n");
    while (server.requests_for("/crash") < 2) {
        std::this_thread::sleep_for(1ms);
    }
}

TEST(SupportProcess, RunProcessCapturesOutputAndExitCode)
{
    const crawl::test::process_result r = crawl::test::run_process({"/bin/sh", "-c", "echo hi; echo err >&2; exit 3"});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.out, "hi\n");
    EXPECT_EQ(r.err, "err\n");

    const crawl::test::process_result cat = crawl::test::run_process({"/bin/cat"}, "line 1\nline 2\n");
    EXPECT_EQ(cat.exit_code, 0);
    EXPECT_EQ(cat.out, "line 1\nline 2\n");

    // More output than a pipe holds, on both streams: the child must not block.
    const crawl::test::process_result big = crawl::test::run_process(
        {"/bin/sh", "-c", "head -c 3000000 /dev/zero; head -c 3000000 /dev/zero >&2"});
    EXPECT_EQ(big.exit_code, 0);
    EXPECT_EQ(big.out.size(), 3000000U);
    EXPECT_EQ(big.err.size(), 3000000U);

    const crawl::test::process_result killed = crawl::test::run_process({"/bin/sh", "-c", "kill -TERM $$"});
    EXPECT_EQ(killed.exit_code, 128 + SIGTERM);
}

TEST(SupportProcess, RunProcessTimesOut)
{
    const auto start = std::chrono::steady_clock::now();
    const crawl::test::process_result r = crawl::test::run_process({"/bin/sh", "-c", "echo started; sleep 30"}, {}, 300ms);
    EXPECT_TRUE(r.timed_out);
    EXPECT_EQ(r.exit_code, 128 + SIGKILL);
    EXPECT_EQ(r.out, "started\n");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(SupportProcess, BackgroundProcessSignalsAndChildren)
{
    crawl::test::background_process p({"/bin/sh", "-c", "sleep 30 & echo ready; wait"});
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (p.stdout_so_far().find("ready") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
    }
    ASSERT_EQ(p.stdout_so_far(), "ready\n");
    EXPECT_TRUE(crawl::test::process_alive(p.pid()));
    const std::vector<pid_t> children = crawl::test::child_pids(p.pid());
    ASSERT_EQ(children.size(), 1U);
    EXPECT_TRUE(crawl::test::process_alive(children[0]));

    p.send_signal(SIGTERM);
    const crawl::test::process_result r = p.wait(10s);
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 128 + SIGTERM);
    EXPECT_EQ(r.out, "ready\n");
    EXPECT_FALSE(crawl::test::process_alive(p.pid()));
    // wait() cleaned up the process group, so the orphaned sleep is gone too.
    const auto gone_by = std::chrono::steady_clock::now() + 5s;
    while (crawl::test::process_alive(children[0]) && std::chrono::steady_clock::now() < gone_by) {
        std::this_thread::sleep_for(5ms);
    }
    EXPECT_FALSE(crawl::test::process_alive(children[0]));
}

TEST(SupportProcess, WriteTempFile)
{
    const std::string path = crawl::test::write_temp_file("urls.txt", "a\nb\n");
    EXPECT_EQ(path.rfind("/tmp/", 0), 0U);
    EXPECT_EQ(crawl::test::run_process({"/bin/cat", path}).out, "a\nb\n");
    const std::string again = crawl::test::write_temp_file("urls.txt", "c\n");
    EXPECT_NE(again, path);
    EXPECT_EQ(crawl::test::run_process({"/bin/cat", path}).out, "a\nb\n");
}

} // namespace
