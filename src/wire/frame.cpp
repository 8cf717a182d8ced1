#include "crawl/wire/frame.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace crawl::wire {
namespace {

// Integers are written byte by byte, least significant first, so the layout never depends
// on the host's byte order.
template <typename T>
void put_le(T value, std::string& out)
{
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        out.push_back(static_cast<char>(static_cast<std::uint8_t>(value >> (8 * i))));
    }
}

template <typename T>
T get_le(const char* p) noexcept
{
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        value |= std::uint64_t{static_cast<std::uint8_t>(p[i])} << (8 * i);
    }
    return static_cast<T>(value);
}

void put_string(std::string_view s, std::string& out)
{
    put_le(static_cast<std::uint32_t>(s.size()), out);
    out.append(s);
}

// Writes the frame header for a payload of `payload_size` bytes. A payload the reader would
// reject must never be written: the writer fails loudly instead of corrupting the stream.
void put_header(frame_type type, std::size_t payload_size, std::string& out)
{
    if (payload_size > max_payload) {
        throw std::length_error("crawl::wire: frame payload exceeds max_payload");
    }
    out.reserve(out.size() + header_size + payload_size);
    put_le(static_cast<std::uint32_t>(payload_size), out);
    out.push_back(static_cast<char>(type));
}

// Bounds-checked cursor over a payload; every get fails (returns false) rather than reading
// past the end.
class cursor {
public:
    explicit cursor(std::string_view bytes) noexcept : bytes_(bytes) {}

    template <typename T>
    bool get(T& value) noexcept
    {
        if (bytes_.size() - pos_ < sizeof(T)) {
            return false;
        }
        value = get_le<T>(bytes_.data() + pos_);
        pos_ += sizeof(T);
        return true;
    }

    bool get_string(std::string_view& value) noexcept
    {
        std::uint32_t length = 0;
        if (!get(length) || bytes_.size() - pos_ < length) {
            return false;
        }
        value = bytes_.substr(pos_, length);
        pos_ += length;
        return true;
    }

    bool get_string(std::string& value)
    {
        std::string_view view;
        if (!get_string(view)) {
            return false;
        }
        value.assign(view);
        return true;
    }

    [[nodiscard]] bool at_end() const noexcept { return pos_ == bytes_.size(); }

private:
    std::string_view bytes_;
    std::size_t pos_ = 0;
};

// A scheme travels as one byte: the only two a target can have.
constexpr std::uint8_t scheme_http = 0;
constexpr std::uint8_t scheme_https = 1;

void put_scheme(std::string_view scheme, std::string& out)
{
    put_le(scheme == "https" ? scheme_https : scheme_http, out);
}

bool get_scheme(cursor& c, std::string& scheme)
{
    std::uint8_t code = 0;
    if (!c.get(code) || code > scheme_https) {
        return false;
    }
    scheme = code == scheme_https ? "https" : "http";
    return true;
}

// Bytes of a string field: its u32 length and its content.
std::size_t string_size(std::string_view s) noexcept
{
    return 4 + s.size();
}

bool get_pacing(cursor& c, std::uint8_t& pacing)
{
    return c.get(pacing) && (pacing & ~(report_sends | ask_turns)) == 0;
}

bool known_type(std::uint8_t t) noexcept
{
    return t >= static_cast<std::uint8_t>(frame_type::hello) && t <= static_cast<std::uint8_t>(frame_type::unsent);
}

bool valid_error(std::uint8_t e) noexcept
{
    return e < error_class_count;
}

} // namespace

void append_frame(const hello& h, std::string& out)
{
    put_header(frame_type::hello, 12, out);
    put_le(h.version, out);
    put_le(h.worker_id, out);
    put_le(h.pid, out);
}

void append_frame(const job& j, std::string& out)
{
    append_job_frame(j.seq, j.attempt, j.url, j.target, j.pacing, j.crawl, j.send_by_ns, out);
}

void append_job_frame(std::uint64_t seq, std::uint32_t attempt, std::string_view url, const url::target& t,
                      std::uint8_t pacing, const crawl_context& crawl, std::int64_t send_by_ns, std::string& out)
{
    put_header(frame_type::job,
               8 + 4 + string_size(url) + string_size(t.href) + 1 + string_size(t.host) + 2 +
                   string_size(t.request_target) + 1 + 1 + 4 + string_size(crawl.found_on) + 8,
               out);
    put_le(seq, out);
    put_le(attempt, out);
    put_string(url, out);
    put_string(t.href, out);
    put_scheme(t.scheme, out);
    put_string(t.host, out);
    put_le(t.port, out);
    put_string(t.request_target, out);
    put_le(pacing, out);
    put_le(crawl.flags, out);
    put_le(crawl.depth, out);
    put_string(crawl.found_on, out);
    put_le(send_by_ns, out);
}

void append_frame(const result& r, std::string& out)
{
    std::size_t follow_size = 4;
    for (const auto& link : r.follow) {
        follow_size += string_size(link);
    }
    put_header(frame_type::result, 8 + 1 + 2 + 8 + 8 + 4 + string_size(r.line) + 1 + follow_size, out);
    put_le(r.seq, out);
    put_le(static_cast<std::uint8_t>(r.error), out);
    put_le(r.http_status, out);
    put_le(r.wire_bytes, out);
    put_le(r.body_bytes, out);
    put_le(r.retry_after_ms, out);
    put_string(r.line, out);
    put_le(static_cast<std::uint8_t>((r.inward ? 1 : 0) | (r.redirect ? 2 : 0) | (r.sitemap_index ? 4 : 0)), out);
    put_le(static_cast<std::uint32_t>(r.follow.size()), out);
    for (const auto& link : r.follow) {
        put_string(link, out);
    }
}

void append_frame(const robots_job& j, std::string& out)
{
    put_header(frame_type::robots_job, 8 + 1 + string_size(j.host) + 2 + 1 + 8, out);
    put_le(j.id, out);
    put_scheme(j.scheme, out);
    put_string(j.host, out);
    put_le(j.port, out);
    put_le(j.pacing, out);
    put_le(j.send_by_ns, out);
}

void append_frame(const robots_result& r, std::string& out)
{
    std::size_t size = 8 + 1 + 2 + 8 + 4 + 1 + 4 + string_size(r.message) + 4 + 4;
    for (const auto& rule : r.rules) {
        size += 1 + string_size(rule.pattern);
    }
    for (const auto& url : r.sitemaps) {
        size += string_size(url);
    }
    put_header(frame_type::robots_result, size, out);
    put_le(r.id, out);
    put_le(static_cast<std::uint8_t>(r.error), out);
    put_le(r.http_status, out);
    put_le(r.wire_bytes, out);
    put_le(r.retry_after_ms, out);
    put_le(static_cast<std::uint8_t>(r.verdict), out);
    put_le(r.crawl_delay_ms, out);
    put_string(r.message, out);
    put_le(static_cast<std::uint32_t>(r.rules.size()), out);
    for (const auto& rule : r.rules) {
        put_le(static_cast<std::uint8_t>(rule.allow ? 1 : 0), out);
        put_string(rule.pattern, out);
    }
    put_le(static_cast<std::uint32_t>(r.sitemaps.size()), out);
    for (const auto& url : r.sitemaps) {
        put_string(url, out);
    }
}

void append_frame(const worker_failed& f, std::string& out)
{
    put_header(frame_type::failed, 1 + string_size(f.message), out);
    put_le(static_cast<std::uint8_t>(f.cause), out);
    put_string(f.message, out);
}

void append_frame(const turn& t, std::string& out)
{
    put_header(frame_type::turn, 8 + 1 + string_size(t.host_port), out);
    put_le(t.id, out);
    put_scheme(t.scheme, out);
    put_string(t.host_port, out);
}

void append_frame(const go& g, std::string& out)
{
    put_header(frame_type::go, 8 + 1, out);
    put_le(g.id, out);
    put_le(static_cast<std::uint8_t>(g.report_sends ? 1 : 0), out);
}

void append_frame(const sent& s, std::string& out)
{
    put_header(frame_type::sent, 8 + 8, out);
    put_le(s.id, out);
    put_le(s.at_ns, out);
}

void append_frame(const unsent& u, std::string& out)
{
    put_header(frame_type::unsent, 8, out);
    put_le(u.id, out);
}

void append_shutdown_frame(std::string& out)
{
    put_header(frame_type::shutdown, 0, out);
}

void append_drain_frame(std::string& out)
{
    put_header(frame_type::drain, 0, out);
}

std::optional<hello> decode_hello(std::string_view payload)
{
    cursor c(payload);
    hello h;
    if (!c.get(h.version) || !c.get(h.worker_id) || !c.get(h.pid) || !c.at_end()) {
        return std::nullopt;
    }
    return h;
}

std::optional<job> decode_job(std::string_view payload)
{
    cursor c(payload);
    job j;
    url::target& t = j.target;
    if (!c.get(j.seq) || !c.get(j.attempt) || !c.get_string(j.url) || !c.get_string(t.href) ||
        !get_scheme(c, t.scheme) || !c.get_string(t.host) || !c.get(t.port) || !c.get_string(t.request_target) ||
        !get_pacing(c, j.pacing) || !c.get(j.crawl.flags) || !c.get(j.crawl.depth) ||
        !c.get_string(j.crawl.found_on) || !c.get(j.send_by_ns) || !c.at_end()) {
        return std::nullopt;
    }
    if ((j.crawl.flags & ~(recursive | discovered | outward_only | sitemap)) != 0) {
        return std::nullopt;
    }
    return j;
}

std::optional<result_view> decode_result(std::string_view payload)
{
    cursor c(payload);
    result_view r;
    std::uint8_t error = 0;
    if (!c.get(r.seq) || !c.get(error) || !c.get(r.http_status) || !c.get(r.wire_bytes) ||
        !c.get(r.body_bytes) || !c.get(r.retry_after_ms) || !c.get_string(r.line)) {
        return std::nullopt;
    }
    std::uint8_t flags = 0;
    std::uint32_t links = 0;
    if (!c.get(flags) || flags > 7 || !c.get(links) || !valid_error(error)) {
        return std::nullopt;
    }
    r.inward = (flags & 1) != 0;
    r.redirect = (flags & 2) != 0;
    r.sitemap_index = (flags & 4) != 0;
    // Each link costs at least its 4-byte length: a count the payload cannot hold is a lie,
    // and must not size an allocation.
    if (links > payload.size() / 4) {
        return std::nullopt;
    }
    r.follow.reserve(links);
    for (std::uint32_t i = 0; i < links; ++i) {
        std::string_view link;
        if (!c.get_string(link)) {
            return std::nullopt;
        }
        r.follow.push_back(link);
    }
    if (!c.at_end()) {
        return std::nullopt;
    }
    r.error = static_cast<error_class>(error);
    return r;
}

std::optional<robots_job> decode_robots_job(std::string_view payload)
{
    cursor c(payload);
    robots_job j;
    if (!c.get(j.id) || !get_scheme(c, j.scheme) || !c.get_string(j.host) || !c.get(j.port) ||
        !get_pacing(c, j.pacing) || !c.get(j.send_by_ns) || !c.at_end()) {
        return std::nullopt;
    }
    return j;
}

std::optional<robots_result> decode_robots_result(std::string_view payload)
{
    cursor c(payload);
    robots_result r;
    std::uint8_t error = 0;
    std::uint8_t verdict = 0;
    std::string_view message;
    std::uint32_t count = 0;
    if (!c.get(r.id) || !c.get(error) || !c.get(r.http_status) || !c.get(r.wire_bytes) ||
        !c.get(r.retry_after_ms) || !c.get(verdict) || !c.get(r.crawl_delay_ms) || !c.get_string(message) ||
        !c.get(count)) {
        return std::nullopt;
    }
    if (!valid_error(error) || verdict > static_cast<std::uint8_t>(robots_verdict::disallow_all)) {
        return std::nullopt;
    }
    r.error = static_cast<error_class>(error);
    r.verdict = static_cast<robots_verdict>(verdict);
    r.message.assign(message);
    // Each rule takes at least 5 bytes: a count the payload cannot hold is rejected before
    // anything is reserved for it.
    if (count > payload.size() / 5) {
        return std::nullopt;
    }
    r.rules.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        std::uint8_t allow = 0;
        std::string_view pattern;
        if (!c.get(allow) || allow > 1 || !c.get_string(pattern)) {
            return std::nullopt;
        }
        r.rules.push_back(rule_data{allow == 1, std::string(pattern)});
    }
    std::uint32_t sitemaps = 0;
    if (!c.get(sitemaps) || sitemaps > payload.size() / 4) {
        return std::nullopt;
    }
    r.sitemaps.reserve(sitemaps);
    for (std::uint32_t i = 0; i < sitemaps; ++i) {
        std::string_view url;
        if (!c.get_string(url)) {
            return std::nullopt;
        }
        r.sitemaps.emplace_back(url);
    }
    if (!c.at_end()) {
        return std::nullopt;
    }
    return r;
}

std::optional<worker_failed> decode_worker_failed(std::string_view payload)
{
    cursor c(payload);
    worker_failed f;
    std::uint8_t cause = 0;
    if (!c.get(cause) || cause != static_cast<std::uint8_t>(failure_cause::archive) || !c.get_string(f.message) ||
        !c.at_end()) {
        return std::nullopt;
    }
    f.cause = static_cast<failure_cause>(cause);
    return f;
}

std::optional<turn> decode_turn(std::string_view payload)
{
    cursor c(payload);
    turn t;
    if (!c.get(t.id) || !get_scheme(c, t.scheme) || !c.get_string(t.host_port) || t.host_port.empty() ||
        !c.at_end()) {
        return std::nullopt;
    }
    return t;
}

std::optional<go> decode_go(std::string_view payload)
{
    cursor c(payload);
    go g;
    std::uint8_t report = 0;
    if (!c.get(g.id) || !c.get(report) || report > 1 || !c.at_end()) {
        return std::nullopt;
    }
    g.report_sends = report == 1;
    return g;
}

std::optional<sent> decode_sent(std::string_view payload)
{
    cursor c(payload);
    sent s;
    if (!c.get(s.id) || !c.get(s.at_ns) || !c.at_end()) {
        return std::nullopt;
    }
    return s;
}

std::optional<unsent> decode_unsent(std::string_view payload)
{
    cursor c(payload);
    unsent u;
    if (!c.get(u.id) || !c.at_end()) {
        return std::nullopt;
    }
    return u;
}

std::span<char> frame_reader::prepare(std::size_t min_size)
{
    // Views handed out by next() die here, so this is the one place the buffer may move.
    if (begin_ == end_) {
        begin_ = 0;
        end_ = 0;
    }
    if (buf_.size() - end_ < min_size) {
        // Slide the unread bytes to the front first: the buffer then only grows when a
        // single frame (bounded by max_payload) or the caller's read size needs it.
        if (begin_ > 0) {
            std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
        }
        if (buf_.size() - end_ < min_size) {
            constexpr std::size_t min_capacity = 4096;
            buf_.resize(std::max({buf_.size() * 2, end_ + min_size, min_capacity}));
        }
    }
    return {buf_.data() + end_, buf_.size() - end_};
}

void frame_reader::commit(std::size_t n) noexcept
{
    end_ += std::min(n, buf_.size() - end_);
}

std::variant<frame_view, need_more, protocol_error> frame_reader::next()
{
    if (end_ - begin_ < header_size) {
        return need_more{};
    }
    const char* head = buf_.data() + begin_;
    const auto length = get_le<std::uint32_t>(head);
    const auto type = static_cast<std::uint8_t>(head[4]);
    // Checked before the payload arrives so a hostile length never makes us buffer it.
    if (length > max_payload) {
        return protocol_error{"frame payload length " + std::to_string(length) + " exceeds the maximum " +
                              std::to_string(max_payload)};
    }
    if (!known_type(type)) {
        return protocol_error{"unknown frame type " + std::to_string(type)};
    }
    if (end_ - begin_ - header_size < length) {
        return need_more{};
    }
    frame_view frame{static_cast<frame_type>(type), std::string_view(head + header_size, length)};
    begin_ += header_size + length;
    return frame;
}

} // namespace crawl::wire
