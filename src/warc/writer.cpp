#include "crawl/warc/writer.hpp"

#include "files.hpp"

#include "crawl/util/write_all.hpp"
#include "crawl/warc/cdxj.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace crawl::warc {

namespace {

write_error io_error(std::string_view what, const std::string& path, int error)
{
    return {std::string(what) + " " + path + ": " + std::strerror(error)};
}

/// The digest as the revisit table's key; all zeros for a digest that is not SHA-1's size.
std::array<unsigned char, 20> key_of(std::string_view raw_digest)
{
    std::array<unsigned char, 20> key{};
    if (raw_digest.size() == key.size()) {
        std::memcpy(key.data(), raw_digest.data(), key.size());
    }
    return key;
}

} // namespace

std::size_t writer::key_hash::operator()(const digest_key& k) const noexcept
{
    // A SHA-1 digest is uniformly distributed: its first bytes are a hash already.
    std::size_t h = 0;
    std::memcpy(&h, k.data(), sizeof h);
    return h;
}

writer::writer(settings s, std::uint64_t seed) : settings_(std::move(s)), builder_(settings_.level, seed) {}

writer::~writer() = default;

write_error writer::fail(write_error e)
{
    broken_ = e;
    return e;
}

std::optional<write_error> writer::open_next()
{
    if (!next_number_) {
        next_number_ = first_free_number(settings_.prefix, settings_.worker);
    }
    for (;;) {
        path_ = file_name(settings_.prefix, settings_.worker, (*next_number_)++);
        // O_EXCL: a file is only ever written by the run that created it, never appended to.
        const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            fd_.reset(fd);
            break;
        }
        if (errno != EEXIST) {
            return io_error("creating", path_, errno);
        }
    }
    base_ = std::string(base_name(path_));
    size_ = 0;
    exchanges_ = 0;
    index_.clear();
    return std::nullopt;
}

/// Writes the batch at the end of the open file. On a failure the file is cut back to where
/// it ended, so that no torn record is left in it.
std::optional<write_error> writer::append_batch()
{
    const int error = write_all(fd_.get(), batch_);
    if (error == 0) {
        size_ += batch_.size();
        return std::nullopt;
    }
    const auto cut = ::ftruncate(fd_.get(), static_cast<off_t>(size_));
    auto e = io_error("writing", path_, error);
    if (cut != 0) {
        e.message += " (and it could not be cut back to its last whole record: " + std::string(std::strerror(errno)) + ")";
    }
    return e;
}

std::variant<location, write_error> writer::write(const exchange& e)
{
    if (broken_) {
        return *broken_;
    }
    if (closed_) {
        return write_error{"the WARC files are closed"};
    }
    const bool may_revisit = settings_.revisits && e.truncated == truncation::none && e.payload_length > 0;
    const digest_key key = key_of(e.payload_digest);
    const auto earlier = may_revisit ? seen_.find(key) : seen_.end();
    const original* refers_to = earlier != seen_.end() ? &earlier->second : nullptr;
    for (;;) {
        batch_.clear();
        const bool fresh = !fd_;
        if (fresh) {
            if (auto failed = open_next()) {
                return fail(std::move(*failed));
            }
            builder_.append_warcinfo(base_, settings_.info, std::chrono::system_clock::now(), batch_);
        }
        const member m = builder_.append_exchange(e, refers_to, batch_);
        if (!fresh && exchanges_ > 0 && size_ + batch_.size() > settings_.max_size) {
            // Rolled over: the records are built again, for the new file's warcinfo.
            if (auto failed = end_file()) {
                return fail(std::move(*failed));
            }
            continue;
        }
        const std::uint64_t start = size_;
        if (auto failed = append_batch()) {
            return fail(std::move(*failed));
        }
        ++exchanges_;
        const location where{path_, start + m.offset, m.length};
        note_index(e, {static_cast<std::size_t>(where.offset), m.length}, refers_to != nullptr);
        if (may_revisit && refers_to == nullptr) {
            seen_.emplace(key, original{std::string(e.target_uri), e.date});
        }
        return where;
    }
}

void writer::note_index(const exchange& e, const member& m, bool revisit)
{
    if (!settings_.cdx) {
        return;
    }
    index_entry entry;
    entry.url = e.target_uri;
    entry.date = e.date;
    entry.content_type = e.content_type;
    entry.status = e.status;
    const std::string digest = base32(e.payload_digest);
    entry.digest = digest;
    entry.length = m.length;
    entry.offset = m.offset;
    entry.filename = base_;
    entry.revisit = revisit;
    index_.push_back(cdxj_line(entry));
}

/// The open file's index, sorted by plain bytes (what pywb's binary search needs), written
/// whole under a temporary name and renamed.
std::optional<write_error> writer::write_index()
{
    std::sort(index_.begin(), index_.end());
    const std::string name = index_name(path_);
    const std::string temporary = name + ".tmp";
    unique_fd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) {
        return io_error("creating", temporary, errno);
    }
    std::string text;
    for (const auto& line : index_) {
        text.append(line).append("\n");
    }
    if (const int error = write_all(fd.get(), text); error != 0) {
        ::unlink(temporary.c_str());
        return io_error("writing", temporary, error);
    }
    fd.reset();
    if (::rename(temporary.c_str(), name.c_str()) != 0) {
        return io_error("renaming", temporary, errno);
    }
    return std::nullopt;
}

std::optional<write_error> writer::close()
{
    closed_ = true;
    return end_file();
}

std::optional<write_error> writer::end_file()
{
    if (!fd_) {
        return std::nullopt;
    }
    std::optional<write_error> failed;
    if (settings_.cdx) {
        failed = write_index();
    }
    index_.clear();
    if (::close(fd_.release()) != 0 && !failed) {
        failed = io_error("closing", path_, errno);
    }
    return failed;
}

} // namespace crawl::warc
