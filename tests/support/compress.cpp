#include "support/compress.hpp"

#include <array>
#include <stdexcept>

namespace crawl::test {

deflater::deflater(int window_bits, int level)
{
    if (deflateInit2(&zs_, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::runtime_error("deflateInit2 failed");
    }
}

void deflater::feed(std::string_view data, int flush)
{
    zs_.next_in = reinterpret_cast<const Bytef*>(data.data());
    zs_.avail_in = static_cast<uInt>(data.size());
    std::array<unsigned char, 64 * 1024> buf{};
    for (;;) {
        zs_.next_out = buf.data();
        zs_.avail_out = static_cast<uInt>(buf.size());
        const int rc = deflate(&zs_, flush);
        if (rc == Z_STREAM_ERROR) {
            throw std::runtime_error("deflate failed");
        }
        out_.append(reinterpret_cast<const char*>(buf.data()), buf.size() - zs_.avail_out);
        // Otherwise deflate is done once it has taken all input and has output space left
        // over (a sync flush included); with Z_FINISH, only when it says the stream ended.
        if (flush == Z_FINISH ? rc == Z_STREAM_END : (zs_.avail_in == 0 && zs_.avail_out != 0)) {
            return;
        }
    }
}

std::string compress(std::string_view data, int window_bits)
{
    deflater d(window_bits);
    d.feed(data, Z_FINISH);
    return d.take();
}

std::string gzip(std::string_view data)
{
    return compress(data, 31);
}

} // namespace crawl::test
