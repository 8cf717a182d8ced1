#pragma once
// The names of a prefix's WARC files, and what is already on disk under it.

#include <optional>
#include <string>
#include <string_view>

namespace crawl::warc {

/// A prefix split into the directory its files go in and their base name's start.
struct prefix_parts {
    std::string directory; ///< "." when the prefix has no slash
    std::string stem;      ///< the prefix's last component
};

[[nodiscard]] prefix_parts split_prefix(std::string_view prefix);

/// The file number after the highest of `worker`'s files under `prefix` (WARC files, indexes
/// and their temporary names alike), or 0: a new file never reuses a name a run left.
[[nodiscard]] unsigned first_free_number(std::string_view prefix, unsigned worker);

/// The index beside a WARC file: ".warc.gz" replaced by ".cdxj".
[[nodiscard]] std::string index_name(std::string_view warc_file);

/// The part of a path after its last slash.
[[nodiscard]] std::string_view base_name(std::string_view path) noexcept;

} // namespace crawl::warc
