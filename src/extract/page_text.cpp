#include "page_text.hpp"

#include "crawl/util/text.hpp"

#include <cstddef>

namespace crawl::extract {

void text_collector::append(std::string_view s)
{
    for (const char c : s) {
        if (text_.size() > max_text_bytes + 8) {
            return;
        }
        if (text::is_html_space(c)) {
            space_pending_ = !text_.empty();
            continue;
        }
        if (space_pending_) {
            text_ += ' ';
            space_pending_ = false;
        }
        text_ += c;
    }
}

std::string text_collector::take() const
{
    std::string clean;
    text::append_utf8_sanitized(text_, clean);
    std::string_view capped = text::utf8_prefix(clean, max_text_bytes);
    while (!capped.empty() && capped.back() == ' ') {
        capped.remove_suffix(1);
    }
    return std::string(capped);
}

std::string collapse(std::string_view s)
{
    text_collector c;
    c.append(s);
    return c.take();
}

namespace {

/// True when `list`, cut into tokens at the characters `is_separator` accepts, holds `token`
/// (ASCII case-insensitive).
template <class Separator>
bool holds_token(std::string_view list, std::string_view token, Separator is_separator)
{
    std::size_t pos = 0;
    while (pos < list.size()) {
        while (pos < list.size() && is_separator(list[pos])) {
            ++pos;
        }
        std::size_t end = pos;
        while (end < list.size() && !is_separator(list[end])) {
            ++end;
        }
        if (end > pos && text::iequals(list.substr(pos, end - pos), token)) {
            return true;
        }
        pos = end;
    }
    return false;
}

} // namespace

bool has_token(std::string_view list, std::string_view token)
{
    return holds_token(list, token, [](char c) { return text::is_html_space(c); });
}

bool has_directive(std::string_view content, std::string_view directive)
{
    return holds_token(content, directive, [](char c) { return c == ',' || text::is_html_space(c); });
}

} // namespace crawl::extract

namespace crawl::extract {

// HTML Standard, 7.11.1 "shared declarative refresh steps": a time (digits, then digits and
// dots, ignored), a ';' or ',' or whitespace, then either "url" "=" and a URL in optional
// quotes, or the URL alone.
std::optional<std::string_view> refresh_url(std::string_view content)
{
    std::size_t i = 0;
    const auto at = [&](auto is) { return i < content.size() && is(content[i]); };
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
    if (content.empty()) {
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
    if (i < content.size()) {
        if (!at([](char c) { return c == ';' || c == ',' || text::is_html_space(c); })) {
            return std::nullopt;
        }
        skip_spaces();
        if (at([](char c) { return c == ';' || c == ','; })) {
            ++i;
        }
        skip_spaces();
    }
    if (i == content.size()) {
        return std::string_view{};
    }
    const std::size_t url_begin = i; // where the URL starts when "url=" is not all there
    if (take('u')) {
        if (!take('r') || !take('l')) {
            return content.substr(url_begin);
        }
        skip_spaces();
        if (!at([](char c) { return c == '='; })) {
            return content.substr(url_begin);
        }
        ++i;
        skip_spaces();
    }
    std::string_view url = content.substr(i);
    if (!url.empty() && (url.front() == '"' || url.front() == '\'')) {
        const char quote = url.front();
        url.remove_prefix(1);
        url = url.substr(0, url.find(quote));
    }
    return url;
}

} // namespace crawl::extract
