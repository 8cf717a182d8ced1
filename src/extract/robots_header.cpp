#include "crawl/extract/robots_header.hpp"

#include "page_text.hpp"

#include "crawl/util/text.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace crawl::extract {
namespace {

// The directives whose value follows a colon: "unavailable_after: 25 Jun 2010" names no
// crawler.
constexpr std::array<std::string_view, 4> valued_directives = {"unavailable_after", "max-snippet",
                                                               "max-image-preview", "max-video-preview"};

bool is_valued_directive(std::string_view name)
{
    return std::any_of(valued_directives.begin(), valued_directives.end(),
                       [&](std::string_view d) { return text::iequals(name, d); });
}

bool field_says_nofollow(std::string_view field, std::string_view agent)
{
    std::optional<std::string_view> speaks_to; // none: every crawler
    while (!field.empty()) {
        const std::size_t comma = field.find(',');
        std::string_view item = text::trim_html_space(field.substr(0, comma));
        field = comma == std::string_view::npos ? std::string_view{} : field.substr(comma + 1);
        if (const std::size_t colon = item.find(':'); colon != std::string_view::npos) {
            const std::string_view name = text::trim_html_space(item.substr(0, colon));
            if (is_valued_directive(name)) {
                continue;
            }
            speaks_to = name;
            item = item.substr(colon + 1);
        }
        const bool to_us = !speaks_to || (!agent.empty() && text::iequals(*speaks_to, agent));
        if (to_us && (has_directive(item, "nofollow") || has_directive(item, "none"))) {
            return true;
        }
    }
    return false;
}

} // namespace

bool x_robots_tag_says_nofollow(std::string_view fields, std::string_view agent)
{
    while (!fields.empty()) {
        const std::size_t newline = fields.find('\n');
        if (field_says_nofollow(fields.substr(0, newline), agent)) {
            return true;
        }
        fields = newline == std::string_view::npos ? std::string_view{} : fields.substr(newline + 1);
    }
    return false;
}

} // namespace crawl::extract
