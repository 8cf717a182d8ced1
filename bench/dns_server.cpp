// crawl-bench-dns: the DNS server of the name-resolution benchmark. Answers A queries for
// names under --zone with 127.0.0.1..127.0.0.<spread> (a hash of the name), each after
// --delay-ms, so a crawler that resolves one name at a time is exposed at once.
//
//   crawl-bench-dns [--port P] [--delay-ms MS] [--zone ZONE] [--ttl SEC] [--spread N]
//
// Prints "port=P" on stdout when ready (P = 0 picks a free one); serves until SIGINT/SIGTERM,
// then prints the number of queries it received on stderr.

#include "support/dns_server.hpp"
#include "tool_args.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <string_view>

namespace {

constexpr crawl::bench::tool_args args("crawl-bench-dns",
                                       "crawl-bench-dns [--port P] [--delay-ms MS] [--zone ZONE] [--ttl SEC] [--spread N]");

} // namespace

int main(int argc, char** argv)
{
    crawl::test::dns_options options;
    options.zone = "bench.test";
    options.spread = 8;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc) {
            args.fail(std::string(arg) + " needs a value");
        }
        const std::string_view value = argv[++i];
        if (arg == "--port") {
            options.port = args.number<std::uint16_t>(arg, value);
        } else if (arg == "--delay-ms") {
            options.delay = std::chrono::milliseconds(args.number<unsigned>(arg, value));
        } else if (arg == "--zone") {
            options.zone = std::string(value);
        } else if (arg == "--ttl") {
            options.ttl = args.number<std::uint32_t>(arg, value);
        } else if (arg == "--spread") {
            options.spread = args.number<unsigned>(arg, value);
        } else {
            args.fail("unknown option " + std::string(arg));
        }
    }
    crawl::test::dns_server server(options);
    std::printf("port=%u\n", static_cast<unsigned>(server.port()));
    std::fflush(stdout);
    boost::asio::io_context ioc(1);
    boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([](const boost::system::error_code&, int) {});
    ioc.run();
    std::fprintf(stderr, "crawl-bench-dns: answered %llu queries\n", static_cast<unsigned long long>(server.queries()));
    return 0;
}
