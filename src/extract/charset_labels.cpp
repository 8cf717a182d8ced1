#include "crawl/extract/charset.hpp"

#include "crawl/util/text.hpp"

#include <array>

namespace crawl::extract {
namespace {

struct label_entry {
    std::string_view label;
    std::string_view name;
};

// The WHATWG Encoding Standard's labels for the encodings a crawler meets, mapped to the
// Standard's names. Every name is one glibc iconv knows (charset_test checks).
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

} // namespace

std::string canonical_charset(std::string_view label)
{
    label = text::trim_html_space(label);
    if (label.empty() || label.size() > 32) {
        return {};
    }
    std::array<char, 32> buf{};
    for (std::size_t i = 0; i < label.size(); ++i) {
        buf[i] = text::to_lower_ascii(label[i]);
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

} // namespace crawl::extract
