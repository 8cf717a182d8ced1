#pragma once
// The little XML a sitemap needs, read as it streams in: start and end tags (their local
// names), character data and CDATA sections. Comments, processing instructions, the XML
// declaration and any DOCTYPE (internal subset included) are skipped and never interpreted:
// no entity is ever defined, so none can expand (no billion laughs, no external entities).
// Holds no more than one tag name; never buffers text.

#include <cstddef>
#include <string>
#include <string_view>

namespace crawl::sitemap::detail {

/// What the scanner reports, in document order.
class xml_events {
public:
    /// A start tag; `local_name` is its name after any prefix ("sm:loc" → "loc"), empty when
    /// the name is over xml_scanner::max_name_bytes. `empty`: written as <name/>.
    virtual void start_element(std::string_view local_name, bool empty) = 0;
    /// An end tag (its name is not checked against the start tag's: depth is what counts).
    virtual void end_element() = 0;
    /// Character data as written, references not replaced. One run of text may arrive in
    /// several pieces; a reference never spans two runs (a run ends at the next '<').
    virtual void text(std::string_view raw) = 0;
    /// The content of a CDATA section, literal; one section may arrive in several pieces.
    virtual void cdata(std::string_view content) = 0;

protected:
    ~xml_events() = default;
};

/// A byte-at-a-time state machine (with fast skips over text and CDATA), so the events are
/// the same however the input is split. Lenient where sitemaps in the wild are sloppy: a '<'
/// that starts no markup is text; attributes are skipped without being checked.
class xml_scanner {
public:
    /// Longer tag names are reported as empty (no sitemap element has one that long).
    static constexpr std::size_t max_name_bytes = 256;

    explicit xml_scanner(xml_events& events) : events_(events) {}

    void feed(std::string_view chunk);

private:
    enum class state {
        text,
        tag_open,       ///< after '<'
        start_name,     ///< in a start tag's name
        start_attrs,    ///< after a start tag's name, up to its '>'
        end_tag,        ///< after "</", up to '>'
        declaration,    ///< after "<!", telling a comment, CDATA and DOCTYPE apart
        comment,        ///< after "<!--", up to "-->"
        cdata,          ///< after "<![CDATA[", up to "]]>"
        instruction,    ///< after "<?", up to "?>"
        doctype,        ///< after "<!DOCTYPE", up to its '>' outside quotes and the internal subset
        bogus,          ///< any other "<!...", up to '>'
    };

    /// Consumes the text or CDATA content at the start of `rest`, up to the next byte the
    /// state machine must look at; returns how many bytes it took.
    std::size_t skip_text(std::string_view rest);
    std::size_t skip_cdata(std::string_view rest);
    void step(char c);
    void step_declaration(char c);
    void step_cdata(char c);
    void step_doctype(char c);
    void emit_start(bool empty);

    xml_events& events_;
    state state_ = state::text;
    std::string name_;          ///< the start tag's name so far (at most max_name_bytes + 1)
    std::string declaration_;   ///< after "<!": at most "[CDATA[" long
    std::size_t run_ = 0;       ///< '-' before a comment's '>', ']' before CDATA's '>'
    bool slash_ = false;        ///< a start tag's last byte was '/'
    bool question_ = false;     ///< an instruction's last byte was '?'
    bool in_subset_ = false;    ///< inside a DOCTYPE's [...]
    char quote_ = 0;            ///< the quote an attribute or DOCTYPE literal is open with
};

/// Appends XML character data to `out` with its references replaced: the five predefined
/// entities (&amp; &lt; &gt; &quot; &apos;) and character references (&#N; &#xH;). An '&'
/// that begins no reference (no name or number closed by ';', as in a hand-written query
/// string "?a=1&b=2") stays as written, as lenient readers keep it. Returns false on a
/// reference that cannot be replaced: an entity only a DTD could define (crawl reads none) or
/// a number that names no XML character.
[[nodiscard]] bool append_decoded(std::string_view raw, std::string& out);

} // namespace crawl::sitemap::detail
