#pragma once
// A frontier entry as the shared frontier stores it: the fields of one Redis stream entry.
// Decoding trusts nothing (another version of crawl, or another program, may have written the
// stream): the URL must parse and be normalized already, the numbers must be numbers, and an
// entry that is not right is dropped whole.

#include "frontier_store.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crawl::supervisor {

/// The stream entry's field-value pairs, in order: field, value, field, value...
[[nodiscard]] std::vector<std::string> encode_shared_entry(const frontier_entry& e);

/// The entry those pairs describe (host_key and fingerprint computed from the URL), or nullopt
/// when a field is missing, repeated, unknown or out of range, or the URL is not a normalized
/// http(s) URL.
[[nodiscard]] std::optional<frontier_entry> decode_shared_entry(const std::vector<std::string_view>& pairs);

} // namespace crawl::supervisor
