#pragma once
// The seen-set of a recursive crawl: which URL fingerprints (fingerprint64) were met, and
// nothing else. A crawl of a million pages meets a million and a half distinct URLs, so each
// byte per URL shows in the supervisor's peak memory (docs/design.md, "Recursive crawl").
// A page's extractor keeps its sets of link hashes in it too: no allocation per link.

#include <cstdint>
#include <vector>

namespace crawl {

/// Open-addressing set of 64-bit fingerprints: 8 bytes per slot, at most three quarters of the
/// slots used, so 11-21 bytes per fingerprint and no allocation per entry (fingerprint_set,
/// which also keeps a line number per fingerprint, takes 32-64). Linear probing stays short at
/// that load because fingerprints are uniformly distributed already.
/// Distinct objects: safe. Shared objects: unsafe.
class seen_fingerprints {
public:
    /// Adds `fingerprint`: true when it is new, false when it was there.
    bool insert(std::uint64_t fingerprint)
    {
        // Inline: a page's extractor asks two or three times a link.
        fingerprint = stored(fingerprint);
        if (4 * (size_ + 1) > 3 * slots_.size()) {
            grow();
        }
        // The fingerprint's low bits pick the slot: it is uniformly distributed already.
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = static_cast<std::size_t>(fingerprint) & mask;; i = (i + 1) & mask) {
            if (slots_[i] == 0) {
                slots_[i] = fingerprint;
                ++size_;
                return true;
            }
            if (slots_[i] == fingerprint) {
                return false;
            }
        }
    }
    [[nodiscard]] bool contains(std::uint64_t fingerprint) const noexcept;
    /// Forgets every fingerprint (and the table's memory).
    void clear() noexcept
    {
        slots_ = {};
        size_ = 0;
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    /// Bytes the table holds (what --stats reports).
    [[nodiscard]] std::size_t memory_bytes() const noexcept { return slots_.capacity() * sizeof(std::uint64_t); }

private:
    /// 0 marks an empty slot, so fingerprint 0 is stored as 1.
    static constexpr std::uint64_t stored(std::uint64_t fingerprint) noexcept { return fingerprint == 0 ? 1 : fingerprint; }
    void grow();

    std::vector<std::uint64_t> slots_; ///< 0 marks an empty slot (fingerprint 0 is stored as 1)
    std::size_t size_ = 0;
};

} // namespace crawl
