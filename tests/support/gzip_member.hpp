#pragma once
// Reads one gzip member with zlib alone, as a WARC reader does at a record's offset: the WARC
// unit tests and the warc_record fuzz target check crawl's records with it.

#include <zlib.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace crawl::test {

/// Appends to `out` what zlib decodes of the gzip member at the start of `in`, up to the
/// member's end or to where zlib stops at an error; true when it reached the end, with the
/// member's compressed size in `used`.
inline bool inflate_gzip_member_into(std::string_view in, std::size_t& used, std::string& out)
{
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        return false;
    }
    // zlib's interface is not const-correct; it only reads next_in.
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    int status = Z_OK;
    while (status == Z_OK) {
        char buf[16384];
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        status = inflate(&zs, Z_NO_FLUSH);
        out.append(buf, sizeof buf - zs.avail_out);
    }
    used = in.size() - zs.avail_in;
    inflateEnd(&zs);
    return status == Z_STREAM_END;
}

/// What the gzip member at the start of `in` holds, and in `used` its compressed size; nothing
/// when `in` does not start with a whole member.
inline std::optional<std::string> inflate_gzip_member(std::string_view in, std::size_t& used)
{
    std::string out;
    if (!inflate_gzip_member_into(in, used, out)) {
        return std::nullopt;
    }
    return out;
}

} // namespace crawl::test
