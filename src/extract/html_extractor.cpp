#include "crawl/extract/html_extractor.hpp"

#include "crawl/extract/charset.hpp"
#include "crawl/url/url.hpp"
#include "crawl/util/text.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iconv.h>
#include <mutex>
#include <optional>
#include <unordered_set>

namespace crawl::extract {
namespace {

// How many body bytes the charset decision looks at (WHATWG prescans 1024).
constexpr std::size_t sniff_bytes = 1024;
// Enough to see a BOM, which outranks a header charset.
constexpr std::size_t bom_bytes = 3;
// Decoded text handed to libxml2 per push, before the cut after its last '>' (see push()).
constexpr std::size_t push_window = 64 * 1024;
// Raw input decoded and pushed at a time, whatever size the caller feeds.
constexpr std::size_t slice_bytes = 64 * 1024;
// An href this long cannot resolve to a link of at most max_url_bytes; skip it unparsed.
constexpr std::size_t max_raw_href_bytes = 8 * max_url_bytes;

constexpr std::string_view replacement = "\xEF\xBF\xBD"; // U+FFFD

constexpr bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

void append_code_point(std::uint32_t cp, std::string& out)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// What the UTF-8 sequence at the start of `s` is.
enum class seq { valid, invalid, incomplete };

seq classify_utf8(std::string_view s, std::size_t& length) noexcept
{
    const auto b = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
    const std::uint8_t c = b(0);
    std::uint8_t lo = 0x80;
    std::uint8_t hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        length = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; // no overlongs
        hi = c == 0xED ? 0x9F : 0xBF; // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        length = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF; // at most U+10FFFF
    } else {
        return seq::invalid;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if (i >= s.size()) {
            return seq::incomplete;
        }
        const std::uint8_t min = i == 1 ? lo : std::uint8_t{0x80};
        const std::uint8_t max = i == 1 ? hi : std::uint8_t{0xBF};
        if (b(i) < min || b(i) > max) {
            return seq::invalid;
        }
    }
    return seq::valid;
}

// The end of the run of ASCII bytes other than NUL that starts at `i`. Eight bytes at a time:
// nearly all of a typical page is such a run, and this is on every byte's path.
std::size_t ascii_run_end(std::string_view in, std::size_t i) noexcept
{
    constexpr std::uint64_t high_bits = 0x8080808080808080ULL;
    constexpr std::uint64_t low_bits = 0x0101010101010101ULL;
    while (i + 8 <= in.size()) {
        std::uint64_t w;
        std::memcpy(&w, in.data() + i, sizeof w);
        const bool has_zero = ((w - low_bits) & ~w & high_bits) != 0;
        if ((w & high_bits) != 0 || has_zero) {
            break;
        }
        i += 8;
    }
    while (i < in.size() && static_cast<std::uint8_t>(in[i]) < 0x80 && in[i] != '\0') {
        ++i;
    }
    return i;
}

// Copies UTF-8 from `in` to `out`, replacing each ill-formed byte and each NUL with U+FFFD.
// libxml2 must never see either: on a bad byte 2.9.14 switches the rest of the document to
// Latin-1, and a NUL reads as the end of its buffer. A sequence cut by the end of `in` is not
// consumed unless `flush`; the return value is the number of bytes consumed.
std::size_t sanitize_utf8(std::string_view in, std::string& out, bool flush)
{
    std::size_t i = 0;
    while (i < in.size()) {
        std::size_t run = ascii_run_end(in, i);
        out.append(in.substr(i, run - i));
        i = run;
        if (i == in.size()) {
            break;
        }
        if (in[i] == '\0') {
            out += replacement;
            ++i;
            continue;
        }
        std::size_t length = 1;
        switch (classify_utf8(in.substr(i), length)) {
        case seq::valid:
            out.append(in.substr(i, length));
            i += length;
            break;
        case seq::incomplete:
            if (!flush) {
                return i;
            }
            out += replacement;
            ++i;
            break;
        case seq::invalid:
            out += replacement;
            ++i;
            break;
        }
    }
    return i;
}

// windows-1252 bytes 0x80..0x9F as the WHATWG index has them. glibc's CP1252 rejects 0x81,
// 0x8D, 0x8F, 0x90 and 0x9D, which WHATWG maps to the C1 controls.
constexpr std::array<std::uint16_t, 32> cp1252_high = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

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

// Turns body bytes in the decided charset into sanitized UTF-8, chunk by chunk, carrying a
// multibyte sequence cut by a chunk boundary. The decoding is done here and not by libxml2
// because libxml2 2.9.14 stops parsing for good at the first byte its iconv converter rejects
// (one stray 0x81 in a windows-1252 page loses every later link).
class to_utf8 {
public:
    explicit to_utf8(std::string_view canonical)
    {
        if (canonical == "UTF-8") {
            mode_ = mode::utf8;
            return;
        }
        if (canonical == "windows-1252") {
            mode_ = mode::windows_1252;
            return;
        }
        cd_ = iconv_open("UTF-8", iconv_name(canonical).c_str());
        if (cd_ == invalid()) {
            mode_ = mode::windows_1252; // cannot happen for our names (charset_test checks)
            return;
        }
        mode_ = mode::iconv;
        error_skip_ = canonical.starts_with("UTF-16") ? 2 : 1;
    }
    ~to_utf8()
    {
        if (cd_ != invalid()) {
            iconv_close(cd_);
        }
    }
    to_utf8(const to_utf8&) = delete;
    to_utf8& operator=(const to_utf8&) = delete;

    /// Appends the UTF-8 for `in` to `out`; `flush` at the end of the body.
    void decode(std::string_view in, std::string& out, bool flush)
    {
        std::string_view src = in;
        if (!carry_.empty()) {
            carry_.append(in);
            src = carry_;
        }
        std::size_t used = 0;
        switch (mode_) {
        case mode::utf8:
            used = sanitize_utf8(src, out, flush);
            break;
        case mode::windows_1252:
            used = decode_1252(src, out);
            break;
        case mode::iconv:
            used = decode_iconv(src, out, flush);
            break;
        }
        carry_ = std::string(src.substr(used));
    }

private:
    enum class mode { utf8, windows_1252, iconv };

    static iconv_t invalid() noexcept { return reinterpret_cast<iconv_t>(-1); }

    static std::size_t decode_1252(std::string_view in, std::string& out)
    {
        out.reserve(out.size() + in.size());
        for (const char c : in) {
            const auto b = static_cast<std::uint8_t>(c);
            if (b == 0) {
                out += replacement;
            } else if (b < 0x80) {
                out += c;
            } else if (b < 0xA0) {
                append_code_point(cp1252_high[b - 0x80U], out);
            } else {
                append_code_point(b, out);
            }
        }
        return in.size();
    }

    std::size_t decode_iconv(std::string_view in, std::string& out, bool flush)
    {
        scratch_.clear();
        // glibc's iconv takes a non-const input pointer but never writes through it.
        char* inp = const_cast<char*>(in.data());
        std::size_t inleft = in.size();
        std::array<char, 4096> buf{};
        while (inleft > 0) {
            char* outp = buf.data();
            std::size_t outleft = buf.size();
            const std::size_t r = iconv(cd_, &inp, &inleft, &outp, &outleft);
            const int err = errno;
            scratch_.append(buf.data(), buf.size() - outleft);
            if (r != static_cast<std::size_t>(-1)) {
                break;
            }
            if (err == E2BIG) {
                continue;
            }
            if (err == EINVAL && !flush) {
                break; // a sequence cut by the end of this chunk: carry it
            }
            // EILSEQ (or a cut sequence at the very end): one replacement, then resync.
            scratch_ += replacement;
            const std::size_t skip = std::min(error_skip_, inleft);
            inp += skip;
            inleft -= skip;
        }
        if (flush) {
            char* outp = buf.data();
            std::size_t outleft = buf.size();
            iconv(cd_, nullptr, nullptr, &outp, &outleft); // back to the initial shift state
            scratch_.append(buf.data(), buf.size() - outleft);
        }
        // iconv passes NUL through: sanitize like UTF-8 input.
        sanitize_utf8(scratch_, out, true);
        return in.size() - inleft;
    }

    mode mode_ = mode::utf8;
    iconv_t cd_ = invalid();
    std::size_t error_skip_ = 1;
    std::string carry_;   ///< input bytes of a sequence cut by a chunk boundary
    std::string scratch_; ///< iconv output before sanitizing
};

// Collects element text or an attribute value the way document.title reads a title: runs of
// ASCII whitespace become one space, leading and trailing whitespace go. Stops growing just
// past max_text_bytes, so a huge title costs no memory.
class text_collector {
public:
    void append(std::string_view s)
    {
        for (const char c : s) {
            if (text_.size() > max_text_bytes + 8) {
                return;
            }
            if (is_space(c)) {
                space_pending_ = !text_.empty();
                continue;
            }
            if (space_pending_) {
                text_ += ' ';
                space_pending_ = false;
            }
            text_ += c;
        }
    }

    /// The collected text, valid UTF-8, at most max_text_bytes.
    [[nodiscard]] std::string take() const
    {
        std::string clean;
        text::append_utf8_sanitized(text_, clean);
        std::string_view capped = text::utf8_prefix(clean, max_text_bytes);
        while (!capped.empty() && capped.back() == ' ') {
            capped.remove_suffix(1);
        }
        return std::string(capped);
    }

private:
    std::string text_;
    bool space_pending_ = false;
};

std::string collapse(std::string_view s)
{
    text_collector c;
    c.append(s);
    return c.take();
}

std::string_view as_view(const xmlChar* s)
{
    return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

// The value of attribute `name` in libxml2's NULL-terminated name/value array. An attribute
// written without a value has a NULL value: that reads as "".
std::optional<std::string_view> attribute(const xmlChar** atts, std::string_view name)
{
    if (atts == nullptr) {
        return std::nullopt;
    }
    for (std::size_t i = 0; atts[i] != nullptr; i += 2) {
        if (as_view(atts[i]) == name) {
            return as_view(atts[i + 1]);
        }
    }
    return std::nullopt;
}

// True when the space-separated token list `list` holds `token` (ASCII case-insensitive).
bool has_token(std::string_view list, std::string_view token)
{
    std::size_t pos = 0;
    while (pos < list.size()) {
        while (pos < list.size() && is_space(list[pos])) {
            ++pos;
        }
        std::size_t end = pos;
        while (end < list.size() && !is_space(list[end])) {
            ++end;
        }
        if (end > pos && text::iequals(list.substr(pos, end - pos), token)) {
            return true;
        }
        pos = end;
    }
    return false;
}

// libxml2 2.9.14 formats and reports errors even with HTML_PARSE_NOERROR; those raised
// without a parser context (encoding, I/O) would reach stderr through the generic handler.
void ignore_error(void* /*ctx*/, const char* /*msg*/, ...) {}

void init_libxml2()
{
    static std::once_flag once;
    std::call_once(once, [] { xmlInitParser(); });
    // Per thread in libxml2, so set for every extractor (it is a pointer store).
    xmlSetGenericErrorFunc(nullptr, &ignore_error);
}

} // namespace

struct html_extractor::impl {
    impl(std::string_view page_url, std::string_view header_charset, bool keep_links)
        : header_charset_(header_charset), keep_links_(keep_links)
    {
        if (auto parsed = boost::urls::parse_uri(page_url)) {
            page_url_ = boost::urls::url(*parsed);
            base_ = &*page_url_;
        }
        sniff_need_ = canonical_charset(header_charset).empty() ? sniff_bytes : bom_bytes;
    }

    ~impl() { free_parser(); }
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;

    void feed(std::string_view chunk)
    {
        if (finished_ || failed_) {
            return;
        }
        if (!decoder_) {
            const std::size_t take = std::min(chunk.size(), sniff_need_ - head_.size());
            head_.append(chunk.substr(0, take));
            chunk.remove_prefix(take);
            if (head_.size() < sniff_need_) {
                return;
            }
            start();
        }
        // In slices, so that a caller feeding a whole page at once does not make us hold a
        // decoded copy of it (PARSING.md rule 3: libxml2 keeps enough of the page already).
        while (!chunk.empty() && !failed_) {
            const std::string_view slice = chunk.substr(0, slice_bytes);
            chunk.remove_prefix(slice.size());
            decoder_->decode(slice, pending_, false);
            push(false);
        }
    }

    void finish()
    {
        if (finished_) {
            return;
        }
        if (!decoder_ && !failed_) {
            start();
        }
        if (!failed_) {
            decoder_->decode({}, pending_, true);
            push(true);
        }
        free_parser();
        finished_ = true;
        info_.title = title_.take();
        pending_ = std::string();
        head_ = std::string();
    }

    // ---- charset decision, decoding and feeding libxml2 ----

    // Decides the charset on exactly the first sniff_need_ bytes (or all there are), so that
    // the decision does not depend on how the body was split into chunks.
    void start()
    {
        const std::string_view all(head_);
        const charset_decision d = decide_charset(header_charset_, all.substr(0, sniff_need_));
        info_.charset = d.name;
        decoder_.emplace(d.name);
        init_libxml2();
        xmlSAXHandler sax{};
        sax.startElement = &on_start;
        sax.endElement = &on_end;
        sax.characters = &on_characters;
        sax.ignorableWhitespace = &on_characters;
        sax.cdataBlock = &on_cdata; // script and style bodies: never page text
        // libxml2 gets UTF-8 only (decoded above), with its own charset detection off: a
        // <meta charset> read after a non-ASCII byte must not switch it (PARSING.md rule 1).
        ctxt_ = htmlCreatePushParserCtxt(&sax, this, nullptr, 0, nullptr, XML_CHAR_ENCODING_UTF8);
        if (ctxt_ == nullptr) {
            failed_ = true;
            return;
        }
        htmlCtxtUseOptions(ctxt_, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                      HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC);
        decoder_->decode(all.substr(std::min(d.bom_length, all.size())), pending_, false);
        head_ = std::string();
        push(false);
    }

    // Gives libxml2 the decoded text in pieces whose ends depend on the text alone, never on
    // how it was fed: libxml2 2.9.14's output depends on where its input is split (an
    // unterminated quoted attribute value swallows the rest of the piece it is in), so pushes
    // that followed the feeds would make the result depend on the network's packet sizes.
    // Each piece is the next push_window bytes cut just after their last '>' (a tag or
    // "</script>" split across two pushes confuses 2.9.14, PARSING.md rule 2), or before
    // their last '<' when they hold no '>', or whole when they hold neither.
    void push(bool terminate)
    {
        if (ctxt_ == nullptr) {
            return;
        }
        std::size_t done = 0;
        while (pending_.size() - done >= push_window && !failed_) {
            const std::string_view window = std::string_view(pending_).substr(done, push_window);
            std::size_t cut = window.rfind('>');
            if (cut != std::string_view::npos) {
                ++cut;
            } else {
                cut = window.rfind('<');
                if (cut == std::string_view::npos || cut == 0) {
                    cut = window.size();
                }
            }
            parse(window.substr(0, cut), false);
            done += cut;
        }
        if (terminate && !failed_) {
            parse(std::string_view(pending_).substr(done), true);
            done = pending_.size();
        }
        pending_.erase(0, done);
    }

    void parse(std::string_view text, bool terminate)
    {
        // htmlParseChunk takes an int size; bodies are capped far below that, but stay safe.
        constexpr std::size_t max_piece = INT_MAX / 2;
        while (text.size() > max_piece) {
            htmlParseChunk(ctxt_, text.data(), static_cast<int>(max_piece), 0);
            text.remove_prefix(max_piece);
        }
        htmlParseChunk(ctxt_, text.data(), static_cast<int>(text.size()), terminate ? 1 : 0);
    }

    void free_parser()
    {
        if (ctxt_ != nullptr) {
            htmlFreeParserCtxt(ctxt_);
            ctxt_ = nullptr;
        }
    }

    // ---- SAX callbacks ----

    static impl& self(void* ctx) { return *static_cast<impl*>(ctx); }

    // Exceptions must not unwind through libxml2's C frames: stop the parse instead.
    template <class F>
    void guarded(F&& f) noexcept
    {
        try {
            f();
        } catch (...) {
            failed_ = true;
            if (ctxt_ != nullptr) {
                xmlStopParser(ctxt_);
            }
        }
    }

    static void on_start(void* ctx, const xmlChar* name, const xmlChar** atts)
    {
        impl& s = self(ctx);
        s.guarded([&] { s.start_element(as_view(name), atts); });
    }

    static void on_end(void* ctx, const xmlChar* name)
    {
        impl& s = self(ctx);
        s.guarded([&] { s.end_element(as_view(name)); });
    }

    static void on_characters(void* ctx, const xmlChar* ch, int len)
    {
        impl& s = self(ctx);
        if (s.in_title_ && len > 0) {
            s.guarded([&] {
                s.title_.append(std::string_view(reinterpret_cast<const char*>(ch), static_cast<std::size_t>(len)));
            });
        }
    }

    static void on_cdata(void* /*ctx*/, const xmlChar* /*ch*/, int /*len*/) {}

    // Element and attribute names arrive lowercase: libxml2's HTML parser folds them.
    void start_element(std::string_view name, const xmlChar** atts)
    {
        if (name == "a" || name == "area") {
            if (const auto href = attribute(atts, "href")) {
                add_link(*href);
            }
        } else if (name == "title") {
            // The first HTML title; an SVG <title> (icons in the body) is not the document's.
            if (!title_done_ && svg_depth_ == 0) {
                in_title_ = true;
            }
        } else if (name == "svg") {
            ++svg_depth_;
        } else if (name == "meta") {
            on_meta(atts);
        } else if (name == "link") {
            on_link(atts);
        } else if (name == "base") {
            on_base(atts);
        } else if (name == "html") {
            on_html(atts);
        }
    }

    void end_element(std::string_view name)
    {
        if (name == "title" && in_title_) {
            in_title_ = false;
            title_done_ = true;
        } else if (name == "svg" && svg_depth_ > 0) {
            --svg_depth_;
        }
    }

    void on_meta(const xmlChar** atts)
    {
        if (have_description_) {
            return;
        }
        const auto name = attribute(atts, "name");
        const auto content = attribute(atts, "content");
        if (name && content && text::iequals(text::trim(*name), "description")) {
            info_.description = collapse(*content);
            have_description_ = true;
        }
    }

    void on_link(const xmlChar** atts)
    {
        if (!info_.canonical.empty() || base_ == nullptr) {
            return;
        }
        const auto rel = attribute(atts, "rel");
        const auto href = attribute(atts, "href");
        if (rel && href && has_token(*rel, "canonical")) {
            if (auto resolved = resolve(*href)) {
                info_.canonical = std::move(*resolved);
            }
        }
    }

    // The first <base href> sets the document's base URL (HTML: the frozen base URL); links
    // that come after it resolve against it.
    void on_base(const xmlChar** atts)
    {
        if (have_base_ || !page_url_) {
            return;
        }
        const auto href = attribute(atts, "href");
        if (!href) {
            return;
        }
        have_base_ = true;
        std::optional<std::string> resolved = resolve(*href);
        if (!resolved) {
            return;
        }
        if (auto parsed = boost::urls::parse_uri(*resolved)) {
            base_url_ = boost::urls::url(*parsed);
            base_ = &*base_url_;
            seen_hrefs_.clear(); // they resolve differently now
            info_.base = std::move(*resolved);
        }
    }

    void on_html(const xmlChar** atts)
    {
        if (seen_html_) {
            return;
        }
        seen_html_ = true;
        if (const auto lang = attribute(atts, "lang")) {
            info_.lang = collapse(*lang);
        }
    }

    std::optional<std::string> resolve(std::string_view href) const
    {
        if (base_ == nullptr || href.size() > max_raw_href_bytes) {
            return std::nullopt;
        }
        std::optional<std::string> resolved = url::resolve_link(*base_, href);
        if (resolved && resolved->size() > max_url_bytes) {
            return std::nullopt;
        }
        return resolved;
    }

    void add_link(std::string_view href)
    {
        // The same href against the same base resolves the same way: a quarter of a typical
        // page's hrefs repeat (menus, footers), so skip resolving those again.
        if (!seen_hrefs_.insert(std::hash<std::string_view>{}(href)).second) {
            return;
        }
        std::optional<std::string> resolved = resolve(href);
        if (!resolved) {
            return;
        }
        // A 64-bit hash per distinct link: collisions are negligible at page scale and the set
        // stays small even when the links themselves are not kept.
        const std::uint64_t h = std::hash<std::string_view>{}(*resolved);
        if (!seen_links_.insert(h).second) {
            return;
        }
        ++info_.links_count;
        if (keep_links_) {
            info_.links.push_back(std::move(*resolved));
        }
    }

    // Configuration.
    std::string header_charset_;
    bool keep_links_ = false;
    std::optional<boost::urls::url> page_url_;
    std::optional<boost::urls::url> base_url_;
    const boost::urls::url* base_ = nullptr; ///< what links resolve against now

    // Pipeline state.
    std::size_t sniff_need_ = sniff_bytes;
    std::string head_;                ///< body bytes before the charset is decided
    std::optional<to_utf8> decoder_;  ///< set once the charset is decided
    std::string pending_;             ///< decoded UTF-8 not yet given to libxml2
    htmlParserCtxtPtr ctxt_ = nullptr;
    bool finished_ = false;
    bool failed_ = false;

    // Extraction state.
    page_info info_;
    text_collector title_;
    bool in_title_ = false;
    bool title_done_ = false;
    int svg_depth_ = 0;
    bool have_description_ = false;
    bool have_base_ = false;
    bool seen_html_ = false;
    std::unordered_set<std::uint64_t> seen_links_; ///< hashes of the resolved links counted
    std::unordered_set<std::uint64_t> seen_hrefs_; ///< hashes of raw hrefs met since the base was set
};

html_extractor::html_extractor(std::string_view page_url, std::string_view header_charset, bool keep_links)
    : impl_(std::make_unique<impl>(page_url, header_charset, keep_links))
{
}

html_extractor::~html_extractor() = default;

void html_extractor::feed(std::string_view chunk)
{
    impl_->feed(chunk);
}

void html_extractor::finish()
{
    impl_->finish();
}

const page_info& html_extractor::result() const noexcept
{
    return impl_->info_;
}

} // namespace crawl::extract
