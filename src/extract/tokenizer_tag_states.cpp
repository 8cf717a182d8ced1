// The tokenizer's tags and attributes (HTML Standard 13.2.5.6-8, 32-40); the fast path that
// reads a whole tag of the common forms in one go is in tokenizer_whole_tag.cpp.

#include "byte_scan.hpp"
#include "tokenizer_machine.hpp"
#include "tokenizer_names.hpp"

#include <algorithm>
#include <array>

namespace crawl::extract {
namespace {

// Past this many attributes on one tag, repeated names are found through a set, not by
// comparing with each earlier attribute.
constexpr std::size_t linear_attribute_check = 16;

// Appends the run of name bytes at `p` to `out`, lowercased; returns where the run ends.
const char* append_name_run(const char* p, const char* end, const std::array<bool, 256>& stop, std::string& out)
{
    const char* q = name_run_end(p, end, stop);
    append_lower(out, p, q);
    return q;
}

} // namespace

// ---- tags ----

void html_tokenizer::impl::s_tag_open()
{
    if (at_end()) {
        emit_text("<");
        state = tstate::data;
        return;
    }
    const char c = *p;
    if (c == '!') {
        ++p;
        state = tstate::markup_decl_open;
    } else if (c == '/') {
        ++p;
        state = tstate::end_tag_open;
    } else if (is_alpha(c)) {
        if (!read_whole_tag(false)) {
            begin_tag(false);
            state = tstate::tag_name;
        }
    } else if (c == '?') {
        comment_text.clear();
        state = tstate::bogus_comment;
    } else {
        emit_text("<");
        state = tstate::data;
    }
}

void html_tokenizer::impl::s_end_tag_open()
{
    if (at_end()) {
        emit_text("</");
        state = tstate::data;
        return;
    }
    const char c = *p;
    if (is_alpha(c)) {
        if (!read_whole_tag(true)) {
            begin_tag(true);
            state = tstate::tag_name;
        }
    } else if (c == '>') {
        ++p;
        state = tstate::data;
    } else {
        comment_text.clear();
        state = tstate::bogus_comment;
    }
}

void html_tokenizer::impl::s_tag_name()
{
    while (!at_end()) {
        p = append_name_run(p, end, stops.tag, tag_name);
        if (at_end()) {
            break;
        }
        const char c = *p;
        if (is_space(c)) {
            ++p;
            state = tstate::before_attr_name;
            return;
        }
        if (c == '/') {
            ++p;
            state = tstate::self_closing_start_tag;
            return;
        }
        if (c == '>') {
            ++p;
            return emit_tag();
        }
        tag_name += fffd; // NUL
        ++p;
    }
    if (!waiting()) {
        stop(); // end of file in a tag: the tag is dropped
    }
}

std::string_view html_tokenizer::impl::attribute_name(std::size_t i) const noexcept
{
    const attribute_span& a = attributes[i];
    return std::string_view(arena).substr(a.name_begin, a.name_end - a.name_begin);
}

bool html_tokenizer::impl::is_kept_name(std::string_view name) const noexcept
{
    return std::any_of(kept_attributes.begin(), kept_attributes.end(),
                       [&](std::string_view kept) { return equals_lowered(kept, name); });
}

// Leaving the attribute name state: a name the tag already has makes this attribute a
// duplicate, which is dropped (the first one wins); so is one the filter does not keep
// (`filter_passed`: the whole-tag path asked the filter before copying the name).
void html_tokenizer::impl::end_attribute_name(bool filter_passed)
{
    attribute_span& a = attributes.back();
    a.name_end = a.value_begin = arena.size();
    const std::size_t index = attributes.size() - 1;
    if (!filter_passed && !keeps_attribute(attribute_name(index))) {
        arena.resize(a.name_begin);
        attributes.pop_back();
        dropping_attribute = true;
        return;
    }
    bool duplicate = false;
    if (index < linear_attribute_check) {
        for (std::size_t i = 0; i < index && !duplicate; ++i) {
            duplicate = attribute_name(i) == attribute_name(index);
        }
    } else {
        if (attribute_names.empty()) {
            for (std::size_t i = 0; i < index; ++i) {
                attribute_names.insert(i);
            }
        }
        duplicate = !attribute_names.insert(index).second;
    }
    if (duplicate) {
        arena.resize(a.name_begin);
        attributes.pop_back();
        dropping_attribute = true;
    }
}

void html_tokenizer::impl::emit_tag(std::string_view name)
{
    close_attribute_value();
    attribute_views.clear();
    for (const attribute_span& a : attributes) {
        const std::string_view all(arena);
        attribute_views.push_back({all.substr(a.name_begin, a.name_end - a.name_begin),
                                   all.substr(a.value_begin, a.value_end - a.value_begin)});
    }
    deliver_tag({name, attribute_views, self_closing}, end_tag);
}

bool html_tokenizer::impl::appropriate_end_tag() const noexcept
{
    return !last_start_tag.empty() && tag_name == last_start_tag;
}

void html_tokenizer::impl::s_before_attr_name()
{
    while (!at_end() && is_space(*p)) {
        ++p;
    }
    if (waiting()) {
        return;
    }
    if (at_end() || *p == '/' || *p == '>') {
        state = tstate::after_attr_name;
        return;
    }
    begin_attribute();
    if (*p == '=') { // a parse error: '=' starts the name
        arena += '=';
        ++p;
    }
    state = tstate::attr_name;
}

void html_tokenizer::impl::s_attr_name()
{
    while (!at_end()) {
        p = append_name_run(p, end, stops.attribute, arena);
        if (at_end()) {
            break;
        }
        const char c = *p;
        if (is_space(c) || c == '/' || c == '>') {
            end_attribute_name();
            state = tstate::after_attr_name;
            return;
        }
        if (c == '=') {
            end_attribute_name();
            ++p;
            state = tstate::before_attr_value;
            return;
        }
        arena += fffd; // NUL
        ++p;
    }
    if (!waiting()) {
        stop(); // end of file in a tag
    }
}

void html_tokenizer::impl::s_after_attr_name()
{
    while (!at_end() && is_space(*p)) {
        ++p;
    }
    if (waiting()) {
        return;
    }
    if (at_end()) {
        return stop();
    }
    const char c = *p;
    if (c == '/') {
        ++p;
        state = tstate::self_closing_start_tag;
    } else if (c == '=') {
        ++p;
        state = tstate::before_attr_value;
    } else if (c == '>') {
        ++p;
        emit_tag();
    } else {
        begin_attribute();
        state = tstate::attr_name;
    }
}

void html_tokenizer::impl::s_before_attr_value()
{
    while (!at_end() && is_space(*p)) {
        ++p;
    }
    if (waiting()) {
        return;
    }
    if (at_end()) {
        state = tstate::attr_value_unquoted;
        return;
    }
    const char c = *p;
    if (c == '"') {
        ++p;
        state = tstate::attr_value_dq;
    } else if (c == '\'') {
        ++p;
        state = tstate::attr_value_sq;
    } else if (c == '>') { // a parse error: the value is empty
        ++p;
        emit_tag();
    } else {
        state = tstate::attr_value_unquoted;
    }
}

void html_tokenizer::impl::s_attr_value_quoted(char quote)
{
    if (dropping_attribute) { // nothing but the closing quote matters
        p = find_byte(p, end, quote);
        if (at_end()) {
            if (at_eof) {
                stop(); // end of file in a tag
            }
            return;
        }
        ++p;
        state = tstate::after_attr_value_quoted;
        return;
    }
    const char* q = scan::find_any(p, end, quote, '&', '\0');
    append_value({p, static_cast<std::size_t>(q - p)});
    p = q;
    if (at_end()) {
        if (at_eof) {
            stop(); // end of file in a tag
        }
        return;
    }
    const char c = *p++;
    if (c == quote) {
        state = tstate::after_attr_value_quoted;
    } else if (c == '&') {
        return_state = state;
        state = tstate::char_ref;
    } else {
        append_value(fffd);
    }
}

void html_tokenizer::impl::s_attr_value_unquoted()
{
    while (!at_end()) {
        const char c = *p;
        if (is_space(c)) {
            ++p;
            state = tstate::before_attr_name;
            return;
        }
        if (c == '&' && !dropping_attribute) {
            ++p;
            return_state = tstate::attr_value_unquoted;
            state = tstate::char_ref;
            return;
        }
        if (c == '>') {
            ++p;
            return emit_tag();
        }
        append_value(c == '\0' ? fffd : std::string_view(p, 1));
        ++p;
    }
    if (!waiting()) {
        stop(); // end of file in a tag
    }
}

void html_tokenizer::impl::s_after_attr_value_quoted()
{
    if (at_end()) {
        return stop();
    }
    const char c = *p;
    if (is_space(c)) {
        ++p;
        state = tstate::before_attr_name;
    } else if (c == '/') {
        ++p;
        state = tstate::self_closing_start_tag;
    } else if (c == '>') {
        ++p;
        emit_tag();
    } else { // a parse error: no space between attributes
        state = tstate::before_attr_name;
    }
}

void html_tokenizer::impl::s_self_closing_start_tag()
{
    if (at_end()) {
        return stop();
    }
    if (*p == '>') {
        ++p;
        self_closing = true;
        emit_tag();
    } else {
        state = tstate::before_attr_name;
    }
}

} // namespace crawl::extract
