// Fuzz target: the WARC records of an exchange (warc::record_builder) and its index line
// (warc::surt, warc::cdxj_line), from arbitrary bytes as a hostile server and an odd URL give
// them.
// Input: u8 level (mod 10), u8 flags (bit 0: a revisit; bits 1-7: WARC-Truncated, mod 5; bit 7
// also: the body is content-coded, into stored blocks), u16 header size (mod the response's
// size + 1), u8 URI length, u16 request length, then the URI, the request and the rest as the
// response.
// Checks: exactly two gzip members come out, the request's and the response's (or revisit's);
// each inflates to one record: "WARC/1.1", header lines of "Name: value" with no control byte,
// Content-Length equal to its block, the block what went in (the revisit's: the response's
// header part), the end "\r\n\r\n", WARC-Block-Digest the block's SHA-1, WARC-Target-URI free
// of spaces and controls; the index line is one line, "KEY TIMESTAMP {json}", a key without
// space, a JSON object whose url is the URI.

#include "crawl/util/digest.hpp"
#include "crawl/util/text.hpp"
#include "crawl/warc/cdxj.hpp"
#include "crawl/warc/record.hpp"
#include "fuzz_input.hpp"
#include "support/gzip_member.hpp"

#include <boost/json/parse.hpp>

#include <string>
#include <vector>

namespace {

using namespace crawl;

/// The gzip member at the start of `in`, inflated; `used` its compressed size.
std::string inflate_member(std::string_view in, std::size_t& used)
{
    auto text = test::inflate_gzip_member(in, used);
    fuzz::check(text.has_value(), "a record is not a whole gzip member");
    return text ? std::move(*text) : std::string();
}

std::string sha1_label_of(std::string_view bytes)
{
    digest d(digest::algorithm::sha1);
    d.update(bytes);
    return warc::sha1_label(d.finish());
}

/// Checks one record's text and returns its block.
std::string check_record(const std::string& text, std::string_view type)
{
    const auto head_end = text.find("\r\n\r\n");
    fuzz::check(head_end != std::string::npos, "a record has no end of header");
    std::string_view head(text.data(), head_end);
    fuzz::check(head.starts_with("WARC/1.1\r\n"), "a record does not start with WARC/1.1");
    head.remove_prefix(10);
    std::string block_digest;
    std::string content_length;
    std::string record_type;
    while (!head.empty()) {
        const auto line = head.substr(0, head.find("\r\n"));
        head.remove_prefix(std::min(head.size(), line.size() + 2));
        const auto colon = line.find(": ");
        fuzz::check(colon != std::string_view::npos && colon > 0, "a header line is not 'Name: value'");
        for (const char c : line) {
            fuzz::check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F, "a control byte in a header line");
        }
        const auto name = line.substr(0, colon);
        const auto value = line.substr(colon + 2);
        if (name == "WARC-Block-Digest") {
            block_digest = value;
        } else if (name == "Content-Length") {
            content_length = value;
        } else if (name == "WARC-Type") {
            record_type = value;
        } else if (name == "WARC-Target-URI") {
            for (const char c : value) {
                fuzz::check(static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7F,
                            "WARC-Target-URI holds a space or a byte outside ASCII");
            }
        }
    }
    fuzz::check(record_type == type, "the records are not of the expected types, in order");
    fuzz::check(content_length == std::to_string(text.size() - head_end - 4 - 4), "Content-Length is not the block's");
    fuzz::check(text.ends_with("\r\n\r\n"), "a record does not end with two CRLFs");
    std::string block = text.substr(head_end + 4, text.size() - head_end - 8);
    fuzz::check(block_digest == sha1_label_of(block), "WARC-Block-Digest is not the block's");
    return block;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::input in(data, size);
    const int level = in.byte() % 10;
    const auto flags = in.byte();
    const auto header_size = in.u16();
    const auto uri_length = in.byte();
    const auto request_length = in.u16();
    const std::string uri(in.take(uri_length));
    const std::string request(in.take(request_length));
    const std::string response(in.rest());

    digest payload(digest::algorithm::sha1);
    payload.update(response);
    const std::string payload_digest = payload.finish();
    warc::exchange e;
    e.target_uri = uri;
    e.ip_address = "127.0.0.1";
    e.date = std::chrono::system_clock::time_point(std::chrono::microseconds(header_size) * 1'000'003);
    e.request = request;
    e.response = response;
    e.header_size = header_size % (response.size() + 1);
    e.payload_digest = payload_digest;
    e.payload_length = response.size();
    e.truncated = static_cast<warc::truncation>((flags >> 1) % 5);
    e.payload_compressed = (flags & 0x80) != 0;
    const bool revisit = (flags & 1) != 0;
    const warc::original earlier{uri + "#first", e.date};

    warc::record_builder builder(level, flags);
    std::string out;
    const warc::member response_member = builder.append_exchange(e, revisit ? &earlier : nullptr, out);
    std::size_t used = 0;
    const std::string request_text = inflate_member(out, used);
    fuzz::check(used == response_member.offset, "the request's member does not end where the response's begins");
    fuzz::check(check_record(request_text, "request") == request, "the request block is not the request");
    const std::string response_text = inflate_member(std::string_view(out).substr(response_member.offset), used);
    fuzz::check(response_member.offset + used == out.size() && used == response_member.length,
                "the response's member is not the rest of the output");
    const std::string block = check_record(response_text, revisit ? "revisit" : "response");
    fuzz::check(block == (revisit ? response.substr(0, e.header_size) : response), "the response block is not what came in");

    warc::index_entry entry;
    entry.url = uri;
    entry.date = e.date;
    entry.content_type = request;
    entry.status = header_size;
    const std::string digest_text = warc::base32(payload_digest);
    entry.digest = digest_text;
    entry.filename = "f.warc.gz";
    entry.revisit = revisit;
    const std::string line = warc::cdxj_line(entry);
    fuzz::check(line.find('\n') == std::string::npos && line.find('\r') == std::string::npos, "an index line breaks");
    const auto key_end = line.find(' ');
    const auto time_end = line.find(' ', key_end + 1);
    fuzz::check(key_end != std::string::npos && key_end > 0 && time_end == key_end + 15, "not 'KEY TIMESTAMP {json}'");
    boost::system::error_code ec;
    const auto json = boost::json::parse(line.substr(time_end + 1), ec);
    fuzz::check(!ec && json.is_object(), "the index line's JSON does not parse");
    std::string sanitized;
    text::append_utf8_sanitized(uri, sanitized);
    fuzz::check(json.as_object().at("url").as_string() == sanitized, "the index line's url is not the URI");
    return 0;
}
