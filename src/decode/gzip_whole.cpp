#include "gzip_whole.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <utility>

namespace crawl::decode::detail {
namespace {

constexpr std::size_t gzip_trailer = 8; // CRC-32, then ISIZE (the member's size mod 2^32)

struct decompressor_deleter {
    void operator()(libdeflate_decompressor* d) const noexcept { libdeflate_free_decompressor(d); }
};

// One per thread (a worker has one): allocating it costs more than decoding a small page.
libdeflate_decompressor* thread_decompressor()
{
    thread_local std::unique_ptr<libdeflate_decompressor, decompressor_deleter> d(libdeflate_alloc_decompressor());
    if (!d) {
        throw std::bad_alloc();
    }
    return d.get();
}

// libdeflate skips a header CRC (FHCRC) where zlib checks it: such members go to zlib.
bool has_header_crc(std::string_view member) noexcept
{
    constexpr unsigned char fhcrc = 0x02;
    return member.size() > 3 && (static_cast<unsigned char>(member[3]) & fhcrc) != 0;
}

bool starts_member(std::string_view rest) noexcept
{
    return rest.size() >= 2 && static_cast<unsigned char>(rest[0]) == gzip_magic0 &&
           static_cast<unsigned char>(rest[1]) == gzip_magic1;
}

// The last member's ISIZE, if the body ends in a member: for the usual single member, the
// decoded size exactly. Otherwise a guess, and a wrong guess only costs a regrow.
std::uint32_t last_isize(std::string_view in) noexcept
{
    if (in.size() < gzip_trailer) {
        return 0;
    }
    const auto byte = [&](std::size_t from_end) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(in[in.size() - from_end]));
    };
    return byte(4) | byte(3) << 8 | byte(2) << 16 | byte(1) << 24; // little-endian
}

// Decoded bytes in a buffer sized for them, without a zero fill (inflate overwrites it).
struct output_buffer {
    std::unique_ptr<char[]> bytes;
    std::size_t capacity = 0;
    std::size_t size = 0;

    void reserve(std::size_t n)
    {
        if (n > capacity) {
            auto bigger = std::make_unique_for_overwrite<char[]>(n);
            if (size != 0) {
                std::memcpy(bigger.get(), bytes.get(), size);
            }
            bytes = std::move(bigger);
            capacity = n;
        }
    }
};

// The buffer a thread decodes into, kept from body to body while it stays this small: a warm
// buffer saves a page's worth of page faults. A call made while another hands out its bytes
// finds none here and makes its own.
constexpr std::size_t kept_capacity = 1u << 20;
thread_local output_buffer spare;

// Decodes every member into `buf`; false when libdeflate refuses the body.
bool inflate_members(std::string_view in, output_buffer& buf)
{
    const std::uint32_t isize = last_isize(in);
    if (isize > whole_gzip_max_output) {
        return false; // a bomb, or a page larger than this path takes: zlib stops at the cap
    }
    libdeflate_decompressor* d = thread_decompressor();
    buf.size = 0;
    buf.reserve(std::max(std::size_t{isize}, chunk_size));
    // The first member must be there; after each member, another one or the ignored rest.
    bool want_member = true;
    while (want_member || starts_member(in)) {
        if (has_header_crc(in)) {
            return false;
        }
        std::size_t used = 0;
        std::size_t made = 0;
        const libdeflate_result r = libdeflate_gzip_decompress_ex(d, in.data(), in.size(), buf.bytes.get() + buf.size,
                                                                  buf.capacity - buf.size, &used, &made);
        if (r == LIBDEFLATE_INSUFFICIENT_SPACE && buf.capacity < whole_gzip_max_output) {
            buf.reserve(std::min(buf.capacity * 2, whole_gzip_max_output)); // and this member again
            continue;
        }
        if (r != LIBDEFLATE_SUCCESS) {
            return false;
        }
        buf.size += made;
        in.remove_prefix(used);
        want_member = false;
    }
    return true;
}

} // namespace

std::optional<status> inflate_whole_gzip(std::string_view in, const emit& out)
{
    output_buffer buf = std::exchange(spare, {});
    std::optional<status> result;
    if (inflate_members(in, buf)) {
        result = status::ok;
        for (std::string_view rest(buf.bytes.get(), buf.size); !rest.empty() && *result == status::ok;) {
            const std::string_view piece = rest.substr(0, chunk_size);
            result = out(piece);
            rest.remove_prefix(piece.size());
        }
    }
    if (buf.capacity <= kept_capacity) {
        spare = std::move(buf);
    }
    return result;
}

} // namespace crawl::decode::detail
