#include "idna.hpp"

#include "crawl/util/text.hpp"

#include <idn2.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <utility>

namespace crawl::url::detail {
namespace {

// What UTS #46 maps to U+002E FULL STOP, so labels can be found before the mapping:
// U+3002 IDEOGRAPHIC FULL STOP, U+FF0E FULLWIDTH FULL STOP, U+FF61 HALFWIDTH IDEOGRAPHIC FULL STOP.
constexpr std::array<std::string_view, 3> wide_dots = {"\xE3\x80\x82", "\xEF\xBC\x8E", "\xEF\xBD\xA1"};

// The code points that transitional and non-transitional processing treat differently:
// U+00DF ß, U+03C2 ς, U+200C ZERO WIDTH NON-JOINER, U+200D ZERO WIDTH JOINER.
constexpr std::array<std::string_view, 4> deviations = {"\xC3\x9F", "\xCF\x82", "\xE2\x80\x8C", "\xE2\x80\x8D"};

// Where the label that starts at `from` ends, and how long the dot after it is (0 at the end).
std::pair<std::size_t, std::size_t> label_end(std::string_view domain, std::size_t from) noexcept
{
    for (std::size_t i = from; i < domain.size(); ++i) {
        if (domain[i] == '.') {
            return {i, 1};
        }
        if (static_cast<unsigned char>(domain[i]) == 0xE3 || static_cast<unsigned char>(domain[i]) == 0xEF) {
            for (const std::string_view dot : wide_dots) {
                if (domain.substr(i).starts_with(dot)) {
                    return {i, dot.size()};
                }
            }
        }
    }
    return {domain.size(), 0};
}

bool is_ascii(std::string_view s) noexcept
{
    return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool has_deviation(std::string_view label) noexcept
{
    return std::any_of(deviations.begin(), deviations.end(),
                       [label](std::string_view d) { return label.find(d) != std::string_view::npos; });
}

// Whether `label` holds a code point from the blocks of right-to-left scripts (Hebrew, Arabic,
// Syriac, Thaana, NKo and their neighbours, their presentation forms, and the historic
// right-to-left scripts and Adlam in plane 1). libidn2 applies the bidi rule only in the pass that the
// fallback below skips, so the fallback is kept away from labels where that rule may apply.
bool may_hold_right_to_left(std::string_view label) noexcept
{
    for (std::size_t i = 0; i < label.size();) {
        const std::size_t length = std::max<std::size_t>(1, text::utf8_sequence_length(label.substr(i)));
        char32_t cp = static_cast<unsigned char>(label[i]);
        if (length > 1) {
            cp &= 0x3FU >> (length - 1);
            for (std::size_t k = 1; k < length; ++k) {
                cp = (cp << 6U) | (static_cast<unsigned char>(label[i + k]) & 0x3FU);
            }
        }
        if ((cp >= 0x0590 && cp <= 0x08FF) || (cp >= 0xFB1D && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFF) ||
            (cp >= 0x10800 && cp <= 0x10FFF) || (cp >= 0x1E800 && cp <= 0x1EFFF)) {
            return true;
        }
        i += length;
    }
    return false;
}

// Errors that only IDNA2008's stricter repertoire raises (libidn2 checks each U-label against
// RFC 5892 after the UTS #46 mapping): symbols and emoji such as U+2615 are valid in UTS #46,
// which the URL Standard follows ("☕.example" is "xn--53h.example").
bool idna2008_only(int code) noexcept
{
    return code == IDN2_DISALLOWED || code == IDN2_UNASSIGNED || code == IDN2_CONTEXTO_NO_RULE;
}

struct idn2_deleter {
    void operator()(std::uint8_t* p) const noexcept { idn2_free(p); }
};

int lookup(const std::string& label, int flags, std::string& out)
{
    std::uint8_t* raw = nullptr;
    const int rc = idn2_lookup_u8(reinterpret_cast<const std::uint8_t*>(label.c_str()), &raw, flags);
    const std::unique_ptr<std::uint8_t, idn2_deleter> ascii(raw);
    if (rc == IDN2_OK) {
        out += reinterpret_cast<const char*>(ascii.get());
    }
    return rc;
}

// One label through libidn2: UTS #46 mapping, normalization, validity and Punycode.
int label_to_ascii(std::string_view label, std::string& out)
{
    const std::string z(label); // libidn2 reads NUL-terminated strings; the caller rejected NULs
    const int rc = lookup(z, IDN2_NONTRANSITIONAL, out);
    if (rc == IDN2_OK || !idna2008_only(rc) || has_deviation(label) || may_hold_right_to_left(label)) {
        return rc;
    }
    // Without deviation code points transitional processing maps exactly as non-transitional
    // does, and libidn2 then applies UTS #46's validity criteria alone (CheckJoiners concerns
    // only U+200C and U+200D, deviations both; CheckBidi, right-to-left labels, kept out above).
    return lookup(z, IDN2_TRANSITIONAL, out);
}

} // namespace

int domain_to_ascii(std::string_view utf8_domain, std::string& out)
{
    if (!text::is_valid_utf8(utf8_domain)) {
        return IDN2_ENCODING_ERROR; // the standard decodes with U+FFFD, which UTS #46 disallows
    }
    // Label by label, so that ASCII labels skip libidn2's CheckHyphens-like tests (the standard
    // turns CheckHyphens off) and the whole domain is not held to DNS's 253 bytes.
    std::size_t from = 0;
    while (true) {
        const auto [end, dot_length] = label_end(utf8_domain, from);
        const std::string_view label = utf8_domain.substr(from, end - from);
        const bool a_label = label.size() >= 4 && text::iequals(label.substr(0, 4), "xn--");
        if (is_ascii(label) && !a_label) {
            for (const char c : label) {
                out += text::to_lower_ascii(c);
            }
        } else if (const int rc = label_to_ascii(label, out); rc != IDN2_OK) {
            return rc;
        }
        if (dot_length == 0) {
            return IDN2_OK;
        }
        out += '.';
        from = end + dot_length;
    }
}

std::string_view idna_error_text(int code) noexcept
{
    return idn2_strerror(code);
}

} // namespace crawl::url::detail
