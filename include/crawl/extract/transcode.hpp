#pragma once
// Decoding a page from its charset to UTF-8 as it streams in.

#include <iconv.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace crawl::extract {

/// Turns body bytes in one charset into well-formed UTF-8, chunk by chunk. UTF-8 is checked
/// by hand, windows-1252 goes through the WHATWG index, every other charset through glibc's
/// iconv (under the name whose table matches WHATWG's decoder: windows-31j for Shift_JIS,
/// windows-949 for EUC-KR, GB18030 for GBK, Big5-HKSCS for Big5). Each byte (in UTF-16, each
/// two-byte unit) that cannot be decoded becomes U+FFFD and decoding resumes after it; a NUL
/// stays a NUL. A sequence cut by the end of a chunk is held back and finished with the next
/// one, so the output is the same however the body is split. A BOM is decoded like any other
/// character: decide_charset says how many bytes of it to skip.
class transcoder {
public:
    /// `charset`: a canonical name as canonical_charset returns it. A name iconv does not
    /// know (none of those) decodes as windows-1252.
    explicit transcoder(std::string_view charset);
    ~transcoder();
    transcoder(const transcoder&) = delete;
    transcoder& operator=(const transcoder&) = delete;

    /// Appends the UTF-8 for `chunk` to `out`, less the start of a sequence cut by its end.
    void decode(std::string_view chunk, std::string& out);

    /// The UTF-8 for the start of `chunk`, as decode() gives it, removing from `chunk` the
    /// bytes it covers (at least one; call again for the rest): in a UTF-8 page, a view of
    /// `chunk` itself up to its first ill-formed byte or to a sequence cut by its end (most
    /// chunks of most pages, which then cost no copy), or `out` holding the few bytes that
    /// complete a sequence the previous chunk cut; else `out` holding all of it decoded. Valid
    /// until the next call.
    [[nodiscard]] std::string_view decode_view(std::string_view& chunk, std::string& out);

    /// Ends the body: a sequence still held back is ill-formed and becomes U+FFFD.
    void finish(std::string& out);

private:
    enum class method { utf8, windows_1252, iconv };

    void convert(std::string_view in, std::string& out, bool at_end);
    std::size_t convert_iconv(std::string_view in, std::string& out, bool at_end);

    method method_ = method::utf8;
    iconv_t cd_;
    std::size_t resync_bytes_ = 1; ///< input skipped after what iconv rejects (2 in UTF-16)
    std::string held_;             ///< input bytes of a sequence cut by a chunk boundary
};

} // namespace crawl::extract
