#pragma once
// Where the records go: stdout, a file truncated first, or, with --resume, the earlier run's
// output after checking that it was written for this input.

#include "crawl/supervisor/options.hpp"
#include "crawl/util/unique_fd.hpp"
#include "resume.hpp"

#include <unistd.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace crawl::supervisor {

struct output_file {
    unique_fd owned;           ///< the file, when it is not stdout
    int fd = STDOUT_FILENO;    ///< where the records are written
    done_lines done;           ///< --resume: the lines an earlier run recorded
    std::vector<std::uint64_t> done_discovered; ///< --resume: fingerprints of discovered URLs recorded
    bool is_new = true;        ///< holds no record yet (a CSV output starts with its header)
    std::uint64_t torn_bytes = 0; ///< --resume: an unfinished last line cut off
};

/// Opens the output for a run over `input` (the open input file; --resume checks its
/// identity). A refusal or an I/O error is one line for the user.
[[nodiscard]] std::variant<output_file, std::string> open_output(const options& opts, int input);

} // namespace crawl::supervisor
