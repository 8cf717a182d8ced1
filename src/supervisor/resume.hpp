#pragma once
// --resume: which input lines already have a record in the output, and whether the output
// belongs to this input at all.

#include "crawl/record/record.hpp"
#include "crawl/util/unique_fd.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace crawl::supervisor {

/// What --resume compares to recognise the input an output was written for: its size and a
/// hash of its first lines (so a regenerated or edited list is refused, cheaply).
struct input_identity {
    std::uint64_t size = 0;
    std::uint64_t head_lines = 0; ///< lines hashed: at most 1000, within the first 1 MiB
    std::string head_sha256;
    std::string format; ///< "jsonl" or "csv": resuming must append the same format
    std::string shard;  ///< --shard "K/N" (empty: all lines): a shard's output resumes as that shard

    bool operator==(const input_identity&) const = default;
};

/// Identifies the regular file open on `fd` (read with pread: the offset is untouched).
/// Throws std::system_error.
[[nodiscard]] input_identity identify_input(int fd, record::format f);

/// Where an output's identity is kept: FILE.input.json next to FILE.
[[nodiscard]] std::string sidecar_path(const std::string& output);

/// Records `identity` beside `output` (atomically): what a later --resume of that output checks.
/// Throws std::system_error.
void record_identity(const std::string& output, const input_identity& identity);

/// Removes the identity recorded beside `output`, if any: the output was started afresh from an
/// input that cannot be identified (a pipe), and an old record would vouch for it wrongly.
void forget_identity(const std::string& output);

/// Input line numbers (seq) that already have a record: one bit per line.
class done_lines {
public:
    void insert(std::uint64_t seq);
    [[nodiscard]] bool contains(std::uint64_t seq) const noexcept
    {
        const std::uint64_t word = seq / 64;
        return word < bits_.size() && ((bits_[word] >> (seq % 64)) & 1U) != 0;
    }

private:
    std::vector<std::uint64_t> bits_;
};

/// A refusal to resume, worded for the user (one line).
struct resume_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The output, ready for this run's records.
struct prepared_output {
    unique_fd fd;              ///< write-only, appending
    done_lines done;           ///< lines recorded by earlier runs
    /// Recursive crawls: fingerprint64 of the url of each discovered URL's record (seq null).
    std::vector<std::uint64_t> done_discovered;
    std::uint64_t torn_bytes = 0; ///< an unfinished last line cut off the end
    bool empty = true;         ///< nothing was kept: a CSV header is due
};

/// Opens `path` for --resume. A missing or empty output starts afresh (its identity is
/// written, atomically, before any record). Otherwise the identity must match `identity`,
/// every complete line must be a record of this format, and an unfinished last line (a run
/// killed mid-write) is truncated away. Throws resume_error, or std::system_error for I/O.
[[nodiscard]] prepared_output open_for_resume(const std::string& path, const input_identity& identity,
                                              record::format f);

} // namespace crawl::supervisor
