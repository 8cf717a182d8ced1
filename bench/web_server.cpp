// crawl-web-server: the synthetic web (tests/support/web) standalone, for benchmarks; and its
// oracle, which prints what a correct recursive crawl of it records.
//
//   crawl-web-server [WEB] [--port P] [--threads T] [--answer-delay MS] [--log FILE] [--summary FILE]
//   crawl-web-server --oracle [WEB] --port P --start URL... [--depth D] [--scope host|domain|any]
//                    [--no-parent] [--ignore-robots] [--sitemaps] [--max-pages N]
//                    [--max-per-host N] [--redirects followed|queued] [--urls]
//   crawl-web-server --list [WEB] --port P
//   WEB: [--seed S] [--pages N] [--hosts H] [--hosts-per-domain K] [--dir-pages D]
//        [--page-bytes B] [--sitemap-urls U] [--crawl-delay SEC] [--hostile-sitemaps]
//
// --answer-delay MS: every answer waits MS first (hosts far away: a crawl bound by latency,
// not by the CPU). Serving: all hosts on 127.0.0.1:P (0 picks a port), T threads (default: the CPUs this
// process may run on); prints one line when ready, "port=P hosts=H pages=N seed=S threads=T
// home=URL", and serves until SIGINT/SIGTERM. Then it prints a summary to stderr (and as JSON
// to --summary FILE): requests, distinct URLs, URLs requested more than once, and per host the
// requests, the most in flight at once and the smallest gap between two request starts.
// --log FILE writes every request as it ends: arrival µs, completion µs, status, body bytes, in
// flight at its host on arrival, Host, target (tab-separated).
// --oracle prints one line per record, "depth outcome status url final_url" (tab-separated),
// or with --urls only the URLs fetched, and a count per depth to stderr. --list prints the URL
// of every page of the web. The port must be the server's: every link names it.

#include "support/web/oracle.hpp"
#include "support/web/server.hpp"
#include "tool_args.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>

#include <sched.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

namespace {

using namespace crawl::test::web;

enum class mode { serve, oracle, list };

struct options {
    mode run = mode::serve;
    web_params web;
    server_options server;
    std::string log_path;
    std::string summary_path;
    std::uint32_t answer_delay_ms = 0;
    crawl_spec crawl;
    bool urls_only = false;
};

constexpr crawl::bench::tool_args args("crawl-web-server",
                                       "crawl-web-server [--oracle|--list] [--seed S] [--pages N] [--hosts H] "
                                       "[--port P] ... (see bench/README.md)");

/// Options that take no value; false when `arg` is none of them.
bool flag(options& o, std::string_view arg)
{
    if (arg == "--oracle") {
        o.run = mode::oracle;
    } else if (arg == "--list") {
        o.run = mode::list;
    } else if (arg == "--hostile-sitemaps") {
        o.web.hostile_sitemaps = true;
    } else if (arg == "--no-parent") {
        o.crawl.no_parent = true;
    } else if (arg == "--ignore-robots") {
        o.crawl.ignore_robots = true;
    } else if (arg == "--sitemaps") {
        o.crawl.sitemaps = true;
    } else if (arg == "--urls") {
        o.urls_only = true;
    } else {
        return false;
    }
    return true;
}

void option(options& o, std::string_view arg, std::string_view v)
{
    if (arg == "--seed") {
        o.web.seed = args.number<std::uint64_t>(arg, v);
    } else if (arg == "--pages") {
        o.web.pages = args.number<std::uint64_t>(arg, v);
    } else if (arg == "--hosts") {
        o.web.hosts = args.number<std::uint32_t>(arg, v);
    } else if (arg == "--hosts-per-domain") {
        o.web.hosts_per_domain = args.number<std::uint32_t>(arg, v);
    } else if (arg == "--dir-pages") {
        o.web.dir_pages = args.number<std::uint32_t>(arg, v);
    } else if (arg == "--page-bytes") {
        o.web.page_bytes = args.number<std::uint32_t>(arg, v);
    } else if (arg == "--sitemap-urls") {
        o.web.sitemap_urls = args.number<std::uint32_t>(arg, v);
    } else if (arg == "--crawl-delay") {
        o.web.crawl_delay = args.number<double>(arg, v);
    } else if (arg == "--port") {
        o.server.port = args.number<std::uint16_t>(arg, v);
        o.web.port = o.server.port;
    } else if (arg == "--threads") {
        o.server.threads = args.number<unsigned>(arg, v);
    } else if (arg == "--answer-delay") {
        o.answer_delay_ms = args.number<std::uint32_t>(arg, v);
    } else if (arg == "--log") {
        o.log_path = std::string(v);
    } else if (arg == "--summary") {
        o.summary_path = std::string(v);
    } else if (arg == "--start") {
        o.crawl.seeds.emplace_back(v);
    } else if (arg == "--depth") {
        o.crawl.depth = args.number<std::uint32_t>(arg, v);
    } else if (arg == "--max-pages") {
        o.crawl.max_pages = args.number<std::uint64_t>(arg, v);
    } else if (arg == "--max-per-host") {
        o.crawl.max_per_host = args.number<std::uint64_t>(arg, v);
    } else if (arg == "--scope") {
        if (v != "host" && v != "domain" && v != "any") {
            args.fail("--scope is host, domain or any");
        }
        o.crawl.scope = v == "host" ? scope::host : v == "domain" ? scope::domain : scope::any;
    } else if (arg == "--redirects") {
        if (v != "followed" && v != "queued") {
            args.fail("--redirects is followed or queued");
        }
        o.crawl.redirects = v == "followed" ? redirect_mode::followed : redirect_mode::queued;
    } else {
        args.fail("unknown option " + std::string(arg));
    }
}

options parse_args(int argc, char** argv)
{
    options o;
    o.server.keep_entries = false;
    o.server.threads = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (flag(o, arg)) {
            continue;
        }
        if (i + 1 >= argc) {
            args.fail(std::string(arg) + " needs a value");
        }
        option(o, arg, argv[++i]);
    }
    if (o.server.threads == 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        o.server.threads = sched_getaffinity(0, sizeof set, &set) == 0 ? static_cast<unsigned>(CPU_COUNT(&set)) : 1;
    }
    if (o.run == mode::oracle && o.crawl.seeds.empty()) {
        args.fail("--oracle needs at least one --start URL");
    }
    return o;
}

std::string_view outcome_name(outcome r)
{
    switch (r) {
    case outcome::ok:
        return "ok";
    case outcome::not_found:
        return "not_found";
    case outcome::redirect:
        return "redirect";
    case outcome::robots_refused:
        return "robots_refused";
    case outcome::unresolvable:
        return "unresolvable";
    }
    return "?";
}

int run_oracle(const options& o)
{
    const web site(o.web);
    const crawl_expectation e = expect_crawl(site, o.crawl);
    for (std::size_t d = 0; d < e.depths.size(); ++d) {
        std::uint64_t fetched = 0;
        for (const visit& v : e.depths[d]) {
            const bool request = v.outcome != outcome::robots_refused && v.outcome != outcome::unresolvable;
            fetched += request ? 1 : 0;
            if (!o.urls_only) {
                std::printf("%zu\t%s\t%u\t%s\t%s\n", d, std::string(outcome_name(v.outcome)).c_str(), v.status,
                            v.url.c_str(), v.final_url.c_str());
            } else if (request && d < e.exact_depths) {
                std::printf("%s\n", v.url.c_str());
            }
        }
        std::fprintf(stderr, "depth %zu: %zu records, %llu fetched%s\n", d, e.depths[d].size(),
                     static_cast<unsigned long long>(fetched), d < e.exact_depths ? "" : " (candidates: a limit falls here)");
    }
    std::fprintf(stderr, "exact depths %zu: %llu records, %llu fetched; robots.txt of %zu hosts%s\n", e.exact_depths,
                 static_cast<unsigned long long>(e.records()), static_cast<unsigned long long>(e.fetches()),
                 e.robots_hosts.size(), e.truncated ? "; TRUNCATED (no depth or limit ends the calendar)" : "");
    return 0;
}

int run_list(const options& o)
{
    const web site(o.web);
    for (std::uint32_t h = 0; h < site.hosts(); ++h) {
        for (std::uint64_t i = 0; i < site.pages_on(h); ++i) {
            std::printf("%s\n", site.url(resource{kind::page, h, static_cast<std::uint32_t>(i), 0}).c_str());
        }
    }
    return 0;
}

boost::json::object summary(const web_server& server)
{
    const web& site = server.site();
    const request_log& log = server.log();
    boost::json::array hosts;
    std::uint32_t most_in_flight = 0;
    std::optional<double> smallest_gap;
    for (std::uint32_t h = 0; h < site.hosts(); ++h) {
        const host_counters c = log.host(h);
        if (c.requests == 0) {
            continue;
        }
        most_in_flight = std::max(most_in_flight, c.max_in_flight);
        boost::json::object row{{"host", site.host_name(h)}, {"requests", c.requests}, {"max_in_flight", c.max_in_flight}};
        if (c.min_gap) {
            const double ms = std::chrono::duration<double, std::milli>(*c.min_gap).count();
            row["min_gap_ms"] = ms;
            smallest_gap = smallest_gap ? std::min(*smallest_gap, ms) : ms;
        }
        hosts.push_back(std::move(row));
    }
    boost::json::array repeated;
    const auto again = log.repeated();
    for (const auto& [url, count] : again) {
        if (repeated.size() < 20) {
            repeated.push_back(boost::json::object{{"url", url}, {"requests", count}});
        }
    }
    boost::json::object s{{"requests", log.requests()},
                          {"connections", server.connections()},
                          {"distinct_urls", log.distinct()},
                          {"repeated_urls", again.size()},
                          {"repeated_examples", std::move(repeated)},
                          {"unknown_host_requests", log.unknown_hosts().requests},
                          {"hosts_requested", hosts.size()},
                          {"max_in_flight", most_in_flight},
                          {"hosts", std::move(hosts)}};
    if (smallest_gap) {
        s["min_gap_ms"] = *smallest_gap;
    }
    return s;
}

int serve(options o)
{
    std::FILE* tsv = nullptr;
    if (!o.log_path.empty()) {
        tsv = std::fopen(o.log_path.c_str(), "w");
        if (tsv == nullptr) {
            args.fail("cannot write " + o.log_path);
        }
        o.server.tsv = tsv;
    }
    boost::json::object s;
    {
        // The signals are ours before the ready line: a SIGTERM right after it still ends in
        // the summary.
        boost::asio::io_context signals_ctx(1);
        boost::asio::signal_set signals(signals_ctx, SIGINT, SIGTERM);
        signals.async_wait([](const boost::system::error_code&, int) {});
        web_server server(o.web, o.server);
        for (std::uint32_t h = 0; o.answer_delay_ms != 0 && h < server.site().hosts(); ++h) {
            server.set_delay(h, std::chrono::milliseconds(o.answer_delay_ms));
        }
        std::printf("port=%u hosts=%u pages=%llu seed=%llu threads=%u home=%s\n", server.port(), server.site().hosts(),
                    static_cast<unsigned long long>(o.web.pages), static_cast<unsigned long long>(o.web.seed),
                    o.server.threads, server.url(resource{kind::page, 0, 0, 0}).c_str());
        std::fflush(stdout);
        signals_ctx.run();
        s = summary(server);
    }
    if (tsv != nullptr) {
        std::fclose(tsv);
    }
    const auto count = [&s](std::string_view key) { return static_cast<unsigned long long>(s.at(key).to_number<std::uint64_t>()); };
    const std::string gap = s.contains("min_gap_ms") ? std::to_string(s.at("min_gap_ms").as_double()) : "-";
    std::fprintf(stderr,
                 "crawl-web-server: served %llu requests (%llu distinct URLs, %llu requested more than once) on %llu "
                 "connections; most in flight at one host %llu; smallest gap between starts at one host %s ms\n",
                 count("requests"), count("distinct_urls"), count("repeated_urls"), count("connections"),
                 count("max_in_flight"), gap.c_str());
    if (!o.summary_path.empty()) {
        std::ofstream(o.summary_path) << boost::json::serialize(s) << "\n";
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    const options o = parse_args(argc, argv);
    try {
        switch (o.run) {
        case mode::oracle:
            return run_oracle(o);
        case mode::list:
            return run_list(o);
        case mode::serve:
            return serve(o);
        }
    } catch (const std::exception& e) {
        std::cerr << "crawl-web-server: error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
