#include "crawl/extract/html_extractor.hpp"

#include "crawl/extract/html_tokenizer.hpp"
#include "page_collector.hpp"
#include "page_decoder.hpp"
#include "tree_rules.hpp"

namespace crawl::extract {
namespace {

// Raw input decoded and tokenized at a time, whatever size the caller feeds: a caller feeding
// a whole page at once does not make us hold a decoded copy of it.
constexpr std::size_t slice_bytes = 64 * 1024;

} // namespace

// Bytes → page_decoder (charset, UTF-8) → html_tokenizer → tree_rules → page_collector.
struct html_extractor::impl {
    impl(std::string_view page_url, std::string_view header_charset, const extract_options& opts)
        : decoder(header_charset), page(page_url, opts), rules(page),
          tokenizer(rules, {text_tokens::rcdata_only, tree_rules::attributes_kept(opts.keep_follow)})
    {
    }

    page_decoder decoder;
    page_collector page;
    tree_rules rules;
    html_tokenizer tokenizer;
    std::string text; ///< decoded UTF-8 on its way to the tokenizer, when not a view of the input
    bool finished = false;
};

html_extractor::html_extractor(std::string_view page_url, std::string_view header_charset, extract_options opts)
    : impl_(std::make_unique<impl>(page_url, header_charset, opts))
{
}

html_extractor::~html_extractor() = default;

void html_extractor::feed(std::string_view chunk)
{
    if (impl_->finished) {
        return;
    }
    while (!chunk.empty()) {
        std::string_view slice = chunk.substr(0, slice_bytes);
        chunk.remove_prefix(slice.size());
        while (!slice.empty()) {
            impl_->tokenizer.feed(impl_->decoder.decode(slice, impl_->text));
        }
    }
}

void html_extractor::finish()
{
    if (impl_->finished) {
        return;
    }
    impl_->finished = true;
    impl_->text.clear();
    impl_->decoder.finish(impl_->text);
    impl_->tokenizer.feed(impl_->text);
    impl_->tokenizer.finish();
    impl_->page.finish(impl_->decoder.charset());
    impl_->text = std::string();
}

const page_info& html_extractor::result() const noexcept
{
    return impl_->page.info();
}

} // namespace crawl::extract
