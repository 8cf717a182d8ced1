#pragma once
// Input cut at fixed offsets from the start of a stream, whatever pieces it arrives in.
//
// libbrotlidec and libzstd are streaming decoders whose output before an error depends on how
// much input each call had: libbrotlidec hands out what it decoded only when its input runs
// out, and libzstd copies a raw block as far as the input reaches, then checks the frame's
// declared size. A body that arrives split differently would then decode to different bytes
// before the same error. Fed through aligned_blocks, such a decoder sees the same calls
// however the body was split: each call gets one whole block (a block starts at a multiple of
// the block size), and only the last, shorter one waits for the end of the body.

#include "crawl/decode/decoder.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace crawl::decode::detail {

class aligned_blocks {
public:
    explicit aligned_blocks(std::size_t block_size) : block_size_(block_size) {}

    /// Hands `decode` each block that `in` completes, in order, and keeps the rest for the
    /// next call. Stops at the first status other than ok, and returns it.
    template <class Decode>
    status feed(std::string_view in, Decode&& decode)
    {
        if (!held_.empty()) {
            const std::size_t take = std::min(block_size_ - held_.size(), in.size());
            held_.append(in.substr(0, take));
            in.remove_prefix(take);
            if (held_.size() < block_size_) {
                return status::ok;
            }
            const status st = decode(std::string_view(held_));
            held_.clear();
            if (st != status::ok) {
                return st;
            }
        }
        while (in.size() >= block_size_) {
            if (const status st = decode(in.substr(0, block_size_)); st != status::ok) {
                return st;
            }
            in.remove_prefix(block_size_);
        }
        held_.assign(in);
        return status::ok;
    }

    /// At the end of the body: hands `decode` the last block, shorter than the others (and
    /// possibly empty).
    template <class Decode>
    status finish(Decode&& decode)
    {
        const std::string last = std::move(held_);
        held_.clear();
        return decode(std::string_view(last));
    }

    /// Whether no input is waiting for its block to fill.
    [[nodiscard]] bool empty() const noexcept { return held_.empty(); }

private:
    std::size_t block_size_;
    std::string held_; ///< the start of the next block, short of a whole one
};

} // namespace crawl::decode::detail
