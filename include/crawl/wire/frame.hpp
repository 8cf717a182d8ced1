#pragma once
// The frames supervisor and workers exchange over pipes, encoded and decoded without I/O.
// Byte layout: docs/design.md, "Frame format". Every frame is [u32 payload length, little
// endian][u8 type][payload]. Integers are little endian; strings are [u32 length][bytes].

#include "crawl/url/target.hpp"
#include "crawl/util/error_class.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace crawl::wire {

inline constexpr std::uint32_t protocol_version = 7;
inline constexpr std::size_t header_size = 5;
/// Frames larger than this are a protocol violation (a record line with 100k links fits).
inline constexpr std::uint32_t max_payload = 64u << 20;

enum class frame_type : std::uint8_t {
    hello = 1,    ///< worker → supervisor, first frame: version, worker id, pid
    job = 2,      ///< supervisor → worker: one URL to fetch, parsed
    result = 3,   ///< worker → supervisor: one finished record
    shutdown = 4, ///< supervisor → worker: cancel everything in flight and exit
    robots_job = 5,    ///< supervisor → worker: fetch one origin's robots.txt
    robots_result = 6, ///< worker → supervisor: the rules for our product token, or a verdict
    drain = 7,         ///< supervisor → worker: start nothing more, finish what is running
    failed = 8,        ///< worker → supervisor: it cannot go on (its archive cannot be written)
    turn = 9,          ///< worker → supervisor: a paced job's redirect asks to send to a host
    go = 10,           ///< supervisor → worker: the turn is granted
    sent = 11,         ///< worker → supervisor: a paced request was written at this time
    unsent = 12,       ///< worker → supervisor: a job's request was not written, its send-by time had passed
};

/// How a job is paced (docs/design.md, "Politeness"): bits of job::pacing and robots_job::pacing.
/// Send the supervisor a `sent` frame whenever the first hop's request is written.
inline constexpr std::uint8_t report_sends = 1;
/// Ask the supervisor for a turn (and wait for its `go`) before each redirect hop.
inline constexpr std::uint8_t ask_turns = 2;

/// The u32 that stands for "no value" in millisecond fields (Retry-After, Crawl-delay);
/// real values are clamped below it.
inline constexpr std::uint32_t no_millis = 0xFFFFFFFFu;

/// What a job of a recursive crawl (--depth above 0) carries besides its URL: bits of
/// crawl_context::flags (docs/design.md, "Recursive crawl").
/// The job belongs to a recursive crawl: its record gains depth and found_on, its result
/// lists the links to follow, and a redirect is not followed but reported as that one link.
inline constexpr std::uint8_t recursive = 1;
/// The URL was discovered, not read from the input: its record's seq is null.
inline constexpr std::uint8_t discovered = 2;
/// The first hop may not connect to a loopback, private or link-local address (the URL
/// descends from a seed that did not, and --allow-private is off).
inline constexpr std::uint8_t outward_only = 4;
/// The URL is a sitemap (--sitemaps): the result lists its entries instead of a page's links.
inline constexpr std::uint8_t sitemap = 8;

struct crawl_context {
    std::uint8_t flags = 0;   ///< recursive | discovered | outward_only | sitemap
    std::uint32_t depth = 0;  ///< links from the input URL it descends from
    std::string found_on;     ///< the URL of the page that linked here; empty for input lines
};

struct hello {
    std::uint32_t version = protocol_version;
    std::uint32_t worker_id = 0;
    std::uint32_t pid = 0;
};

struct job {
    std::uint64_t seq = 0;     ///< input line number (1-based)
    std::uint32_t attempt = 1; ///< 1 for the first try; goes into the record's "attempts"
    std::string url;           ///< the input line, trimmed: the record's "url"
    /// `url` as the supervisor parsed and normalized it: the worker fetches this as it is.
    /// Its scheme is "http" or "https" (the frame holds one byte for it).
    url::target target;
    std::uint8_t pacing = 0; ///< report_sends | ask_turns
    crawl_context crawl;
    /// No request of this job may be written after this steady_clock time (nanoseconds since
    /// its epoch: CLOCK_MONOTONIC, one clock for every process of the machine); 0: no limit.
    /// A shared crawl's lease on the host (docs/design.md, "Many machines").
    std::int64_t send_by_ns = 0;
};

/// A finished record plus the few facts the supervisor aggregates into its summary, so it
/// never parses the line.
struct result {
    std::uint64_t seq = 0;
    error_class error = error_class::none;
    std::uint16_t http_status = 0; ///< 0 when no response arrived
    std::uint64_t wire_bytes = 0;
    std::uint64_t body_bytes = 0;
    std::uint32_t retry_after_ms = no_millis; ///< the response's Retry-After, if it had one
    std::string line; ///< the serialized record, ending in '\n'
    /// Recursive jobs: the first hop connected to a loopback or private address.
    bool inward = false;
    /// Recursive jobs: the response was a redirect, and `follow` holds its target alone.
    bool redirect = false;
    /// Sitemap jobs: the file was a sitemap index, and `follow` holds the sitemaps it lists.
    bool sitemap_index = false;
    /// Recursive jobs: the links to follow (normalized, distinct), or a redirect's target.
    std::vector<std::string> follow;
};

/// Non-owning view of a result frame's payload (valid while the reader's buffer is).
struct result_view {
    std::uint64_t seq = 0;
    error_class error = error_class::none;
    std::uint16_t http_status = 0;
    std::uint64_t wire_bytes = 0;
    std::uint64_t body_bytes = 0;
    std::uint32_t retry_after_ms = no_millis;
    std::string_view line;
    bool inward = false;
    bool redirect = false;
    bool sitemap_index = false;
    std::vector<std::string_view> follow;
};

/// Fetch /robots.txt of the origin scheme://host:port.
struct robots_job {
    std::uint64_t id = 0;   ///< chosen by the supervisor, echoed in the answer
    std::string scheme;     ///< "http" or "https", as url::target's
    std::string host;       ///< as url::target's: lowercase, IPv6 without brackets
    std::uint16_t port = 0; ///< as url::target's
    std::uint8_t pacing = 0; ///< report_sends | ask_turns
    std::int64_t send_by_ns = 0; ///< as job::send_by_ns
};

/// A paced job (id: a job's seq or a robots job's id) was sent on by a redirect to another
/// hop: it may write the request only when the supervisor says `go`.
struct turn {
    std::uint64_t id = 0;
    std::string scheme;   ///< "http" or "https": with host_port, the origin whose pacing applies
    std::string host_port; ///< url::target::host_port() of the hop
};

/// A turn is granted. `report_sends`: the hop's host is paced, so its sends are reported.
struct go {
    std::uint64_t id = 0;
    bool report_sends = false;
};

/// The request of a paced hop of job `id` was written at `at` (std::chrono::steady_clock,
/// which is CLOCK_MONOTONIC: one clock for every process of the machine).
struct sent {
    std::uint64_t id = 0;
    std::int64_t at_ns = 0; ///< steady_clock nanoseconds since its epoch
};

/// A job (id: a job's seq or a robots job's id) whose send-by time passed before its request
/// was written: it is not done, and has no result.
struct unsent {
    std::uint64_t id = 0;
};

/// What robots.txt says about an origin (RFC 9309 2.3.1).
enum class robots_verdict : std::uint8_t {
    rules = 0,        ///< fetched (2xx): obey `rules`
    allow_all = 1,    ///< unavailable (4xx, or too many redirects): no restrictions
    disallow_all = 2, ///< unreachable (5xx or a network failure): crawl nothing there
};

/// One Allow (allow = true) or Disallow rule of robots.txt, as robots::rule holds it: the frame
/// carries plain data, and each side converts.
struct rule_data {
    bool allow = false;
    std::string pattern; ///< canonical form (robots::canonical_path)
};

struct robots_result {
    std::uint64_t id = 0;
    error_class error = error_class::none; ///< the fetch's failure, if any
    std::uint16_t http_status = 0;
    std::uint64_t wire_bytes = 0;
    std::uint32_t retry_after_ms = no_millis;
    robots_verdict verdict = robots_verdict::allow_all;
    std::uint32_t crawl_delay_ms = no_millis;
    std::string message;              ///< why, for the records of disallowed URLs
    /// The selected group's rules (verdict rules), in robots::rules::list()'s order.
    std::vector<rule_data> rules;
    /// The file's Sitemap URLs (verdict rules), normalized.
    std::vector<std::string> sitemaps;
};

/// What made a worker stop on its own.
enum class failure_cause : std::uint8_t {
    archive = 1, ///< a WARC file (or its index) could not be written
};

/// A worker's fatal error: it sends no record after this frame, and exits.
struct worker_failed {
    failure_cause cause = failure_cause::archive;
    std::string message; ///< what failed and why, in words
};

/// Append one complete frame to `out`. Throw std::length_error when the payload would exceed
/// max_payload (the reader would reject it), leaving `out` as it was.
void append_frame(const hello& h, std::string& out);
void append_frame(const job& j, std::string& out);
/// The job frame of append_frame(const job&), from the parts the supervisor holds (no copies).
void append_job_frame(std::uint64_t seq, std::uint32_t attempt, std::string_view url, const url::target& target,
                      std::uint8_t pacing, const crawl_context& crawl, std::int64_t send_by_ns, std::string& out);
void append_frame(const result& r, std::string& out);
void append_frame(const robots_job& j, std::string& out);
void append_frame(const robots_result& r, std::string& out);
void append_frame(const worker_failed& f, std::string& out);
void append_frame(const turn& t, std::string& out);
void append_frame(const go& g, std::string& out);
void append_frame(const sent& s, std::string& out);
void append_frame(const unsent& u, std::string& out);
void append_shutdown_frame(std::string& out);
void append_drain_frame(std::string& out);

/// One decoded frame; payload points into the frame_reader's buffer.
struct frame_view {
    frame_type type;
    std::string_view payload;
};

std::optional<hello> decode_hello(std::string_view payload);
std::optional<job> decode_job(std::string_view payload);
std::optional<result_view> decode_result(std::string_view payload);
std::optional<robots_job> decode_robots_job(std::string_view payload);
std::optional<robots_result> decode_robots_result(std::string_view payload);
std::optional<worker_failed> decode_worker_failed(std::string_view payload);
std::optional<turn> decode_turn(std::string_view payload);
std::optional<go> decode_go(std::string_view payload);
std::optional<sent> decode_sent(std::string_view payload);
std::optional<unsent> decode_unsent(std::string_view payload);

/// next() found no complete frame: more bytes must arrive first.
struct need_more {};

/// The peer sent bytes the protocol does not allow.
struct protocol_error {
    std::string message;
};

/// Incremental frame decoder over a byte stream: read() into prepare(), commit() what
/// arrived, then call next() until it returns need_more. Views returned by next() stay valid
/// until the following prepare().
class frame_reader {
public:
    /// Writable space of at least `min_size` bytes at the end of the buffer.
    std::span<char> prepare(std::size_t min_size = 64 * 1024);
    void commit(std::size_t n) noexcept;

    /// The next complete frame; need_more when more bytes are needed; a protocol_error when
    /// the next header has an unknown type or a length over max_payload (known from the
    /// header alone, so a hostile length is never buffered). The stream cannot be read past
    /// an error: every later call returns it again.
    std::variant<frame_view, need_more, protocol_error> next();

    /// Bytes received but not yet returned as frames.
    [[nodiscard]] std::size_t pending() const noexcept { return end_ - begin_; }

private:
    std::string buf_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
};

} // namespace crawl::wire
