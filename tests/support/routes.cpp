#include "support/routes.hpp"

#include <algorithm>
#include <cstring>

namespace crawl::test::routes {

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
