#include "crawl/record/record.hpp"

#include "crawl/util/text.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace crawl::record {
namespace {

std::uint8_t byte_at(std::string_view s, std::size_t i) noexcept
{
    return static_cast<std::uint8_t>(s[i]);
}

// True for the plain ASCII bytes a JSON string may hold unescaped.
constexpr std::array<bool, 256> json_plain = [] {
    std::array<bool, 256> t{};
    for (std::size_t c = 0x20; c < 0x80; ++c) {
        t[c] = c != '"' && c != '\\';
    }
    return t;
}();

void append_json_escape(std::uint8_t c, std::string& out)
{
    switch (c) {
    case '"':
        out += "\\\"";
        return;
    case '\\':
        out += "\\\\";
        return;
    case '\b':
        out += "\\b";
        return;
    case '\f':
        out += "\\f";
        return;
    case '\n':
        out += "\\n";
        return;
    case '\r':
        out += "\\r";
        return;
    case '\t':
        out += "\\t";
        return;
    default: {
        static constexpr char hex[] = "0123456789abcdef";
        const char esc[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
        out.append(esc, sizeof esc);
        return;
    }
    }
}

template <typename Int>
void append_int(Int v, std::string& out)
{
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
}

void append_bool(bool v, std::string& out)
{
    out += v ? "true" : "false";
}

// Milliseconds with at most 3 decimals and no trailing zeros; locale-free. Callers handle
// "did not happen" (negative, NaN) before calling.
void append_ms(double v, std::string& out)
{
    char buf[400]; // fixed notation of the largest double fits in ~315 characters
    const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 3);
    const char* end = res.ptr;
    while (end[-1] == '0') {
        --end;
    }
    if (end[-1] == '.') {
        --end;
    }
    const std::string_view text(buf, static_cast<std::size_t>(end - buf));
    // Tiny values round to "0" (and -0.0 would print "-0"): write a plain 0.
    out += text == "0" || text == "-0" ? std::string_view("0") : text;
}

bool timing_happened(double v) noexcept
{
    return v >= 0 && std::isfinite(v);
}

void json_string_or_null(std::string_view s, std::string& out)
{
    if (s.empty()) {
        out += "null";
    } else {
        append_json_string(s, out);
    }
}

void json_ms(double v, std::string& out)
{
    if (timing_happened(v)) {
        append_ms(v, out);
    } else {
        out += "null";
    }
}

// Appends `s` as CSV field content: valid UTF-8, quotes doubled. CR and LF become spaces so
// that each record stays on one physical line (RFC 4180 would allow them inside quotes,
// but line-oriented tools such as grep, wc -l and split would then break records apart).
void append_csv_content(std::string_view s, std::string& out)
{
    std::size_t run = 0;
    std::size_t i = 0;
    const auto flush = [&] { out.append(s.data() + run, i - run); };
    while (i < s.size()) {
        const std::uint8_t c = byte_at(s, i);
        if (c >= 0x80) {
            const std::size_t n = text::utf8_sequence_length(s.substr(i));
            if (n != 0) {
                i += n;
                continue;
            }
            flush();
            out += text::replacement_character;
        } else if (c == '"') {
            flush();
            out += "\"\"";
        } else if (c == '\r' || c == '\n') {
            flush();
            out += ' ';
        } else {
            ++i;
            continue;
        }
        ++i;
        run = i;
    }
    flush();
}

void csv_field(std::string_view s, std::string& out)
{
    const bool quote = s.find_first_of(",\"\r\n") != std::string_view::npos;
    if (quote) {
        out += '"';
    }
    append_csv_content(s, out);
    if (quote) {
        out += '"';
    }
}

void csv_ms(double v, std::string& out)
{
    if (timing_happened(v)) {
        append_ms(v, out);
    }
}

} // namespace

void append_json_string(std::string_view s, std::string& out)
{
    out.reserve(out.size() + s.size() + 2);
    out += '"';
    // Copy runs of bytes that need no change with one append; stop only at bytes that must
    // be escaped or replaced.
    std::size_t run = 0;
    std::size_t i = 0;
    while (i < s.size()) {
        const std::uint8_t c = byte_at(s, i);
        if (json_plain[c]) {
            ++i;
            continue;
        }
        if (c < 0x80) {
            out.append(s.data() + run, i - run);
            append_json_escape(c, out);
            ++i;
        } else {
            const std::size_t n = text::utf8_sequence_length(s.substr(i));
            // U+2028 and U+2029 are valid JSON but end a line in JavaScript source.
            const bool line_separator =
                n == 3 && c == 0xE2 && byte_at(s, i + 1) == 0x80 &&
                (byte_at(s, i + 2) == 0xA8 || byte_at(s, i + 2) == 0xA9);
            if (n != 0 && !line_separator) {
                i += n;
                continue;
            }
            out.append(s.data() + run, i - run);
            if (line_separator) {
                out += byte_at(s, i + 2) == 0xA8 ? "\\u2028" : "\\u2029";
                i += 3;
            } else {
                out += text::replacement_character;
                ++i;
            }
        }
        run = i;
    }
    out.append(s.data() + run, i - run);
    out += '"';
}

void append_jsonl(const record& r, bool with_links, std::string& out)
{
    out += "{\"seq\":";
    if (r.place.discovered) {
        out += "null";
    } else {
        append_int(r.seq, out);
    }
    out += ",\"url\":";
    append_json_string(r.url, out);
    out += ",\"final_url\":";
    json_string_or_null(r.final_url, out);
    out += ",\"status\":";
    if (r.status == 0) {
        out += "null";
    } else {
        append_int(r.status, out);
    }
    out += ",\"ok\":";
    append_bool(r.ok(), out);
    out += ",\"error\":";
    if (r.error == error_class::none) {
        out += "null";
    } else {
        out += "{\"class\":";
        append_json_string(to_string(r.error), out);
        out += ",\"message\":";
        append_json_string(r.error_message, out);
        out += '}';
    }
    out += ",\"redirects\":";
    append_int(r.redirects, out);
    out += ",\"attempts\":";
    append_int(r.attempts, out);
    out += ",\"content_type\":";
    json_string_or_null(r.content_type, out);
    out += ",\"charset\":";
    json_string_or_null(r.charset, out);
    out += ",\"content_encoding\":";
    json_string_or_null(r.content_encoding, out);
    out += ",\"wire_bytes\":";
    append_int(r.wire_bytes, out);
    out += ",\"body_bytes\":";
    append_int(r.body_bytes, out);
    out += ",\"title\":";
    json_string_or_null(r.title, out);
    out += ",\"description\":";
    json_string_or_null(r.description, out);
    out += ",\"canonical\":";
    json_string_or_null(r.canonical, out);
    out += ",\"lang\":";
    json_string_or_null(r.lang, out);
    out += ",\"links_count\":";
    append_int(r.links_count, out);
    if (with_links) {
        out += ",\"links\":[";
        for (std::size_t i = 0; i < r.links.size(); ++i) {
            if (i > 0) {
                out += ',';
            }
            append_json_string(r.links[i], out);
        }
        out += ']';
    }
    out += ",\"hash\":";
    json_string_or_null(r.hash, out);
    out += ",\"time_ms\":{\"dns\":";
    json_ms(r.time_ms.dns, out);
    out += ",\"connect\":";
    json_ms(r.time_ms.connect, out);
    out += ",\"tls\":";
    json_ms(r.time_ms.tls, out);
    out += ",\"ttfb\":";
    json_ms(r.time_ms.ttfb, out);
    out += ",\"total\":";
    json_ms(r.time_ms.total, out);
    out += "},\"worker\":";
    // -1 marks a record the supervisor wrote itself; no real worker id is negative.
    if (r.worker < 0) {
        out += "null";
    } else {
        append_int(r.worker, out);
    }
    out += ",\"duplicate_of\":";
    if (r.duplicate_of == 0) {
        out += "null";
    } else {
        append_int(r.duplicate_of, out);
    }
    out += ",\"warc\":";
    if (r.warc.file.empty()) {
        out += "null";
    } else {
        out += "{\"file\":";
        append_json_string(r.warc.file, out);
        out += ",\"offset\":";
        append_int(r.warc.offset, out);
        out += ",\"length\":";
        append_int(r.warc.length, out);
        out += '}';
    }
    if (r.place.recursive) {
        out += ",\"depth\":";
        append_int(r.place.depth, out);
        out += ",\"found_on\":";
        json_string_or_null(r.place.found_on, out);
    }
    out += "}\n";
}

void append_csv_header(bool recursive, std::string& out)
{
    out += "seq,url,final_url,status,ok,error_class,error_message,redirects,attempts,content_type,"
           "charset,content_encoding,wire_bytes,body_bytes,title,description,canonical,lang,"
           "links_count,hash,time_dns_ms,time_connect_ms,time_tls_ms,time_ttfb_ms,"
           "time_total_ms,worker,duplicate_of,warc_file,warc_offset,warc_length";
    out += recursive ? ",depth,found_on\n" : "\n";
}

void append_csv(const record& r, std::string& out)
{
    // Nulls are empty fields; the column order matches append_csv_header.
    if (!r.place.discovered) {
        append_int(r.seq, out);
    }
    out += ',';
    csv_field(r.url, out);
    out += ',';
    csv_field(r.final_url, out);
    out += ',';
    if (r.status != 0) {
        append_int(r.status, out);
    }
    out += ',';
    append_bool(r.ok(), out);
    out += ',';
    if (r.error != error_class::none) {
        csv_field(to_string(r.error), out);
        out += ',';
        csv_field(r.error_message, out);
    } else {
        out += ',';
    }
    out += ',';
    append_int(r.redirects, out);
    out += ',';
    append_int(r.attempts, out);
    out += ',';
    csv_field(r.content_type, out);
    out += ',';
    csv_field(r.charset, out);
    out += ',';
    csv_field(r.content_encoding, out);
    out += ',';
    append_int(r.wire_bytes, out);
    out += ',';
    append_int(r.body_bytes, out);
    out += ',';
    csv_field(r.title, out);
    out += ',';
    csv_field(r.description, out);
    out += ',';
    csv_field(r.canonical, out);
    out += ',';
    csv_field(r.lang, out);
    out += ',';
    append_int(r.links_count, out);
    out += ',';
    csv_field(r.hash, out);
    out += ',';
    csv_ms(r.time_ms.dns, out);
    out += ',';
    csv_ms(r.time_ms.connect, out);
    out += ',';
    csv_ms(r.time_ms.tls, out);
    out += ',';
    csv_ms(r.time_ms.ttfb, out);
    out += ',';
    csv_ms(r.time_ms.total, out);
    out += ',';
    if (r.worker >= 0) {
        append_int(r.worker, out);
    }
    out += ',';
    if (r.duplicate_of != 0) {
        append_int(r.duplicate_of, out);
    }
    out += ',';
    if (!r.warc.file.empty()) {
        csv_field(r.warc.file, out);
        out += ',';
        append_int(r.warc.offset, out);
        out += ',';
        append_int(r.warc.length, out);
    } else {
        out += ",,";
    }
    if (r.place.recursive) {
        out += ',';
        append_int(r.place.depth, out);
        out += ',';
        csv_field(r.place.found_on, out);
    }
    out += '\n';
}

void append(const record& r, format f, bool with_links, std::string& out)
{
    switch (f) {
    case format::jsonl:
        append_jsonl(r, with_links, out);
        return;
    case format::csv:
        append_csv(r, out);
        return;
    }
}

} // namespace crawl::record
