#include "crawl/extract/html_extractor.hpp"

#include "crawl/extract/charset.hpp"
#include "crawl/extract/transcode.hpp"
#include "page_text.hpp"
#include "crawl/url/url.hpp"
#include "crawl/util/text.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <functional>
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
        if (auto parsed = url::parse_input(page_url)) {
            page_url_ = std::move(*parsed);
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
        // decoded copy of it too: libxml2 2.9.14's push parser already keeps most of the
        // input it has parsed, whatever the size of the pushes.
        while (!chunk.empty() && !failed_) {
            const std::string_view slice = chunk.substr(0, slice_bytes);
            chunk.remove_prefix(slice.size());
            decode(slice);
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
            const std::size_t from = pending_.size();
            decoder_->finish(pending_);
            replace_nuls(pending_, from);
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
    // the decision does not depend on how the body was split into chunks. The page is decoded
    // here, not by libxml2: 2.9.14 stops parsing for good at the first byte its converter
    // rejects (one stray 0x81 in a windows-1252 page would lose every later link).
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
        // libxml2 gets UTF-8 only, and ignores the page's own declarations: left to itself,
        // 2.9.14 settles the charset at the first non-ASCII byte from what it has been pushed
        // so far, falls back to Latin-1 and disregards a later <meta charset>, so a page that
        // names its charset only in the header, or after a non-ASCII title, came out as
        // mojibake (docs/design.md, "HTML extraction").
        ctxt_ = htmlCreatePushParserCtxt(&sax, this, nullptr, 0, nullptr, XML_CHAR_ENCODING_UTF8);
        if (ctxt_ == nullptr) {
            failed_ = true;
            return;
        }
        htmlCtxtUseOptions(ctxt_, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                      HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC);
        decode(all.substr(std::min(d.bom_length, all.size())));
        head_ = std::string();
        push(false);
    }

    // Gives libxml2 the decoded text in pieces whose ends depend on the text alone, never on
    // how it was fed: libxml2 2.9.14's output depends on where its input is split (an
    // unterminated quoted attribute value swallows the rest of the piece it is in), so pushes
    // that followed the feeds would make the result depend on the network's packet sizes.
    // Each piece is the next push_window bytes cut just after their last '>' (2.9.14 reads a
    // "</script>" split between two pushes as script text and swallows the markup after it
    // up to the next "</script>"), or before their last '<' when they hold no '>', or whole
    // when they hold neither.
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

    // Appends the UTF-8 for more body bytes to what libxml2 has yet to get.
    void decode(std::string_view bytes)
    {
        const std::size_t from = pending_.size();
        decoder_->decode(bytes, pending_);
        replace_nuls(pending_, from);
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
        if (name && content && text::iequals(text::trim_html_space(*name), "description")) {
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
        if (href->size() > max_raw_href_bytes) {
            return;
        }
        std::optional<url::target> base = url::resolve_base(*page_url_, *href);
        if (base && base->href.size() <= max_url_bytes) {
            base_url_ = std::move(base);
            base_ = &*base_url_;
            seen_hrefs_.clear(); // they resolve differently now
            info_.base = base_url_->href;
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
    std::optional<url::target> page_url_;
    std::optional<url::target> base_url_;
    const url::target* base_ = nullptr; ///< what links resolve against now

    // Pipeline state.
    std::size_t sniff_need_ = sniff_bytes;
    std::string head_;                  ///< body bytes before the charset is decided
    std::optional<transcoder> decoder_; ///< set once the charset is decided
    std::string pending_;               ///< decoded UTF-8 not yet given to libxml2
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
