// Fuzz target: the HTTP response path, fed from a buffer. Beast's parser under crawl's caps
// (response::reader), driven by Beast's reads exactly as the client drives it, into the real
// page pipeline (content decoding, charset, HTML extraction, hash) and the record line.
// Input: u8 header limit (256 << (n mod 6) bytes), u8 field limit (n mod 64 + 1), u8 body cap
// (2^(n mod 17) bytes), u16 split seed, then the bytes the server sends.
// Checks: the record (but its error message) is the same however the bytes are split into reads; it is one line of
// valid JSON; the body never exceeds the cap; an error-free response was read to its end.

#include "crawl/response/reader.hpp"
#include "crawl/record/record.hpp"
#include "crawl/worker/page_pipeline.hpp"
#include "fuzz_input.hpp"
#include "support/response_driver.hpp"

#include <boost/json/parse.hpp>

#include <string>

namespace {

using namespace crawl;

constexpr std::string_view page_url = "http://example.com/page";

record::record fetch_record(const worker::options& opts, std::string_view wire, std::vector<std::size_t> reads)
{
    record::record r;
    r.seq = 1;
    r.url = std::string(page_url);
    worker::page_pipeline pipeline(opts, r);
    const response::limits limits{opts.fetch.max_header_bytes, opts.fetch.max_header_fields, opts.fetch.max_body};
    test::buffer_stream stream(wire, std::move(reads));
    boost::beast::flat_buffer buffer;
    buffer.max_size(response::buffer_limit(limits));
    response::reader rd(limits, page_url, pipeline);
    test::read_response(stream, buffer, rd);
    fuzz::check(rd.next() == response::step::done, "the reader stopped before it was done");
    fuzz::check(buffer.size() <= response::buffer_limit(limits), "read buffer over its cap");

    fetch::outcome out;
    out.error = rd.error();
    out.final_url = std::string(page_url);
    out.status = rd.status();
    out.content_type = std::string(rd.content_type());
    out.content_encoding = std::string(rd.content_encoding());
    pipeline.complete(std::move(out));
    fuzz::check(r.body_bytes <= opts.fetch.max_body, "decoded body over --max-body");
    if (rd.error().cls == error_class::none && rd.location().empty()) {
        fuzz::check(!r.hash.empty(), "an error-free final response without a complete body");
    }
    return r;
}

std::string jsonl(const record::record& r)
{
    std::string line;
    record::append_jsonl(r, true, line);
    return line;
}

/// The record without its error message: for the same malformed header Beast reports a
/// different error depending on how much of it had arrived ("bad value" when the bad byte came
/// in one read, "partial message" when the header was still incomplete at the end).
std::string without_message(record::record r)
{
    r.error_message.clear();
    return jsonl(r);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::input in(data, size);
    worker::options opts;
    opts.fetch.max_header_bytes = 256u << (in.byte() % 6);
    opts.fetch.max_header_fields = in.byte() % 64 + 1;
    opts.fetch.max_body = std::uint64_t{1} << (in.byte() % 17);
    opts.links = true;
    const auto seed = in.u16();
    const auto wire = in.rest();

    const auto record_at_once = fetch_record(opts, wire, {});
    const auto in_pieces = fetch_record(opts, wire, fuzz::split_sizes(seed, wire.size()));
    fuzz::check(without_message(record_at_once) == without_message(in_pieces),
                "the record depends on how the response was split into reads");
    const auto at_once = jsonl(record_at_once);

    fuzz::check(!at_once.empty() && at_once.back() == '\n' && at_once.find('\n') == at_once.size() - 1,
                "a record is not exactly one line");
    boost::system::error_code ec;
    const auto value = boost::json::parse(std::string_view(at_once).substr(0, at_once.size() - 1), ec);
    fuzz::check(!ec && value.is_object(), "a record is not a JSON object");
    return 0;
}
