#include "support/hostile_pages.hpp"

#include "support/liar_server.hpp"
#include "support/routes.hpp"

namespace crawl::test {

std::vector<html_page> hostile_suite_pages()
{
    std::string huge(routes::huge_head);
    while (huge.size() < (1U << 20)) {
        huge += routes::huge_block();
    }
    return {
        {"/page/0", "utf-8", routes::page_html(0)},
        {"/page/7?size=100000", "utf-8", routes::page_html(7, 100'000)},
        {"/charset/euc-kr-header", "EUC-KR", routes::charset_page(routes::euc_kr_title, "EUC-KR", "")},
        {"/charset/euc-kr-meta", "", routes::charset_page(routes::euc_kr_title, "EUC-KR", "EUC-KR")},
        {"/charset/sjis-header", "Shift_JIS", routes::charset_page(routes::sjis_title, "SHIFT_JIS", "")},
        {"/charset/sjis-meta", "", routes::charset_page(routes::sjis_title, "SHIFT_JIS", "Shift_JIS")},
        {"/charset/win1252-meta", "", routes::charset_page(routes::win1252_title, "WINDOWS-1252", "windows-1252")},
        {"/status/503", "utf-8", routes::small_html("Status 503")},
        {"/random-html", "utf-8", routes::random_html_body()},
        {"/huge (its first MiB)", "utf-8", std::move(huge)},
        {"/gzip-bomb (1 MiB of its NULs)", "", std::string(1U << 20, '\0')},
        {"liar /no-status-line", "", liar::titled_page("No status line") + std::string(2000, ' ')},
        {"liar /continue", "utf-8", liar::titled_page(liar::after_continue_title)},
        {"liar /length-short (smuggled)", "utf-8", liar::titled_page(liar::smuggled_title)},
        {"liar /title-invalid-utf8", "utf-8", liar::invalid_utf8_title_page()},
        {"liar /title-entities", "utf-8", liar::entities_title_page()},
        {"liar /title-hidden", "utf-8", liar::hidden_title_page()},
        {"liar /links", "utf-8", liar::many_links_page()},
        {"liar /deep-nesting", "utf-8", liar::deep_nesting_page()},
        {"liar /huge-attribute", "utf-8", liar::huge_attribute_page()},
        {"liar 404", "", liar::titled_page("Not Found")},
    };
}

} // namespace crawl::test
