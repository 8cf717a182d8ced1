#pragma once
// A worker's WARC files: PREFIX-<worker>-<n>.warc.gz, each starting with a warcinfo record,
// rolled over at a size, with an optional CDXJ index beside each (PREFIX-<worker>-<n>.cdxj).
// Records go to disk whole: the records of one exchange are built in memory and written with
// one write(2); a failed write is cut back off, so a file always ends on a record boundary.

#include "crawl/util/unique_fd.hpp"
#include "crawl/warc/record.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace crawl::warc {

/// The zlib level a file's records are compressed at unless --warc-gzip-level says otherwise
/// (docs/design.md, "WARC": how it was chosen).
inline constexpr int default_gzip_level = 1;

struct settings {
    std::string prefix;                     ///< --warc PREFIX
    unsigned worker = 0;                    ///< the worker's number, in the file names
    std::uint64_t max_size = 1ull << 30;    ///< --warc-max-size: a file is rolled over past it
    bool cdx = false;                       ///< --cdx: write an index beside each file
    bool revisits = false;                  ///< --dedup: a payload written before becomes a revisit
    int level = default_gzip_level;         ///< zlib's compression level
    std::string info;                       ///< the warcinfo block: "name: value\r\n" lines
};

/// Where a response (or revisit) record is: the file as named from PREFIX, its gzip member.
struct location {
    std::string file;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

/// A file could not be created or written: the message names it and says why.
struct write_error {
    std::string message;
};

/// The name of file `number` of `worker`: PREFIX-<worker>-<number, 5 digits>.warc.gz.
[[nodiscard]] std::string file_name(std::string_view prefix, unsigned worker, unsigned number);

/// Checks PREFIX before a run: its directory must be writable, and without `resume` no WARC
/// file of that prefix may be there yet (two runs would mix in one set of files). The refusal
/// in words, or nothing.
[[nodiscard]] std::optional<std::string> check_prefix(std::string_view prefix, bool resume);

/// Single-threaded: the worker's event loop calls it between suspensions.
class writer {
public:
    /// `seed`: for the record IDs.
    writer(settings s, std::uint64_t seed);
    ~writer();
    writer(const writer&) = delete;
    writer& operator=(const writer&) = delete;

    /// Writes the request and response records of `e` (a revisit instead of the response when
    /// revisits are on and an earlier complete response had the same payload), rolling over to
    /// a new file first when this one would pass max_size. After a failure, every later call
    /// fails the same way without writing.
    [[nodiscard]] std::variant<location, write_error> write(const exchange& e);

    /// Ends the current file, its index written (sorted, under a temporary name, then
    /// renamed), and the writer: a later write() fails without creating a file.
    [[nodiscard]] std::optional<write_error> close();

    /// Distinct payloads remembered for revisits (about 150 bytes each, with their URLs).
    [[nodiscard]] std::size_t revisit_table_size() const noexcept { return seen_.size(); }

private:
    using digest_key = std::array<unsigned char, 20>;
    struct key_hash {
        std::size_t operator()(const digest_key& k) const noexcept;
    };

    [[nodiscard]] std::optional<write_error> open_next();
    [[nodiscard]] std::optional<write_error> end_file();
    [[nodiscard]] std::optional<write_error> append_batch();
    [[nodiscard]] std::optional<write_error> write_index();
    write_error fail(write_error e);
    void note_index(const exchange& e, const member& m, bool revisit);

    settings settings_;
    record_builder builder_;
    unique_fd fd_;
    std::string path_;          ///< the open file, as named from the prefix
    std::string base_;          ///< its base name, for the index and the warcinfo
    std::uint64_t size_ = 0;    ///< bytes in the open file
    unsigned exchanges_ = 0;    ///< exchanges in the open file
    std::optional<unsigned> next_number_;
    std::string batch_;         ///< the records of one write
    std::vector<std::string> index_; ///< the open file's index lines, unsorted
    std::unordered_map<digest_key, original, key_hash> seen_;
    std::optional<write_error> broken_;
    bool closed_ = false;
};

} // namespace crawl::warc
