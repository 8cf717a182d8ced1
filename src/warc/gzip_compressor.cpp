#include "gzip_compressor.hpp"

#include <array>
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

} // namespace

gzip_compressor::gzip_compressor(int level)
{
    if (deflateInit2(&zs_, level, Z_DEFLATED, gzip_window_bits, memory_level, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::runtime_error("deflateInit2 failed");
    }
}

gzip_compressor::~gzip_compressor()
{
    deflateEnd(&zs_);
}

void gzip_compressor::append_member(std::string_view a, std::string_view b, std::string_view c, std::string& out)
{
    deflateReset(&zs_);
    const std::size_t start = out.size();
    // The bound holds for the whole input fed without flushes, in any number of calls.
    out.resize(start + deflateBound(&zs_, static_cast<uLong>(a.size() + b.size() + c.size())));
    zs_.next_out = reinterpret_cast<Bytef*>(out.data() + start);
    zs_.avail_out = static_cast<uInt>(out.size() - start);
    const std::array<std::string_view, 3> parts{a, b, c};
    int status = Z_OK;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        zs_.next_in = input_bytes(parts[i]);
        zs_.avail_in = static_cast<uInt>(parts[i].size());
        const int flush = i + 1 == parts.size() ? Z_FINISH : Z_NO_FLUSH;
        status = deflate(&zs_, flush);
        if (status == Z_STREAM_ERROR || (flush == Z_NO_FLUSH && zs_.avail_in != 0)) {
            throw std::runtime_error("deflate failed");
        }
    }
    if (status != Z_STREAM_END) {
        throw std::runtime_error("deflate did not finish within its bound");
    }
    out.resize(out.size() - zs_.avail_out);
}

} // namespace crawl::warc
