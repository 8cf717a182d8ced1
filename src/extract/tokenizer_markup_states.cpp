// The tokenizer's markup declarations: comments (well-formed, bogus and abruptly closed) and
// DOCTYPE (HTML Standard 13.2.5.41-68).
//
// The comment less-than sign states (13.2.5.46-49) are folded into the comment state: they
// only report a nested "<!--" as a parse error, and the comment text comes out the same
// without them (the html5lib tests agree).

#include "byte_scan.hpp"
#include "tokenizer_machine.hpp"

#include <algorithm>
#include <array>

namespace crawl::extract {
namespace {

// ASCII case-insensitive: `have` (what the input holds) starts `keyword` (uppercase).
bool starts_keyword(std::string_view have, std::string_view keyword) noexcept
{
    const std::size_t n = std::min(have.size(), keyword.size());
    return std::equal(have.begin(), have.begin() + static_cast<std::ptrdiff_t>(n), keyword.begin(),
                      [](char a, char b) { return lower(a) == lower(b); });
}

} // namespace

// ---- comments ----

void html_tokenizer::impl::append_comment(std::string_view s)
{
    // A crawler has no use for comment text: it is only kept for a sink that asked for text.
    if (text_mode == text_tokens::all) {
        comment_text.append(s);
    }
}

void html_tokenizer::impl::emit_comment()
{
    enter_content(content_state::data);
    sink.comment(comment_text);
    comment_text.clear();
}

void html_tokenizer::impl::s_bogus_comment()
{
    if (at_end()) {
        emit_comment();
        return stop();
    }
    const char* q = scan::find_any(p, end, '>', '\0', '\0');
    append_comment({p, static_cast<std::size_t>(q - p)});
    p = q;
    if (at_end()) {
        return;
    }
    if (*p++ == '>') {
        emit_comment();
    } else {
        append_comment(fffd);
    }
}

// After "<!": a comment, a DOCTYPE, a CDATA section or a bogus comment, which can take up to
// seven more bytes to tell.
void html_tokenizer::impl::s_markup_decl_open()
{
    const std::string_view have(p, left());
    static constexpr std::array<std::string_view, 3> openers = {"--", "DOCTYPE", "[CDATA["};
    for (const std::string_view opener : openers) {
        const bool case_sensitive = opener[0] == '[';
        const bool prefix = case_sensitive ? opener.starts_with(have.substr(0, opener.size()))
                                           : starts_keyword(have, opener);
        if (!prefix) {
            continue;
        }
        if (have.size() < opener.size()) {
            if (!at_eof) {
                need_more = true;
                return;
            }
            continue;
        }
        p += opener.size();
        if (opener == "--") {
            comment_text.clear();
            state = tstate::comment_start;
        } else if (opener == "DOCTYPE") {
            state = tstate::doctype;
        } else if (sink.in_foreign_content()) {
            enter_content(content_state::cdata_section);
        } else { // a parse error: CDATA in HTML content is a bogus comment
            comment_text.clear();
            append_comment("[CDATA[");
            state = tstate::bogus_comment;
        }
        return;
    }
    comment_text.clear(); // a parse error: incorrectly opened comment
    state = tstate::bogus_comment;
}

void html_tokenizer::impl::s_comment_start()
{
    if (!at_end() && *p == '-') {
        ++p;
        state = tstate::comment_start_dash;
    } else if (!at_end() && *p == '>') { // a parse error: "<!-->"
        ++p;
        emit_comment();
    } else {
        state = tstate::comment;
    }
}

void html_tokenizer::impl::s_comment_start_dash()
{
    if (at_end()) {
        emit_comment();
        return stop();
    }
    if (*p == '-') {
        ++p;
        state = tstate::comment_end;
    } else if (*p == '>') { // a parse error: "<!--->"
        ++p;
        emit_comment();
    } else {
        append_comment("-");
        state = tstate::comment;
    }
}

void html_tokenizer::impl::s_comment()
{
    if (at_end()) {
        emit_comment();
        return stop();
    }
    const char* q = scan::find_any(p, end, '-', '\0', '\0');
    append_comment({p, static_cast<std::size_t>(q - p)});
    p = q;
    if (at_end()) {
        return;
    }
    if (*p++ == '-') {
        state = tstate::comment_end_dash;
    } else {
        append_comment(fffd);
    }
}

void html_tokenizer::impl::s_comment_end_dash()
{
    if (at_end()) {
        emit_comment();
        return stop();
    }
    if (*p == '-') {
        ++p;
        state = tstate::comment_end;
    } else {
        append_comment("-");
        state = tstate::comment;
    }
}

void html_tokenizer::impl::s_comment_end()
{
    if (at_end()) {
        emit_comment();
        return stop();
    }
    const char c = *p;
    if (c == '>') {
        ++p;
        emit_comment();
    } else if (c == '!') {
        ++p;
        state = tstate::comment_end_bang;
    } else if (c == '-') {
        ++p;
        append_comment("-");
    } else {
        append_comment("--");
        state = tstate::comment;
    }
}

void html_tokenizer::impl::s_comment_end_bang()
{
    if (at_end()) {
        emit_comment();
        return stop();
    }
    if (*p == '-') {
        ++p;
        append_comment("--!");
        state = tstate::comment_end_dash;
    } else if (*p == '>') { // a parse error: "--!>"
        ++p;
        emit_comment();
    } else {
        append_comment("--!");
        state = tstate::comment;
    }
}

// ---- DOCTYPE ----

void html_tokenizer::impl::new_doctype()
{
    doctype_name.clear();
    doctype_public.clear();
    doctype_system.clear();
    doctype_has_name = doctype_has_public = doctype_has_system = doctype_quirks = false;
}

void html_tokenizer::impl::emit_doctype()
{
    enter_content(content_state::data);
    sink.doctype({doctype_name, doctype_public, doctype_system, doctype_has_name, doctype_has_public,
                  doctype_has_system, doctype_quirks});
}

void html_tokenizer::impl::s_doctype()
{
    if (at_end()) {
        new_doctype();
        doctype_quirks = true;
        emit_doctype();
        return stop();
    }
    if (is_space(*p)) {
        ++p;
    }
    state = tstate::before_doctype_name;
}

void html_tokenizer::impl::s_before_doctype_name()
{
    while (!at_end() && is_space(*p)) {
        ++p;
    }
    if (waiting()) {
        return;
    }
    new_doctype();
    if (at_end()) {
        doctype_quirks = true;
        emit_doctype();
        return stop();
    }
    if (*p == '>') { // a parse error: no name
        ++p;
        doctype_quirks = true;
        return emit_doctype();
    }
    doctype_has_name = true;
    state = tstate::doctype_name;
}

void html_tokenizer::impl::s_doctype_name()
{
    while (!at_end()) {
        const char c = *p++;
        if (is_space(c)) {
            state = tstate::after_doctype_name;
            return;
        }
        if (c == '>') {
            return emit_doctype();
        }
        if (c == '\0') {
            doctype_name += fffd;
        } else {
            doctype_name += lower(c);
        }
    }
    if (!waiting()) {
        doctype_quirks = true;
        emit_doctype();
        stop();
    }
}

// What the after DOCTYPE name and after DOCTYPE system identifier states share: whitespace is
// skipped, the end of input and '>' end the DOCTYPE. True when the state has nothing left to do.
bool html_tokenizer::impl::doctype_space_then_end()
{
    while (!at_end() && is_space(*p)) {
        ++p;
    }
    if (waiting()) {
        return true;
    }
    if (at_end()) {
        doctype_quirks = true;
        emit_doctype();
        stop();
        return true;
    }
    if (*p == '>') {
        ++p;
        emit_doctype();
        return true;
    }
    return false;
}

void html_tokenizer::impl::s_after_doctype_name()
{
    if (doctype_space_then_end()) {
        return;
    }
    const std::string_view have(p, left());
    for (const std::string_view keyword : {std::string_view("PUBLIC"), std::string_view("SYSTEM")}) {
        if (!starts_keyword(have, keyword)) {
            continue;
        }
        if (have.size() < keyword.size()) {
            if (!at_eof) {
                need_more = true;
                return;
            }
            continue;
        }
        p += keyword.size();
        state = keyword == "PUBLIC" ? tstate::after_doctype_public_kw : tstate::after_doctype_system_kw;
        return;
    }
    doctype_error_to_bogus();
}

void html_tokenizer::impl::doctype_error_to_bogus()
{
    doctype_quirks = true;
    state = tstate::bogus_doctype;
}

void html_tokenizer::impl::open_doctype_id(bool public_id, char quote)
{
    if (public_id) {
        doctype_has_public = true;
        doctype_public.clear();
        state = quote == '"' ? tstate::doctype_public_id_dq : tstate::doctype_public_id_sq;
    } else {
        doctype_has_system = true;
        doctype_system.clear();
        state = quote == '"' ? tstate::doctype_system_id_dq : tstate::doctype_system_id_sq;
    }
}

// After the PUBLIC or SYSTEM keyword: whitespace should follow, then the quoted identifier.
void html_tokenizer::impl::s_after_doctype_keyword(tstate before_id, bool public_id)
{
    if (at_end()) {
        doctype_quirks = true;
        emit_doctype();
        return stop();
    }
    if (is_space(*p)) {
        ++p;
        state = before_id;
        return;
    }
    s_before_doctype_id(public_id);
}

void html_tokenizer::impl::s_before_doctype_id(bool public_id)
{
    while (!at_end() && is_space(*p)) {
        ++p;
    }
    if (waiting()) {
        return;
    }
    if (at_end()) {
        doctype_quirks = true;
        emit_doctype();
        return stop();
    }
    const char c = *p;
    if (c == '"' || c == '\'') {
        ++p;
        open_doctype_id(public_id, c);
    } else if (c == '>') { // a parse error: the identifier is missing
        ++p;
        doctype_quirks = true;
        emit_doctype();
    } else {
        doctype_error_to_bogus();
    }
}

void html_tokenizer::impl::s_doctype_id(bool public_id, char quote)
{
    std::string& id = public_id ? doctype_public : doctype_system;
    while (!at_end()) {
        const char c = *p++;
        if (c == quote) {
            state = public_id ? tstate::after_doctype_public_id : tstate::after_doctype_system_id;
            return;
        }
        if (c == '>') { // a parse error: abrupt end of the identifier
            doctype_quirks = true;
            return emit_doctype();
        }
        if (c == '\0') {
            id += fffd;
        } else {
            id += c;
        }
    }
    if (!waiting()) {
        doctype_quirks = true;
        emit_doctype();
        stop();
    }
}

// After the public identifier, and between it and the system identifier (`next` tells which:
// whitespace leads from the first to the second).
void html_tokenizer::impl::s_after_doctype_public_id(tstate next)
{
    if (state == tstate::between_doctype_ids) {
        while (!at_end() && is_space(*p)) {
            ++p;
        }
        if (waiting()) {
            return;
        }
    }
    if (at_end()) {
        doctype_quirks = true;
        emit_doctype();
        return stop();
    }
    const char c = *p;
    if (is_space(c)) {
        ++p;
        state = next;
    } else if (c == '>') {
        ++p;
        emit_doctype();
    } else if (c == '"' || c == '\'') {
        ++p;
        open_doctype_id(false, c);
    } else {
        doctype_error_to_bogus();
    }
}

void html_tokenizer::impl::s_after_doctype_system_id()
{
    if (doctype_space_then_end()) {
        return;
    }
    state = tstate::bogus_doctype; // a parse error, but not a quirky one
}

void html_tokenizer::impl::s_bogus_doctype()
{
    if (at_end()) {
        emit_doctype();
        return stop();
    }
    p = scan::find_any(p, end, '>', '>', '>');
    if (!at_end()) {
        ++p;
        emit_doctype();
    }
}

} // namespace crawl::extract
