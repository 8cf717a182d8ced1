#pragma once
// The command line: CLI11 → validated supervisor::options → run.

namespace crawl::cli {

/// Parses the arguments, runs the crawl and returns the process exit status
/// (2 for a usage error, after one line on stderr).
int main(int argc, char** argv);

} // namespace crawl::cli
