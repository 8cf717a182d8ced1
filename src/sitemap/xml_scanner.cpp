#include "xml_scanner.hpp"

#include <algorithm>
#include <array>

namespace crawl::sitemap::detail {
namespace {

bool is_name_start(char c) noexcept
{
    const auto u = static_cast<unsigned char>(c);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || u >= 0x80;
}

bool is_name_char(char c) noexcept
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

constexpr std::array<std::string_view, 3> declarations = {"--", "[CDATA[", "DOCTYPE"};

} // namespace

void xml_scanner::feed(std::string_view chunk)
{
    std::size_t i = 0;
    while (i < chunk.size()) {
        if (state_ == state::text) {
            i += skip_text(chunk.substr(i));
        } else if (state_ == state::cdata && run_ == 0) {
            i += skip_cdata(chunk.substr(i));
        }
        if (i < chunk.size()) {
            step(chunk[i]);
            ++i;
        }
    }
}

std::size_t xml_scanner::skip_text(std::string_view rest)
{
    const std::size_t n = std::min(rest.find('<'), rest.size());
    if (n > 0) {
        events_.text(rest.substr(0, n));
    }
    return n;
}

std::size_t xml_scanner::skip_cdata(std::string_view rest)
{
    const std::size_t n = std::min(rest.find(']'), rest.size());
    if (n > 0) {
        events_.cdata(rest.substr(0, n));
    }
    return n;
}

void xml_scanner::step(char c)
{
    switch (state_) {
    case state::text:
        if (c == '<') {
            state_ = state::tag_open;
        } else {
            events_.text(std::string_view(&c, 1));
        }
        break;
    case state::tag_open:
        if (c == '/') {
            state_ = state::end_tag;
        } else if (c == '!') {
            declaration_.clear();
            state_ = state::declaration;
        } else if (c == '?') {
            question_ = false;
            state_ = state::instruction;
        } else if (is_name_start(c)) {
            name_.assign(1, c);
            state_ = state::start_name;
        } else {
            // Not markup: the '<' was text (XML says fatal error; sitemaps in the wild say typo).
            events_.text("<");
            state_ = state::text;
            step(c);
        }
        break;
    case state::start_name:
        if (is_name_char(c)) {
            if (name_.size() <= max_name_bytes) {
                name_ += c;
            }
        } else if (c == '>') {
            emit_start(false);
        } else {
            slash_ = c == '/';
            quote_ = 0;
            state_ = state::start_attrs;
        }
        break;
    case state::start_attrs:
        if (quote_ != 0) {
            quote_ = c == quote_ ? 0 : quote_;
        } else if (c == '"' || c == '\'') {
            quote_ = c;
            slash_ = false;
        } else if (c == '>') {
            emit_start(slash_);
        } else if (!is_space(c)) {
            slash_ = c == '/';
        }
        break;
    case state::end_tag:
        if (c == '>') {
            events_.end_element();
            state_ = state::text;
        }
        break;
    case state::declaration:
        step_declaration(c);
        break;
    case state::comment:
        if (c == '>' && run_ >= 2) {
            state_ = state::text;
        }
        run_ = c == '-' ? run_ + 1 : 0;
        break;
    case state::cdata:
        step_cdata(c);
        break;
    case state::instruction:
        if (c == '>' && question_) {
            state_ = state::text;
        }
        question_ = c == '?';
        break;
    case state::doctype:
        step_doctype(c);
        break;
    case state::bogus:
        if (c == '>') {
            state_ = state::text;
        }
        break;
    }
}

void xml_scanner::step_declaration(char c)
{
    declaration_ += c;
    if (declaration_ == "--") {
        run_ = 0;
        state_ = state::comment;
    } else if (declaration_ == "[CDATA[") {
        run_ = 0;
        state_ = state::cdata;
    } else if (declaration_ == "DOCTYPE") {
        quote_ = 0;
        in_subset_ = false;
        state_ = state::doctype;
    } else if (std::none_of(declarations.begin(), declarations.end(),
                            [this](std::string_view d) { return d.starts_with(declaration_); })) {
        state_ = c == '>' ? state::text : state::bogus;
    }
}

void xml_scanner::step_cdata(char c)
{
    if (c == ']') {
        ++run_;
        return;
    }
    // The brackets before this byte are content, but for the two that end the section.
    const bool end = c == '>' && run_ >= 2;
    static constexpr std::string_view brackets = "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]";
    for (std::size_t content = end ? run_ - 2 : run_; content > 0;) {
        const std::size_t n = std::min(content, brackets.size());
        events_.cdata(brackets.substr(0, n));
        content -= n;
    }
    run_ = 0;
    if (end) {
        state_ = state::text;
    } else {
        events_.cdata(std::string_view(&c, 1));
    }
}

void xml_scanner::step_doctype(char c)
{
    if (quote_ != 0) {
        quote_ = c == quote_ ? 0 : quote_;
    } else if (c == '"' || c == '\'') {
        quote_ = c;
    } else if (c == '[') {
        in_subset_ = true;
    } else if (c == ']') {
        in_subset_ = false;
    } else if (c == '>' && !in_subset_) {
        state_ = state::text;
    }
}

void xml_scanner::emit_start(bool empty)
{
    std::string_view local;
    if (name_.size() <= max_name_bytes) {
        local = name_;
        local.remove_prefix(std::min(local.size(), local.rfind(':') + 1)); // npos + 1 == 0
    }
    events_.start_element(local, empty);
    state_ = state::text;
}

} // namespace crawl::sitemap::detail
