#pragma once
// A streaming HTML tokenizer: the WHATWG HTML Standard's tokenization state machine (section
// 13.2.5), fed UTF-8 in pieces of any size, handing each token to a sink as it completes.
// The same tokens come out wherever the input is split.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace crawl::extract {

/// The states a tokenizer can be put in from outside: the tree builder switches to RCDATA,
/// RAWTEXT, script data or PLAINTEXT after the start tags that need them, and the html5lib
/// tests start in each of these.
enum class content_state : std::uint8_t { data, rcdata, rawtext, script_data, plaintext, cdata_section };

struct html_attribute {
    std::string_view name;  ///< lowercase (ASCII), NUL as U+FFFD
    std::string_view value; ///< character references decoded, NUL as U+FFFD
};

/// A start or end tag. The views are valid during the sink call only.
struct html_tag {
    std::string_view name; ///< lowercase (ASCII)
    std::span<const html_attribute> attributes; ///< in source order, a repeated name dropped (the first wins)
    bool self_closing = false;
};

struct html_doctype {
    std::string_view name;
    std::string_view public_id;
    std::string_view system_id;
    bool has_name = false; ///< "missing" and "empty" differ for DOCTYPEs
    bool has_public_id = false;
    bool has_system_id = false;
    bool force_quirks = false;
};

/// Receives the tokens. Text arrives in runs that may be split anywhere (a sink that needs
/// whole strings joins them); the views are valid during the call only.
class html_token_sink {
public:
    virtual ~html_token_sink() = default;
    /// Returns the state the tokenizer goes on in: what the tree builder would switch it to
    /// after this tag (data for most).
    virtual content_state start_tag(const html_tag& tag) = 0;
    virtual void end_tag(const html_tag& tag) = 0;
    virtual void characters(std::string_view text) = 0;
    virtual void comment(std::string_view text) = 0;
    virtual void doctype(const html_doctype& doctype) = 0;
    /// Whether a "<![CDATA[" here opens a CDATA section: the Standard allows one only where
    /// the adjusted current node is not an HTML element (inside <svg> or <math>).
    [[nodiscard]] virtual bool in_foreign_content() const = 0;
};

/// Which text the tokenizer hands to characters(). Outside RCDATA (<title>, <textarea>) a
/// crawler needs no text: then the tokenizer skips it without decoding its character
/// references, which changes no token, since a reference never ends a run of text; comments
/// then arrive empty.
enum class text_tokens : std::uint8_t { all, rcdata_only };

/// What the sink needs of the tokens. A crawler needs little of a page, and what it does not
/// need the tokenizer reads without keeping: the same tags come out, with less in them.
struct token_filter {
    text_tokens text = text_tokens::all;
    /// The attribute names to keep (lowercase); every attribute when empty. Another attribute
    /// is read to its end but neither kept nor its references decoded (a reference never ends
    /// a value), and never counts as a repeat of a kept one.
    std::span<const std::string_view> attributes = {};
};

class html_tokenizer {
public:
    html_tokenizer(html_token_sink& sink, token_filter filter);
    ~html_tokenizer();
    html_tokenizer(const html_tokenizer&) = delete;
    html_tokenizer& operator=(const html_tokenizer&) = delete;

    /// Before the first feed: the state to start in (the html5lib tests' initialStates) and
    /// the tag name an end tag must have to end RCDATA, RAWTEXT or script data there
    /// (their lastStartTag).
    void start_in(content_state state, std::string_view last_start_tag = {});

    /// Tokenizes `chunk`, UTF-8 (as the transcoder makes it: NUL is the only byte the
    /// Standard's input stream would not have). CR is read as the newline it is; the
    /// Standard's preprocessing (CR LF and lone CR to LF) is left to the caller, so a CR stays
    /// a CR in text and attribute values. A few bytes at the end may be held back until the
    /// next feed when what they mean depends on what follows ("<!DOC", "&not").
    void feed(std::string_view chunk);

    /// Ends the input: what was held back is tokenized, an unfinished token is ended as the
    /// Standard says at end of file. Further feeds are ignored.
    void finish();

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

} // namespace crawl::extract
