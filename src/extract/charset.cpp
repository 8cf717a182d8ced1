#include "crawl/extract/charset.hpp"

#include "crawl/util/text.hpp"

#include <optional>

namespace crawl::extract {
namespace {

constexpr bool is_alpha(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// ---- Content-Type parameters (RFC 9110 5.6.6) ----

// Reads one parameter value at `pos` (token or quoted-string), leaving `pos` after it.
std::string read_param_value(std::string_view s, std::size_t& pos)
{
    std::string value;
    if (pos < s.size() && s[pos] == '"') {
        ++pos;
        while (pos < s.size() && s[pos] != '"') {
            if (s[pos] == '\\' && pos + 1 < s.size()) {
                ++pos;
            }
            value += s[pos];
            ++pos;
        }
        ++pos; // the closing quote (or past the end)
        return value;
    }
    while (pos < s.size() && s[pos] != ';') {
        value += s[pos];
        ++pos;
    }
    return std::string(text::trim_html_space(value));
}

// ---- the WHATWG prescan ("prescan a byte stream to determine its encoding") ----

struct attribute {
    std::string name;
    std::string value;
};

enum class attr_result { found, end_of_tag, end_of_input };

void skip_spaces(std::string_view s, std::size_t& pos) noexcept
{
    while (pos < s.size() && text::is_html_space(s[pos])) {
        ++pos;
    }
}

// "Get an attribute" from the Standard: names and values are lowercased, quoting honoured.
attr_result get_attribute(std::string_view s, std::size_t& pos, attribute& attr)
{
    attr.name.clear();
    attr.value.clear();
    while (pos < s.size() && (text::is_html_space(s[pos]) || s[pos] == '/')) {
        ++pos;
    }
    if (pos >= s.size()) {
        return attr_result::end_of_input;
    }
    if (s[pos] == '>') {
        return attr_result::end_of_tag;
    }
    // The name.
    for (;; ++pos) {
        if (pos >= s.size()) {
            return attr_result::end_of_input;
        }
        const char c = s[pos];
        if (c == '=' && !attr.name.empty()) {
            ++pos;
            break;
        }
        if (text::is_html_space(c)) {
            skip_spaces(s, pos);
            if (pos >= s.size()) {
                return attr_result::end_of_input;
            }
            if (s[pos] != '=') {
                return attr_result::found; // a name without a value
            }
            ++pos;
            break;
        }
        if (c == '/' || c == '>') {
            return attr_result::found;
        }
        attr.name += text::to_lower_ascii(c);
    }
    // The value.
    skip_spaces(s, pos);
    if (pos >= s.size()) {
        return attr_result::end_of_input;
    }
    const char first = s[pos];
    if (first == '"' || first == '\'') {
        for (++pos; pos < s.size(); ++pos) {
            if (s[pos] == first) {
                ++pos;
                return attr_result::found;
            }
            attr.value += text::to_lower_ascii(s[pos]);
        }
        return attr_result::end_of_input;
    }
    if (first == '>') {
        return attr_result::found;
    }
    for (; pos < s.size(); ++pos) {
        if (text::is_html_space(s[pos]) || s[pos] == '>') {
            return attr_result::found;
        }
        attr.value += text::to_lower_ascii(s[pos]);
    }
    return attr_result::end_of_input;
}

// "Extracting a character encoding from a meta element": the charset=... inside a content
// attribute ("text/html; charset=shift_jis"). `s` is already lowercase.
std::optional<std::string_view> charset_from_meta_content(std::string_view s)
{
    std::size_t pos = 0;
    for (;;) {
        const std::size_t found = s.find("charset", pos);
        if (found == std::string_view::npos) {
            return std::nullopt;
        }
        pos = found + 7;
        skip_spaces(s, pos);
        if (pos < s.size() && s[pos] == '=') {
            break;
        }
    }
    ++pos;
    skip_spaces(s, pos);
    if (pos >= s.size()) {
        return std::nullopt;
    }
    const char quote = s[pos];
    if (quote == '"' || quote == '\'') {
        const std::size_t end = s.find(quote, pos + 1);
        if (end == std::string_view::npos) {
            return std::nullopt;
        }
        return s.substr(pos + 1, end - pos - 1);
    }
    std::size_t end = pos;
    while (end < s.size() && !text::is_html_space(s[end]) && s[end] != ';') {
        ++end;
    }
    return s.substr(pos, end - pos);
}

bool starts_with_ci(std::string_view s, std::size_t pos, std::string_view prefix) noexcept
{
    return s.size() - pos >= prefix.size() && text::iequals(s.substr(pos, prefix.size()), prefix);
}

// Looks at the attributes of one <meta> (pos just after "<meta" and its space or '/').
// Returns the canonical charset it declares, or "" (then the scan goes on).
std::string meta_charset(std::string_view s, std::size_t& pos, bool& truncated)
{
    // The few attribute names seen: duplicates are ignored, as the Standard says.
    bool seen_http_equiv = false;
    bool seen_content = false;
    bool seen_charset = false;
    bool got_pragma = false;
    std::optional<bool> need_pragma;
    std::optional<std::string> charset; // "" means "a label we do not know"
    attribute attr;
    for (;;) {
        const attr_result r = get_attribute(s, pos, attr);
        if (r == attr_result::end_of_input) {
            truncated = true;
            return {};
        }
        if (r == attr_result::end_of_tag) {
            break;
        }
        if (attr.name == "http-equiv" && !seen_http_equiv) {
            seen_http_equiv = true;
            got_pragma = attr.value == "content-type";
        } else if (attr.name == "content" && !seen_content) {
            seen_content = true;
            if (!charset) {
                if (const auto label = charset_from_meta_content(attr.value)) {
                    charset = canonical_charset(*label);
                    need_pragma = true;
                }
            }
        } else if (attr.name == "charset" && !seen_charset) {
            seen_charset = true;
            charset = canonical_charset(attr.value);
            need_pragma = false;
        }
    }
    if (!need_pragma || (*need_pragma && !got_pragma) || !charset || charset->empty()) {
        return {};
    }
    // A document that really were UTF-16 could not have been prescanned as ASCII.
    if (*charset == "UTF-16LE" || *charset == "UTF-16BE") {
        return "UTF-8";
    }
    return *charset;
}

std::string prescan(std::string_view s)
{
    std::size_t pos = 0;
    attribute ignored;
    while (pos < s.size()) {
        if (s.compare(pos, 4, "<!--") == 0) {
            const std::size_t end = s.find("-->", pos + 2);
            if (end == std::string_view::npos) {
                return {};
            }
            pos = end + 3;
            continue;
        }
        if (s[pos] != '<') {
            ++pos;
            continue;
        }
        if (starts_with_ci(s, pos + 1, "meta") && pos + 5 < s.size() &&
            (text::is_html_space(s[pos + 5]) || s[pos + 5] == '/')) {
            pos += 6;
            bool truncated = false;
            std::string found = meta_charset(s, pos, truncated);
            if (!found.empty() || truncated) {
                return found;
            }
            ++pos; // past the '>'
            continue;
        }
        const bool start_tag = pos + 1 < s.size() && is_alpha(s[pos + 1]);
        const bool end_tag = pos + 2 < s.size() && s[pos + 1] == '/' && is_alpha(s[pos + 2]);
        if (start_tag || end_tag) {
            // Skip the tag name, then its attributes: a '>' inside a quoted value is no end.
            while (pos < s.size() && !text::is_html_space(s[pos]) && s[pos] != '>') {
                ++pos;
            }
            attr_result r = attr_result::found;
            while (r == attr_result::found) {
                r = get_attribute(s, pos, ignored);
            }
            if (r == attr_result::end_of_input) {
                return {};
            }
            ++pos;
            continue;
        }
        if (s.compare(pos, 2, "<!") == 0 || s.compare(pos, 2, "</") == 0 || s.compare(pos, 2, "<?") == 0) {
            const std::size_t end = s.find('>', pos);
            if (end == std::string_view::npos) {
                return {};
            }
            pos = end + 1;
            continue;
        }
        ++pos;
    }
    return {};
}

// UTF-8 validity of `head`, forgiving the well-formed start of a sequence that the end of
// `head` cuts short.
bool looks_like_utf8(std::string_view head) noexcept
{
    for (;;) {
        const text::utf8_sequence seq = text::read_utf8_sequence(head);
        if (seq.kind != text::utf8_kind::well_formed) {
            return seq.kind == text::utf8_kind::cut_short;
        }
        head.remove_prefix(seq.length);
    }
}

} // namespace

std::string charset_from_content_type(std::string_view content_type)
{
    std::size_t pos = content_type.find(';');
    while (pos != std::string_view::npos && pos < content_type.size()) {
        ++pos; // past ';'
        skip_spaces(content_type, pos);
        const std::size_t name_begin = pos;
        while (pos < content_type.size() && content_type[pos] != '=' && content_type[pos] != ';') {
            ++pos;
        }
        const std::string_view name = text::trim_html_space(content_type.substr(name_begin, pos - name_begin));
        if (pos >= content_type.size() || content_type[pos] == ';') {
            continue; // a parameter without a value
        }
        ++pos; // past '='
        skip_spaces(content_type, pos);
        std::string value = read_param_value(content_type, pos);
        if (text::iequals(name, "charset")) {
            return text::to_lower_ascii(value);
        }
        pos = content_type.find(';', pos);
    }
    return {};
}

std::string media_type(std::string_view content_type)
{
    return text::to_lower_ascii(text::trim_html_space(content_type.substr(0, content_type.find(';'))));
}

bool is_html_media_type(std::string_view media_type)
{
    return text::iequals(media_type, "text/html") || text::iequals(media_type, "application/xhtml+xml");
}

charset_decision decide_charset(std::string_view header_label, std::string_view head)
{
    // A byte order mark outranks the header, as in the WHATWG decode algorithm and every
    // browser: servers often send a stale default charset for files saved with a BOM.
    if (head.starts_with("\xEF\xBB\xBF")) {
        return {"UTF-8", charset_source::bom, 3};
    }
    if (head.starts_with("\xFF\xFE")) {
        return {"UTF-16LE", charset_source::bom, 2};
    }
    if (head.starts_with("\xFE\xFF")) {
        return {"UTF-16BE", charset_source::bom, 2};
    }
    if (std::string name = canonical_charset(header_label); !name.empty()) {
        return {std::move(name), charset_source::header, 0};
    }
    if (std::string name = prescan(head); !name.empty()) {
        return {std::move(name), charset_source::meta, 0};
    }
    if (looks_like_utf8(head)) {
        return {"UTF-8", charset_source::sniffed_utf8, 0};
    }
    return {"windows-1252", charset_source::fallback, 0};
}

} // namespace crawl::extract
