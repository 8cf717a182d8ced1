#include "named_references.hpp"

#include <algorithm>

namespace crawl::extract {

named_match match_named_reference(std::string_view input, bool at_end) noexcept
{
    const auto table = named_references();
    // [lo, hi): the names that begin with the input read so far. Sorted, so the names that
    // also have `c` at position k form one run inside it.
    const named_reference* lo = table.data();
    const named_reference* hi = table.data() + table.size();
    named_match best;
    for (std::size_t k = 0;; ++k) {
        if (k == input.size()) {
            // Every name in the range but a whole one of k bytes (first, if there) is longer.
            const bool longer_possible = (hi - lo) > (lo->name.size() == k ? 1 : 0);
            if (!at_end && longer_possible) {
                best.result = named_match::outcome::need_more;
            }
            return best;
        }
        const auto c = static_cast<unsigned char>(input[k]);
        const auto byte_at = [k](const named_reference& r) {
            return r.name.size() > k ? static_cast<int>(static_cast<unsigned char>(r.name[k])) : -1;
        };
        lo = std::partition_point(lo, hi, [&](const named_reference& r) { return byte_at(r) < c; });
        hi = std::partition_point(lo, hi, [&](const named_reference& r) { return byte_at(r) == c; });
        if (lo == hi) {
            return best;
        }
        // Names run shortest first within a shared prefix: a whole name of k + 1 bytes is first.
        if (lo->name.size() == k + 1) {
            best = {named_match::outcome::matched, k + 1, lo->value};
        }
    }
}

} // namespace crawl::extract
