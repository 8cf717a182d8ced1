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
