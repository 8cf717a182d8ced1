#pragma once
// The text around a synthetic page's links, and cheap gzip for whole bodies. The filler is a
// pool of markup blocks (paragraphs, lists, tables, inline scripts and comments, no links) made
// once from the web's seed and deflated once; a body is a list of pieces, its own text and
// blocks of the pool, so serving a page costs a copy, and gzip costs deflating the page's own
// text (links, head; a tenth of it) and CRC-32 sums: each block was compressed alone up to a
// sync flush (byte-aligned, no reference to earlier bytes), and so is each piece of text.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crawl::test::web {

/// Bytes and their raw deflate, ended by a sync flush (not a final block).
struct deflated_block {
    std::string text;     ///< the bytes; empty when they are `size` copies of `fill`
    char fill = ' ';
    std::uint64_t size = 0;
    std::string deflated;
    std::uint32_t crc = 0; ///< CRC-32 of the bytes
};

/// Deflates `text` alone (level 6). `repeat` > 0: `repeat` copies of text[0] instead, deflated
/// at level 9 in 1 MiB steps (the bomb sitemap).
[[nodiscard]] deflated_block deflate_block(std::string_view text, std::uint64_t repeat = 0);

class filler {
public:
    explicit filler(std::uint64_t seed);

    [[nodiscard]] std::uint32_t blocks() const noexcept { return static_cast<std::uint32_t>(blocks_.size()); }
    [[nodiscard]] const deflated_block& block(std::uint32_t index) const { return blocks_[index]; }
    /// A sentence of `words` words from the pool's vocabulary, chosen by `pick`.
    [[nodiscard]] std::string sentence(std::uint64_t pick, unsigned words) const;

private:
    std::vector<deflated_block> blocks_;
};

/// A body as a sequence of its own text and shared deflated blocks (which must outlive it).
class pieces {
public:
    void text(std::string_view s);
    void block(const deflated_block& b);
    /// Bytes of the body once assembled.
    [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
    [[nodiscard]] std::string identity() const;
    /// RFC 1952 gzip of identity(): the blocks as deflated once, the text deflated now.
    [[nodiscard]] std::string gzip() const;

private:
    struct piece {
        const deflated_block* block = nullptr; ///< null: text_[start, start + length)
        std::size_t start = 0;
        std::size_t length = 0;
    };
    std::string text_;
    std::vector<piece> pieces_;
    std::uint64_t size_ = 0;
};

} // namespace crawl::test::web
