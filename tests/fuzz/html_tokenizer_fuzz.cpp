// Fuzz target: the HTML tokenizer (extract::html_tokenizer) on arbitrary UTF-8, fed in
// arbitrary pieces, starting in any of its initial states, with a sink that switches states
// after <title>, <script>, <style>, <plaintext> and treats <svg>/<math> as foreign content
// (CDATA sections), as the tree rules do.
// Input: u8 initial state (mod 6), u16 split seed, then the body (its ill-formed UTF-8 made
// U+FFFD first, as the transcoder would; NULs are kept).
// Checks: the tokens are identical however the body is split; with a crawler's filter (only
// RCDATA text, a few attribute names) the same tags come out, each with exactly the kept
// attributes of the unfiltered tag; tag and attribute names hold no ASCII uppercase, no
// attribute name repeats within a tag; every token's text is valid UTF-8.

#include "crawl/extract/html_tokenizer.hpp"
#include "crawl/util/text.hpp"
#include "fuzz_input.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace {

using namespace crawl;
using extract::content_state;

constexpr std::array<std::string_view, 3> kept_names = {"href", "rel", "content"};

bool has_upper(std::string_view s)
{
    return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

/// Writes every token into one string (text runs joined), checking each as it comes.
class recording_sink final : public extract::html_token_sink {
public:
    explicit recording_sink(bool filtered) : filtered_(filtered) {}

    std::string tokens; ///< all tokens, with text
    std::string tags;   ///< the tags alone, with only the kept attributes

    content_state start_tag(const extract::html_tag& tag) override
    {
        record_tag('S', tag);
        const std::string_view n = tag.name;
        if (n == "svg" || n == "math") {
            ++foreign_;
        }
        if (foreign_ > 0) {
            return content_state::data;
        }
        if (n == "title" || n == "textarea") {
            return content_state::rcdata;
        }
        if (n == "style" || n == "xmp" || n == "noscript") {
            return content_state::rawtext;
        }
        if (n == "script") {
            return content_state::script_data;
        }
        return n == "plaintext" ? content_state::plaintext : content_state::data;
    }
    void end_tag(const extract::html_tag& tag) override
    {
        record_tag('E', tag);
        if ((tag.name == "svg" || tag.name == "math") && foreign_ > 0) {
            --foreign_;
        }
    }
    void characters(std::string_view text) override
    {
        fuzz::check(!text.empty(), "an empty text token");
        if (!in_text_) {
            tokens += "\nT:";
            in_text_ = true;
        }
        tokens += text;
    }
    void comment(std::string_view text) override
    {
        fuzz::check(!filtered_ || text.empty(), "a filtered tokenizer kept a comment's text");
        check_text(text);
        add("\nC:", text);
    }
    void doctype(const extract::html_doctype& d) override
    {
        check_text(d.name);
        check_text(d.public_id);
        check_text(d.system_id);
        add("\nD:", d.name);
        tokens += d.has_name ? "1" : "0";
        add(d.has_public_id ? "|" : "-", d.public_id);
        add(d.has_system_id ? "|" : "-", d.system_id);
        tokens += d.force_quirks ? "q" : "";
    }
    [[nodiscard]] bool in_foreign_content() const override { return foreign_ > 0; }

private:
    void add(std::string_view marker, std::string_view text)
    {
        in_text_ = false;
        tokens += marker;
        tokens += std::to_string(text.size());
        tokens += ':';
        tokens += text;
    }

    static void check_text(std::string_view text)
    {
        fuzz::check(text::is_valid_utf8(text), "a token's text is not valid UTF-8");
    }

    void record_tag(char kind, const extract::html_tag& tag)
    {
        fuzz::check(!tag.name.empty() && !has_upper(tag.name), "a tag name empty or not lowercase");
        check_text(tag.name);
        add(kind == 'S' ? "\nS:" : "\nE:", tag.name);
        tags += kind;
        tags += tag.name;
        std::vector<std::string_view> names;
        for (const extract::html_attribute& a : tag.attributes) {
            fuzz::check(!has_upper(a.name), "an attribute name not lowercase");
            check_text(a.name);
            check_text(a.value);
            fuzz::check(std::find(names.begin(), names.end(), a.name) == names.end(), "an attribute repeats");
            names.push_back(a.name);
            add(" ", a.name);
            add("=", a.value);
            if (std::find(kept_names.begin(), kept_names.end(), a.name) != kept_names.end()) {
                tags += ' ';
                tags += a.name;
                tags += '=';
                tags += a.value;
            } else {
                fuzz::check(!filtered_, "a filtered tokenizer kept an attribute it was not asked for");
            }
        }
        tokens += tag.self_closing ? "/" : "";
        tags += '\n';
    }

    bool filtered_;
    bool in_text_ = false;
    unsigned foreign_ = 0;
};

struct run_result {
    std::string tokens;
    std::string tags;
};

run_result tokenize(content_state state, bool filtered, const std::vector<std::string_view>& pieces)
{
    recording_sink sink(filtered);
    extract::token_filter filter;
    if (filtered) {
        filter = {extract::text_tokens::rcdata_only, kept_names};
    }
    extract::html_tokenizer tokenizer(sink, filter);
    tokenizer.start_in(state, "title");
    for (const std::string_view piece : pieces) {
        tokenizer.feed(piece);
    }
    tokenizer.finish();
    return {std::move(sink.tokens), std::move(sink.tags)};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::input in(data, size);
    const auto state = static_cast<content_state>(in.byte() % 6);
    const auto seed = in.u16();
    std::string body;
    text::append_utf8_sanitized(in.rest(), body);

    const std::vector<std::string_view> whole{body};
    const run_result at_once = tokenize(state, false, whole);
    const run_result in_pieces = tokenize(state, false, fuzz::split(body, seed));
    fuzz::check(at_once.tokens == in_pieces.tokens, "the tokens depend on how the input was split");
    const run_result filtered = tokenize(state, true, fuzz::split(body, seed));
    fuzz::check(filtered.tags == at_once.tags, "filtering changed the tags or their kept attributes");
    return 0;
}
