#include "output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <system_error>

namespace crawl::supervisor {

namespace {

bool is_regular_file(int fd)
{
    struct stat st {};
    return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/// What --resume checks: the input file, the record format, and the --shard split.
input_identity identity_of(const options& opts, int input)
{
    input_identity id = identify_input(input, opts.worker.format);
    id.shard = opts.shard.text();
    return id;
}

} // namespace

std::variant<output_file, std::string> open_output(const options& opts, int input)
{
    output_file out;
    try {
        if (opts.resume) {
            if (!is_regular_file(input)) {
                return std::string("--resume needs the input in a regular file (its identity is checked)");
            }
            auto prepared = open_for_resume(opts.output, identity_of(opts, input), opts.worker.format);
            out.owned = std::move(prepared.fd);
            out.done = std::move(prepared.done);
            out.done_discovered = std::move(prepared.done_discovered);
            out.is_new = prepared.empty;
            out.torn_bytes = prepared.torn_bytes;
        } else if (!opts.output.empty()) {
            const int fd = ::open(opts.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0) {
                return std::system_error(errno, std::generic_category(), opts.output).what();
            }
            out.owned.reset(fd);
            // Any run with -o FILE can be resumed, not only one started with --resume: the
            // input's identity goes down before any record. A pipe cannot be identified, and an
            // output that is not a file (-o /dev/null) is nothing to resume.
            if (is_regular_file(fd)) {
                if (is_regular_file(input)) {
                    record_identity(opts.output, identity_of(opts, input));
                } else {
                    forget_identity(opts.output);
                }
            }
        }
    } catch (const resume_error& e) {
        return std::string(e.what());
    } catch (const std::system_error& e) {
        return std::string(e.what());
    }
    if (out.owned) {
        out.fd = out.owned.get();
    }
    return out;
}

} // namespace crawl::supervisor
