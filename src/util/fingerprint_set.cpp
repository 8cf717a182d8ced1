#include "crawl/util/fingerprint_set.hpp"

#include <openssl/sha.h>

#include <array>

namespace crawl {

std::uint64_t fingerprint64(std::string_view text) noexcept
{
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        value = (value << 8) | digest[i];
    }
    return value;
}

std::optional<std::uint64_t> fingerprint_set::insert(std::uint64_t fingerprint, std::uint64_t seq)
{
    if (fingerprint == 0) {
        fingerprint = 1;
    }
    if (2 * (size_ + 1) > slots_.size()) {
        grow();
    }
    // The fingerprint is already uniformly distributed: its low bits pick the slot.
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(fingerprint) & mask;; i = (i + 1) & mask) {
        slot& s = slots_[i];
        if (s.fingerprint == 0) {
            s = slot{fingerprint, seq};
            ++size_;
            return std::nullopt;
        }
        if (s.fingerprint == fingerprint) {
            return s.seq;
        }
    }
}

void fingerprint_set::grow()
{
    std::vector<slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, slot{});
    const std::size_t mask = slots_.size() - 1;
    for (const slot& s : old) {
        if (s.fingerprint == 0) {
            continue;
        }
        std::size_t i = static_cast<std::size_t>(s.fingerprint) & mask;
        while (slots_[i].fingerprint != 0) {
            i = (i + 1) & mask;
        }
        slots_[i] = s;
    }
}

} // namespace crawl
