#pragma once
// Which charset a page is in: HTTP header, BOM, <meta> prescan, then content sniffing.

#include <cstddef>
#include <string>
#include <string_view>

namespace crawl::extract {

/// The `charset` parameter of a Content-Type value, lowercased and unquoted; empty if none.
[[nodiscard]] std::string charset_from_content_type(std::string_view content_type);

/// The media type of a Content-Type value, lowercased, without parameters.
[[nodiscard]] std::string media_type(std::string_view content_type);

/// True for text/html and application/xhtml+xml.
[[nodiscard]] bool is_html_media_type(std::string_view media_type);

/// Maps a label to the canonical name iconv understands, following the WHATWG
/// Encoding Standard's label table for the common labels ("latin1", "iso-8859-1", "ascii"
/// map to "windows-1252"; "shift_jis"/"sjis" to "Shift_JIS"; "euc-kr"; "gbk"/"gb2312";
/// "utf8"/"utf-8" to "UTF-8"). Empty for an unknown label.
[[nodiscard]] std::string canonical_charset(std::string_view label);

/// How the charset was decided, in order of precedence.
enum class charset_source { header, bom, meta, sniffed_utf8, fallback };

struct charset_decision {
    std::string name;       ///< canonical name, e.g. "UTF-8", "windows-1252", "EUC-KR"
    charset_source source = charset_source::fallback;
    std::size_t bom_length = 0; ///< bytes of BOM at the start of `head` to skip
};

/// Decides the charset from the header's label and the first bytes of the body (`head`,
/// normally the first 1024 bytes or the whole body if shorter): a BOM (UTF-8, UTF-16LE/BE),
/// then the header label if known, then a WHATWG-style prescan for <meta charset> /
/// <meta http-equiv content>, then UTF-8 if `head` is valid UTF-8 (a sequence cut at the end
/// of head does not count against it), else windows-1252. The BOM outranks the header as in
/// the WHATWG decode algorithm and browsers (servers often send a stale default charset).
[[nodiscard]] charset_decision decide_charset(std::string_view header_label, std::string_view head);

} // namespace crawl::extract
