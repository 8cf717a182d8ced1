#include "resume.hpp"

#include "crawl/util/fingerprint_set.hpp"

#include "crawl/util/digest.hpp"
#include "summary.hpp"

#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace crawl::supervisor {
namespace {

constexpr std::size_t head_bytes = 1 << 20;
constexpr std::uint64_t head_max_lines = 1000;

[[noreturn]] void throw_errno(const std::string& what)
{
    throw std::system_error(errno, std::generic_category(), what);
}

std::string_view format_name(record::format f)
{
    return f == record::format::csv ? "csv" : "jsonl";
}

std::string to_json(const input_identity& id)
{
    boost::json::object o;
    o["input_size"] = id.size;
    o["head_lines"] = id.head_lines;
    o["head_sha256"] = id.head_sha256;
    o["format"] = id.format;
    if (!id.shard.empty()) {
        o["shard"] = id.shard;
    }
    return boost::json::serialize(o) + '\n';
}

std::optional<input_identity> from_json(const std::string& text)
{
    boost::system::error_code ec;
    const auto value = boost::json::parse(text, ec);
    if (ec || !value.is_object()) {
        return std::nullopt;
    }
    const auto& o = value.as_object();
    const auto* size = o.if_contains("input_size");
    const auto* lines = o.if_contains("head_lines");
    const auto* hash = o.if_contains("head_sha256");
    const auto* format = o.if_contains("format");
    if (size == nullptr || !size->is_number() || lines == nullptr || !lines->is_number() || hash == nullptr ||
        !hash->is_string() || format == nullptr || !format->is_string()) {
        return std::nullopt;
    }
    input_identity id;
    boost::system::error_code num_ec;
    id.size = size->to_number<std::uint64_t>(num_ec);
    id.head_lines = lines->to_number<std::uint64_t>(num_ec);
    if (num_ec) {
        return std::nullopt;
    }
    id.head_sha256 = std::string(hash->as_string());
    id.format = std::string(format->as_string());
    if (const auto* shard = o.if_contains("shard"); shard != nullptr && shard->is_string()) {
        id.shard = std::string(shard->as_string());
    }
    return id;
}

std::optional<std::string> read_small_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

/// The seq a record line starts with: `{"seq":N,` (JSONL) or `N,` (CSV).
std::optional<std::uint64_t> leading_seq(std::string_view line, record::format f)
{
    if (f == record::format::jsonl) {
        constexpr std::string_view prefix = "{\"seq\":";
        if (!line.starts_with(prefix)) {
            return std::nullopt;
        }
        line.remove_prefix(prefix.size());
    }
    std::uint64_t seq = 0;
    const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), seq);
    if (ec != std::errc{} || ptr == line.data() || ptr == line.data() + line.size() || *ptr != ',') {
        return std::nullopt;
    }
    return seq;
}

/// The url of a discovered URL's record (a recursive crawl's, whose seq is null):
/// `{"seq":null,"url":"URL",` (JSONL) or `,URL,` / `,"URL",` (CSV). Normalized URLs hold no
/// control characters; JSON may still escape a backslash or a quote, CSV doubles a quote.
std::optional<std::string> discovered_url(std::string_view line, record::format f)
{
    const std::string_view prefix = f == record::format::jsonl ? "{\"seq\":null,\"url\":\"" : ",";
    if (!line.starts_with(prefix)) {
        return std::nullopt;
    }
    line.remove_prefix(prefix.size());
    std::string url;
    if (f == record::format::csv) {
        if (!line.starts_with('"')) {
            const auto comma = line.find(',');
            return comma == std::string_view::npos ? std::nullopt : std::optional(std::string(line.substr(0, comma)));
        }
        for (std::size_t i = 1; i < line.size(); ++i) {
            if (line[i] != '"') {
                url += line[i];
            } else if (i + 1 < line.size() && line[i + 1] == '"') {
                url += '"';
                ++i;
            } else {
                return url;
            }
        }
        return std::nullopt;
    }
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '"') {
            return url;
        }
        if (line[i] == '\\' && i + 1 < line.size()) {
            ++i;
        }
        url += line[i];
    }
    return std::nullopt;
}

std::string describe(const input_identity& id)
{
    return std::to_string(id.size) + " bytes, " + std::string(id.format) + ", first " + std::to_string(id.head_lines) +
           " lines sha256:" + id.head_sha256.substr(0, 12) + (id.shard.empty() ? "" : ", shard " + id.shard);
}

} // namespace

input_identity identify_input(int fd, record::format f)
{
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        throw_errno("input");
    }
    input_identity id;
    id.size = static_cast<std::uint64_t>(st.st_size);
    id.format = std::string(format_name(f));
    std::string head(head_bytes, '\0');
    std::size_t got = 0;
    while (got < head.size()) {
        const ssize_t n = ::pread(fd, head.data() + got, head.size() - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw_errno("reading the input");
        }
        if (n == 0) {
            break;
        }
        got += static_cast<std::size_t>(n);
    }
    head.resize(got);
    std::size_t end = 0;
    while (id.head_lines < head_max_lines) {
        const auto nl = head.find('\n', end);
        if (nl == std::string::npos) {
            break;
        }
        end = nl + 1;
        ++id.head_lines;
    }
    if (id.head_lines < head_max_lines) {
        end = head.size(); // a short file: all of it (an unterminated last line included)
    }
    sha256 hash;
    hash.update(std::string_view(head).substr(0, end));
    id.head_sha256 = hash.hex_digest();
    return id;
}

std::string sidecar_path(const std::string& output)
{
    return output + ".input.json";
}

void done_lines::insert(std::uint64_t seq)
{
    const std::uint64_t word = seq / 64;
    if (word >= bits_.size()) {
        bits_.resize(std::max<std::size_t>(static_cast<std::size_t>(word) + 1, bits_.size() * 2), 0);
    }
    bits_[word] |= std::uint64_t{1} << (seq % 64);
}

void record_identity(const std::string& output, const input_identity& identity)
{
    write_file_atomically(sidecar_path(output), to_json(identity));
}

void forget_identity(const std::string& output)
{
    const std::string sidecar = sidecar_path(output);
    if (::unlink(sidecar.c_str()) != 0 && errno != ENOENT) {
        throw_errno(sidecar);
    }
}

prepared_output open_for_resume(const std::string& path, const input_identity& identity, record::format f)
{
    prepared_output out;
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw_errno(path);
    }
    unique_fd file(fd);
    const std::string sidecar = sidecar_path(path);
    struct stat st {};
    if (::fstat(file.get(), &st) != 0) {
        throw_errno(path);
    }
    if (st.st_size == 0) {
        // A fresh start: this input's identity goes down before any record.
        record_identity(path, identity);
    } else {
        // Checked before anything is read or cut: a wrong path must never lose a byte.
        const auto text = read_small_file(sidecar);
        if (!text) {
            throw resume_error(path + " has no " + sidecar + ", so its input is unknown; refusing to resume (remove " +
                               path + " to start over)");
        }
        const auto recorded = from_json(*text);
        if (!recorded) {
            throw resume_error(sidecar + " is not a crawl input record; refusing to resume");
        }
        if (!(*recorded == identity)) {
            throw resume_error(path + " was written for a different input (" + describe(*recorded) + "; this one: " +
                               describe(identity) + "); refusing to resume (remove " + path + " and " + sidecar +
                               " to start over)");
        }
    }

    // Scan the records: every complete line must be one; an unterminated tail is cut off.
    std::string buf(1 << 20, '\0');
    std::string carry;
    std::uint64_t offset = 0;       // bytes read so far
    std::uint64_t complete_end = 0; // end of the last complete line
    std::uint64_t line_number = 0;
    for (;;) {
        const ssize_t n = ::read(file.get(), buf.data(), buf.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw_errno(path);
        }
        if (n == 0) {
            break;
        }
        std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
        offset += static_cast<std::uint64_t>(n);
        for (;;) {
            const auto nl = chunk.find('\n');
            if (nl == std::string_view::npos) {
                carry.append(chunk);
                break;
            }
            std::string_view line = chunk.substr(0, nl);
            if (!carry.empty()) {
                carry.append(line);
                line = carry;
            }
            ++line_number;
            complete_end += line.size() + 1;
            const bool header = f == record::format::csv && line_number == 1;
            if (header) {
                if (!line.starts_with("seq,")) {
                    throw resume_error(path + " does not start with crawl's CSV header; refusing to resume");
                }
            } else if (const auto seq = leading_seq(line, f)) {
                out.done.insert(*seq);
            } else if (const auto url = discovered_url(line, f)) {
                out.done_discovered.push_back(fingerprint64(*url));
            } else {
                throw resume_error("line " + std::to_string(line_number) + " of " + path + " is not a crawl " +
                                   std::string(format_name(f)) + " record; refusing to resume");
            }
            carry.clear();
            chunk.remove_prefix(nl + 1);
        }
    }
    out.torn_bytes = offset - complete_end;
    out.empty = complete_end == 0;
    if (out.torn_bytes != 0 && ::ftruncate(file.get(), static_cast<off_t>(complete_end)) != 0) {
        throw_errno(path);
    }
    const int append_fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (append_fd < 0) {
        throw_errno(path);
    }
    out.fd.reset(append_fd);
    return out;
}

} // namespace crawl::supervisor
