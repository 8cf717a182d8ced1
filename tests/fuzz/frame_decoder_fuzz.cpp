// Fuzz target: the frame decoder (wire::frame_reader and the payload decoders) on an arbitrary
// byte stream, as a worker or a broken peer could send it.
// Input: u16 split seed, then the stream.
// Checks: the frames (and where and why decoding fails) do not depend on how the stream is
// split into reads; every payload that decodes re-encodes to exactly the same bytes.

#include "crawl/wire/frame.hpp"
#include "fuzz_input.hpp"

#include <cstring>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace {

using namespace crawl;

struct decoded {
    std::vector<std::pair<wire::frame_type, std::string>> frames;
    std::optional<std::string> error; ///< the reader's protocol error (unknown type, oversized length)
    bool operator==(const decoded&) const = default;
};

decoded decode_all(const std::vector<std::string_view>& reads, std::size_t min_prepare)
{
    decoded out;
    wire::frame_reader reader;
    for (const auto piece : reads) {
        auto space = reader.prepare(std::max(min_prepare, piece.size()));
        fuzz::check(space.size() >= piece.size(), "prepare() returned less than asked");
        std::memcpy(space.data(), piece.data(), piece.size());
        reader.commit(piece.size());
        for (;;) {
            auto next = reader.next();
            if (const auto* broken = std::get_if<wire::protocol_error>(&next)) {
                out.error = broken->message;
                return out;
            }
            const auto* frame = std::get_if<wire::frame_view>(&next);
            if (frame == nullptr) {
                break;
            }
            out.frames.emplace_back(frame->type, std::string(frame->payload));
        }
    }
    return out;
}

void check_round_trip(wire::frame_type type, const std::string& payload)
{
    std::string again;
    switch (type) {
    case wire::frame_type::hello:
        if (const auto h = wire::decode_hello(payload)) {
            wire::append_frame(*h, again);
        }
        break;
    case wire::frame_type::job:
        if (const auto j = wire::decode_job(payload)) {
            wire::append_frame(*j, again);
        }
        break;
    case wire::frame_type::result:
        if (const auto r = wire::decode_result(payload)) {
            wire::result owned;
            owned.seq = r->seq;
            owned.error = r->error;
            owned.http_status = r->http_status;
            owned.wire_bytes = r->wire_bytes;
            owned.body_bytes = r->body_bytes;
            owned.retry_after_ms = r->retry_after_ms;
            owned.line = std::string(r->line);
            owned.inward = r->inward;
            owned.redirect = r->redirect;
            owned.sitemap_index = r->sitemap_index;
            owned.follow.assign(r->follow.begin(), r->follow.end());
            wire::append_frame(owned, again);
        }
        break;
    case wire::frame_type::robots_job:
        if (const auto j = wire::decode_robots_job(payload)) {
            wire::append_frame(*j, again);
        }
        break;
    case wire::frame_type::robots_result:
        if (const auto r = wire::decode_robots_result(payload)) {
            wire::append_frame(*r, again);
        }
        break;
    case wire::frame_type::turn:
        if (const auto t = wire::decode_turn(payload)) {
            wire::append_frame(*t, again);
        }
        break;
    case wire::frame_type::go:
        if (const auto g = wire::decode_go(payload)) {
            wire::append_frame(*g, again);
        }
        break;
    case wire::frame_type::sent:
        if (const auto s = wire::decode_sent(payload)) {
            wire::append_frame(*s, again);
        }
        break;
    case wire::frame_type::unsent:
        if (const auto u = wire::decode_unsent(payload)) {
            wire::append_frame(*u, again);
        }
        break;
    case wire::frame_type::shutdown:
        if (payload.empty()) {
            wire::append_shutdown_frame(again);
        }
        break;
    case wire::frame_type::drain:
        if (payload.empty()) {
            wire::append_drain_frame(again);
        }
        break;
    case wire::frame_type::failed:
        if (const auto f = wire::decode_worker_failed(payload)) {
            wire::append_frame(*f, again);
        }
        break;
    }
    if (!again.empty()) {
        fuzz::check(again.size() == wire::header_size + payload.size() &&
                        again.compare(wire::header_size, std::string::npos, payload) == 0,
                    "a decoded payload does not re-encode to the same bytes");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::input in(data, size);
    const auto seed = in.u16();
    const auto stream = in.rest();
    const std::vector<std::string_view> whole{stream};
    const auto at_once = decode_all(whole, 64 * 1024);
    // Small prepare sizes make the reader slide and grow its buffer between reads.
    const auto in_pieces = decode_all(fuzz::split(stream, seed), 1);
    fuzz::check(at_once == in_pieces, "frames depend on how the stream was split");
    for (const auto& [type, payload] : at_once.frames) {
        check_round_trip(type, payload);
    }
    return 0;
}
