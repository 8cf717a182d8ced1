#pragma once
// The X-Robots-Tag response field: the robots directives a server gives for a page in its
// header rather than in a <meta name=robots>, the only way for what is not HTML to give any.

#include <string_view>

namespace crawl::extract {

/// True when the X-Robots-Tag fields of a response tell `agent` not to follow the page's
/// links: a directive "nofollow" or "none" (ASCII case-insensitive) that speaks to every
/// crawler or to `agent`. `fields` holds each field's value on a line of its own. Within a
/// field the directives are a comma-separated list, and "NAME: directive" makes the directives
/// from there to the field's end speak to the crawler NAME only ("otherbot: nofollow"), unless
/// NAME is a directive that takes a value (unavailable_after, max-snippet, max-image-preview,
/// max-video-preview).
[[nodiscard]] bool x_robots_tag_says_nofollow(std::string_view fields, std::string_view agent);

} // namespace crawl::extract
