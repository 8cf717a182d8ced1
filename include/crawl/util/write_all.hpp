#pragma once
// Writing a whole buffer to a file descriptor, for the output file and the WARC files.

#include <string_view>

namespace crawl {

/// Writes all of `data` to `fd`, retrying short writes and EINTR; the errno of a failure, or 0.
[[nodiscard]] int write_all(int fd, std::string_view data) noexcept;

} // namespace crawl
