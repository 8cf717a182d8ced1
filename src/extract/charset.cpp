#include "crawl/extract/charset.hpp"

#include "crawl/util/text.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace crawl::extract {
namespace {

constexpr bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

constexpr bool is_alpha(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

constexpr char lower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

struct label_entry {
    std::string_view label;
    std::string_view name;
};

// The WHATWG Encoding Standard's labels for the encodings a crawler meets, mapped to the
// Standard's names. Every name is one glibc iconv and libxml2 know (charset_test checks).
// Kept sorted by label for the binary search below.
constexpr std::array labels = {
    label_entry{"866", "IBM866"},
    label_entry{"ansi_x3.4-1968", "windows-1252"},
    label_entry{"arabic", "ISO-8859-6"},
    label_entry{"ascii", "windows-1252"},
    label_entry{"asmo-708", "ISO-8859-6"},
    label_entry{"big5", "Big5"},
    label_entry{"big5-hkscs", "Big5"},
    label_entry{"chinese", "GBK"},
    label_entry{"cn-big5", "Big5"},
    label_entry{"cp1250", "windows-1250"},
    label_entry{"cp1251", "windows-1251"},
    label_entry{"cp1252", "windows-1252"},
    label_entry{"cp1253", "windows-1253"},
    label_entry{"cp1254", "windows-1254"},
    label_entry{"cp1255", "windows-1255"},
    label_entry{"cp1256", "windows-1256"},
    label_entry{"cp1257", "windows-1257"},
    label_entry{"cp1258", "windows-1258"},
    label_entry{"cp819", "windows-1252"},
    label_entry{"cp866", "IBM866"},
    label_entry{"csbig5", "Big5"},
    label_entry{"cseuckr", "EUC-KR"},
    label_entry{"cseucpkdfmtjapanese", "EUC-JP"},
    label_entry{"csgb2312", "GBK"},
    label_entry{"csibm866", "IBM866"},
    label_entry{"csiso2022jp", "ISO-2022-JP"},
    label_entry{"csiso58gb231280", "GBK"},
    label_entry{"csiso88596e", "ISO-8859-6"},
    label_entry{"csiso88596i", "ISO-8859-6"},
    label_entry{"csiso88598e", "ISO-8859-8"},
    label_entry{"csiso88598i", "ISO-8859-8"},
    label_entry{"csisolatin1", "windows-1252"},
    label_entry{"csisolatin2", "ISO-8859-2"},
    label_entry{"csisolatin3", "ISO-8859-3"},
    label_entry{"csisolatin4", "ISO-8859-4"},
    label_entry{"csisolatin5", "windows-1254"},
    label_entry{"csisolatin6", "ISO-8859-10"},
    label_entry{"csisolatin9", "ISO-8859-15"},
    label_entry{"csisolatinarabic", "ISO-8859-6"},
    label_entry{"csisolatincyrillic", "ISO-8859-5"},
    label_entry{"csisolatingreek", "ISO-8859-7"},
    label_entry{"csisolatinhebrew", "ISO-8859-8"},
    label_entry{"cskoi8r", "KOI8-R"},
    label_entry{"csksc56011987", "EUC-KR"},
    label_entry{"csmacintosh", "macintosh"},
    label_entry{"csshiftjis", "Shift_JIS"},
    label_entry{"cyrillic", "ISO-8859-5"},
    label_entry{"dos-874", "windows-874"},
    label_entry{"ecma-114", "ISO-8859-6"},
    label_entry{"ecma-118", "ISO-8859-7"},
    label_entry{"elot_928", "ISO-8859-7"},
    label_entry{"euc-jp", "EUC-JP"},
    label_entry{"euc-kr", "EUC-KR"},
    label_entry{"gb18030", "gb18030"},
    label_entry{"gb2312", "GBK"},
    label_entry{"gb_2312", "GBK"},
    label_entry{"gb_2312-80", "GBK"},
    label_entry{"gbk", "GBK"},
    label_entry{"greek", "ISO-8859-7"},
    label_entry{"greek8", "ISO-8859-7"},
    label_entry{"hebrew", "ISO-8859-8"},
    label_entry{"ibm819", "windows-1252"},
    label_entry{"ibm866", "IBM866"},
    label_entry{"iso-2022-jp", "ISO-2022-JP"},
    label_entry{"iso-8859-1", "windows-1252"},
    label_entry{"iso-8859-10", "ISO-8859-10"},
    label_entry{"iso-8859-11", "windows-874"},
    label_entry{"iso-8859-13", "ISO-8859-13"},
    label_entry{"iso-8859-14", "ISO-8859-14"},
    label_entry{"iso-8859-15", "ISO-8859-15"},
    label_entry{"iso-8859-16", "ISO-8859-16"},
    label_entry{"iso-8859-2", "ISO-8859-2"},
    label_entry{"iso-8859-3", "ISO-8859-3"},
    label_entry{"iso-8859-4", "ISO-8859-4"},
    label_entry{"iso-8859-5", "ISO-8859-5"},
    label_entry{"iso-8859-6", "ISO-8859-6"},
    label_entry{"iso-8859-6-e", "ISO-8859-6"},
    label_entry{"iso-8859-6-i", "ISO-8859-6"},
    label_entry{"iso-8859-7", "ISO-8859-7"},
    label_entry{"iso-8859-8", "ISO-8859-8"},
    label_entry{"iso-8859-8-e", "ISO-8859-8"},
    label_entry{"iso-8859-8-i", "ISO-8859-8"},
    label_entry{"iso-8859-9", "windows-1254"},
    label_entry{"iso-ir-100", "windows-1252"},
    label_entry{"iso-ir-101", "ISO-8859-2"},
    label_entry{"iso-ir-109", "ISO-8859-3"},
    label_entry{"iso-ir-110", "ISO-8859-4"},
    label_entry{"iso-ir-126", "ISO-8859-7"},
    label_entry{"iso-ir-127", "ISO-8859-6"},
    label_entry{"iso-ir-138", "ISO-8859-8"},
    label_entry{"iso-ir-144", "ISO-8859-5"},
    label_entry{"iso-ir-148", "windows-1254"},
    label_entry{"iso-ir-149", "EUC-KR"},
    label_entry{"iso-ir-157", "ISO-8859-10"},
    label_entry{"iso-ir-58", "GBK"},
    label_entry{"iso8859-1", "windows-1252"},
    label_entry{"iso8859-10", "ISO-8859-10"},
    label_entry{"iso8859-11", "windows-874"},
    label_entry{"iso8859-13", "ISO-8859-13"},
    label_entry{"iso8859-14", "ISO-8859-14"},
    label_entry{"iso8859-15", "ISO-8859-15"},
    label_entry{"iso8859-2", "ISO-8859-2"},
    label_entry{"iso8859-3", "ISO-8859-3"},
    label_entry{"iso8859-4", "ISO-8859-4"},
    label_entry{"iso8859-5", "ISO-8859-5"},
    label_entry{"iso8859-6", "ISO-8859-6"},
    label_entry{"iso8859-7", "ISO-8859-7"},
    label_entry{"iso8859-8", "ISO-8859-8"},
    label_entry{"iso8859-9", "windows-1254"},
    label_entry{"iso88591", "windows-1252"},
    label_entry{"iso885910", "ISO-8859-10"},
    label_entry{"iso885911", "windows-874"},
    label_entry{"iso885913", "ISO-8859-13"},
    label_entry{"iso885914", "ISO-8859-14"},
    label_entry{"iso885915", "ISO-8859-15"},
    label_entry{"iso88592", "ISO-8859-2"},
    label_entry{"iso88593", "ISO-8859-3"},
    label_entry{"iso88594", "ISO-8859-4"},
    label_entry{"iso88595", "ISO-8859-5"},
    label_entry{"iso88596", "ISO-8859-6"},
    label_entry{"iso88597", "ISO-8859-7"},
    label_entry{"iso88598", "ISO-8859-8"},
    label_entry{"iso88599", "windows-1254"},
    label_entry{"iso_8859-1", "windows-1252"},
    label_entry{"iso_8859-15", "ISO-8859-15"},
    label_entry{"iso_8859-1:1987", "windows-1252"},
    label_entry{"iso_8859-2", "ISO-8859-2"},
    label_entry{"iso_8859-2:1987", "ISO-8859-2"},
    label_entry{"iso_8859-3", "ISO-8859-3"},
    label_entry{"iso_8859-3:1988", "ISO-8859-3"},
    label_entry{"iso_8859-4", "ISO-8859-4"},
    label_entry{"iso_8859-4:1988", "ISO-8859-4"},
    label_entry{"iso_8859-5", "ISO-8859-5"},
    label_entry{"iso_8859-5:1988", "ISO-8859-5"},
    label_entry{"iso_8859-6", "ISO-8859-6"},
    label_entry{"iso_8859-6:1987", "ISO-8859-6"},
    label_entry{"iso_8859-7", "ISO-8859-7"},
    label_entry{"iso_8859-7:1987", "ISO-8859-7"},
    label_entry{"iso_8859-8", "ISO-8859-8"},
    label_entry{"iso_8859-8:1988", "ISO-8859-8"},
    label_entry{"iso_8859-9", "windows-1254"},
    label_entry{"iso_8859-9:1989", "windows-1254"},
    label_entry{"koi", "KOI8-R"},
    label_entry{"koi8", "KOI8-R"},
    label_entry{"koi8-r", "KOI8-R"},
    label_entry{"koi8-ru", "KOI8-U"},
    label_entry{"koi8-u", "KOI8-U"},
    label_entry{"koi8_r", "KOI8-R"},
    label_entry{"korean", "EUC-KR"},
    label_entry{"ks_c_5601-1987", "EUC-KR"},
    label_entry{"ks_c_5601-1989", "EUC-KR"},
    label_entry{"ksc5601", "EUC-KR"},
    label_entry{"ksc_5601", "EUC-KR"},
    label_entry{"l1", "windows-1252"},
    label_entry{"l2", "ISO-8859-2"},
    label_entry{"l3", "ISO-8859-3"},
    label_entry{"l4", "ISO-8859-4"},
    label_entry{"l5", "windows-1254"},
    label_entry{"l6", "ISO-8859-10"},
    label_entry{"l9", "ISO-8859-15"},
    label_entry{"latin1", "windows-1252"},
    label_entry{"latin2", "ISO-8859-2"},
    label_entry{"latin3", "ISO-8859-3"},
    label_entry{"latin4", "ISO-8859-4"},
    label_entry{"latin5", "windows-1254"},
    label_entry{"latin6", "ISO-8859-10"},
    label_entry{"logical", "ISO-8859-8"},
    label_entry{"mac", "macintosh"},
    label_entry{"macintosh", "macintosh"},
    label_entry{"ms932", "Shift_JIS"},
    label_entry{"ms_kanji", "Shift_JIS"},
    label_entry{"shift-jis", "Shift_JIS"},
    label_entry{"shift_jis", "Shift_JIS"},
    label_entry{"sjis", "Shift_JIS"},
    label_entry{"sun_eu_greek", "ISO-8859-7"},
    label_entry{"tis-620", "windows-874"},
    label_entry{"unicode-1-1-utf-8", "UTF-8"},
    label_entry{"unicode11utf8", "UTF-8"},
    label_entry{"unicode20utf8", "UTF-8"},
    label_entry{"unicodefffe", "UTF-16BE"},
    label_entry{"us-ascii", "windows-1252"},
    label_entry{"utf-16", "UTF-16LE"},
    label_entry{"utf-16be", "UTF-16BE"},
    label_entry{"utf-16le", "UTF-16LE"},
    label_entry{"utf-8", "UTF-8"},
    label_entry{"utf8", "UTF-8"},
    label_entry{"visual", "ISO-8859-8"},
    label_entry{"windows-1250", "windows-1250"},
    label_entry{"windows-1251", "windows-1251"},
    label_entry{"windows-1252", "windows-1252"},
    label_entry{"windows-1253", "windows-1253"},
    label_entry{"windows-1254", "windows-1254"},
    label_entry{"windows-1255", "windows-1255"},
    label_entry{"windows-1256", "windows-1256"},
    label_entry{"windows-1257", "windows-1257"},
    label_entry{"windows-1258", "windows-1258"},
    label_entry{"windows-31j", "Shift_JIS"},
    label_entry{"windows-874", "windows-874"},
    label_entry{"windows-949", "EUC-KR"},
    label_entry{"x-cp1250", "windows-1250"},
    label_entry{"x-cp1251", "windows-1251"},
    label_entry{"x-cp1252", "windows-1252"},
    label_entry{"x-cp1253", "windows-1253"},
    label_entry{"x-cp1254", "windows-1254"},
    label_entry{"x-cp1255", "windows-1255"},
    label_entry{"x-cp1256", "windows-1256"},
    label_entry{"x-cp1257", "windows-1257"},
    label_entry{"x-cp1258", "windows-1258"},
    label_entry{"x-euc-jp", "EUC-JP"},
    label_entry{"x-gbk", "GBK"},
    label_entry{"x-mac-roman", "macintosh"},
    label_entry{"x-sjis", "Shift_JIS"},
    label_entry{"x-unicode20utf8", "UTF-8"},
    label_entry{"x-x-big5", "Big5"},
};

constexpr bool labels_sorted() noexcept
{
    for (std::size_t i = 1; i < labels.size(); ++i) {
        if (!(labels[i - 1].label < labels[i].label)) {
            return false;
        }
    }
    return true;
}
static_assert(labels_sorted(), "labels must stay sorted for the binary search");

// Trims what WHATWG trims around a label: ASCII whitespace.
std::string_view trim_label(std::string_view s) noexcept
{
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
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
    return std::string(trim_label(value));
}

// ---- the WHATWG prescan ("prescan a byte stream to determine its encoding") ----

struct attribute {
    std::string name;
    std::string value;
};

enum class attr_result { found, end_of_tag, end_of_input };

void skip_spaces(std::string_view s, std::size_t& pos) noexcept
{
    while (pos < s.size() && is_space(s[pos])) {
        ++pos;
    }
}

// "Get an attribute" from the Standard: names and values are lowercased, quoting honoured.
attr_result get_attribute(std::string_view s, std::size_t& pos, attribute& attr)
{
    attr.name.clear();
    attr.value.clear();
    while (pos < s.size() && (is_space(s[pos]) || s[pos] == '/')) {
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
        if (is_space(c)) {
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
        attr.name += lower(c);
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
            attr.value += lower(s[pos]);
        }
        return attr_result::end_of_input;
    }
    if (first == '>') {
        return attr_result::found;
    }
    for (; pos < s.size(); ++pos) {
        if (is_space(s[pos]) || s[pos] == '>') {
            return attr_result::found;
        }
        attr.value += lower(s[pos]);
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
    while (end < s.size() && !is_space(s[end]) && s[end] != ';') {
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
            (is_space(s[pos + 5]) || s[pos + 5] == '/')) {
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
            while (pos < s.size() && !is_space(s[pos]) && s[pos] != '>') {
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

// UTF-8 validity of `head`, forgiving a sequence that the end of `head` cuts short.
bool looks_like_utf8(std::string_view head) noexcept
{
    // Find where a trailing incomplete sequence would start: at most 3 bytes back.
    std::size_t cut = head.size();
    for (std::size_t back = 1; back <= 3 && back <= head.size(); ++back) {
        const auto b = static_cast<std::uint8_t>(head[head.size() - back]);
        if ((b & 0xC0U) == 0x80U) {
            continue; // a continuation byte: keep looking for the lead
        }
        std::size_t need = 1;
        if (b >= 0xF0U) {
            need = 4;
        } else if (b >= 0xE0U) {
            need = 3;
        } else if (b >= 0xC0U) {
            need = 2;
        }
        if (need > back) {
            cut = head.size() - back;
        }
        break;
    }
    return text::is_valid_utf8(head.substr(0, cut));
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
        const std::string_view name = trim_label(content_type.substr(name_begin, pos - name_begin));
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
    return text::to_lower_ascii(trim_label(content_type.substr(0, content_type.find(';'))));
}

bool is_html_media_type(std::string_view media_type)
{
    return text::iequals(media_type, "text/html") || text::iequals(media_type, "application/xhtml+xml");
}

std::string canonical_charset(std::string_view label)
{
    label = trim_label(label);
    if (label.empty() || label.size() > 32) {
        return {};
    }
    std::array<char, 32> buf{};
    for (std::size_t i = 0; i < label.size(); ++i) {
        buf[i] = lower(label[i]);
    }
    const std::string_view key(buf.data(), label.size());
    std::size_t lo = 0;
    std::size_t hi = labels.size();
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (labels[mid].label < key) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < labels.size() && labels[lo].label == key) {
        return std::string(labels[lo].name);
    }
    return {};
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
