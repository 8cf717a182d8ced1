#pragma once
// One gzip member per call: zlib's raw deflate inside a header, stored blocks and a trailer
// written here, the deflate state kept between calls.

#include <initializer_list>
#include <string>
#include <string_view>

#include <zlib.h>

namespace crawl::warc {

class gzip_compressor {
public:
    /// Part of a member's input. `stored`: bytes compressed already (a body with a content
    /// coding), which deflate would spend time on for nothing: they go into stored blocks.
    struct piece {
        std::string_view bytes;
        bool stored = false;
    };

    /// `level`: 0 (stored) to 9.
    explicit gzip_compressor(int level);
    ~gzip_compressor();
    gzip_compressor(const gzip_compressor&) = delete;
    gzip_compressor& operator=(const gzip_compressor&) = delete;

    /// Appends one complete gzip member holding the pieces in order to `out` (pieces, so that
    /// a record's head, block and end are never copied together).
    void append_member(std::initializer_list<piece> pieces, std::string& out);

private:
    int run(int flush, std::string& out, std::size_t& written);

    z_stream zs_{};
    int level_; ///< the level asked for
};

} // namespace crawl::warc
