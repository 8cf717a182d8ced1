#pragma once
// What the test server's routes serve, for tests that assert on extracted content or sizes.
// The routes themselves live in server/ (server/route_table.hpp); this header only exposes the
// content.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace crawl::test::routes {

/// UTF-8 title of /charset/euc-kr-header and /charset/euc-kr-meta (served as EUC-KR bytes).
inline constexpr std::string_view euc_kr_title = "한국어 제목";
/// UTF-8 title of /charset/sjis-header and /charset/sjis-meta (served as Shift_JIS bytes).
inline constexpr std::string_view sjis_title = "日本語のタイトル";
/// UTF-8 title of /charset/win1252-meta (served as windows-1252 bytes).
inline constexpr std::string_view win1252_title = "Café “quoted” – dash €";

/// Value of the `Server` field of every response.
inline constexpr std::string_view server_name = "crawl-test";

/// Title of page n: "Page n".
std::string page_title(std::uint64_t n);

/// The HTML that /page/n serves (and that /gzip/n etc. compress): title "Page n", description
/// "Description of page n", canonical "/page/n", links to /page/n+1, /page/n+2#frag,
/// https://example.com/x, javascript:void(0) and mailto:a@b.c. `size` > 0 pads the document
/// with an HTML comment to exactly `size` bytes (when `size` exceeds the unpadded length).
std::string page_html(std::uint64_t n, std::size_t size = 0);

/// A small page titled `title` (and a paragraph saying it): what /status/c, redirects and
/// 404s carry.
std::string small_html(std::string_view title);

/// The page of the /charset/ routes: `title` (UTF-8) in the charset iconv calls `iconv_name`,
/// twice, and a link; `meta_label` non-empty declares it in a <meta charset>.
std::string charset_page(std::string_view title, const char* iconv_name, std::string_view meta_label);

/// The start of /huge's body, then huge_block() repeated (whole 64-byte lines, 64 KiB).
inline constexpr std::string_view huge_head = "<!DOCTYPE html>\n<html><head><title>Huge</title></head><body>\n";
const std::string& huge_block();

/// The 64 KiB body of /binary (deterministic pseudo-random bytes).
const std::string& binary_body();

/// The 1 MiB body of /random-html (deterministic pseudo-random bytes labelled text/html).
const std::string& random_html_body();

/// `n` deterministic pseudo-random bytes from `seed` (splitmix64).
std::string pseudo_random_bytes(std::size_t n, std::uint64_t seed);

} // namespace crawl::test::routes
