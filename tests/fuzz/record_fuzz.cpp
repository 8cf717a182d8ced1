// Fuzz target: record serialization (record::append_jsonl, record::append_csv) of records
// whose strings hold arbitrary bytes and whose numbers take arbitrary values.
// Input: a sequence of fields, each a u8 length then that many bytes, in the order of
// `strings` below, then up to 8 links the same way; numbers are read from the same stream.
// Checks: JSONL is exactly one line of valid UTF-8 JSON whose strings are the inputs with
// ill-formed UTF-8 replaced (U+FFFD) and whose numbers are the inputs; CSV is exactly one
// line of valid UTF-8 with as many fields as its header.

#include "crawl/record/record.hpp"
#include "crawl/util/text.hpp"
#include "fuzz_input.hpp"

#include <boost/json/parse.hpp>

#include <cstring>
#include <string>

namespace {

using namespace crawl;

/// A u8 length, then that many bytes.
std::string take_string(fuzz::input& in)
{
    const std::size_t n = in.byte();
    return std::string(in.take(n));
}

template <class T>
T take_number(fuzz::input& in)
{
    unsigned char raw[sizeof(T)];
    for (auto& b : raw) {
        b = in.byte();
    }
    T v;
    std::memcpy(&v, raw, sizeof v);
    return v;
}

std::string sanitized(std::string_view s)
{
    std::string out;
    text::append_utf8_sanitized(s, out);
    return out;
}

void check_string(const boost::json::object& o, std::string_view key, const std::string& input, bool null_if_empty)
{
    const auto& v = o.at(key);
    if (null_if_empty && input.empty()) {
        fuzz::check(v.is_null(), "an empty string field is not null");
        return;
    }
    fuzz::check(v.is_string(), "a string field is not a string");
    fuzz::check(std::string_view(v.as_string()) == sanitized(input), "a string field does not round-trip");
}

/// Counts the fields of one RFC 4180 row (quotes may hide commas).
std::size_t csv_fields(std::string_view row)
{
    std::size_t fields = 1;
    bool quoted = false;
    for (const char c : row) {
        if (c == '"') {
            quoted = !quoted;
        } else if (c == ',' && !quoted) {
            ++fields;
        }
    }
    fuzz::check(!quoted, "a CSV row ends inside quotes");
    return fields;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::input in(data, size);
    record::record r;
    r.url = take_string(in);
    r.final_url = take_string(in);
    r.error_message = take_string(in);
    r.content_type = take_string(in);
    r.charset = take_string(in);
    r.content_encoding = take_string(in);
    r.title = take_string(in);
    r.description = take_string(in);
    r.canonical = take_string(in);
    r.lang = take_string(in);
    r.hash = take_string(in);
    r.seq = take_number<std::uint64_t>(in);
    r.status = take_number<std::int16_t>(in);
    r.error = static_cast<error_class>(in.byte() % error_class_count);
    r.redirects = take_number<std::int8_t>(in);
    r.wire_bytes = take_number<std::uint64_t>(in);
    r.body_bytes = take_number<std::uint64_t>(in);
    r.links_count = take_number<std::uint64_t>(in);
    r.time_ms.dns = take_number<double>(in);
    r.time_ms.connect = take_number<double>(in);
    r.time_ms.tls = take_number<double>(in);
    r.time_ms.ttfb = take_number<double>(in);
    r.time_ms.total = take_number<double>(in);
    r.worker = take_number<std::int8_t>(in);
    for (int i = 0; i < 8 && !in.rest().empty(); ++i) {
        r.links.push_back(take_string(in));
    }

    std::string line;
    record::append_jsonl(r, true, line);
    fuzz::check(!line.empty() && line.back() == '\n' && line.find('\n') == line.size() - 1,
                "JSONL is not exactly one line");
    fuzz::check(text::is_valid_utf8(line), "JSONL is not valid UTF-8");
    boost::system::error_code ec;
    auto value = boost::json::parse(std::string_view(line).substr(0, line.size() - 1), ec);
    fuzz::check(!ec && value.is_object(), "JSONL is not a JSON object");
    const auto& o = value.as_object();
    check_string(o, "url", r.url, false);
    check_string(o, "final_url", r.final_url, true);
    check_string(o, "content_type", r.content_type, true);
    check_string(o, "charset", r.charset, true);
    check_string(o, "content_encoding", r.content_encoding, true);
    check_string(o, "title", r.title, true);
    check_string(o, "description", r.description, true);
    check_string(o, "canonical", r.canonical, true);
    check_string(o, "lang", r.lang, true);
    check_string(o, "hash", r.hash, true);
    fuzz::check(o.at("seq").to_number<std::uint64_t>() == r.seq, "seq does not round-trip");
    fuzz::check(o.at("wire_bytes").to_number<std::uint64_t>() == r.wire_bytes, "wire_bytes does not round-trip");
    fuzz::check(o.at("body_bytes").to_number<std::uint64_t>() == r.body_bytes, "body_bytes does not round-trip");
    fuzz::check(o.at("ok").as_bool() == r.ok(), "ok does not match the record");
    const auto& links = o.at("links").as_array();
    fuzz::check(links.size() == r.links.size(), "links do not round-trip");
    for (std::size_t i = 0; i < links.size(); ++i) {
        fuzz::check(std::string_view(links[i].as_string()) == sanitized(r.links[i]), "a link does not round-trip");
    }
    if (r.error == error_class::none) {
        fuzz::check(o.at("error").is_null(), "error is not null for error_class::none");
    } else {
        const auto& e = o.at("error").as_object();
        fuzz::check(std::string_view(e.at("class").as_string()) == to_string(r.error), "error class does not round-trip");
        fuzz::check(std::string_view(e.at("message").as_string()) == sanitized(r.error_message),
                    "error message does not round-trip");
    }

    std::string header;
    record::append_csv_header(false, header);
    std::string row;
    record::append_csv(r, row);
    fuzz::check(!row.empty() && row.back() == '\n' && row.find_first_of("\r\n") == row.size() - 1,
                "CSV is not exactly one line");
    fuzz::check(text::is_valid_utf8(row), "CSV is not valid UTF-8");
    fuzz::check(csv_fields(row.substr(0, row.size() - 1)) == csv_fields(header.substr(0, header.size() - 1)),
                "CSV row and header have different field counts");
    return 0;
}
