#pragma once
// zlib compression for the test servers, written against zlib directly so that the bytes
// served do not come from the code under test.

#include <string>
#include <string_view>

#define ZLIB_CONST
#include <zlib.h>

namespace crawl::test {

/// zlib's deflate in any of its three wrappings: window_bits 15 (zlib), -15 (raw), 31 (gzip).
class deflater {
public:
    explicit deflater(int window_bits, int level = Z_DEFAULT_COMPRESSION);
    ~deflater() { deflateEnd(&zs_); }
    deflater(const deflater&) = delete;
    deflater& operator=(const deflater&) = delete;

    /// Compresses `data`. `flush`: Z_NO_FLUSH; Z_SYNC_FLUSH, which ends the output on a byte
    /// boundary with everything so far decodable; Z_FINISH, which ends the stream.
    void feed(std::string_view data, int flush);
    /// The output so far; the next feed starts a new one.
    std::string take()
    {
        std::string out = std::move(out_);
        out_.clear();
        return out;
    }

private:
    z_stream zs_{};
    std::string out_;
};

/// `data` deflated in the wrapping `window_bits` selects (see deflater).
std::string compress(std::string_view data, int window_bits);

std::string gzip(std::string_view data);

} // namespace crawl::test
