#include "crawl/cli/cli.hpp"

#include "crawl/robots/robots.hpp"
#include "crawl/supervisor/options.hpp"
#include "crawl/util/text.hpp"
#include "crawl/warc/record.hpp"
#include "crawl/warc/writer.hpp"

#include <CLI/CLI.hpp>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <thread>

namespace crawl::cli {

namespace {

using supervisor::exit_usage;

const char* const examples = R"(Examples:
  crawl urls.txt                          crawl with one worker per core, JSONL on stdout
  crawl -w 1 urls.txt                     single-core mode (for comparison)
  crawl -w 8 -c 128 --per-host 4 -o out.jsonl urls.txt
  grep example.org all.txt | crawl -q --links -
  crawl --format csv --stats stats.json urls.txt > out.csv
  crawl --resolve example.test:443:127.0.0.1 --cacert ca.pem urls.txt
  crawl --warc archive/crawl --cdx -o out.jsonl urls.txt   keep the pages in WARC files
  crawl -q --resume -o out.jsonl --max-time 3000 --delay 1000 urls.txt   (from cron)

Exit status: 0 every URL ok (final 2xx), 1 some URLs failed, 2 usage or input error
(a refused --resume included), 3 stopped by --max-time (run again with --resume),
4 a WARC file could not be written, 130/143 stopped by SIGINT/SIGTERM, 141 output closed early.
Records, fields, error classes and the rest: man crawl (docs/crawl.1 in the source tree).)";

std::chrono::milliseconds seconds_to_ms(double seconds)
{
    return std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000.0)));
}

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::pair<std::string, std::string> parse_header(const std::string& spec)
{
    const auto colon = spec.find(':');
    if (colon == std::string::npos || colon == 0) {
        throw usage_error("--header expects 'Name: value', got '" + spec + "'");
    }
    const auto name = text::trim(std::string_view(spec).substr(0, colon));
    const auto value = text::trim(std::string_view(spec).substr(colon + 1));
    if (name.find_first_of(" \t\r\n") != std::string_view::npos || value.find_first_of("\r\n") != std::string_view::npos) {
        throw usage_error("--header has an invalid name or value: '" + spec + "'");
    }
    return {std::string(name), std::string(value)};
}

fetch::resolve_override parse_resolve(const std::string& spec)
{
    // HOST:PORT:ADDR, where ADDR may be a bracketed IPv6 literal.
    const auto first = spec.find(':');
    const auto second = first == std::string::npos ? std::string::npos : spec.find(':', first + 1);
    if (second == std::string::npos) {
        throw usage_error("--resolve expects HOST:PORT:ADDR, got '" + spec + "'");
    }
    fetch::resolve_override r;
    r.host = text::to_lower_ascii(spec.substr(0, first));
    const std::string port = spec.substr(first + 1, second - first - 1);
    std::string addr = spec.substr(second + 1);
    if (addr.size() > 2 && addr.front() == '[' && addr.back() == ']') {
        addr = addr.substr(1, addr.size() - 2);
    }
    char* end = nullptr;
    const unsigned long p = std::strtoul(port.c_str(), &end, 10);
    if (r.host.empty() || port.empty() || *end != '\0' || p == 0 || p > 65535) {
        throw usage_error("--resolve expects HOST:PORT:ADDR, got '" + spec + "'");
    }
    r.port = static_cast<std::uint16_t>(p);
    r.address = addr;
    return r;
}

// ADDR[:PORT] with ADDR an IP literal ([v6]:PORT for IPv6 with a port), as c-ares takes it.
void check_dns_server(const std::string& spec)
{
    std::string addr = spec;
    std::string port;
    bool port_given = false; // "ADDR:" gives an empty port, which is no port
    if (!spec.empty() && spec.front() == '[') {
        const auto close = spec.find(']');
        addr = close == std::string::npos ? "" : spec.substr(1, close - 1);
        if (close != std::string::npos && close + 1 < spec.size()) {
            port = spec[close + 1] == ':' ? spec.substr(close + 2) : "x";
            port_given = true;
        }
    } else if (std::count(spec.begin(), spec.end(), ':') == 1) {
        addr = spec.substr(0, spec.find(':'));
        port = spec.substr(spec.find(':') + 1);
        port_given = true;
    }
    unsigned char buf[16];
    const bool addr_ok = ::inet_pton(AF_INET, addr.c_str(), buf) == 1 || ::inet_pton(AF_INET6, addr.c_str(), buf) == 1;
    char* end = nullptr;
    const unsigned long p = port_given ? std::strtoul(port.c_str(), &end, 10) : 53;
    if (!addr_ok || (port_given && (port.empty() || *end != '\0')) || p == 0 || p > 65535) {
        throw CLI::ValidationError("expects ADDR[:PORT] with an IP address, got '" + spec + "'");
    }
}

void check_cacert(const std::string& path)
{
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    const bool ok = ctx != nullptr && SSL_CTX_load_verify_locations(ctx, path.c_str(), nullptr) == 1;
    SSL_CTX_free(ctx);
    if (!ok) {
        throw usage_error("--cacert " + path + ": not a readable PEM certificate bundle");
    }
}

/// The command as typed, for the warcinfo record: arguments with anything but plain characters
/// in single quotes, as a shell would take them back.
std::string command_line(int argc, char** argv)
{
    std::string line;
    for (int i = 0; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i > 0) {
            line += ' ';
        }
        const bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || std::string_view("-_./:=,@%+").find(c) != std::string_view::npos;
        });
        if (plain) {
            line += arg;
            continue;
        }
        line += '\'';
        for (const char c : arg) {
            line += c == '\'' ? std::string_view("'\\''") : std::string_view(&c, 1);
        }
        line += '\'';
    }
    return line;
}

std::string host_name()
{
    char name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(name, sizeof name - 1) != 0) {
        return "unknown";
    }
    return name;
}

/// The warcinfo block each WARC file starts with: who wrote it, how, and where.
std::string warc_info(const supervisor::options& opts, const std::string& command)
{
    const auto& w = opts.worker;
    return warc::info_block({
        {"software", std::string("crawl/") + CRAWL_VERSION},
        {"format", "WARC File Format 1.1"},
        {"conformsTo", "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"},
        {"hostname", host_name()},
        {"http-header-user-agent", w.fetch.user_agent},
        {"robots", opts.robots ? "obey" : "ignore"},
        {"command", command},
    });
}

} // namespace

int main(int argc, char** argv)
{
    supervisor::options opts;
    auto& w = opts.worker;
    auto& f = w.fetch;
    opts.workers = std::max(1u, std::thread::hardware_concurrency());
    f.user_agent = std::string("crawl/") + CRAWL_VERSION;
    double timeout = 30;
    double connect_timeout = 10;
    double read_timeout = 15;
    std::string format = "jsonl";
    std::vector<std::string> headers;
    std::vector<std::string> resolves;
    bool progress = false;
    bool no_progress = false;
    bool ignore_robots = false;
    std::string robots_agent;
    unsigned delay_ms = 0;
    unsigned max_delay_ms = 30'000;
    unsigned retry_base_ms = 500;
    double max_retry_wait = 60;
    double max_time = 0;
    std::string warc_prefix;
    std::uint64_t warc_max_size = 1ull << 30;
    int warc_gzip_level = warc::default_gzip_level;
    bool cdx = false;

    CLI::App app{"crawl: a batch web crawler that uses every core.\n"
                 "Reads one URL per line from FILE (or stdin for '-') and writes one JSON record per line.",
                 "crawl"};
    app.footer(examples);
    app.set_version_flag("--version", std::string("crawl ") + CRAWL_VERSION);
    app.add_option("FILE", opts.input, "Input file, one URL per line; '-' for stdin")->required();
    app.add_option("-w,--workers", opts.workers, "Worker processes (default: number of cores)")
        ->check(CLI::Range(1, 1024));
    app.add_option("-c,--concurrency", w.concurrency, "Requests in flight per worker")
        ->capture_default_str()->check(CLI::Range(1, 10000));
    app.add_option("--per-host", opts.per_host, "Requests in flight per host:port across all workers (0 = no cap)")
        ->capture_default_str();
    app.add_option("-o,--output", opts.output, "Write records to FILE instead of stdout");
    app.add_option("--format", format, "Record format")->capture_default_str()
        ->check(CLI::IsMember({"jsonl", "csv"}));
    app.add_option("--timeout", timeout, "Seconds for a whole URL, redirects included")
        ->capture_default_str()->check(CLI::PositiveNumber);
    app.add_option("--connect-timeout", connect_timeout, "Seconds for DNS + TCP connect + TLS handshake")
        ->capture_default_str()->check(CLI::PositiveNumber);
    app.add_option("--read-timeout", read_timeout, "Seconds to wait for the response header, and for each read")
        ->capture_default_str()->check(CLI::PositiveNumber);
    app.add_option("--max-redirects", f.max_redirects, "Redirects to follow")
        ->capture_default_str()->check(CLI::Range(0, 100));
    app.add_option("--max-body", f.max_body, "Decoded body bytes per page (suffixes K, M, G)")
        ->capture_default_str()->transform(CLI::AsSizeValue(false))->check(CLI::Range(1ull, 1ull << 40));
    app.add_option("--max-header-size", f.max_header_bytes, "Response header bytes, status line included (suffixes K, M)")
        ->capture_default_str()->transform(CLI::AsSizeValue(false))->check(CLI::Range(1024u, 16u << 20));
    app.add_option("--max-header-fields", f.max_header_fields, "Header fields per response")
        ->capture_default_str()->check(CLI::Range(1u, 1'000'000u));
    app.add_option("-A,--user-agent", f.user_agent, "User-Agent header")->capture_default_str();
    app.add_option("-H,--header", headers, "Extra request header 'Name: value' (repeatable; 'Name:' removes)");
    app.add_option("--resolve", resolves, "Use ADDR for HOST:PORT instead of DNS, as curl (repeatable)");
    app.add_option("--dns-server", f.dns_servers,
                   "Ask this name server (ADDR[:PORT], IPv6 as [ADDR]:PORT) instead of the system's (repeatable)")
        ->each(check_dns_server);
    app.add_option("--cacert", f.cacert, "PEM bundle of trusted CAs (default: the system store)")
        ->check(CLI::ExistingFile);
    app.add_flag("-k,--insecure", f.insecure, "Do not verify TLS certificates or host names");
    app.add_flag("--allow-private", f.allow_private,
                 "Let redirects from a public address lead to loopback, private and link-local ones");
    app.add_flag("--links", w.links, "Include each page's links in its record");
    app.add_flag("-q,--quiet", opts.quiet, "No summary on stderr");
    app.add_flag("-v,--verbose", opts.verbose,
                 "Diagnostics on stderr: descriptor limit, caps, each worker's counters at its end");
    app.add_flag("--progress", progress, "Show a progress line on stderr (default: when stderr is a terminal)");
    app.add_flag("--no-progress", no_progress, "Never show the progress line");
    app.add_option("--stats", opts.stats_file, "Write the summary as JSON to FILE");
    app.add_flag("--ignore-robots", ignore_robots, "Do not fetch or obey robots.txt");
    app.add_option("--robots-agent", robots_agent,
                   "Product token that selects our robots.txt group (default: from --user-agent)");
    app.add_option("--robots-cache", opts.robots_cache,
                   "Bytes of robots.txt rules kept (suffixes K, M, G); beyond it the origin used longest ago "
                   "is dropped, and fetched again if more of its URLs come")
        ->capture_default_str()->transform(CLI::AsSizeValue(false))->check(CLI::Range(0ull, 1ull << 40));
    app.add_option("--delay", delay_ms, "Milliseconds between request starts to one host, across all workers")
        ->capture_default_str();
    app.add_option("--max-delay", max_delay_ms, "Most milliseconds robots.txt Crawl-delay may raise --delay to")
        ->capture_default_str();
    app.add_option("--retries", opts.retries, "Extra attempts after a transient failure (connect, timeout, "
                                              "reset before a response, 429, 500, 502, 503, 504)")
        ->capture_default_str()->check(CLI::Range(0, 100));
    app.add_option("--retry-base", retry_base_ms, "Milliseconds of backoff before the first retry (doubled each time)")
        ->capture_default_str()->check(CLI::Range(1, 3'600'000));
    app.add_option("--max-retry-wait", max_retry_wait,
                   "Seconds a retry may wait at most; a longer Retry-After ends the retries")
        ->capture_default_str()->check(CLI::PositiveNumber);
    app.add_option("--host-errors", opts.host_errors,
                   "Consecutive connect failures or timeouts after which a host's other URLs fail fast (0 = never)")
        ->capture_default_str();
    app.add_flag("--resume", opts.resume, "With -o FILE: skip input lines FILE already has records for, append the rest");
    app.add_option("--max-time", max_time, "Seconds for the whole run; then stop dispatching and exit 3")
        ->check(CLI::PositiveNumber);
    app.add_flag("--dedup", opts.dedup,
                 "Fetch each normalized URL once; repeats get a record with duplicate_of (with --warc, a body "
                 "already archived becomes a revisit record)");
    auto& c = opts.crawl;
    std::string scope = "host";
    app.add_option("--depth", c.depth,
                   "Follow links this many hops from the input URLs (0: fetch the list only; see RECURSIVE CRAWL)")
        ->capture_default_str()->check(CLI::Range(0u, 1'000'000u));
    app.add_option("--scope", scope,
                   "Where --depth follows links: host (each seed's own host), domain (its registrable domain) or any")
        ->capture_default_str()->check(CLI::IsMember({"host", "domain", "any"}));
    app.add_option("--accept-regex", c.scope.accept,
                   "With --depth: follow only links whose normalized URL matches one of these (RE2; repeatable)");
    app.add_option("--reject-regex", c.scope.reject,
                   "With --depth: never follow links whose normalized URL matches (RE2; repeatable)");
    app.add_flag("--no-parent", c.scope.no_parent, "With --depth: never follow a link above its seed's directory");
    app.add_flag("--sitemaps", c.sitemaps,
                 "With --depth: also crawl what each input host's sitemaps list (robots.txt Sitemap: lines, else "
                 "/sitemap.xml)");
    app.add_option("--max-pages", c.max_pages, "With --depth: fetch at most this many pages in all (0 = no limit)")
        ->capture_default_str();
    app.add_option("--max-per-host", c.max_per_host, "With --depth: fetch at most this many pages per host (0 = no limit)")
        ->capture_default_str();
    std::string shared_frontier;
    app.add_option("--frontier", shared_frontier,
                   "With --depth: share the crawl with other crawl processes through Redis (redis://HOST[:PORT][/DB] "
                   "or unix://PATH[?db=N]); each host has one owner at a time (see MANY MACHINES)");
    double lease_seconds = 10;
    app.add_option("--frontier-lease", lease_seconds,
                   "With --frontier: seconds a host slot's owner may go silent before others take its hosts over")
        ->capture_default_str()->check(CLI::Range(0.5, 3600.0));
    std::string shard;
    app.add_option("--shard", shard,
                   "K/N: take only the input lines whose host falls in shard K of N (0 <= K < N; lines that are "
                   "no URL: shard 0), for N processes splitting one list");
    app.add_option("--warc", warc_prefix,
                   "Keep every request and response in WARC files PREFIX-<worker>-<n>.warc.gz (robots.txt and "
                   "redirects included)");
    app.add_option("--warc-max-size", warc_max_size, "Start a new WARC file past this size (suffixes K, M, G)")
        ->capture_default_str()->transform(CLI::AsSizeValue(false))->check(CLI::Range(1ull << 10, 1ull << 40));
    app.add_option("--warc-gzip-level", warc_gzip_level,
                   "zlib level of the WARC records' compression, 0 (stored) to 9 (smallest, slowest)")
        ->capture_default_str()->check(CLI::Range(0, 9));
    app.add_flag("--cdx", cdx, "Write a CDXJ index (pywb's format) beside each WARC file");
    // As with curl and wget, an option takes one value each time it is given: a repeatable
    // one (-H, --resolve, --dns-server) must not take the FILE that follows it as a second.
    for (CLI::Option* option : app.get_options()) {
        if (!option->get_positional()) {
            option->allow_extra_args(false);
        }
    }

    try {
        app.parse(argc, argv);
        if (progress && no_progress) {
            throw usage_error("--progress and --no-progress exclude each other");
        }
        if (progress || no_progress) {
            opts.progress = progress;
        }
        w.format = format == "csv" ? record::format::csv : record::format::jsonl;
        w.verbose = opts.verbose;
        f.max_idle_per_host = opts.per_host == 0 ? w.concurrency : std::min(w.concurrency, opts.per_host);
        f.max_idle_total = std::max(f.max_idle_total, w.concurrency);
        f.total_timeout = seconds_to_ms(timeout);
        f.connect_timeout = seconds_to_ms(connect_timeout);
        f.read_timeout = seconds_to_ms(read_timeout);
        for (const auto& h : headers) {
            f.headers.push_back(parse_header(h));
        }
        for (const auto& r : resolves) {
            f.resolve.push_back(parse_resolve(r));
        }
        if (!f.cacert.empty()) {
            check_cacert(f.cacert);
        }
        opts.robots = !ignore_robots;
        w.robots_agent = robots_agent.empty() ? robots::product_token(f.user_agent) : robots_agent;
        opts.delay = std::chrono::milliseconds(delay_ms);
        opts.max_delay = std::chrono::milliseconds(max_delay_ms);
        opts.retry_base = std::chrono::milliseconds(retry_base_ms);
        opts.max_retry_wait = seconds_to_ms(max_retry_wait);
        if (max_time > 0) {
            opts.max_time = seconds_to_ms(max_time);
        }
        if (opts.resume && opts.output.empty()) {
            throw usage_error("--resume needs -o FILE (the output to resume)");
        }
        if (opts.resume && opts.input == "-") {
            throw usage_error("--resume needs the input in a file, not stdin (its identity is checked)");
        }
        c.scope.mode = *frontier::scope_mode_from_string(scope);
        if (c.depth == 0 && (c.scope.no_parent || c.max_pages != 0 || c.max_per_host != 0 || app.count("--scope") > 0 ||
                             !c.scope.accept.empty() || !c.scope.reject.empty() || c.sitemaps)) {
            throw usage_error("--scope, --accept-regex, --reject-regex, --no-parent, --sitemaps, --max-pages and "
                              "--max-per-host go with --depth N");
        }
        if (!shard.empty()) {
            const auto spec = supervisor::parse_shard(shard);
            if (!spec) {
                throw usage_error("--shard expects K/N with 0 <= K < N <= 65536, got '" + shard + "'");
            }
            opts.shard = *spec;
            if (c.depth > 0 && c.scope.mode == frontier::scope_mode::any) {
                throw usage_error("--shard with --depth needs --scope host or domain: links of --scope any lead to "
                                  "hosts of other shards");
            }
        }
        if (!shared_frontier.empty()) {
            auto address = redis::parse_address(shared_frontier);
            if (auto* error = std::get_if<std::string>(&address)) {
                throw usage_error("--frontier: " + *error);
            }
            if (c.depth == 0) {
                throw usage_error("--frontier goes with --depth N: it shares a recursive crawl");
            }
            if (opts.resume || c.sitemaps || c.max_pages != 0 || c.max_per_host != 0 || !shard.empty() || opts.dedup) {
                throw usage_error("--frontier does not go with --resume (the shared frontier is what a process joins "
                                  "again), --sitemaps, --max-pages, --max-per-host, --shard or --dedup");
            }
            c.shared = std::get<redis::address>(std::move(address));
            c.lease = std::chrono::milliseconds(static_cast<long long>(lease_seconds * 1000));
        } else if (app.count("--frontier-lease") > 0) {
            throw usage_error("--frontier-lease goes with --frontier");
        }
        if (const auto compiled = frontier::scope::make(c.scope); !compiled) {
            throw usage_error(compiled.error().message);
        }
        if (warc_prefix.empty() && (cdx || app.count("--warc-max-size") > 0 || app.count("--warc-gzip-level") > 0)) {
            throw usage_error("--cdx, --warc-max-size and --warc-gzip-level go with --warc PREFIX");
        }
        if (!warc_prefix.empty()) {
            warc::settings archive;
            archive.prefix = warc_prefix;
            archive.max_size = warc_max_size;
            archive.cdx = cdx;
            archive.level = warc_gzip_level;
            archive.revisits = opts.dedup;
            archive.info = warc_info(opts, command_line(argc, argv));
            w.warc = std::move(archive);
        }
        if (opts.input == "-" && ::isatty(STDIN_FILENO)) {
            throw usage_error("reading URLs from a terminal; pass a file, or pipe URLs into 'crawl -'");
        }
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
            return app.exit(e); // --help, --version
        }
        std::fprintf(stderr, "crawl: error: %s\nRun 'crawl --help' for usage.\n", e.what());
        return exit_usage;
    } catch (const usage_error& e) {
        std::fprintf(stderr, "crawl: error: %s\nRun 'crawl --help' for usage.\n", e.what());
        return exit_usage;
    }
    return supervisor::run(opts);
}

} // namespace crawl::cli
