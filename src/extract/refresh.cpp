#include "crawl/extract/refresh.hpp"

#include "crawl/util/text.hpp"

namespace crawl::extract {

// HTML Standard, 7.11.1 "shared declarative refresh steps": a time (digits, then digits and
// dots, ignored), a ';' or ',' or whitespace, then either "url" "=" and a URL in optional
// quotes, or the URL alone.
std::optional<std::string_view> refresh_url(std::string_view value)
{
    std::size_t i = 0;
    const auto at = [&](auto is) { return i < value.size() && is(value[i]); };
    const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    const auto skip_spaces = [&] {
        while (at(text::is_html_space)) {
            ++i;
        }
    };
    const auto take = [&](char lower) {
        if (at([&](char c) { return c == lower || c == lower - ('a' - 'A'); })) {
            ++i;
            return true;
        }
        return false;
    };
    if (value.empty()) {
        return std::nullopt;
    }
    skip_spaces();
    const std::size_t time_begin = i;
    while (at(is_digit)) {
        ++i;
    }
    if (i == time_begin && !at([](char c) { return c == '.'; })) {
        return std::nullopt;
    }
    while (at([&](char c) { return is_digit(c) || c == '.'; })) {
        ++i;
    }
    if (i < value.size()) {
        if (!at([](char c) { return c == ';' || c == ',' || text::is_html_space(c); })) {
            return std::nullopt;
        }
        skip_spaces();
        if (at([](char c) { return c == ';' || c == ','; })) {
            ++i;
        }
        skip_spaces();
    }
    if (i == value.size()) {
        return std::string_view{};
    }
    const std::size_t url_begin = i; // where the URL starts when "url=" is not all there
    if (take('u')) {
        if (!take('r') || !take('l')) {
            return value.substr(url_begin);
        }
        skip_spaces();
        if (!at([](char c) { return c == '='; })) {
            return value.substr(url_begin);
        }
        ++i;
        skip_spaces();
    }
    std::string_view url = value.substr(i);
    if (!url.empty() && (url.front() == '"' || url.front() == '\'')) {
        const char quote = url.front();
        url.remove_prefix(1);
        url = url.substr(0, url.find(quote));
    }
    return url;
}

} // namespace crawl::extract
