// crawl-demo-server: the test server's routes as a standalone demo site.
//
//   crawl-demo-server [--port P] [--urls FILE] [--tls --cert FILE]
//
// Listens on 127.0.0.1:P (P = 0 picks a free port), prints "port=<P>" as its first stdout line,
// writes a demo URL list to FILE (a mix of good pages, compression, chunking, redirects and
// deliberate failures), and serves until SIGINT or SIGTERM. With --tls it serves HTTPS
// (https://localhost:P) and --cert writes its self-signed certificate, for `crawl --cacert`.

#include "support/test_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace net = boost::asio;

struct demo_options {
    std::uint16_t port = 0;
    std::string urls_file;
    std::string cert_file;
    bool tls = false;
};

constexpr std::string_view usage = "usage: crawl-demo-server [--port P] [--urls FILE] [--tls [--cert FILE]]\n";

[[noreturn]] void usage_error(const std::string& message)
{
    std::cerr << "crawl-demo-server: error: " << message << "\n" << usage;
    std::exit(2);
}

demo_options parse_args(int argc, char** argv)
{
    demo_options options;
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if ((arg == "--port" || arg == "--urls" || arg == "--cert") && i + 1 >= args.size()) {
            usage_error(std::string(arg) + " needs a value");
        }
        if (arg == "--port") {
            const std::string_view value = args[++i];
            const char* end = value.data() + value.size();
            const auto [ptr, ec] = std::from_chars(value.data(), end, options.port);
            if (ec != std::errc{} || ptr != end) {
                usage_error("bad port: " + std::string(value));
            }
        } else if (arg == "--urls") {
            options.urls_file = std::string(args[++i]);
        } else if (arg == "--cert") {
            options.cert_file = std::string(args[++i]);
        } else if (arg == "--tls") {
            options.tls = true;
        } else if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            std::exit(0);
        } else {
            usage_error("unknown argument: " + std::string(arg));
        }
    }
    return options;
}

/// About 60 lines: mostly pages that succeed, plus the failures a crawl must report as records.
std::string demo_url_list(const crawl::test::test_server& server)
{
    std::string list = "# crawl demo: one URL per line; '#' lines and blank lines are skipped\n\n";
    const auto add = [&list, &server](const std::string& path) { list += server.url(path) + "\n"; };
    for (int n = 1; n <= 20; ++n) {
        add("/page/" + std::to_string(n));
    }
    for (int n = 21; n <= 30; ++n) {
        add("/gzip/" + std::to_string(n));
    }
    for (int n = 31; n <= 40; ++n) {
        add("/chunked/" + std::to_string(n));
    }
    add("/");
    add("/deflate/41");
    add("/redirect/3");
    add("/redirect-abs/2");
    add("/redirect-301");
    add("/redirect-rel");
    add("/loop/a");
    add("/status/404");
    add("/status/503");
    add("/charset/euc-kr-header");
    add("/charset/sjis-meta");
    add("/json");
    add("/binary");
    add("/close-delimited");
    add("/corrupt-gzip");
    list += "ftp://example.com/\n";
    list += "not a url\n";
    return list;
}

} // namespace

int main(int argc, char** argv)
{
    const demo_options options = parse_args(argc, argv);
    try {
        crawl::test::server_options server_options;
        server_options.port = options.port;
        server_options.threads = 2;
        server_options.tls = options.tls;
        crawl::test::test_server server(server_options);

        if (!options.urls_file.empty()) {
            std::ofstream out(options.urls_file, std::ios::trunc);
            out << demo_url_list(server);
            if (!out) {
                std::cerr << "crawl-demo-server: error: cannot write " << options.urls_file << "\n";
                return 1;
            }
        }
        if (!options.cert_file.empty()) {
            std::ofstream out(options.cert_file, std::ios::trunc);
            out << server.certificate_pem();
            if (!out) {
                std::cerr << "crawl-demo-server: error: cannot write " << options.cert_file << "\n";
                return 1;
            }
        }
        // The URL and certificate files are complete before the port line: whoever reads the port may use it at once.
        std::cout << "port=" << server.port() << std::endl;

        net::io_context ioc;
        net::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([](const boost::system::error_code&, int) {});
        ioc.run();
        std::cerr << "crawl-demo-server: stopping after " << server.requests_received() << " requests on "
                  << server.connections_accepted() << " connections\n";
    } catch (const std::exception& e) {
        std::cerr << "crawl-demo-server: error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
