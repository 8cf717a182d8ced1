#pragma once
// A compact set of 64-bit URL fingerprints, each mapped to the input line that first had it
// (for --dedup's duplicate_of).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace crawl {

/// The first 64 bits of SHA-256(text): the fingerprint of a normalized URL. Two distinct URLs
/// share one with probability 2^-64 per pair (about 3e-4 over 100 million URLs).
[[nodiscard]] std::uint64_t fingerprint64(std::string_view text) noexcept;

/// Open-addressing hash table of fingerprint → first seq: 16 bytes per slot, at most half the
/// slots used, so about 32-64 bytes per distinct URL and no allocation per entry.
/// Distinct objects: safe. Shared objects: unsafe.
class fingerprint_set {
public:
    /// Records `fingerprint` for `seq` unless already present; returns the seq stored first
    /// when it was present (a duplicate), nullopt when it was new.
    std::optional<std::uint64_t> insert(std::uint64_t fingerprint, std::uint64_t seq);

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    /// Bytes the table holds (what --stats reports).
    [[nodiscard]] std::size_t memory_bytes() const noexcept { return slots_.capacity() * sizeof(slot); }

private:
    struct slot {
        std::uint64_t fingerprint = 0; ///< 0 marks an empty slot (fingerprint 0 is stored as 1)
        std::uint64_t seq = 0;
    };
    void grow();

    std::vector<slot> slots_;
    std::size_t size_ = 0;
};

} // namespace crawl
