#include "support/routes.hpp"

#include <iconv.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace crawl::test::routes {
namespace {

/// Converts UTF-8 text to `charset` with iconv(3), so the test bytes are produced by an
/// independent converter rather than typed in by hand.
std::string from_utf8(std::string_view utf8, const char* charset)
{
    iconv_t cd = iconv_open(charset, "UTF-8");
    if (cd == reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1))) {
        throw std::runtime_error(std::string("iconv_open failed for ") + charset);
    }
    std::string in(utf8);
    std::string out(in.size() * 4 + 16, '\0');
    char* in_ptr = in.data();
    std::size_t in_left = in.size();
    char* out_ptr = out.data();
    std::size_t out_left = out.size();
    const std::size_t rc = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
    iconv_close(cd);
    if (rc == static_cast<std::size_t>(-1) || in_left != 0) {
        throw std::runtime_error(std::string("iconv failed for ") + charset);
    }
    out.resize(out.size() - out_left);
    return out;
}

} // namespace

std::string page_title(std::uint64_t n)
{
    return "Page " + std::to_string(n);
}

std::string page_html(std::uint64_t n, std::size_t size)
{
    const std::string num = std::to_string(n);
    std::string html;
    html += "<!DOCTYPE html>\n<html lang=\"en\"><head><title>Page " + num + "</title>";
    html += "<meta name=\"description\" content=\"Description of page " + num + "\">";
    html += "<link rel=\"canonical\" href=\"/page/" + num + "\"></head><body>\n";
    html += "<h1>Page " + num + "</h1>\n<p>This is test page " + num + ".</p>\n";
    html += "<a href=\"/page/" + std::to_string(n + 1) + "\">next</a>\n";
    html += "<a href=\"/page/" + std::to_string(n + 2) + "#frag\">skip</a>\n";
    html += "<a href=\"https://example.com/x\">external</a>\n";
    html += "<a href=\"javascript:void(0)\">script</a>\n";
    html += "<a href=\"mailto:a@b.c\">mail</a>\n";
    const std::string_view tail = "</body></html>\n";
    // The padding is a comment so that it changes the byte count and nothing an extractor sees.
    constexpr std::size_t comment_overhead = std::string_view("<!---->\n").size();
    if (size > html.size() + tail.size() + comment_overhead) {
        const std::size_t filler = size - html.size() - tail.size() - comment_overhead;
        html.reserve(size);
        html += "<!--";
        html.append(filler, 'x');
        html += "-->\n";
    }
    html += tail;
    return html;
}

std::string small_html(std::string_view title)
{
    return "<!DOCTYPE html>\n<html><head><title>" + std::string(title) + "</title></head><body><p>" +
           std::string(title) + "</p></body></html>\n";
}

std::string charset_page(std::string_view title, const char* iconv_name, std::string_view meta_label)
{
    std::string html = "<!DOCTYPE html>\n<html><head>";
    if (!meta_label.empty()) {
        html += "<meta charset=\"" + std::string(meta_label) + "\">";
    }
    html += "<title>" + from_utf8(title, iconv_name) + "</title></head><body><p>" + from_utf8(title, iconv_name) +
            "</p><a href=\"/page/1\">1</a></body></html>\n";
    return html;
}

const std::string& huge_block()
{
    static const std::string block = [] {
        constexpr std::string_view line = "<p>The quick brown fox jumps over the lazy dog: 0123456789.</p>\n";
        // Whole lines per 64 KiB block, so consecutive blocks join seamlessly.
        static_assert((64 * 1024) % line.size() == 0);
        std::string b;
        b.reserve(64 * 1024);
        while (b.size() < 64 * 1024) {
            b += line;
        }
        return b;
    }();
    return block;
}

std::string pseudo_random_bytes(std::size_t n, std::uint64_t seed)
{
    std::string out(n, '\0');
    std::uint64_t state = seed;
    for (std::size_t offset = 0; offset < n; offset += 8) {
        state += 0x9E3779B97F4A7C15ULL;
        std::uint64_t z = state;
        z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
        z ^= z >> 31U;
        std::memcpy(out.data() + offset, &z, std::min<std::size_t>(8, n - offset));
    }
    return out;
}

const std::string& binary_body()
{
    static const std::string body = pseudo_random_bytes(64 * 1024, 1);
    return body;
}

const std::string& random_html_body()
{
    static const std::string body = pseudo_random_bytes(1024 * 1024, 2);
    return body;
}

} // namespace crawl::test::routes
