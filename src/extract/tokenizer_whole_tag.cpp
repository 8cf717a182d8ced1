// The tokenizer's fast path for tags: a whole tag of the common forms read in one go, with
// the same result as the tag states (tokenizer_tag_states.cpp).

#include "byte_scan.hpp"
#include "tokenizer_machine.hpp"
#include "tokenizer_names.hpp"

namespace crawl::extract {

// What the states from tag name to the tag's '>' do, for a tag that is all in this feed and
// holds no NUL, no attribute starting with '=', and no '&' in a value the filter keeps: the
// same tag comes out, without a state change per byte class. Anything else leaves it to the
// states, which then read the tag from its start again.
bool html_tokenizer::impl::read_whole_tag(bool is_end)
{
    const name_run run = read_name_run(p, end, stops.tag);
    const char* q = run.end;
    if (q == end || *q == '\0') {
        return false;
    }
    begin_tag(is_end);
    // Nearly every tag name is written in lowercase: then it is emitted as the input has it.
    std::string_view name(p, static_cast<std::size_t>(q - p));
    if (run.upper) {
        append_lower(tag_name, p, q);
        name = tag_name;
    }
    for (;;) {
        q = skip_spaces(q, end); // before attribute name, after a value
        if (q == end || *q == '=' || *q == '\0') {
            return false;
        }
        if (*q == '>') {
            p = q + 1;
            emit_tag(name);
            return true;
        }
        if (*q == '/') { // self-closing start tag state
            if (q + 1 == end) {
                return false;
            }
            if (q[1] == '>') {
                self_closing = true;
                p = q + 2;
                emit_tag(name);
                return true;
            }
            ++q; // anything else: before attribute name
            continue;
        }
        const char* name_end = name_run_end(q, end, stops.attribute);
        if (name_end == end || *name_end == '\0') {
            return false;
        }
        if (keeps_attribute({q, static_cast<std::size_t>(name_end - q)})) {
            begin_attribute();
            append_lower(arena, q, name_end);
            end_attribute_name(true);
        } else {
            close_attribute_value();
            dropping_attribute = true;
        }
        q = skip_spaces(name_end, end); // after attribute name
        if (q == end) {
            return false;
        }
        if (*q != '=') {
            continue; // a name without a value
        }
        q = skip_spaces(q + 1, end); // before attribute value
        if (q == end) {
            return false;
        }
        const char quote = *q;
        if (quote == '"' || quote == '\'') {
            const char* value = q + 1;
            q = dropping_attribute ? find_byte(value, end, quote) : scan::find_any(value, end, quote, '&', '\0');
            if (q == end || *q != quote) {
                return false;
            }
            append_value({value, static_cast<std::size_t>(q - value)});
            ++q;
            continue;
        }
        if (quote == '>') { // a parse error: the value is missing
            p = q + 1;
            emit_tag(name);
            return true;
        }
        const char* value = q;
        while (q != end && !is_space(*q) && *q != '>') {
            if (*q == '\0' || (*q == '&' && !dropping_attribute)) {
                return false;
            }
            ++q;
        }
        if (q == end) {
            return false;
        }
        append_value({value, static_cast<std::size_t>(q - value)});
    }
}

} // namespace crawl::extract
