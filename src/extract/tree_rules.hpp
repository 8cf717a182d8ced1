#pragma once
// The few tree-construction rules of the HTML Standard (13.2.6) that change what a crawler
// extracts, applied to the tokenizer's tokens without building a tree (docs/design.md, "HTML
// extraction", lists each rule and what it leaves out):
//
// - the tokenizer's state after a start tag: RCDATA for <title> and <textarea>, RAWTEXT for
//   <style>, <xmp>, <iframe>, <noembed>, <noframes> and <noscript> (scripting on), script
//   data for <script>, PLAINTEXT for <plaintext>; none of that inside <svg> or <math>;
// - foreign content: <svg> and <math> subtrees, their HTML integration points, the tags that
//   break out of them, and the CDATA sections they allow;
// - the document's title is the first <title> in the HTML namespace (not an SVG <title>);
// - <html lang> is the lang of the first <html> tag that has one (later <html> tags only add
//   attributes the element lacks);
// - <template> contents are not the document: a <title>, <base>, <meta>, <link> or <html>
//   there is ignored, while its links count (scripts stamp templates into the page);
// - <frame src> and <iframe src> are followed wherever links count (an <iframe>'s start tag is
//   read before its content turns RAWTEXT).

#include "crawl/extract/html_tokenizer.hpp"
#include "page_collector.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace crawl::extract {

class tree_rules final : public html_token_sink {
public:
    explicit tree_rules(page_collector& page) : page_(page) {}

    /// The attributes these rules read, on any element: the tokenizer need keep no other
    /// (token_filter::attributes). The last `follow_only` come last because only the follow
    /// list reads them.
    static constexpr std::array<std::string_view, 11> attributes_read = {
        "href", "rel", "name", "content", "lang", "encoding", "color", "face", "size", "http-equiv", "src"};
    static constexpr std::size_t follow_only = 2;

    /// The attributes to keep for a page whose follow list is collected or not: without one,
    /// the src of every <img> and <script> would be copied and decoded for nothing.
    static constexpr std::span<const std::string_view> attributes_kept(bool follow)
    {
        return std::span(attributes_read).first(follow ? attributes_read.size() : attributes_read.size() - follow_only);
    }

    content_state start_tag(const html_tag& tag) override;
    void end_tag(const html_tag& tag) override;
    void characters(std::string_view text) override;
    void comment(std::string_view /*text*/) override {}
    void doctype(const html_doctype& /*doctype*/) override {}
    [[nodiscard]] bool in_foreign_content() const override;

private:
    enum class space : std::uint8_t { html, svg, math };
    /// An open element of foreign content, or an HTML element inside one of its integration
    /// points. Plain HTML elements outside foreign content are not tracked: no rule here needs
    /// them.
    struct open_element {
        std::string name;
        space ns = space::html;
        bool html_integration_point = false;
        bool text_integration_point = false; ///< MathML mi, mo, mn, ms, mtext
    };

    [[nodiscard]] bool html_rules_apply(const html_tag& tag) const;
    content_state html_start_tag(const html_tag& tag);
    void foreign_start_tag(const html_tag& tag);
    void hyperlink(const html_tag& tag);
    void frame(const html_tag& tag);
    void html_end_tag(std::string_view name);
    void foreign_end_tag(std::string_view name);
    void pop_to_html_content();
    void push(open_element e);

    page_collector& page_;
    std::vector<open_element> stack_; ///< empty in plain HTML content
    std::size_t overflow_ = 0;        ///< elements opened past the depth kept
    std::size_t template_depth_ = 0;
    enum class title_phase : std::uint8_t { before, inside, done } title_ = title_phase::before;
    bool have_lang_ = false;
};

} // namespace crawl::extract
