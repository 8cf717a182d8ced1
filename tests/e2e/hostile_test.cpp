// The adversarial server suite: the real binary against servers that lie in every way HTTP
// allows (tests/support/liar_server, plus the hostile routes of tests/support/test_server).
// One table row per behaviour; for every row the test asserts exactly one record per input
// line, the right error class or extracted values, no crash (exit status, stderr, no
// worker_crash), no hang (the run ends within the row's deadline plus a small slack) and
// bounded memory (the peak RSS of the supervisor and of every worker, from --stats). Every row
// runs with --warc, and warcio.js reads what it wrote: whole records, right digests, every
// record's `warc` leading to its response.

#include "harness.hpp"
#include "warc_check.hpp"
#include "support/liar_server.hpp"
#include "support/routes.hpp"
#include "support/test_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <iterator>

namespace crawl::test {
namespace {

using namespace std::chrono_literals;
using json = boost::json::object;

/// Every server a row may use, started once per test.
struct servers {
    test_server web;
    liar_server liar;
    liar_server tls_garbage{liar_server::mode::tls_garbage};
    liar_server tls_silent{liar_server::mode::tls_silent};
};

/// One input line and what its record must say.
struct line {
    std::string url;
    std::string error_class; ///< "none" for a record without error
    std::function<void(const json&)> check = {};
};

struct hostile_case {
    std::string name;
    std::function<std::vector<line>(const servers&)> lines;
    std::vector<std::string> args; ///< crawl options beyond the defaults below
    /// What the options allow the whole run to take (its slowest URL); the run must end within
    /// this plus `slack`.
    std::chrono::milliseconds deadline;
    std::function<void(const servers&)> prepare = {};
};

// Startup and shutdown of an ASan build, and a loaded 2-core CI machine.
constexpr auto slack = 4s;
// Every process's peak RSS must stay under this. Measured in the ASan build: about 70 MB for
// an idle process, about 210 MB for the worst row (the gzip bomb: 16 MiB of NUL bytes, which
// become U+FFFD, three bytes each, for libxml2, which keeps what it parsed); an uncapped
// hostile body (2 GiB of zeros, an endless chunk or header) would go far past it.
constexpr long max_peak_rss_kb = 400 * 1024;

std::string percent_encode(std::string_view s)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' || c == '_') {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

/// GETs `path` from the test server and waits for the first response byte, so that work the
/// server does once (computing the gzip bomb) is not timed as crawl's.
void warm_up(std::uint16_t port, std::string_view path)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
    const std::string req = "GET " + std::string(path) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
    char byte = 0;
    EXPECT_EQ(::recv(fd, &byte, 1, 0), 1);
    ::close(fd);
}

void expect_title(const json& r, std::string_view title)
{
    EXPECT_EQ(str(r, "title"), title);
}

std::string path_of(const json& r, std::string_view key)
{
    const std::string url = str(r, key);
    const auto slash = url.find('/', url.find("//") + 2);
    return slash == std::string::npos ? url : url.substr(slash);
}

std::vector<hostile_case> cases()
{
    const std::vector<std::string> fast = {"--timeout", "4", "--read-timeout", "1", "--connect-timeout", "1"};
    // Rows whose cost is parsing, not waiting: a loaded CI machine must not turn them into
    // timeouts, and their deadline is this --timeout.
    const std::vector<std::string> heavy = {"--timeout", "20", "--read-timeout", "5", "--connect-timeout", "1"};
    // `fast` with some options added or replaced (crawl refuses an option given twice).
    auto with = [&](const std::vector<std::string>& extra) {
        std::vector<std::string> a = extra;
        for (std::size_t i = 0; i + 1 < fast.size(); i += 2) {
            if (std::find(extra.begin(), extra.end(), fast[i]) == extra.end()) {
                a.push_back(fast[i]);
                a.push_back(fast[i + 1]);
            }
        }
        return a;
    };
    return {
        // ---- slow and silent peers
        {"HeadersTrickledOneByteAtATime",
         [](const servers& s) {
             return std::vector<line>{{s.web.url("/trickle-headers?ms=1500"), "none",
                                       [](const json& r) { expect_title(r, "Page 1"); }}};
         },
         {"--read-timeout", "3"}, 1500ms},
        {"HeadersTrickledPastTheReadTimeout",
         [](const servers& s) { return std::vector<line>{{s.web.url("/trickle-headers?ms=8000"), "timeout"}}; },
         fast, 1000ms},
        {"BodyTrickled",
         [](const servers& s) {
             return std::vector<line>{{s.web.url("/slow-body?ms=2000"), "none",
                                       [](const json& r) { expect_title(r, "Page 1"); }}};
         },
         fast, 2000ms},
        {"BodyTrickledForever",
         [](const servers& s) {
             return std::vector<line>{{s.liar.url("/trickle-body-forever"), "timeout", [](const json& r) {
                                           EXPECT_NE(r.at("error").as_object().at("message").as_string().find("--timeout"),
                                                     boost::json::string::npos)
                                               << "the total deadline, not the idle one, ends it";
                                       }}};
         },
         with({"--timeout", "3"}), 3000ms},
        {"ServerNeverAnswers",
         [](const servers& s) { return std::vector<line>{{s.web.url("/never"), "timeout"}}; }, fast, 1000ms},

        // ---- bodies that never end or lie about their size
        {"EndlessChunkedBody",
         [](const servers& s) {
             return std::vector<line>{{s.liar.url("/endless-chunked"), "body_too_large",
                                       [](const json& r) { EXPECT_EQ(num(r, "body_bytes"), 1 << 20); }}};
         },
         with({"--max-body", "1M"}), 4000ms},
        {"GzipBombOfTwoGigabytes",
         [](const servers& s) {
             return std::vector<line>{{s.web.url("/gzip-bomb?mb=2048"), "body_too_large", [](const json& r) {
                                           EXPECT_EQ(num(r, "body_bytes"), 16 << 20) << "stopped at --max-body";
                                           EXPECT_LT(num(r, "wire_bytes"), 1 << 20) << "long before the 2 MB are read";
                                       }}};
         },
         {"--timeout", "20"}, 20000ms, [](const servers& s) { warm_up(s.web.port(), "/gzip-bomb?mb=2048"); }},
        {"TruncatedGzip",
         [](const servers& s) { return std::vector<line>{{s.web.url("/truncated-gzip"), "decode"}}; }, fast, 4000ms},
        {"LabelledGzipButIsNot",
         [](const servers& s) { return std::vector<line>{{s.web.url("/corrupt-gzip"), "decode"}}; }, fast, 4000ms},
        // The other bombs stop at a smaller --max-body: the gzip row above already shows what
        // 16 MiB of NULs cost the extractor, and these rows are about the decoders.
        {"BrBombOfOneGigabyte",
         [](const servers& s) {
             return std::vector<line>{{s.web.url("/br-bomb?mb=1024"), "body_too_large", [](const json& r) {
                                           EXPECT_EQ(num(r, "body_bytes"), 4 << 20) << "stopped at --max-body";
                                       }}};
         },
         {"--timeout", "20", "--max-body", "4M"}, 20000ms,
         [](const servers& s) { warm_up(s.web.port(), "/br-bomb?mb=1024"); }},
        {"ZstdBombOfOneGigabyte",
         [](const servers& s) {
             return std::vector<line>{{s.web.url("/zstd-bomb?mb=1024"), "body_too_large", [](const json& r) {
                                           EXPECT_EQ(num(r, "body_bytes"), 4 << 20) << "stopped at --max-body";
                                       }}};
         },
         {"--timeout", "20", "--max-body", "4M"}, 20000ms,
         [](const servers& s) { warm_up(s.web.port(), "/zstd-bomb?mb=1024"); }},
        {"GzipBombInsideBr",
         [](const servers& s) {
             return std::vector<line>{{s.web.url("/stacked-bomb?mb=1024"), "body_too_large", [](const json& r) {
                                           EXPECT_EQ(str(r, "content_encoding"), "gzip, br");
                                           EXPECT_EQ(num(r, "body_bytes"), 4 << 20) << "stopped at --max-body";
                                       }}};
         },
         {"--timeout", "20", "--max-body", "4M"}, 20000ms,
         [](const servers& s) { warm_up(s.web.port(), "/stacked-bomb?mb=1024"); }},
        {"ZstdFrameAsksFor128MiBWindow",
         [](const servers& s) { return std::vector<line>{{s.web.url("/zstd-window?log=27"), "decode"}}; }, fast,
         4000ms},
        {"TruncatedBrAndZstd",
         [](const servers& s) {
             return std::vector<line>{{s.web.url("/truncated-br"), "decode"}, {s.web.url("/truncated-zstd"), "decode"}};
         },
         fast, 4000ms},
        {"LabelledBrButIsGzipAndCorruptZstd",
         [](const servers& s) {
             return std::vector<line>{{s.web.url("/corrupt-br"), "decode"}, {s.web.url("/corrupt-zstd"), "decode"}};
         },
         fast, 4000ms},
        {"EncodingNotAskedFor",
         [](const servers& s) {
             return std::vector<line>{{s.web.url("/unsupported-encoding"), "unsupported_encoding", [](const json& r) {
                                           EXPECT_EQ(str(r, "content_encoding"), "compress");
                                       }}};
         },
         fast, 4000ms},
        {"SixCodingsStacked",
         [](const servers& s) {
             return std::vector<line>{{s.web.url("/stacked/1?ce=br,br,br,br,br,br"), "unsupported_encoding"}};
         },
         fast, 4000ms},
        {"ContentLengthShorterThanBody",
         [](const servers& s) {
             return std::vector<line>{
                 {s.liar.url("/length-short"), "none", [](const json& r) { EXPECT_EQ(num(r, "body_bytes"), 10); }},
                 {s.liar.url("/after-short"), "none",
                  [](const json& r) { expect_title(r, liar::after_short_title); }}};
         },
         with({"-w", "1", "-c", "1"}), 4000ms},
        {"ContentLengthLongerThanBodyThenClose",
         [](const servers& s) { return std::vector<line>{{s.liar.url("/length-long-close"), "read"}}; }, fast, 4000ms},
        {"ContentLengthLongerThanBodyThenSilence",
         [](const servers& s) { return std::vector<line>{{s.liar.url("/length-long-hang"), "timeout"}}; }, fast,
         1000ms},
        {"InvalidChunkSize",
         [](const servers& s) { return std::vector<line>{{s.liar.url("/bad-chunk"), "protocol"}}; }, fast, 4000ms},
        {"EndlessChunkExtension",
         [](const servers& s) { return std::vector<line>{{s.liar.url("/endless-chunk-extension"), "protocol"}}; },
         fast, 4000ms},
        {"ConnectionResetMidBody",
         [](const servers& s) { return std::vector<line>{{s.liar.url("/reset-mid-body"), "read"}}; }, fast, 4000ms},
        {"ConnectionClosedMidBody",
         [](const servers& s) { return std::vector<line>{{s.web.url("/close-mid-body"), "read"}}; }, fast, 4000ms},

        // ---- headers and status lines
        {"TwentyThousandHeaderLines",
         [](const servers& s) {
             return std::vector<line>{{s.liar.url("/many-headers"), "protocol", [](const json& r) {
                                           EXPECT_NE(r.at("error").as_object().at("message").as_string().find(
                                                         "more than 1000"),
                                                     boost::json::string::npos);
                                       }}};
         },
         fast, 4000ms},
        {"TwentyThousandLongHeaderLines",
         [](const servers& s) { return std::vector<line>{{s.liar.url("/many-long-headers"), "protocol"}}; }, fast,
         4000ms},
        {"TwoMegabyteHeaderLine",
         [](const servers& s) { return std::vector<line>{{s.liar.url("/huge-header-line"), "protocol"}}; }, fast,
         4000ms},
        {"GarbageStatusLine",
         [](const servers& s) { return std::vector<line>{{s.liar.url("/status-garbage"), "protocol"}}; }, fast,
         4000ms},
        {"NoStatusLine",
         [](const servers& s) { return std::vector<line>{{s.liar.url("/no-status-line"), "protocol"}}; }, fast,
         4000ms},
        {"BinaryGarbageInsteadOfHttp",
         [](const servers& s) { return std::vector<line>{{s.liar.url("/binary-garbage"), "protocol"}}; }, fast,
         4000ms},
        {"HundredContinueBeforeTheResponse",
         [](const servers& s) {
             return std::vector<line>{{s.liar.url("/continue"), "none", [](const json& r) {
                                           expect_title(r, liar::after_continue_title);
                                           EXPECT_EQ(num(r, "status"), 200);
                                       }}};
         },
         fast, 4000ms},
        {"EndlessHundredContinue",
         [](const servers& s) { return std::vector<line>{{s.liar.url("/continue-forever"), "protocol"}}; }, fast,
         4000ms},

        // ---- redirects
        {"RedirectLoop",
         [](const servers& s) { return std::vector<line>{{s.web.url("/loop/a"), "redirect_loop"}}; }, fast, 4000ms},
        {"ThousandHopRedirectChain",
         [](const servers& s) {
             return std::vector<line>{{s.web.url("/redirect/1000"), "too_many_redirects",
                                       [](const json& r) { EXPECT_EQ(num(r, "redirects"), 5); }}};
         },
         fast, 4000ms},
        {"RedirectsToFtpFileAndJavascript",
         [](const servers& s) {
             return std::vector<line>{
                 {s.web.url("/redirect-to?location=ftp%3A%2F%2Fexample.com%2Ff"), "unsupported_scheme"},
                 {s.web.url("/redirect-to?location=file%3A%2F%2F%2Fetc%2Fpasswd"), "unsupported_scheme"},
                 {s.web.url("/redirect-to?location=javascript%3Aalert(1)"), "unsupported_scheme"}};
         },
         fast, 4000ms},
        {"RedirectWithEmptyLocation",
         [](const servers& s) {
             return std::vector<line>{{s.web.url("/redirect-to?location="), "http_status", [](const json& r) {
                                           EXPECT_EQ(num(r, "status"), 302);
                                           EXPECT_EQ(num(r, "redirects"), 0);
                                       }}};
         },
         fast, 4000ms},
        {"LocationWithSpacesRawUtf8AndDotSegments",
         [](const servers& s) {
             const std::string location = "/page/x/../../page/5?q=a b&u=\xC3\xBC";
             return std::vector<line>{
                 {s.web.url("/redirect-to?location=" + percent_encode(location)), "none", [](const json& r) {
                      EXPECT_EQ(path_of(r, "final_url"), "/page/5?q=a%20b&u=%C3%BC");
                      expect_title(r, "Page 5");
                  }},
                 {s.web.url("/redirect-to?location=" + percent_encode("../a b/\xE2\x82\xAC")), "http_status",
                  [](const json& r) {
                      EXPECT_EQ(path_of(r, "final_url"), "/a%20b/%E2%82%AC");
                      EXPECT_EQ(num(r, "status"), 404);
                  }}};
         },
         fast, 4000ms},

        // ---- what pages contain
        {"RandomBinaryLabelledHtml",
         [](const servers& s) { return std::vector<line>{{s.web.url("/random-html"), "none"}}; }, heavy, 20000ms},
        {"TitlesInEucKrAndShiftJis",
         [](const servers& s) {
             auto title = [](std::string_view t) { return [t](const json& r) { expect_title(r, t); }; };
             return std::vector<line>{{s.web.url("/charset/euc-kr-header"), "none", title(routes::euc_kr_title)},
                                      {s.web.url("/charset/euc-kr-meta"), "none", title(routes::euc_kr_title)},
                                      {s.web.url("/charset/sjis-header"), "none", title(routes::sjis_title)},
                                      {s.web.url("/charset/sjis-meta"), "none", title(routes::sjis_title)}};
         },
         fast, 4000ms},
        {"InvalidUtf8AndNulInTitle",
         [](const servers& s) {
             return std::vector<line>{{s.liar.url("/title-invalid-utf8"), "none",
                                       [](const json& r) { expect_title(r, liar::invalid_utf8_title); }}};
         },
         fast, 4000ms},
        {"EntitiesInTitle",
         [](const servers& s) {
             return std::vector<line>{{s.liar.url("/title-entities"), "none",
                                       [](const json& r) { expect_title(r, liar::entities_title); }}};
         },
         fast, 4000ms},
        {"TitleHiddenInCommentAndScriptFirst",
         [](const servers& s) {
             return std::vector<line>{{s.liar.url("/title-hidden"), "none",
                                       [](const json& r) { expect_title(r, liar::real_title); }}};
         },
         fast, 4000ms},
        {"HundredThousandLinks",
         [](const servers& s) {
             return std::vector<line>{{s.liar.url("/links"), "none", [](const json& r) {
                                           EXPECT_EQ(num(r, "links_count"), 100'000);
                                           EXPECT_EQ(r.at("links").as_array().size(), 100'000u);
                                       }}};
         },
         [&] {
             auto a = heavy;
             a.emplace_back("--links");
             return a;
         }(),
         20000ms},
        {"FiveMegabyteAttribute",
         [](const servers& s) {
             return std::vector<line>{{s.liar.url("/huge-attribute"), "none", [](const json& r) {
                                           expect_title(r, liar::real_title);
                                           EXPECT_EQ(num(r, "links_count"), 2) << "links on both sides of it";
                                       }}};
         },
         heavy, 20000ms},
        {"TwoHundredThousandNestedElements",
         [](const servers& s) {
             return std::vector<line>{{s.liar.url("/deep-nesting"), "none", [](const json& r) {
                                           expect_title(r, liar::real_title);
                                           EXPECT_GE(num(r, "links_count"), 1) << "the link before the nesting";
                                       }}};
         },
         heavy, 20000ms},

        // ---- connections
        {"Http10CloseDelimitedBody",
         [](const servers& s) {
             return std::vector<line>{{s.web.url("/close-delimited"), "none",
                                       [](const json& r) { expect_title(r, "Page 1"); }}};
         },
         fast, 4000ms},
        {"KeepAliveAnnouncedThenClosed",
         [](const servers& s) {
             return std::vector<line>{{s.web.url("/keepalive-then-close"), "none"},
                                      {s.web.url("/page/2"), "none", [](const json& r) { expect_title(r, "Page 2"); }},
                                      {s.web.url("/keepalive-then-close"), "none"}};
         },
         with({"-w", "1", "-c", "1"}), 4000ms},
        {"TlsPortAnswersGarbage",
         [](const servers& s) { return std::vector<line>{{s.tls_garbage.url("/"), "tls"}}; }, with({"-k"}), 1000ms},
        {"TlsHandshakeNeverCompletes",
         [](const servers& s) {
             return std::vector<line>{{s.tls_silent.url("/"), "timeout", [](const json& r) {
                                           EXPECT_NE(r.at("error").as_object().at("message").as_string().find("TLS"),
                                                     boost::json::string::npos);
                                       }}};
         },
         with({"-k"}), 1000ms},
    };
}

/// GoogleTest prints a failing row by its name rather than its bytes.
void PrintTo(const hostile_case& c, std::ostream* os)
{
    *os << c.name;
}

class HostileTest : public ::testing::TestWithParam<hostile_case> {};

std::string slurp(const std::string& path)
{
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_P(HostileTest, OneRecordPerLineRightClassNoHangBoundedMemory)
{
    const hostile_case& c = GetParam();
    servers s;
    if (c.prepare) {
        c.prepare(s);
    }
    const std::vector<line> lines = c.lines(s);
    std::vector<std::string> input;
    for (const auto& l : lines) {
        input.push_back(l.url);
    }
    const auto stats_file = write_temp_file("hostile-stats-" + c.name + ".json", "");
    std::vector<std::string> args = c.args;
    // Each row isolates one server behaviour: no robots.txt request before it, and no retry
    // hiding or repeating its outcome (those layers have their own suites).
    args.insert(args.end(), {"--stats", stats_file, "--ignore-robots", "--retries", "0"});
    const std::string archive = fresh_directory("hostile-" + c.name);
    args.insert(args.end(), {"--warc", archive + "/h"});

    const auto start = std::chrono::steady_clock::now();
    const crawl_run run = run_crawl(input, args, c.deadline + slack + 30s);
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);

    // No crash, no hang.
    ASSERT_FALSE(run.process.timed_out) << "crawl hung";
    EXPECT_TRUE(run.process.exit_code == 0 || run.process.exit_code == 1) << run.process.exit_code << run.process.err;
    EXPECT_EQ(run.process.err.find("re-dispatching"), std::string::npos) << "a worker died:\n" << run.process.err;
    // Wall time, because each row's timeouts are deadlines: no hang past them.
    EXPECT_LE(elapsed, c.deadline + slack) << "deadline " << c.deadline.count() << " ms";

    // Exactly one record per input line, each as expected.
    ASSERT_EQ(run.lines.size(), lines.size()) << run.process.out;
    ASSERT_EQ(run.records.size(), lines.size()) << run.process.out;
    std::string outcomes;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const json& r = run.at(i + 1);
        SCOPED_TRACE(lines[i].url);
        EXPECT_EQ(error_class_of(r), lines[i].error_class) << boost::json::serialize(r).substr(0, 600);
        if (lines[i].check) {
            lines[i].check(r);
        }
        outcomes += " " + error_class_of(r);
    }

    // Bounded memory: every process of the run.
    const auto stats = boost::json::parse(slurp(stats_file)).as_object();
    const long supervisor_kb = stats.at("supervisor_peak_rss_kb").to_number<long>();
    EXPECT_GT(supervisor_kb, 0);
    EXPECT_LE(supervisor_kb, max_peak_rss_kb) << "supervisor";
    long worst_worker_kb = 0;
    const auto& workers = stats.at("worker_processes").as_array();
    EXPECT_FALSE(workers.empty());
    for (const auto& w : workers) {
        const long kb = w.as_object().at("peak_rss_kb").to_number<long>();
        EXPECT_LE(kb, max_peak_rss_kb) << "worker " << w.as_object().at("pid").to_number<long>();
        worst_worker_kb = std::max(worst_worker_kb, kb);
    }
    // What was archived reads back whole, each record leading to its response.
    const auto files = warc_files(archive);
    std::string archived = "no WARC file";
    if (!files.empty()) {
        archived = "warcio: not installed";
        if (!warcio_missing()) {
            const auto report = read_with_warcio(files, run.process.out);
            archived = "warcio: " + std::to_string(report.summary.at("recordsChecked").to_number<int>()) + " checked";
        }
    }
    std::filesystem::remove_all(archive);
    // One line per case for the report: what happened, how long it took, what it cost.
    std::printf("hostile %-40s %-45s %6lld ms  supervisor %4ld MB  worker %4ld MB  %s\n", c.name.c_str(),
                outcomes.c_str(), static_cast<long long>(elapsed.count()), supervisor_kb / 1024,
                worst_worker_kb / 1024, archived.c_str());
}

INSTANTIATE_TEST_SUITE_P(Cases, HostileTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<hostile_case>& param) { return param.param.name; });

} // namespace
} // namespace crawl::test
