#pragma once
// How a page's text is read: a title or attribute value collapsed the way document.title is,
// and token lists such as rel="nofollow canonical".

#include "crawl/extract/html_extractor.hpp"

#include <string>
#include <string_view>

namespace crawl::extract {

/// Collects element text or an attribute value the way document.title reads a title: runs of
/// ASCII whitespace become one space, leading and trailing whitespace go. Stops growing just
/// past max_text_bytes, so a huge title costs no memory.
class text_collector {
public:
    void append(std::string_view s);
    /// The collected text, valid UTF-8, at most max_text_bytes.
    [[nodiscard]] std::string take() const;

private:
    std::string text_;
    bool space_pending_ = false;
};

/// `s` collected as text_collector does.
[[nodiscard]] std::string collapse(std::string_view s);

/// True when the space-separated token list `list` holds `token` (ASCII case-insensitive).
[[nodiscard]] bool has_token(std::string_view list, std::string_view token);

/// True when the robots directives `content` (<meta name=robots content>) hold `directive`
/// (ASCII case-insensitive). The form is a comma-separated list; whitespace separates too,
/// because "noindex nofollow" is a common way of writing it whose meaning is plain.
[[nodiscard]] bool has_directive(std::string_view content, std::string_view directive);

} // namespace crawl::extract
