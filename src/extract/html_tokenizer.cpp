// The tokenizer's driver: feeds, carried look-ahead, the state dispatch; and the data state
// (HTML Standard 13.2.5.1).

#include "crawl/extract/html_tokenizer.hpp"

#include "byte_scan.hpp"
#include "tokenizer_machine.hpp"


namespace crawl::extract {

html_tokenizer::html_tokenizer(html_token_sink& sink, token_filter filter)
    : impl_(std::make_unique<impl>(sink, filter))
{
}

html_tokenizer::~html_tokenizer() = default;

void html_tokenizer::start_in(content_state state, std::string_view last_start_tag)
{
    impl_->enter_content(state);
    impl_->last_start_tag = last_start_tag;
}

void html_tokenizer::feed(std::string_view chunk)
{
    impl_->feed(chunk);
}

void html_tokenizer::finish()
{
    impl_->finish();
}

// ---- driver ----

namespace {

// How much of a new chunk is joined to a look-ahead the last one cut short: more than the
// longest look-ahead needs (a named character reference is at most 32 bytes).
constexpr std::size_t lookahead_join_bytes = 64;

} // namespace

void html_tokenizer::impl::feed(std::string_view chunk)
{
    if (at_eof || done) {
        return;
    }
    while (!carry.empty() && !chunk.empty()) {
        // A look-ahead was cut short: it is at most a few dozen bytes, read again with just
        // enough of the new ones to finish it (the loop comes back if that was not enough),
        // and the rest of the chunk is read where it is, not copied after it.
        std::string joined = std::move(carry);
        carry.clear();
        const std::size_t take = std::min(chunk.size(), lookahead_join_bytes);
        joined.append(chunk.substr(0, take));
        chunk.remove_prefix(take);
        run_on(joined);
        if (at_eof || done) {
            return;
        }
    }
    if (!chunk.empty()) {
        run_on(chunk);
    }
}

void html_tokenizer::impl::finish()
{
    if (at_eof) {
        return;
    }
    at_eof = true;
    const std::string rest = std::move(carry);
    carry.clear();
    run_on(rest);
}

void html_tokenizer::impl::run_on(std::string_view input)
{
    p = input.data();
    end = p + input.size();
    need_more = false;
    while (!done && !need_more && (p != end || at_eof)) {
        step();
    }
    if (need_more) {
        carry.assign(p, end);
    }
    p = end = nullptr;
}


void html_tokenizer::impl::emit_text(std::string_view s) const
{
    if (want_text && !s.empty()) {
        sink.characters(s);
    }
}

void html_tokenizer::impl::step()
{
    using enum tstate;
    switch (state) {
    case data: return s_data();
    case rcdata: return s_rcdata();
    case rawtext: return s_raw_run(rawtext_lt);
    case script_data: return s_raw_run(script_lt);
    case plaintext: return s_plaintext();
    case tag_open: return s_tag_open();
    case end_tag_open: return s_end_tag_open();
    case tag_name: return s_tag_name();
    case rcdata_lt: return s_text_lt(rcdata, rcdata_end_tag_open);
    case rcdata_end_tag_open: return s_text_end_tag_open(rcdata, rcdata_end_tag_name);
    case rcdata_end_tag_name: return s_text_end_tag_name(rcdata);
    case rawtext_lt: return s_text_lt(rawtext, rawtext_end_tag_open);
    case rawtext_end_tag_open: return s_text_end_tag_open(rawtext, rawtext_end_tag_name);
    case rawtext_end_tag_name: return s_text_end_tag_name(rawtext);
    case script_lt: return s_script_lt();
    case script_end_tag_open: return s_text_end_tag_open(script_data, script_end_tag_name);
    case script_end_tag_name: return s_text_end_tag_name(script_data);
    case script_escape_start: return s_script_escape_start(script_escape_start_dash);
    case script_escape_start_dash: return s_script_escape_start(script_escaped_dash_dash);
    case script_escaped: return s_script_escaped();
    case script_escaped_dash: return s_script_escaped_dash(script_escaped_dash_dash);
    case script_escaped_dash_dash: return s_script_escaped_dash(script_escaped_dash_dash);
    case script_escaped_lt: return s_script_escaped_lt();
    case script_escaped_end_tag_open: return s_text_end_tag_open(script_escaped, script_escaped_end_tag_name);
    case script_escaped_end_tag_name: return s_text_end_tag_name(script_escaped);
    case script_double_escape_start: return s_script_double_escape_boundary(script_double_escaped, script_escaped);
    case script_double_escaped: return s_script_double_escaped();
    case script_double_escaped_dash: return s_script_double_escaped_dash(script_double_escaped_dash_dash);
    case script_double_escaped_dash_dash: return s_script_double_escaped_dash(script_double_escaped_dash_dash);
    case script_double_escaped_lt: return s_script_double_escaped_lt();
    case script_double_escape_end: return s_script_double_escape_boundary(script_escaped, script_double_escaped);
    case before_attr_name: return s_before_attr_name();
    case attr_name: return s_attr_name();
    case after_attr_name: return s_after_attr_name();
    case before_attr_value: return s_before_attr_value();
    case attr_value_dq: return s_attr_value_quoted('"');
    case attr_value_sq: return s_attr_value_quoted('\'');
    case attr_value_unquoted: return s_attr_value_unquoted();
    case after_attr_value_quoted: return s_after_attr_value_quoted();
    case self_closing_start_tag: return s_self_closing_start_tag();
    case bogus_comment: return s_bogus_comment();
    case markup_decl_open: return s_markup_decl_open();
    case comment_start: return s_comment_start();
    case comment_start_dash: return s_comment_start_dash();
    case comment: return s_comment();
    case comment_end_dash: return s_comment_end_dash();
    case comment_end: return s_comment_end();
    case comment_end_bang: return s_comment_end_bang();
    case doctype: return s_doctype();
    case before_doctype_name: return s_before_doctype_name();
    case doctype_name: return s_doctype_name();
    case after_doctype_name: return s_after_doctype_name();
    case after_doctype_public_kw: return s_after_doctype_keyword(before_doctype_public_id, true);
    case before_doctype_public_id: return s_before_doctype_id(true);
    case doctype_public_id_dq: return s_doctype_id(true, '"');
    case doctype_public_id_sq: return s_doctype_id(true, '\'');
    case after_doctype_public_id: return s_after_doctype_public_id(between_doctype_ids);
    case between_doctype_ids: return s_after_doctype_public_id(between_doctype_ids);
    case after_doctype_system_kw: return s_after_doctype_keyword(before_doctype_system_id, false);
    case before_doctype_system_id: return s_before_doctype_id(false);
    case doctype_system_id_dq: return s_doctype_id(false, '"');
    case doctype_system_id_sq: return s_doctype_id(false, '\'');
    case after_doctype_system_id: return s_after_doctype_system_id();
    case bogus_doctype: return s_bogus_doctype();
    case cdata_section: return s_cdata_section();
    case cdata_bracket: return s_cdata_bracket();
    case cdata_end: return s_cdata_end();
    case char_ref: return s_char_ref();
    case named_char_ref: return s_named_char_ref();
    case ambiguous_ampersand: return s_ambiguous_ampersand();
    case numeric_char_ref: return s_numeric_char_ref();
    case hex_char_ref_start: return s_numeric_start(true);
    case dec_char_ref_start: return s_numeric_start(false);
    case hex_char_ref: return s_numeric_digits(true);
    case dec_char_ref: return s_numeric_digits(false);
    case numeric_char_ref_end: return s_numeric_char_ref_end();
    }
}

// ---- data ----

void html_tokenizer::impl::s_data()
{
    if (at_end()) {
        return stop();
    }
    if (!want_text) {
        // Nothing but a tag changes the state here: skip from '<' to '<', reading the tags
        // between without a trip through step() each, while they leave the state as it was.
        for (;;) {
            p = find_byte(p, end, '<');
            if (p == end) {
                return;
            }
            ++p;
            if (read_bare_tag()) {
                if (state != tstate::data || want_text) {
                    return;
                }
                continue;
            }
            state = tstate::tag_open;
            if (at_end()) {
                return; // s_tag_open decides with the next feed, or at the end of file
            }
            s_tag_open();
            if (state == tstate::end_tag_open && !at_end()) {
                s_end_tag_open();
            }
            if (state != tstate::data || want_text) {
                return;
            }
        }
    }
    const char* q = scan::find_any(p, end, '<', '&', '\0');
    emit_text({p, static_cast<std::size_t>(q - p)});
    p = q;
    if (at_end()) {
        return;
    }
    const char c = *p++;
    if (c == '<') {
        state = tstate::tag_open;
    } else if (c == '&') {
        return_state = tstate::data;
        state = tstate::char_ref;
    } else {
        emit_text({p - 1, 1}); // NUL: a parse error, emitted as it is
    }
}

} // namespace crawl::extract
