// The tokenizer's character references: "&amp;", "&eacute" without its semicolon, "&#233;",
// "&#xE9;", in text and in attribute values (HTML Standard 13.2.5.72-80).

#include "crawl/util/text.hpp"
#include "named_references.hpp"
#include "tokenizer_machine.hpp"

#include <array>
#include <utility>

namespace crawl::extract {
namespace {

// Past this the exact value no longer matters: it is out of Unicode's range either way, and
// the code stops growing, so a hostile run of digits cannot overflow it.
constexpr std::uint32_t beyond_unicode = 0x110000;

// Numeric references to the C1 controls 0x80-0x9F mean what windows-1252 puts there (the
// Standard's table in 13.2.5.80); 0 marks the five it leaves as they are.
constexpr std::array<std::uint16_t, 32> c1_replacements = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

constexpr bool is_hex(char c) noexcept
{
    return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

constexpr std::uint32_t hex_value(char c) noexcept
{
    return is_digit(c) ? static_cast<std::uint32_t>(c - '0') : static_cast<std::uint32_t>(lower(c) - 'a' + 10);
}

// The numeric character reference end state's checks, parse errors aside.
std::uint32_t checked_code_point(std::uint32_t code) noexcept
{
    if (code == 0 || code >= beyond_unicode || (code >= 0xD800 && code <= 0xDFFF)) {
        return 0xFFFD;
    }
    if (code >= 0x80 && code <= 0x9F && c1_replacements[code - 0x80] != 0) {
        return c1_replacements[code - 0x80];
    }
    return code;
}

} // namespace

bool html_tokenizer::impl::in_attribute() const noexcept
{
    return return_state == tstate::attr_value_dq || return_state == tstate::attr_value_sq ||
           return_state == tstate::attr_value_unquoted;
}

// "Flush code points consumed as a character reference": into the attribute value, or out as
// text.
void html_tokenizer::impl::flush_reference(std::string_view s)
{
    if (in_attribute()) {
        append_value(s);
    } else {
        emit_text(s);
    }
}

void html_tokenizer::impl::s_char_ref()
{
    if (!at_end() && is_alnum(*p)) {
        state = tstate::named_char_ref;
    } else if (!at_end() && *p == '#') {
        ++p;
        reference_prefix = "&#";
        state = tstate::numeric_char_ref;
    } else {
        flush_reference("&");
        state = return_state;
    }
}

void html_tokenizer::impl::s_named_char_ref()
{
    const named_match m = match_named_reference({p, left()}, at_eof);
    if (m.result == named_match::outcome::need_more) {
        need_more = true;
        return;
    }
    if (m.result == named_match::outcome::no_match) {
        flush_reference("&");
        state = tstate::ambiguous_ampersand;
        return;
    }
    const std::string_view name(p, m.length);
    if (in_attribute() && name.back() != ';') {
        // In an attribute, "&copy=1" or "&copyx" without the semicolon is no reference
        // (URLs with query strings are the reason): it stays text.
        if (m.length == left() && !at_eof) {
            need_more = true;
            return;
        }
        const bool historical = m.length < left() && (p[m.length] == '=' || is_alnum(p[m.length]));
        if (historical) {
            flush_reference("&");
            flush_reference(name);
            p += m.length;
            state = return_state;
            return;
        }
    }
    p += m.length;
    flush_reference(m.value);
    state = return_state;
}

void html_tokenizer::impl::s_ambiguous_ampersand()
{
    const char* q = p;
    while (q != end && is_alnum(*q)) {
        ++q;
    }
    flush_reference({p, static_cast<std::size_t>(q - p)});
    p = q;
    if (!waiting()) {
        state = return_state; // a ';' here is a parse error, and text like any other byte
    }
}

void html_tokenizer::impl::s_numeric_char_ref()
{
    reference_code = 0;
    if (!at_end() && (*p == 'x' || *p == 'X')) {
        reference_prefix += *p++;
        state = tstate::hex_char_ref_start;
    } else {
        state = tstate::dec_char_ref_start;
    }
}

// Hexadecimal and decimal character reference start states: at least one digit must follow.
void html_tokenizer::impl::s_numeric_start(bool hex)
{
    if (!at_end() && (hex ? is_hex(*p) : is_digit(*p))) {
        state = hex ? tstate::hex_char_ref : tstate::dec_char_ref;
        return;
    }
    flush_reference(reference_prefix); // a parse error: no digits
    state = return_state;
}

void html_tokenizer::impl::s_numeric_digits(bool hex)
{
    while (!at_end() && (hex ? is_hex(*p) : is_digit(*p))) {
        const std::uint32_t digit = hex ? hex_value(*p) : static_cast<std::uint32_t>(*p - '0');
        reference_code = std::min(beyond_unicode, reference_code * (hex ? 16 : 10) + digit);
        ++p;
    }
    if (waiting()) {
        return;
    }
    if (!at_end() && *p == ';') {
        ++p;
    }
    state = tstate::numeric_char_ref_end; // without ';': a parse error, the reference stands
}

void html_tokenizer::impl::s_numeric_char_ref_end()
{
    std::string character;
    text::append_utf8(checked_code_point(reference_code), character);
    flush_reference(character);
    state = return_state;
}

} // namespace crawl::extract
