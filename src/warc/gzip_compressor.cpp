#include "gzip_compressor.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace crawl::warc {

namespace {

/// Raw deflate (no wrapper): crawl writes the gzip header and trailer itself, so that the
/// stored blocks of a compressed body can be written around zlib rather than through it.
constexpr int raw_window_bits = -15;
constexpr int memory_level = 8;
/// A piece this short after stored blocks is stored too: a fresh deflate state (its hash
/// table cleared) would cost more than the few bytes it saves.
constexpr std::size_t least_deflated = 64;
/// The most a stored block holds (RFC 1951, 3.2.4).
constexpr std::size_t stored_block_max = 65535;

Bytef* input_bytes(std::string_view s) noexcept
{
    // zlib's next_in is not const, but deflate only reads through it.
    return reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
}

/// Room for more output: half as much again (a member rarely outgrows its first estimate).
void grow(std::string& out)
{
    out.resize(out.size() + out.size() / 2 + 4096);
}

void put_le(std::string& out, std::size_t& written, std::uint32_t value, int bytes)
{
    for (int i = 0; i < bytes; ++i) {
        out[written++] = static_cast<char>((value >> (8 * i)) & 0xff);
    }
}

/// Stored blocks of `bytes` at `written` (byte-aligned); the last one final when `final`.
void put_stored(std::string_view bytes, bool final, std::string& out, std::size_t& written)
{
    do {
        const std::size_t n = std::min(bytes.size(), stored_block_max);
        const bool last = n == bytes.size();
        if (out.size() - written < n + 5) {
            out.resize(written + n + 5 + out.size() / 2);
        }
        out[written++] = static_cast<char>(final && last ? 1 : 0); // BFINAL, BTYPE 00
        put_le(out, written, static_cast<std::uint32_t>(n), 2);
        put_le(out, written, static_cast<std::uint32_t>(~n & 0xffff), 2);
        bytes.copy(out.data() + written, n);
        written += n;
        bytes.remove_prefix(n);
    } while (!bytes.empty());
}

} // namespace

gzip_compressor::gzip_compressor(int level) : level_(level)
{
    if (deflateInit2(&zs_, level, Z_DEFLATED, raw_window_bits, memory_level, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::runtime_error("deflateInit2 failed");
    }
}

gzip_compressor::~gzip_compressor()
{
    deflateEnd(&zs_);
}

/// Deflates the input set in zs_ into `out` from `written` on, growing `out` as needed, until
/// the input is taken (Z_NO_FLUSH) or the member is finished (Z_FINISH).
int gzip_compressor::run(int flush, std::string& out, std::size_t& written)
{
    for (;;) {
        if (written == out.size()) {
            grow(out);
        }
        zs_.next_out = reinterpret_cast<Bytef*>(out.data() + written);
        zs_.avail_out = static_cast<uInt>(out.size() - written);
        const int status = deflate(&zs_, flush);
        written = out.size() - zs_.avail_out;
        if (status == Z_STREAM_ERROR) {
            throw std::runtime_error("deflate failed");
        }
        const bool taken = flush == Z_FINISH ? status == Z_STREAM_END : zs_.avail_in == 0 && zs_.avail_out != 0;
        if (taken) {
            return status;
        }
    }
}

/// One gzip member (RFC 1952): crawl's header, then the pieces as deflate blocks (the stored
/// ones, and everything at level 0, as stored blocks written here; the others through zlib,
/// flushed to a byte boundary before stored blocks follow, and from a fresh state after them,
/// since zlib's window has not seen what they hold), then CRC-32 and length.
void gzip_compressor::append_member(std::initializer_list<piece> pieces, std::string& out)
{
    std::size_t total = 0;
    const piece* last = nullptr;
    for (const auto& p : pieces) {
        total += p.bytes.size();
        if (!p.bytes.empty()) {
            last = &p;
        }
    }
    std::size_t written = out.size();
    out.resize(written + deflateBound(&zs_, static_cast<uLong>(total)) + 64);
    // ID1 ID2 CM FLG, MTIME 0, XFL as zlib sets it, OS 3 (Unix): what zlib's own gzip wrapper wrote.
    const char xfl = level_ == 9 ? 2 : level_ < 2 ? 4 : 0;
    for (const char c : {'\x1f', '\x8b', '\x08', '\x00', '\x00', '\x00', '\x00', '\x00', xfl, '\x03'}) {
        out[written++] = c;
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    deflateReset(&zs_);
    bool history = false;    // zlib has taken input of this member
    bool open_block = false; // zlib's output does not end on a byte boundary yet
    bool reset_due = false;  // stored blocks came after zlib's history: its distances would be wrong
    bool after_stored = false;
    for (const auto& each : pieces) {
        const piece* p = &each;
        if (p->bytes.empty()) {
            continue;
        }
        crc = crc32(crc, input_bytes(p->bytes), static_cast<uInt>(p->bytes.size()));
        const bool final = p == last;
        if (p->stored || level_ == 0 || (after_stored && p->bytes.size() < least_deflated)) {
            if (open_block) {
                run(Z_SYNC_FLUSH, out, written); // ends zlib's block on a byte boundary
                open_block = false;
            }
            put_stored(p->bytes, final, out, written);
            reset_due = history;
            after_stored = true;
            continue;
        }
        if (reset_due) {
            deflateReset(&zs_);
            history = reset_due = false;
        }
        zs_.next_in = input_bytes(p->bytes);
        zs_.avail_in = static_cast<uInt>(p->bytes.size());
        run(final ? Z_FINISH : Z_NO_FLUSH, out, written); // (stored blocks flush it when they come)
        history = true;
        open_block = !final;
        after_stored = false;
    }
    if (last == nullptr) {
        put_stored({}, true, out, written); // an empty member still has its final block
    }
    if (out.size() - written < 8) {
        out.resize(written + 8);
    }
    put_le(out, written, static_cast<std::uint32_t>(crc), 4);
    put_le(out, written, static_cast<std::uint32_t>(total & 0xffffffffU), 4);
    out.resize(written);
}

} // namespace crawl::warc
