#include "crawl/util/seen_fingerprints.hpp"

namespace crawl {

bool seen_fingerprints::contains(std::uint64_t fingerprint) const noexcept
{
    if (slots_.empty()) {
        return false;
    }
    fingerprint = stored(fingerprint);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(fingerprint) & mask; slots_[i] != 0; i = (i + 1) & mask) {
        if (slots_[i] == fingerprint) {
            return true;
        }
    }
    return false;
}

void seen_fingerprints::grow()
{
    std::vector<std::uint64_t> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
    const std::size_t mask = slots_.size() - 1;
    for (const std::uint64_t f : old) {
        if (f == 0) {
            continue;
        }
        std::size_t i = static_cast<std::size_t>(f) & mask;
        while (slots_[i] != 0) {
            i = (i + 1) & mask;
        }
        slots_[i] = f;
    }
}

} // namespace crawl
