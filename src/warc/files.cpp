#include "files.hpp"

#include "crawl/warc/writer.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <functional>

namespace crawl::warc {

namespace {

constexpr std::string_view warc_suffix = ".warc.gz";

/// Calls `visit` with the name of every entry of `directory`; false when it cannot be read.
bool for_each_entry(const std::string& directory, const std::function<void(std::string_view)>& visit)
{
    DIR* dir = ::opendir(directory.c_str());
    if (dir == nullptr) {
        return false;
    }
    while (const dirent* entry = ::readdir(dir)) {
        visit(entry->d_name);
    }
    ::closedir(dir);
    return true;
}

/// Reads decimal digits at the start of `s` into `value`; the rest of `s`, or nothing when
/// there are none.
std::optional<std::string_view> take_number(std::string_view s, unsigned& value)
{
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end == s.data()) {
        return std::nullopt;
    }
    return s.substr(static_cast<std::size_t>(end - s.data()));
}

} // namespace

std::string_view base_name(std::string_view path) noexcept
{
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

prefix_parts split_prefix(std::string_view prefix)
{
    const auto slash = prefix.rfind('/');
    if (slash == std::string_view::npos) {
        return {".", std::string(prefix)};
    }
    return {slash == 0 ? "/" : std::string(prefix.substr(0, slash)), std::string(prefix.substr(slash + 1))};
}

std::string file_name(std::string_view prefix, unsigned worker, unsigned number)
{
    char digits[16];
    std::snprintf(digits, sizeof digits, "%05u", number);
    return std::string(prefix) + "-" + std::to_string(worker) + "-" + digits + std::string(warc_suffix);
}

std::string index_name(std::string_view warc_file)
{
    std::string_view stem = warc_file;
    if (stem.ends_with(warc_suffix)) {
        stem.remove_suffix(warc_suffix.size());
    }
    return std::string(stem) + ".cdxj";
}

unsigned first_free_number(std::string_view prefix, unsigned worker)
{
    const auto parts = split_prefix(prefix);
    const std::string start = parts.stem + "-" + std::to_string(worker) + "-";
    unsigned next = 0;
    for_each_entry(parts.directory, [&](std::string_view name) {
        unsigned number = 0;
        if (!name.starts_with(start)) {
            return;
        }
        const auto rest = take_number(name.substr(start.size()), number);
        if (rest && rest->starts_with('.')) {
            next = std::max(next, number + 1);
        }
    });
    return next;
}

std::optional<std::string> check_prefix(std::string_view prefix, bool resume)
{
    const auto parts = split_prefix(prefix);
    if (parts.stem.empty()) {
        return "--warc " + std::string(prefix) + ": the prefix must name files, not a directory";
    }
    if (::access(parts.directory.c_str(), W_OK | X_OK) != 0) {
        return "--warc " + std::string(prefix) + ": cannot write in " + parts.directory + ": " + std::strerror(errno);
    }
    if (resume) {
        return std::nullopt; // its files are continued: new ones are numbered after them
    }
    std::string found;
    for_each_entry(parts.directory, [&](std::string_view name) {
        unsigned worker = 0;
        unsigned number = 0;
        if (!found.empty() || !name.starts_with(parts.stem + "-")) {
            return;
        }
        const auto after_worker = take_number(name.substr(parts.stem.size() + 1), worker);
        if (!after_worker || !after_worker->starts_with('-')) {
            return;
        }
        const auto after_number = take_number(after_worker->substr(1), number);
        if (after_number && *after_number == warc_suffix) {
            found = name;
        }
    });
    if (!found.empty()) {
        return "--warc " + std::string(prefix) + ": " + found +
               " is already there, from an earlier run: choose another prefix, or continue that run with --resume";
    }
    return std::nullopt;
}

} // namespace crawl::warc
