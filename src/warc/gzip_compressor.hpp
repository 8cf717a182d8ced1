#pragma once
// One gzip member per call (zlib), with the stream's state kept between calls.

#include <string>
#include <string_view>

#include <zlib.h>

namespace crawl::warc {

class gzip_compressor {
public:
    /// `level`: 0 (stored) to 9.
    explicit gzip_compressor(int level);
    ~gzip_compressor();
    gzip_compressor(const gzip_compressor&) = delete;
    gzip_compressor& operator=(const gzip_compressor&) = delete;

    /// Appends one complete gzip member holding `a`, `b` and `c` in that order to `out`
    /// (three parts, so that a record's head, block and end are never copied together).
    void append_member(std::string_view a, std::string_view b, std::string_view c, std::string& out);

private:
    z_stream zs_{};
};

} // namespace crawl::warc
