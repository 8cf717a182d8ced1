#include "crawl/warc/record.hpp"

#include "gzip_compressor.hpp"

#include "crawl/util/digest.hpp"

#include <algorithm>
#include <cstdio>

namespace crawl::warc {

namespace {

using std::chrono::system_clock;

constexpr std::string_view record_end = "\r\n\r\n";
constexpr std::string_view revisit_profile = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest";

std::string sha1_of(std::string_view bytes)
{
    digest d(digest::algorithm::sha1);
    d.update(bytes);
    return sha1_label(d.finish());
}

/// A URI as a field value: bytes that cannot appear in one (controls, space, non-ASCII) are
/// percent-encoded, so that no value can end the field or the header early. crawl's URLs are
/// normalized and never hold them; this keeps the format whatever a caller passes.
void append_uri(std::string_view uri, std::string& out)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    for (const char c : uri) {
        const auto b = static_cast<unsigned char>(c);
        if (b <= 0x20 || b >= 0x7F) {
            out += '%';
            out += hex[b >> 4];
            out += hex[b & 0xF];
        } else {
            out += c;
        }
    }
}

void append_field(std::string_view name, std::string_view value, std::string& out)
{
    out.append(name).append(": ").append(value).append("\r\n");
}

void append_uri_field(std::string_view name, std::string_view uri, std::string& out)
{
    out.append(name).append(": ");
    append_uri(uri, out);
    out.append("\r\n");
}

} // namespace

std::string_view to_string(truncation t) noexcept
{
    switch (t) {
    case truncation::none:
        return {};
    case truncation::length:
        return "length";
    case truncation::time:
        return "time";
    case truncation::disconnect:
        return "disconnect";
    case truncation::unspecified:
        return "unspecified";
    }
    return "unspecified";
}

std::string format_date(system_clock::time_point t)
{
    using namespace std::chrono;
    const auto micros = floor<microseconds>(t);
    const auto day = floor<days>(micros);
    const year_month_day ymd{day};
    const hh_mm_ss time{micros - day};
    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()), static_cast<long long>(time.subseconds().count()));
    return text;
}

std::string base32(std::string_view bytes)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string out;
    out.reserve((bytes.size() * 8 + 4) / 5);
    std::uint32_t bits = 0;
    int count = 0;
    for (const char c : bytes) {
        bits = (bits << 8) | static_cast<unsigned char>(c);
        count += 8;
        while (count >= 5) {
            count -= 5;
            out += alphabet[(bits >> count) & 0x1F];
        }
    }
    if (count > 0) {
        out += alphabet[(bits << (5 - count)) & 0x1F];
    }
    return out;
}

std::string info_block(std::initializer_list<info_field> fields)
{
    std::string block;
    for (const auto& f : fields) {
        block.append(f.name).append(": ");
        for (const char c : f.value) {
            block += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
        }
        block += "\r\n";
    }
    return block;
}

std::string sha1_label(std::string_view raw_digest)
{
    return "sha1:" + base32(raw_digest);
}

record_builder::record_builder(int level, std::uint64_t seed)
    : gzip_(std::make_unique<gzip_compressor>(level)), random_(seed)
{
}

record_builder::~record_builder() = default;

std::string record_builder::next_id()
{
    // A version 4 (random) UUID: 122 random bits, the version nibble and the variant bits.
    const std::uint64_t high = (random_() & ~std::uint64_t{0xF000}) | 0x4000;
    const std::uint64_t low = (random_() & ~(std::uint64_t{3} << 62)) | (std::uint64_t{2} << 62);
    char text[64];
    std::snprintf(text, sizeof text, "<urn:uuid:%08llx-%04llx-%04llx-%04llx-%012llx>",
                  static_cast<unsigned long long>(high >> 32), static_cast<unsigned long long>((high >> 16) & 0xFFFF),
                  static_cast<unsigned long long>(high & 0xFFFF), static_cast<unsigned long long>(low >> 48),
                  static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFull));
    return text;
}

void record_builder::start_head(std::string_view type, std::string_view id, std::string_view date)
{
    head_.assign("WARC/1.1\r\n");
    append_field("WARC-Type", type, head_);
    append_field("WARC-Record-ID", id, head_);
    append_field("WARC-Date", date, head_);
}

/// Ends the head with Content-Length (the block's exact size: readers trust it to find the
/// next record) and compresses head, block and the record's end as one gzip member; the block's
/// bytes from `stored_from` on are compressed already and are stored as they are.
member record_builder::finish(std::string_view block, std::string& out, std::size_t stored_from)
{
    append_field("Content-Length", std::to_string(block.size()), head_);
    head_ += "\r\n";
    member m;
    m.offset = out.size();
    const std::size_t split = std::min(stored_from, block.size());
    gzip_->append_member({{head_}, {block.substr(0, split)}, {block.substr(split), true}, {record_end}}, out);
    m.length = out.size() - m.offset;
    return m;
}

member record_builder::append_warcinfo(std::string_view filename, std::string_view fields,
                                       system_clock::time_point date, std::string& out)
{
    warcinfo_id_ = next_id();
    start_head("warcinfo", warcinfo_id_, format_date(date));
    append_uri_field("WARC-Filename", filename, head_);
    append_field("WARC-Block-Digest", sha1_of(fields), head_);
    append_field("Content-Type", "application/warc-fields", head_);
    return finish(fields, out);
}

member record_builder::append_exchange(const exchange& e, const original* earlier, std::string& out)
{
    const std::string date = format_date(e.date);
    const std::string request_id = next_id();
    const std::string response_id = next_id();
    // Fields every record of the exchange has, after its type, ID and date.
    const auto common = [&](std::string_view concurrent_to) {
        append_uri_field("WARC-Target-URI", e.target_uri, head_);
        if (!e.ip_address.empty()) {
            append_field("WARC-IP-Address", e.ip_address, head_);
        }
        append_field("WARC-Concurrent-To", concurrent_to, head_);
        if (!warcinfo_id_.empty()) {
            append_field("WARC-Warcinfo-ID", warcinfo_id_, head_);
        }
    };

    start_head("request", request_id, date);
    common(response_id);
    append_field("WARC-Block-Digest", sha1_of(e.request), head_);
    append_field("Content-Type", "application/http; msgtype=request", head_);
    finish(e.request, out);

    const std::string payload_digest = sha1_label(e.payload_digest);
    if (earlier != nullptr) {
        // The identical-payload-digest profile: the response's header, its payload left out
        // because an earlier record holds the same bytes.
        const std::string_view header = e.response.substr(0, e.header_size);
        start_head("revisit", response_id, date);
        common(request_id);
        append_field("WARC-Profile", revisit_profile, head_);
        append_uri_field("WARC-Refers-To-Target-URI", earlier->target_uri, head_);
        append_field("WARC-Refers-To-Date", format_date(earlier->date), head_);
        append_field("WARC-Block-Digest", sha1_of(header), head_);
        append_field("WARC-Payload-Digest", payload_digest, head_);
        append_field("Content-Type", "application/http; msgtype=response", head_);
        return finish(header, out);
    }
    start_head("response", response_id, date);
    common(request_id);
    append_field("WARC-Block-Digest", sha1_of(e.response), head_);
    append_field("WARC-Payload-Digest", payload_digest, head_);
    if (e.truncated != truncation::none) {
        append_field("WARC-Truncated", to_string(e.truncated), head_);
    }
    append_field("Content-Type", "application/http; msgtype=response", head_);
    return finish(e.response, out, e.payload_compressed ? e.header_size : std::string_view::npos);
}

} // namespace crawl::warc
