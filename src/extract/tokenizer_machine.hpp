#pragma once
// The insides of html_tokenizer: every state of the WHATWG tokenization state machine
// (HTML Standard 13.2.5), resumable at any byte. Split by family: html_tokenizer.cpp (the
// driver and the data state), tokenizer_tag_states.cpp (tags and attributes) with
// tokenizer_whole_tag.cpp (its fast path), tokenizer_text_states.cpp (RCDATA, RAWTEXT, script
// data, PLAINTEXT, CDATA), tokenizer_markup_states.cpp (comments and DOCTYPE),
// tokenizer_char_refs.cpp (character references).
//
// The input is UTF-8 bytes, not code points: every byte the states treat specially is ASCII,
// and the bytes of a multi-byte character are "anything else" in every state. A state reads
// the byte at `p`; "reconsume" is a state change without advancing. At the end of a feed a
// state either has what it needs (token text is copied into members as it is read, so a token
// may span feeds) or, for the few that must look ahead ("<!DOCTYPE", "PUBLIC", "&notin;"),
// sets need_more and leaves `p` where the look-ahead began: those bytes are carried into the
// next feed.

#include "crawl/extract/html_tokenizer.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crawl::extract {

enum class tstate : std::uint8_t {
    data, rcdata, rawtext, script_data, plaintext,
    tag_open, end_tag_open, tag_name,
    rcdata_lt, rcdata_end_tag_open, rcdata_end_tag_name,
    rawtext_lt, rawtext_end_tag_open, rawtext_end_tag_name,
    script_lt, script_end_tag_open, script_end_tag_name,
    script_escape_start, script_escape_start_dash,
    script_escaped, script_escaped_dash, script_escaped_dash_dash,
    script_escaped_lt, script_escaped_end_tag_open, script_escaped_end_tag_name,
    script_double_escape_start, script_double_escaped, script_double_escaped_dash,
    script_double_escaped_dash_dash, script_double_escaped_lt, script_double_escape_end,
    before_attr_name, attr_name, after_attr_name, before_attr_value,
    attr_value_dq, attr_value_sq, attr_value_unquoted, after_attr_value_quoted, self_closing_start_tag,
    bogus_comment, markup_decl_open,
    comment_start, comment_start_dash, comment, comment_end_dash, comment_end, comment_end_bang,
    doctype, before_doctype_name, doctype_name, after_doctype_name,
    after_doctype_public_kw, before_doctype_public_id, doctype_public_id_dq, doctype_public_id_sq,
    after_doctype_public_id, between_doctype_ids,
    after_doctype_system_kw, before_doctype_system_id, doctype_system_id_dq, doctype_system_id_sq,
    after_doctype_system_id, bogus_doctype,
    cdata_section, cdata_bracket, cdata_end,
    char_ref, named_char_ref, ambiguous_ampersand, numeric_char_ref,
    hex_char_ref_start, dec_char_ref_start, hex_char_ref, dec_char_ref, numeric_char_ref_end,
};

/// HTML's ASCII whitespace as the tokenizer sees it: TAB, LF, FF, SPACE, and CR, which the
/// Standard's preprocessing would have made an LF.
constexpr bool is_space(char c) noexcept
{
    // One test instead of five: bit c of the mask is set for c = 9, 10, 12, 13 and 32.
    constexpr std::uint64_t spaces = (1ULL << '\t') | (1ULL << '\n') | (1ULL << '\f') | (1ULL << '\r') | (1ULL << ' ');
    const auto u = static_cast<unsigned char>(c);
    return u <= ' ' && ((spaces >> u) & 1U) != 0;
}
constexpr bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
constexpr bool is_alpha(char c) noexcept { return is_upper(c) || (c >= 'a' && c <= 'z'); }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_alnum(char c) noexcept { return is_alpha(c) || is_digit(c); }
constexpr char lower(char c) noexcept { return is_upper(c) ? static_cast<char>(c + ('a' - 'A')) : c; }

inline constexpr std::string_view fffd = "\xEF\xBF\xBD";

/// The first `c` in [p, end), or end (memchr: already vectorized by the C library).
inline const char* find_byte(const char* p, const char* end, char c) noexcept
{
    const void* hit = std::memchr(p, c, static_cast<std::size_t>(end - p));
    return hit == nullptr ? end : static_cast<const char*>(hit);
}

struct html_tokenizer::impl {
    impl(html_token_sink& s, token_filter f) : sink(s), text_mode(f.text), kept_attributes(f.attributes)
    {
        for (std::size_t i = 0; i < kept_attributes.size(); ++i) {
            const auto [first, length] = kept_shape(kept_attributes[i]);
            auto& slot = kept_index[first][length];
            slot = slot == no_kept_name && i < several_kept_names ? static_cast<std::uint8_t>(i) : several_kept_names;
        }
        enter_content(content_state::data);
    }

    // ---- driver and data state (html_tokenizer.cpp) ----
    void feed(std::string_view chunk);
    void finish();
    void run_on(std::string_view input);
    void step();
    void enter_content(content_state s);

    /// No byte left. A state is only entered with no byte left at the end of file, but one
    /// that reads a run of bytes may use them all up before: it then waits for the next feed.
    [[nodiscard]] bool at_end() const noexcept { return p == end; }
    [[nodiscard]] bool waiting() const noexcept { return p == end && !at_eof; }
    [[nodiscard]] std::size_t left() const noexcept { return static_cast<std::size_t>(end - p); }
    /// The end of input is reached: at_end() and no feed can follow.
    void stop() noexcept { done = true; }

    void emit_text(std::string_view s) const;
    void emit_byte() const { emit_text({p, 1}); }

    // ---- tags (tokenizer_tag_states.cpp, tokenizer_whole_tag.cpp) ----
    void begin_tag(bool end_tag);
    /// Emits the tag read, named `name` (lowercase): tag_name, or the whole-tag path's view of
    /// a name written in lowercase, which it need not copy.
    void emit_tag(std::string_view name);
    void emit_tag() { emit_tag(tag_name); }
    /// Hands a tag to the sink and enters the content state it asks for.
    void deliver_tag(const html_tag& tag, bool is_end);
    /// Reads `<name>` or `</name>`, the name in lowercase letters and digits, when `p` is just
    /// past the '<': over half of a page's tags take this form, and need none of the tag
    /// states' bookkeeping. False, having consumed nothing, for any other form.
    bool read_bare_tag();
    void begin_attribute();
    void end_attribute_name(bool filter_passed = false);
    void close_attribute_value();
    void append_value(std::string_view s);
    [[nodiscard]] std::string_view attribute_name(std::size_t i) const noexcept;
    [[nodiscard]] bool appropriate_end_tag() const noexcept;

    void s_data();
    void s_tag_open();
    void s_end_tag_open();
    void s_tag_name();
    void s_before_attr_name();
    void s_attr_name();
    void s_after_attr_name();
    void s_before_attr_value();
    void s_attr_value_quoted(char quote);
    void s_attr_value_unquoted();
    void s_after_attr_value_quoted();
    void s_self_closing_start_tag();

    // ---- RCDATA, RAWTEXT, script data, PLAINTEXT, CDATA (tokenizer_text_states.cpp) ----
    void s_rcdata();
    void s_raw_run(tstate lt);
    void s_plaintext();
    void s_text_lt(tstate text, tstate end_tag_open);
    void s_text_end_tag_open(tstate text, tstate end_tag_name);
    void s_text_end_tag_name(tstate text);
    void s_script_lt();
    void s_script_escape_start(tstate next);
    void s_script_escaped();
    void s_script_escaped_dash(tstate next);
    void s_script_escaped_lt();
    void s_script_double_escape_boundary(tstate when_script, tstate otherwise);
    void s_script_double_escaped();
    void s_script_double_escaped_dash(tstate next);
    void s_script_double_escaped_lt();
    void s_cdata_section();
    void s_cdata_bracket();
    void s_cdata_end();

    // ---- comments, DOCTYPE (tokenizer_markup_states.cpp) ----
    void emit_comment();
    void append_comment(std::string_view s);
    void new_doctype();
    void emit_doctype();
    void s_bogus_comment();
    void s_markup_decl_open();
    void s_comment_start();
    void s_comment_start_dash();
    void s_comment();
    void s_comment_end_dash();
    void s_comment_end();
    void s_comment_end_bang();
    void s_doctype();
    void s_before_doctype_name();
    void s_doctype_name();
    bool doctype_space_then_end();
    void s_after_doctype_name();
    void s_after_doctype_keyword(tstate before_id, bool public_id);
    void s_before_doctype_id(bool public_id);
    void s_doctype_id(bool public_id, char quote);
    void s_after_doctype_public_id(tstate next);
    void s_after_doctype_system_id();
    void s_bogus_doctype();
    void doctype_error_to_bogus();
    void open_doctype_id(bool public_id, char quote);

    // ---- character references (tokenizer_char_refs.cpp) ----
    [[nodiscard]] bool in_attribute() const noexcept;
    void flush_reference(std::string_view s);
    void s_char_ref();
    void s_named_char_ref();
    void s_ambiguous_ampersand();
    void s_numeric_char_ref();
    void s_numeric_start(bool hex);
    void s_numeric_digits(bool hex);
    void s_numeric_char_ref_end();

    /// Whether the filter keeps attribute `name` (ASCII case-insensitive).
    [[nodiscard]] bool keeps_attribute(std::string_view name) const noexcept
    {
        if (kept_attributes.empty()) {
            return true;
        }
        const auto [first, length] = kept_shape(name);
        const std::uint8_t kept = kept_index[first][length];
        if (kept == no_kept_name) {
            return false;
        }
        if (kept == several_kept_names) {
            return is_kept_name(name);
        }
        return equals_lowered(kept_attributes[kept], name);
    }
    [[nodiscard]] bool is_kept_name(std::string_view name) const noexcept;
    /// `name` equals `kept` (lower case) once lowered.
    static bool equals_lowered(std::string_view kept, std::string_view name) noexcept
    {
        return kept.size() == name.size() &&
               std::equal(kept.begin(), kept.end(), name.begin(), [](char k, char n) { return k == lower(n); });
    }
    /// An attribute name's first letter (folded to 0-31) and its length (up to 31): most
    /// names the filter drops are told apart by these two, and most it keeps are the only
    /// kept name of their shape, so one comparison decides.
    static std::pair<std::size_t, std::size_t> kept_shape(std::string_view name) noexcept
    {
        return {name.empty() ? 0U : static_cast<std::size_t>(lower(name[0]) & 31), std::min<std::size_t>(name.size(), 31)};
    }
    /// Reads the whole tag whose name starts at `p` in one go, when all of it is in this feed
    /// and it takes only the common forms; false, having consumed nothing, otherwise.
    bool read_whole_tag(bool is_end);

    html_token_sink& sink;
    text_tokens text_mode;
    std::span<const std::string_view> kept_attributes; ///< empty: all
    /// By kept_shape: the index of the one kept name of that shape, or none, or several.
    static constexpr std::uint8_t no_kept_name = 0xFF;
    static constexpr std::uint8_t several_kept_names = 0xFE;
    std::array<std::array<std::uint8_t, 32>, 32> kept_index = [] {
        std::array<std::array<std::uint8_t, 32>, 32> none{};
        for (auto& row : none) {
            row.fill(no_kept_name);
        }
        return none;
    }();
    tstate state = tstate::data;
    tstate return_state = tstate::data; ///< where a character reference goes back to
    bool want_text = true;              ///< whether text in the current content state is emitted

    // The input of the current feed.
    const char* p = nullptr;
    const char* end = nullptr;
    bool at_eof = false;   ///< finish() was called: the end of this input is the end of file
    bool need_more = false;
    bool done = false;     ///< the end-of-file token was reached
    std::string carry;     ///< unread bytes of the last feed (a look-ahead it could not finish)

    // The tag being read. Attribute names and values are appended to `arena` in order, so
    // attribute i's value runs from its value_begin to the next attribute's name_begin.
    struct attribute_span {
        std::size_t name_begin = 0;
        std::size_t name_end = 0;
        std::size_t value_begin = 0;
        std::size_t value_end = 0;
    };
    struct name_less {
        const impl* self;
        bool operator()(std::size_t a, std::size_t b) const noexcept
        {
            return self->attribute_name(a) < self->attribute_name(b);
        }
    };
    bool end_tag = false;
    bool self_closing = false;
    bool dropping_attribute = false; ///< the attribute being read repeats a name: discarded
    std::string tag_name;
    std::string arena;
    std::vector<attribute_span> attributes;
    /// For tags with many attributes, their names' indexes, so that finding a repeated name
    /// stays O(log n) per attribute on a hostile tag with a hundred thousand of them.
    std::set<std::size_t, name_less> attribute_names{name_less{this}};
    std::vector<html_attribute> attribute_views;
    std::string last_start_tag;
    std::string temp; ///< the Standard's temporary buffer, for end tag names and "script"

    // Comment and DOCTYPE.
    std::string comment_text;
    std::string doctype_name;
    std::string doctype_public;
    std::string doctype_system;
    bool doctype_has_name = false;
    bool doctype_has_public = false;
    bool doctype_has_system = false;
    bool doctype_quirks = false;

    // Numeric character references.
    std::uint32_t reference_code = 0;
    std::string reference_prefix; ///< "&#" or "&#x", flushed back when no digit follows
};

// Every tag ends by setting the content state: inline for the same reason as what follows.
inline void html_tokenizer::impl::enter_content(content_state s)
{
    static constexpr tstate states[] = {tstate::data,        tstate::rcdata,    tstate::rawtext,
                                        tstate::script_data, tstate::plaintext, tstate::cdata_section};
    state = states[static_cast<std::size_t>(s)];
    want_text = text_mode == text_tokens::all || s == content_state::rcdata;
}

inline void html_tokenizer::impl::deliver_tag(const html_tag& tag, bool is_end)
{
    if (is_end) {
        enter_content(content_state::data);
        sink.end_tag(tag);
        return;
    }
    const content_state next = sink.start_tag(tag);
    enter_content(next);
    // Only the text states look at the last start tag, and only a start tag (or start_in)
    // enters them: a tag after which the data state follows need not be remembered.
    if (next != content_state::data) {
        last_start_tag = tag.name;
    }
}

inline bool html_tokenizer::impl::read_bare_tag()
{
    constexpr auto is_name_byte = [](char c) { return (c >= 'a' && c <= 'z') || is_digit(c); };
    const char* q = p;
    const bool is_end = q != end && *q == '/';
    q += is_end ? 1 : 0;
    const char* const name = q;
    if (q == end || *q < 'a' || *q > 'z') {
        return false;
    }
    do {
        ++q;
    } while (q != end && is_name_byte(*q));
    if (q == end || *q != '>') {
        return false;
    }
    p = q + 1;
    deliver_tag({{name, static_cast<std::size_t>(q - name)}, {}, false}, is_end);
    return true;
}

// The tag bookkeeping every tag goes through, here so that the whole-tag fast path
// (tokenizer_whole_tag.cpp) and the tag states inline it.

inline void html_tokenizer::impl::begin_tag(bool is_end)
{
    end_tag = is_end;
    self_closing = false;
    dropping_attribute = false;
    tag_name.clear();
    arena.clear();
    attributes.clear();
    if (!attribute_names.empty()) { // (only tags with many attributes use it)
        attribute_names.clear();
    }
}

inline void html_tokenizer::impl::close_attribute_value()
{
    if (!attributes.empty() && !dropping_attribute) {
        attributes.back().value_end = arena.size();
    }
}

inline void html_tokenizer::impl::begin_attribute()
{
    close_attribute_value();
    dropping_attribute = false;
    attributes.push_back({arena.size(), arena.size(), arena.size(), arena.size()});
}

inline void html_tokenizer::impl::append_value(std::string_view s)
{
    if (!dropping_attribute) {
        arena.append(s);
    }
}

} // namespace crawl::extract
