#include "page_decoder.hpp"

#include "crawl/extract/charset.hpp"

#include <algorithm>

namespace crawl::extract {
namespace {

// How many body bytes the charset decision looks at (WHATWG prescans 1024).
constexpr std::size_t sniff_bytes = 1024;
// Enough to see a BOM, which outranks a header charset.
constexpr std::size_t bom_bytes = 3;

} // namespace

page_decoder::page_decoder(std::string_view header_charset)
    : header_charset_(header_charset), sniff_need_(canonical_charset(header_charset).empty() ? sniff_bytes : bom_bytes)
{
}

std::string_view page_decoder::decode(std::string_view& bytes, std::string& scratch)
{
    if (decoder_) {
        return decoder_->decode_view(bytes, scratch);
    }
    const std::size_t take = std::min(bytes.size(), sniff_need_ - head_.size());
    head_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (head_.size() < sniff_need_) {
        return {};
    }
    return start(scratch);
}

void page_decoder::finish(std::string& out)
{
    if (!decoder_) {
        std::string head_text;
        out.append(start(head_text));
    }
    decoder_->finish(out);
}

// Decides the charset on exactly the first sniff_need_ bytes (or all there are), so that the
// decision does not depend on how the body was split into chunks; then decodes those bytes
// (the ones after them go through decode_view, uncopied where they can be).
std::string_view page_decoder::start(std::string& scratch)
{
    const charset_decision d = decide_charset(header_charset_, head_);
    charset_ = d.name;
    decoder_.emplace(d.name);
    scratch.clear();
    decoder_->decode(std::string_view(head_).substr(std::min(d.bom_length, head_.size())), scratch);
    head_ = std::string();
    return scratch;
}

} // namespace crawl::extract
