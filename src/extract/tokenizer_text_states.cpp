// The tokenizer's text states: RCDATA (<title>, <textarea>), RAWTEXT (<style> and friends),
// script data with its escaped and double-escaped states, PLAINTEXT and CDATA sections
// (HTML Standard 13.2.5.2-5, 9-31, 69-71).

#include "byte_scan.hpp"
#include "tokenizer_machine.hpp"


namespace crawl::extract {

void html_tokenizer::impl::s_rcdata()
{
    if (at_end()) {
        return stop();
    }
    const char* q = scan::find_any(p, end, '<', '&', '\0');
    emit_text({p, static_cast<std::size_t>(q - p)});
    p = q;
    if (at_end()) {
        return;
    }
    const char c = *p++;
    if (c == '<') {
        state = tstate::rcdata_lt;
    } else if (c == '&') {
        return_state = tstate::rcdata;
        state = tstate::char_ref;
    } else {
        emit_text(fffd);
    }
}

// RAWTEXT and script data: text up to a '<', which goes to `lt` (the less-than sign state).
void html_tokenizer::impl::s_raw_run(tstate lt)
{
    if (at_end()) {
        return stop();
    }
    const char* q = want_text ? scan::find_any(p, end, '<', '\0', '\0') : find_byte(p, end, '<');
    emit_text({p, static_cast<std::size_t>(q - p)});
    p = q;
    if (at_end()) {
        return;
    }
    if (*p++ == '<') {
        state = lt;
    } else {
        emit_text(fffd);
    }
}

void html_tokenizer::impl::s_plaintext()
{
    if (at_end()) {
        return stop();
    }
    if (!want_text) {
        p = end;
        return;
    }
    const char* q = scan::find_any(p, end, '\0', '\0', '\0');
    emit_text({p, static_cast<std::size_t>(q - p)});
    p = q;
    if (!at_end()) {
        ++p;
        emit_text(fffd);
    }
}

// RCDATA or RAWTEXT less-than sign state.
void html_tokenizer::impl::s_text_lt(tstate text, tstate end_tag_open)
{
    if (!at_end() && *p == '/') {
        ++p;
        temp.clear();
        state = end_tag_open;
        return;
    }
    emit_text("<");
    state = text;
}

// RCDATA, RAWTEXT, script data or script data escaped end tag open state.
void html_tokenizer::impl::s_text_end_tag_open(tstate text, tstate end_tag_name)
{
    if (!at_end() && is_alpha(*p)) {
        begin_tag(true);
        state = end_tag_name;
        return;
    }
    emit_text("</");
    state = text;
}

// The end tag name states of the text states: only the end tag of the element that opened
// them (the "appropriate end tag") ends them; anything else was text.
void html_tokenizer::impl::s_text_end_tag_name(tstate text)
{
    while (!at_end()) {
        const char c = *p;
        if (is_alpha(c)) {
            tag_name += lower(c);
            temp += c;
            ++p;
            continue;
        }
        if (appropriate_end_tag()) {
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
        }
        break;
    }
    if (waiting()) {
        return;
    }
    emit_text("</");
    emit_text(temp);
    tag_name.clear();
    state = text;
}

void html_tokenizer::impl::s_script_lt()
{
    if (!at_end() && *p == '/') {
        ++p;
        temp.clear();
        state = tstate::script_end_tag_open;
    } else if (!at_end() && *p == '!') {
        ++p;
        emit_text("<!");
        state = tstate::script_escape_start;
    } else {
        emit_text("<");
        state = tstate::script_data;
    }
}

// Script data escape start and escape start dash states: "<!-" and "<!--" so far.
void html_tokenizer::impl::s_script_escape_start(tstate next)
{
    if (!at_end() && *p == '-') {
        emit_byte();
        ++p;
        state = next;
    } else {
        state = tstate::script_data;
    }
}

void html_tokenizer::impl::s_script_escaped()
{
    if (at_end()) {
        return stop();
    }
    const char* q = scan::find_any(p, end, '-', '<', '\0');
    emit_text({p, static_cast<std::size_t>(q - p)});
    p = q;
    if (at_end()) {
        return;
    }
    const char c = *p;
    if (c == '-') {
        emit_byte();
        state = tstate::script_escaped_dash;
    } else if (c == '<') {
        state = tstate::script_escaped_lt;
    } else {
        emit_text(fffd);
    }
    ++p;
}

// Script data escaped dash and escaped dash dash states ("-" or "--" seen).
void html_tokenizer::impl::s_script_escaped_dash(tstate next)
{
    if (at_end()) {
        return stop();
    }
    const char c = *p++;
    if (c == '-') {
        emit_text("-");
        state = next;
    } else if (c == '<') {
        state = tstate::script_escaped_lt;
    } else if (c == '>' && state == tstate::script_escaped_dash_dash) {
        emit_text(">");
        state = tstate::script_data;
    } else {
        emit_text(c == '\0' ? fffd : std::string_view(p - 1, 1));
        state = tstate::script_escaped;
    }
}

void html_tokenizer::impl::s_script_escaped_lt()
{
    if (!at_end() && *p == '/') {
        ++p;
        temp.clear();
        state = tstate::script_escaped_end_tag_open;
    } else if (!at_end() && is_alpha(*p)) {
        temp.clear();
        emit_text("<");
        state = tstate::script_double_escape_start;
    } else {
        emit_text("<");
        state = tstate::script_escaped;
    }
}

// Script data double escape start and end states: a "<script" or "</script" inside an
// escaped script toggles double escaping when the name is whole.
void html_tokenizer::impl::s_script_double_escape_boundary(tstate when_script, tstate otherwise)
{
    while (!at_end()) {
        const char c = *p;
        if (is_space(c) || c == '/' || c == '>') {
            state = temp == "script" ? when_script : otherwise;
            emit_byte();
            ++p;
            return;
        }
        if (!is_alpha(c)) {
            break;
        }
        temp += lower(c);
        emit_byte();
        ++p;
    }
    if (waiting()) {
        return;
    }
    // The start state falls back to escaped, the end state to double escaped: `otherwise`
    // for the first, `when_script` for the second.
    state = state == tstate::script_double_escape_start ? otherwise : when_script;
}

void html_tokenizer::impl::s_script_double_escaped()
{
    if (at_end()) {
        return stop();
    }
    const char* q = scan::find_any(p, end, '-', '<', '\0');
    emit_text({p, static_cast<std::size_t>(q - p)});
    p = q;
    if (at_end()) {
        return;
    }
    const char c = *p;
    if (c == '-') {
        emit_byte();
        state = tstate::script_double_escaped_dash;
    } else if (c == '<') {
        emit_byte();
        state = tstate::script_double_escaped_lt;
    } else {
        emit_text(fffd);
    }
    ++p;
}

// Script data double escaped dash and dash dash states.
void html_tokenizer::impl::s_script_double_escaped_dash(tstate next)
{
    if (at_end()) {
        return stop();
    }
    const char c = *p++;
    if (c == '-') {
        emit_text("-");
        state = next;
    } else if (c == '<') {
        emit_text("<");
        state = tstate::script_double_escaped_lt;
    } else if (c == '>' && state == tstate::script_double_escaped_dash_dash) {
        emit_text(">");
        state = tstate::script_data;
    } else {
        emit_text(c == '\0' ? fffd : std::string_view(p - 1, 1));
        state = tstate::script_double_escaped;
    }
}

void html_tokenizer::impl::s_script_double_escaped_lt()
{
    if (!at_end() && *p == '/') {
        ++p;
        temp.clear();
        emit_text("/");
        state = tstate::script_double_escape_end;
    } else {
        state = tstate::script_double_escaped;
    }
}

void html_tokenizer::impl::s_cdata_section()
{
    if (at_end()) {
        return stop();
    }
    const char* q = find_byte(p, end, ']');
    emit_text({p, static_cast<std::size_t>(q - p)});
    p = q;
    if (!at_end()) {
        ++p;
        state = tstate::cdata_bracket;
    }
}

void html_tokenizer::impl::s_cdata_bracket()
{
    if (!at_end() && *p == ']') {
        ++p;
        state = tstate::cdata_end;
        return;
    }
    emit_text("]");
    state = tstate::cdata_section;
}

void html_tokenizer::impl::s_cdata_end()
{
    if (!at_end() && *p == ']') {
        ++p;
        emit_text("]");
        return;
    }
    if (!at_end() && *p == '>') {
        ++p;
        enter_content(content_state::data);
        return;
    }
    emit_text("]]");
    state = tstate::cdata_section;
}

} // namespace crawl::extract
