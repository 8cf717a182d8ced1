#pragma once
// zlib compression for the test server's routes, written against zlib directly so that the
// bytes served do not come from the code under test.

#include <string>
#include <string_view>

#define ZLIB_CONST
#include <zlib.h>

namespace crawl::test::server_impl {

/// zlib's deflate in any of its three wrappings: window_bits 15 (zlib), -15 (raw), 31 (gzip).
class deflater {
public:
    explicit deflater(int window_bits);
    ~deflater() { deflateEnd(&zs_); }
    deflater(const deflater&) = delete;
    deflater& operator=(const deflater&) = delete;

    /// Compresses `data`; `finish` ends the stream.
    void feed(std::string_view data, bool finish);
    std::string take() { return std::move(out_); }

private:
    z_stream zs_{};
    std::string out_;
};

/// `data` deflated in the wrapping `window_bits` selects (see deflater).
std::string compress(std::string_view data, int window_bits);

std::string gzip(std::string_view data);

} // namespace crawl::test::server_impl
