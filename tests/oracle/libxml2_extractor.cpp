#include "oracle/libxml2_extractor.hpp"

#include "extract/page_collector.hpp"
#include "extract/page_decoder.hpp"
#include "crawl/util/text.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <climits>
#include <mutex>
#include <optional>

namespace crawl::oracle {
namespace {

// Decoded text handed to libxml2 per push, before the cut after its last '>' (see push()).
constexpr std::size_t push_window = 64 * 1024;
// Raw input decoded and pushed at a time, whatever size the caller feeds.
constexpr std::size_t slice_bytes = 64 * 1024;

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

// libxml2 2.9.14 reads a NUL as the end of its buffer: each NUL in `s` from `from` on becomes
// U+FFFD before libxml2 sees it. In place, from the end backwards: a page of NULs must not
// cost a copy of itself per chunk.
void replace_nuls(std::string& s, std::size_t from)
{
    const auto nuls =
        static_cast<std::size_t>(std::count(s.begin() + static_cast<std::ptrdiff_t>(from), s.end(), '\0'));
    if (nuls == 0) {
        return;
    }
    const std::string_view fffd = text::replacement_character;
    std::size_t read = s.size();
    s.resize(s.size() + nuls * (fffd.size() - 1));
    std::size_t write = s.size();
    while (read > from) {
        const char c = s[--read];
        if (c == '\0') {
            write -= fffd.size();
            s.replace(write, fffd.size(), fffd);
        } else {
            s[--write] = c;
        }
    }
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

struct libxml2_extractor::impl {
    impl(std::string_view page_url, std::string_view header_charset, const extract::extract_options& opts)
        : decoder_(header_charset), page_(page_url, opts)
    {
        init_libxml2();
        xmlSAXHandler sax{};
        sax.startElement = &on_start;
        sax.endElement = &on_end;
        sax.characters = &on_characters;
        sax.ignorableWhitespace = &on_characters;
        sax.cdataBlock = &on_cdata; // script and style bodies: never page text
        // libxml2 gets UTF-8 only, and ignores the page's own declarations: left to itself,
        // 2.9.14 settles the charset at the first non-ASCII byte from what it has been pushed
        // so far, falls back to Latin-1 and disregards a later <meta charset>.
        ctxt_ = htmlCreatePushParserCtxt(&sax, this, nullptr, 0, nullptr, XML_CHAR_ENCODING_UTF8);
        if (ctxt_ == nullptr) {
            failed_ = true;
            return;
        }
        htmlCtxtUseOptions(ctxt_, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                      HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC);
    }

    ~impl() { free_parser(); }
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;

    void feed(std::string_view chunk)
    {
        while (!chunk.empty() && !finished_ && !failed_) {
            std::string_view slice = chunk.substr(0, slice_bytes);
            chunk.remove_prefix(slice.size());
            const std::size_t from = pending_.size();
            while (!slice.empty()) {
                pending_.append(decoder_.decode(slice, scratch_));
            }
            replace_nuls(pending_, from);
            push(false);
        }
    }

    void finish()
    {
        if (finished_) {
            return;
        }
        finished_ = true;
        const std::size_t from = pending_.size();
        decoder_.finish(pending_);
        replace_nuls(pending_, from);
        if (!failed_) {
            push(true);
        }
        free_parser();
        page_.finish(decoder_.charset());
        pending_ = std::string();
    }

    // Gives libxml2 the decoded text in pieces whose ends depend on the text alone, never on
    // how it was fed: libxml2 2.9.14's output depends on where its input is split (an
    // unterminated quoted attribute value swallows the rest of the piece it is in, and a
    // "</script>" split between two pushes is read as script text). Each piece is the next
    // push_window bytes cut just after their last '>', or before their last '<' when they hold
    // no '>', or whole when they hold neither.
    void push(bool terminate)
    {
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
                s.page_.title_text(std::string_view(reinterpret_cast<const char*>(ch), static_cast<std::size_t>(len)));
            });
        }
    }

    static void on_cdata(void* /*ctx*/, const xmlChar* /*ch*/, int /*len*/) {}

    // Element and attribute names arrive lowercase: libxml2's HTML parser folds them.
    void start_element(std::string_view name, const xmlChar** atts)
    {
        if (name == "a" || name == "area") {
            if (const auto href = attribute(atts, "href")) {
                page_.hyperlink(*href, attribute(atts, "rel"));
            }
        } else if (name == "title") {
            // The first HTML title; an SVG <title> (icons in the body) is not the document's.
            if (!title_done_ && svg_depth_ == 0) {
                in_title_ = true;
            }
        } else if (name == "svg") {
            ++svg_depth_;
        } else if (name == "meta") {
            page_.meta(attribute(atts, "name"), attribute(atts, "content"));
        } else if (name == "link") {
            page_.link(attribute(atts, "rel"), attribute(atts, "href"));
        } else if (name == "base") {
            page_.base(attribute(atts, "href"));
        } else if (name == "html" && !seen_html_) {
            seen_html_ = true;
            if (const auto lang = attribute(atts, "lang")) {
                page_.html_lang(*lang);
            }
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

    extract::page_decoder decoder_;
    extract::page_collector page_;
    std::string pending_; ///< decoded UTF-8 not yet given to libxml2
    std::string scratch_; ///< what the decoder decodes into
    htmlParserCtxtPtr ctxt_ = nullptr;
    bool finished_ = false;
    bool failed_ = false;
    bool in_title_ = false;
    bool title_done_ = false;
    int svg_depth_ = 0;
    bool seen_html_ = false;
};

libxml2_extractor::libxml2_extractor(std::string_view page_url, std::string_view header_charset,
                                     extract::extract_options opts)
    : impl_(std::make_unique<impl>(page_url, header_charset, opts))
{
}

libxml2_extractor::~libxml2_extractor() = default;

void libxml2_extractor::feed(std::string_view chunk)
{
    impl_->feed(chunk);
}

void libxml2_extractor::finish()
{
    impl_->finish();
}

const extract::page_info& libxml2_extractor::result() const noexcept
{
    return impl_->page_.info();
}

} // namespace crawl::oracle
