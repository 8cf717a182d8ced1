#pragma once
// The front of every HTML extractor: decides a page's charset on a prefix of its body that
// does not depend on how the body was split (docs/design.md, "HTML extraction"), then decodes
// the body to UTF-8 as it streams in.

#include "crawl/extract/transcode.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace crawl::extract {

class page_decoder {
public:
    /// `header_charset`: the Content-Type charset label, possibly empty.
    explicit page_decoder(std::string_view header_charset);

    /// The UTF-8 of the start of `bytes`, removing from `bytes` what it covers (at least one
    /// byte; call again until it is empty): nothing until the charset is decided (the first
    /// 1024 bytes are in, or only the 3 a BOM takes when the header names a charset crawl
    /// knows), then those bytes decoded, then the rest as transcoder::decode_view gives it,
    /// less a character cut by the end of `bytes`. A view of `bytes` itself or of `scratch`,
    /// valid until the next call.
    [[nodiscard]] std::string_view decode(std::string_view& bytes, std::string& scratch);

    /// Ends the body: decides the charset on what there is, if not done yet, and appends the
    /// rest (a cut character becomes U+FFFD).
    void finish(std::string& out);

    /// The charset the page is decoded with; empty until decided.
    [[nodiscard]] const std::string& charset() const noexcept { return charset_; }

private:
    [[nodiscard]] std::string_view start(std::string& scratch);

    std::string header_charset_;
    std::size_t sniff_need_;
    std::string head_;                  ///< body bytes before the charset is decided
    std::optional<transcoder> decoder_; ///< set once the charset is decided
    std::string charset_;
};

} // namespace crawl::extract
