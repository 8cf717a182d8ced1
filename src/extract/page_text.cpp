#include "page_text.hpp"

#include "crawl/util/text.hpp"

#include <algorithm>
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

bool has_token(std::string_view list, std::string_view token)
{
    std::size_t pos = 0;
    while (pos < list.size()) {
        while (pos < list.size() && text::is_html_space(list[pos])) {
            ++pos;
        }
        std::size_t end = pos;
        while (end < list.size() && !text::is_html_space(list[end])) {
            ++end;
        }
        if (end > pos && text::iequals(list.substr(pos, end - pos), token)) {
            return true;
        }
        pos = end;
    }
    return false;
}

void replace_nuls(std::string& s, std::size_t from)
{
    const auto nuls =
        static_cast<std::size_t>(std::count(s.begin() + static_cast<std::ptrdiff_t>(from), s.end(), '\0'));
    if (nuls == 0) {
        return;
    }
    const std::string_view fffd = text::replacement_character;
    std::size_t read = s.size();
    s.resize(s.size() + nuls * (fffd.size() - 1));
    std::size_t write = s.size();
    while (read > from) {
        const char c = s[--read];
        if (c == '\0') {
            write -= fffd.size();
            s.replace(write, fffd.size(), fffd);
        } else {
            s[--write] = c;
        }
    }
}

} // namespace crawl::extract
