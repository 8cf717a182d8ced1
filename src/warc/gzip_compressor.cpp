#include "gzip_compressor.hpp"

#include <stdexcept>

namespace crawl::warc {

namespace {

/// 16 + the window bits selects the gzip wrapper; 8 is zlib's default memory level.
constexpr int gzip_window_bits = 16 + 15;
constexpr int memory_level = 8;

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

} // namespace

gzip_compressor::gzip_compressor(int level) : level_(level), current_level_(level)
{
    if (deflateInit2(&zs_, level, Z_DEFLATED, gzip_window_bits, memory_level, Z_DEFAULT_STRATEGY) != Z_OK) {
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

/// Switches the stream's level between pieces; zlib ends the current block first, which may
/// need output room.
void gzip_compressor::set_level(int level, std::string& out, std::size_t& written)
{
    for (;;) {
        if (written == out.size()) {
            grow(out);
        }
        zs_.next_out = reinterpret_cast<Bytef*>(out.data() + written);
        zs_.avail_out = static_cast<uInt>(out.size() - written);
        const int status = deflateParams(&zs_, level, Z_DEFAULT_STRATEGY);
        written = out.size() - zs_.avail_out;
        if (status == Z_OK) {
            current_level_ = level;
            return;
        }
        if (status != Z_BUF_ERROR) {
            throw std::runtime_error("deflateParams failed");
        }
        grow(out);
    }
}

void gzip_compressor::append_member(std::initializer_list<piece> pieces, std::string& out)
{
    deflateReset(&zs_);
    std::size_t total = 0;
    for (const auto& p : pieces) {
        total += p.bytes.size();
    }
    std::size_t written = out.size();
    // The bound of the whole input at the stream's level: enough, but for a level switch's
    // few bytes, in all but odd cases.
    out.resize(written + deflateBound(&zs_, static_cast<uLong>(total)) + 64);
    std::size_t i = 0;
    for (const auto& p : pieces) {
        const int level = p.stored ? 0 : level_;
        if (level != current_level_ && !p.bytes.empty()) {
            set_level(level, out, written);
        }
        zs_.next_in = input_bytes(p.bytes);
        zs_.avail_in = static_cast<uInt>(p.bytes.size());
        run(++i == pieces.size() ? Z_FINISH : Z_NO_FLUSH, out, written);
    }
    out.resize(written);
}

} // namespace crawl::warc
