#include "crawl/extract/transcode.hpp"

#include "crawl/util/text.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <utility>

namespace crawl::extract {
namespace {

iconv_t no_converter() noexcept
{
    return reinterpret_cast<iconv_t>(-1);
}

// windows-1252 bytes 0x80..0x9F as the WHATWG index has them. glibc's CP1252 rejects 0x81,
// 0x8D, 0x8F, 0x90 and 0x9D, which WHATWG maps to the C1 controls.
constexpr std::array<std::uint16_t, 32> cp1252_high = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

// Every byte is a character in windows-1252: nothing is ever cut or rejected.
void decode_windows_1252(std::string_view in, std::string& out)
{
    out.reserve(out.size() + in.size());
    for (const char c : in) {
        const auto b = static_cast<std::uint8_t>(c);
        if (b < 0x80) {
            out += c;
        } else if (b < 0xA0) {
            text::append_utf8(cp1252_high[b - 0x80U], out);
        } else {
            text::append_utf8(b, out);
        }
    }
}

// The name to give iconv for a canonical name, where WHATWG's decoder is a superset of what
// glibc calls by that name: WHATWG Shift_JIS is windows-31j (glibc's SHIFT_JIS even maps 0x5C
// to YEN SIGN, breaking URLs), EUC-KR is windows-949, GBK decodes as gb18030, Big5 is
// Big5-HKSCS.
std::string iconv_name(std::string_view canonical)
{
    if (canonical == "Shift_JIS") {
        return "CP932";
    }
    if (canonical == "EUC-KR") {
        return "CP949";
    }
    if (canonical == "GBK" || canonical == "gb18030") {
        return "GB18030";
    }
    if (canonical == "Big5") {
        return "BIG5-HKSCS";
    }
    return std::string(canonical);
}

// The length of the UTF-8 sequence `lead` starts (1 for a byte that starts none, which
// decode() replaces on its own).
std::size_t utf8_sequence_length(char lead) noexcept
{
    const auto b = static_cast<std::uint8_t>(lead);
    return b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
}

} // namespace

transcoder::transcoder(std::string_view charset) : cd_(no_converter())
{
    if (charset == "UTF-8") {
        method_ = method::utf8;
        return;
    }
    if (charset == "windows-1252") {
        method_ = method::windows_1252;
        return;
    }
    cd_ = iconv_open("UTF-8", iconv_name(charset).c_str());
    if (cd_ == no_converter()) {
        method_ = method::windows_1252; // not for canonical names (charset_test checks them all)
        return;
    }
    method_ = method::iconv;
    resync_bytes_ = charset.starts_with("UTF-16") ? 2 : 1;
}

transcoder::~transcoder()
{
    if (cd_ != no_converter()) {
        iconv_close(cd_);
    }
}

void transcoder::decode(std::string_view chunk, std::string& out)
{
    convert(chunk, out, false);
}

std::string_view transcoder::decode_view(std::string_view& chunk, std::string& out)
{
    out.clear();
    if (chunk.empty()) {
        return {};
    }
    if (method_ != method::utf8) {
        decode(std::exchange(chunk, {}), out);
        return out;
    }
    if (!held_.empty()) {
        // Only the bytes the held sequence still lacks go through decode(), not the whole
        // chunk: in a page of non-Latin text nearly every chunk boundary cuts a character,
        // and copying each chunk after one cost 4% of extraction on the bench corpus.
        const std::size_t take = std::min(chunk.size(), utf8_sequence_length(held_[0]) - held_.size());
        decode(chunk.substr(0, take), out);
        chunk.remove_prefix(take);
        return out;
    }
    const std::size_t whole = text::well_formed_utf8_prefix(chunk);
    if (whole != 0) {
        const std::string_view valid = chunk.substr(0, whole);
        chunk.remove_prefix(whole);
        if (!chunk.empty() && text::read_utf8_sequence(chunk).kind == text::utf8_kind::cut_short) {
            held_ = std::string(chunk); // finished with the next chunk, as decode() does
            chunk = {};
        }
        return valid;
    }
    // An ill-formed byte first: decode() replaces it (and any that follow up to the next
    // well-formed run, which it copies too).
    decode(std::exchange(chunk, {}), out);
    return out;
}

void transcoder::finish(std::string& out)
{
    convert({}, out, true);
}

void transcoder::convert(std::string_view in, std::string& out, bool at_end)
{
    std::string_view src = in;
    if (!held_.empty()) {
        held_.append(in);
        src = held_;
    }
    std::size_t used = src.size();
    switch (method_) {
    case method::utf8:
        if (at_end) {
            text::append_utf8_sanitized(src, out);
        } else {
            used = text::append_utf8_sanitized_prefix(src, out);
        }
        break;
    case method::windows_1252:
        decode_windows_1252(src, out);
        break;
    case method::iconv:
        used = convert_iconv(src, out, at_end);
        break;
    }
    held_ = std::string(src.substr(used));
}

// Returns how many bytes of `in` were consumed: all, unless a sequence is cut by its end
// and more input may come.
std::size_t transcoder::convert_iconv(std::string_view in, std::string& out, bool at_end)
{
    // glibc's iconv takes a non-const input pointer but never writes through it.
    char* inp = const_cast<char*>(in.data());
    std::size_t inleft = in.size();
    std::array<char, 4096> buf{};
    // iconv writes only whole characters, so each buffer's worth is whole UTF-8; sanitizing
    // it keeps the promise of well-formed output whatever the C library emits.
    const auto drain = [&](const char* outp) {
        text::append_utf8_sanitized(std::string_view(buf.data(), static_cast<std::size_t>(outp - buf.data())), out);
    };
    while (inleft > 0) {
        char* outp = buf.data();
        std::size_t outleft = buf.size();
        const std::size_t r = iconv(cd_, &inp, &inleft, &outp, &outleft);
        const int err = errno;
        drain(outp);
        if (r != static_cast<std::size_t>(-1)) {
            break; // all of it converted
        }
        if (err == E2BIG) {
            continue;
        }
        if (err == EINVAL && !at_end) {
            break; // a sequence cut by the end of this chunk: hold it back
        }
        // EILSEQ, or a sequence the end of the body cut short: one U+FFFD, then resync.
        out += text::replacement_character;
        const std::size_t skip = std::min(resync_bytes_, inleft);
        inp += skip;
        inleft -= skip;
    }
    if (at_end) {
        char* outp = buf.data();
        std::size_t outleft = buf.size();
        iconv(cd_, nullptr, nullptr, &outp, &outleft); // back to the initial shift state
        drain(outp);
    }
    return in.size() - inleft;
}

} // namespace crawl::extract
