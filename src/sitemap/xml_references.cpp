// XML references in character data (XML 1.0, sections 4.1 and 4.6): only the five entities
// every XML processor knows and character references. Nothing a DTD declares is ever read,
// so no entity can expand to more than the four bytes of one character.

#include "xml_scanner.hpp"

#include "crawl/util/text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace crawl::sitemap::detail {
namespace {

bool is_reference_name_char(char c) noexcept
{
    const auto u = static_cast<unsigned char>(c);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':' ||
           c == '-' || c == '.' || u >= 0x80;
}

/// XML 1.0's Char production: what a character reference may name.
bool is_xml_char(std::uint32_t cp) noexcept
{
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
           (cp >= 0x10000 && cp <= 0x10FFFF);
}

/// The code point of a character reference's digits ("65" or, with `hex`, "41"), or 0 when
/// they name none (0 is no XML character either). Stops counting past U+10FFFF, so a long
/// run of digits cannot overflow.
std::uint32_t code_point(std::string_view digits, bool hex) noexcept
{
    const std::uint32_t base = hex ? 16 : 10;
    std::uint32_t cp = 0;
    for (const char c : digits) {
        const int value = hex ? text::hex_digit_value(c) : (c >= '0' && c <= '9' ? c - '0' : -1);
        if (value < 0) {
            return 0;
        }
        cp = cp * base + static_cast<std::uint32_t>(value);
        if (cp > 0x10FFFF) {
            return 0;
        }
    }
    return cp;
}

constexpr std::array<std::pair<std::string_view, char>, 5> predefined = {{
    {"amp", '&'},
    {"lt", '<'},
    {"gt", '>'},
    {"quot", '"'},
    {"apos", '\''},
}};

} // namespace

bool append_decoded(std::string_view raw, std::string& out)
{
    while (!raw.empty()) {
        const std::size_t amp = raw.find('&');
        out.append(raw.substr(0, amp));
        if (amp == std::string_view::npos) {
            break;
        }
        raw.remove_prefix(amp + 1);
        const bool numeric = raw.starts_with('#');
        const bool hex = raw.starts_with("#x");
        std::size_t name_end = numeric ? (hex ? 2 : 1) : 0;
        while (name_end < raw.size() && is_reference_name_char(raw[name_end])) {
            ++name_end;
        }
        const std::size_t name_start = numeric ? (hex ? 2 : 1) : 0;
        if (name_end == name_start || name_end == raw.size() || raw[name_end] != ';') {
            out += '&'; // begins no reference: the '&' is itself
            continue;
        }
        const std::string_view name = raw.substr(name_start, name_end - name_start);
        raw.remove_prefix(name_end + 1);
        if (numeric) {
            const std::uint32_t cp = code_point(name, hex);
            if (!is_xml_char(cp)) {
                return false;
            }
            text::append_utf8(cp, out);
            continue;
        }
        const auto* known = std::find_if(predefined.begin(), predefined.end(),
                                         [name](const auto& entity) { return entity.first == name; });
        if (known == predefined.end()) {
            return false;
        }
        out += known->second;
    }
    return true;
}

} // namespace crawl::sitemap::detail
