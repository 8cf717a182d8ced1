#include "tree_rules.hpp"

#include "crawl/util/text.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace crawl::extract {
namespace {

// Foreign content this deep is hostile, not a drawing: deeper elements are counted, not kept,
// so that memory stays bounded (browsers cap their trees too; Blink at 512).
constexpr std::size_t max_depth = 512;

template <std::size_t N>
bool one_of(std::string_view name, const std::array<std::string_view, N>& names)
{
    return std::find(names.begin(), names.end(), name) != names.end();
}

constexpr std::array<std::string_view, 18> void_elements = {
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr",
    "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
};

// Start tags that end foreign content ("A start tag whose tag name is one of" in 13.2.6.5).
constexpr std::array<std::string_view, 44> breakout_elements = {
    "b",  "big", "blockquote", "body", "br",   "center", "code",  "dd",     "div",  "dl",    "dt",
    "em", "embed", "h1",       "h2",   "h3",   "h4",     "h5",    "h6",     "head", "hr",    "i",
    "img", "li", "listing",    "menu", "meta", "nobr",   "ol",    "p",      "pre",  "ruby",  "s",
    "small", "span", "strong", "strike", "sub", "sup",   "table", "tt",     "u",    "ul",    "var",
};

// The HTML elements whose start or end tag a rule here looks at; every other is `other`.
enum class element : std::uint8_t {
    other, a, area, base, frame, html, iframe, link, math, meta, noembed, noframes, noscript,
    plaintext, script, style, svg, template_, textarea, title, xmp,
};

// One switch on the length, then a comparison or two, instead of a chain of up to twenty
// comparisons for every tag of a page (most of which are none of these).
element element_of(std::string_view name) noexcept
{
    const auto is = [name](std::string_view candidate) { return name == candidate; };
    switch (name.size()) {
    case 1:
        return is("a") ? element::a : element::other;
    case 3:
        return is("svg") ? element::svg : is("xmp") ? element::xmp : element::other;
    case 4:
        return is("area")   ? element::area
               : is("base") ? element::base
               : is("html") ? element::html
               : is("link") ? element::link
               : is("math") ? element::math
               : is("meta") ? element::meta
                            : element::other;
    case 5:
        return is("frame")   ? element::frame
               : is("style") ? element::style
               : is("title") ? element::title
                             : element::other;
    case 6:
        return is("iframe") ? element::iframe : is("script") ? element::script : element::other;
    case 7:
        return is("noembed") ? element::noembed : element::other;
    case 8:
        return is("noframes")   ? element::noframes
               : is("noscript") ? element::noscript
               : is("template") ? element::template_
               : is("textarea") ? element::textarea
                                : element::other;
    case 9:
        return is("plaintext") ? element::plaintext : element::other;
    default:
        return element::other;
    }
}

std::optional<std::string_view> attribute(const html_tag& tag, std::string_view name)
{
    for (const html_attribute& a : tag.attributes) {
        if (a.name == name) {
            return a.value;
        }
    }
    return std::nullopt;
}

bool breaks_out(const html_tag& tag)
{
    if (tag.name == "font") {
        return attribute(tag, "color") || attribute(tag, "face") || attribute(tag, "size");
    }
    return one_of(tag.name, breakout_elements);
}

} // namespace

bool tree_rules::in_foreign_content() const
{
    return !stack_.empty() && stack_.back().ns != space::html;
}

void tree_rules::push(open_element e)
{
    if (stack_.size() < max_depth) {
        stack_.push_back(std::move(e));
    } else {
        ++overflow_;
    }
}

// The tree construction dispatcher (13.2.6): which rules a start tag follows here.
bool tree_rules::html_rules_apply(const html_tag& tag) const
{
    // (Only asked with a stack: with none, the content is plain HTML.)
    const open_element& top = stack_.back();
    return top.ns == space::html || top.html_integration_point ||
           (top.text_integration_point && tag.name != "mglyph" && tag.name != "malignmark") ||
           (top.ns == space::math && top.name == "annotation-xml" && tag.name == "svg");
}

content_state tree_rules::start_tag(const html_tag& tag)
{
    if (stack_.empty() || html_rules_apply(tag)) { // (plain HTML content: no stack)
        return html_start_tag(tag);
    }
    if (breaks_out(tag)) {
        pop_to_html_content();
        return html_start_tag(tag);
    }
    foreign_start_tag(tag);
    return content_state::data;
}

void tree_rules::foreign_start_tag(const html_tag& tag)
{
    if (tag.name == "a") { // SVG's <a href> is a link too
        hyperlink(tag);
    }
    const space ns = stack_.back().ns;
    open_element e{std::string(tag.name), ns};
    if (ns == space::svg) {
        e.html_integration_point = tag.name == "foreignobject" || tag.name == "desc" || tag.name == "title";
    } else {
        e.text_integration_point =
            tag.name == "mi" || tag.name == "mo" || tag.name == "mn" || tag.name == "ms" || tag.name == "mtext";
        const auto encoding = attribute(tag, "encoding");
        e.html_integration_point = tag.name == "annotation-xml" && encoding &&
                                   (text::iequals(*encoding, "text/html") ||
                                    text::iequals(*encoding, "application/xhtml+xml"));
    }
    if (!tag.self_closing) {
        push(std::move(e));
    }
}

content_state tree_rules::html_start_tag(const html_tag& tag)
{
    const std::string_view name = tag.name;
    const element e = element_of(name);
    if (e == element::svg || e == element::math) {
        if (!tag.self_closing) {
            push({std::string(name), e == element::svg ? space::svg : space::math});
        }
        return content_state::data;
    }
    if (!stack_.empty() && !one_of(name, void_elements)) {
        push({std::string(name), space::html});
    }
    if (e == element::template_) {
        ++template_depth_;
    }
    const bool in_document = template_depth_ == 0;
    switch (e) {
    case element::a:
    case element::area:
        hyperlink(tag);
        return content_state::data;
    case element::frame:
        frame(tag);
        return content_state::data;
    case element::iframe: // its src is read before its content turns RAWTEXT
        frame(tag);
        return content_state::rawtext;
    case element::title:
        if (in_document && title_ == title_phase::before) {
            title_ = title_phase::inside;
        }
        return content_state::rcdata;
    case element::textarea:
        return content_state::rcdata;
    case element::style:
    case element::xmp:
    case element::noembed:
    case element::noframes:
    case element::noscript:
        return content_state::rawtext;
    case element::script:
        return content_state::script_data;
    case element::plaintext:
        return content_state::plaintext;
    case element::html:
        if (const auto lang = attribute(tag, "lang"); in_document && lang && !have_lang_) {
            have_lang_ = true;
            page_.html_lang(*lang);
        }
        return content_state::data;
    case element::meta:
        if (in_document) {
            const auto content = attribute(tag, "content");
            page_.meta(attribute(tag, "name"), content);
            if (const auto equiv = attribute(tag, "http-equiv"); equiv && content && text::iequals(*equiv, "refresh")) {
                page_.refresh(*content);
            }
        }
        return content_state::data;
    case element::link:
        if (in_document) {
            page_.link(attribute(tag, "rel"), attribute(tag, "href"));
        }
        return content_state::data;
    case element::base:
        if (in_document) {
            page_.base(attribute(tag, "href"));
        }
        return content_state::data;
    case element::other:
    case element::svg:
    case element::math:
    case element::template_:
        break;
    }
    return content_state::data;
}

void tree_rules::frame(const html_tag& tag)
{
    if (const auto src = attribute(tag, "src")) {
        page_.frame(*src);
    }
}

void tree_rules::hyperlink(const html_tag& tag)
{
    if (const auto href = attribute(tag, "href")) {
        page_.hyperlink(*href, attribute(tag, "rel"));
    }
}

// "While the current node is not a MathML text integration point, an HTML integration point,
// or an element in the HTML namespace, pop elements from the stack of open elements."
void tree_rules::pop_to_html_content()
{
    overflow_ = 0;
    while (!stack_.empty() && stack_.back().ns != space::html && !stack_.back().html_integration_point &&
           !stack_.back().text_integration_point) {
        stack_.pop_back();
    }
}

void tree_rules::end_tag(const html_tag& tag)
{
    if (in_foreign_content()) {
        foreign_end_tag(tag.name);
    } else {
        html_end_tag(tag.name);
    }
}

// "Any other end tag" in foreign content: it closes the nearest foreign element of its name,
// unless an HTML element comes first; then the HTML rules take it.
void tree_rules::foreign_end_tag(std::string_view name)
{
    if (name == "br" || name == "p") {
        pop_to_html_content();
        return html_end_tag(name);
    }
    if (overflow_ > 0) {
        --overflow_;
        return;
    }
    for (std::size_t i = stack_.size() - 1;; --i) {
        if (stack_[i].name == name) {
            stack_.resize(i);
            return;
        }
        if (i == 0 || stack_[i - 1].ns == space::html) {
            break;
        }
    }
    html_end_tag(name);
}

void tree_rules::html_end_tag(std::string_view name)
{
    // The state first: outside a <title> and a <template>, no end tag's name matters here.
    if (title_ == title_phase::inside && name == "title") {
        title_ = title_phase::done;
    } else if (template_depth_ > 0 && name == "template") {
        --template_depth_;
    }
    if (overflow_ > 0) {
        --overflow_;
        return;
    }
    // Inside an integration point: close the HTML element of that name opened there.
    for (std::size_t i = stack_.size(); i > 0 && stack_[i - 1].ns == space::html; --i) {
        if (stack_[i - 1].name == name) {
            stack_.resize(i - 1);
            return;
        }
    }
}

void tree_rules::characters(std::string_view text)
{
    if (title_ == title_phase::inside) {
        page_.title_text(text);
    }
}

} // namespace crawl::extract
