#include "summary.hpp"

#include <boost/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <system_error>

namespace crawl::supervisor {

void run_stats::add(error_class error, unsigned http_status, std::uint64_t wire, std::uint64_t body, int worker)
{
    ++urls;
    if (error == error_class::none) {
        ++ok;
    }
    ++by_error[static_cast<std::size_t>(error)];
    const unsigned status_class = http_status / 100;
    ++by_status_class[status_class >= 1 && status_class <= 5 ? status_class : 0];
    wire_bytes += wire;
    body_bytes += body;
    if (worker >= 0 && static_cast<std::size_t>(worker) < per_worker.size()) {
        ++per_worker[static_cast<std::size_t>(worker)];
    } else {
        ++by_supervisor;
    }
}

void run_stats::add_duplicate()
{
    ++urls;
    ++duplicates;
    ++by_supervisor;
}

namespace {

std::string human_bytes(std::uint64_t n)
{
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    auto v = static_cast<double>(n);
    std::size_t u = 0;
    while (v >= 1000 && u + 1 < std::size(units)) {
        v /= 1000;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

double rate(const run_stats& s)
{
    return s.wall_seconds > 0 ? static_cast<double>(s.urls) / s.wall_seconds : 0.0;
}

} // namespace

std::string format_summary(const run_stats& s)
{
    std::string out;
    char buf[256];
    const char* ending = "";
    if (s.interrupted_by != 0) {
        ending = ", interrupted";
    } else if (s.out_of_time) {
        ending = ", stopped by --max-time (resume to continue)";
    }
    std::snprintf(buf, sizeof buf, "crawl: %llu URLs in %.2f s (%.1f pages/s) with %u worker%s%s\n",
                  static_cast<unsigned long long>(s.urls), s.wall_seconds, rate(s), s.workers,
                  s.workers == 1 ? "" : "s", ending);
    out += buf;
    std::snprintf(buf, sizeof buf, "  ok %llu, failed %llu", static_cast<unsigned long long>(s.ok),
                  static_cast<unsigned long long>(s.failed()));
    out += buf;
    const char* sep = ": ";
    for (std::size_t i = 1; i < s.by_error.size(); ++i) {
        if (s.by_error[i] != 0) {
            out += sep;
            out += to_string(static_cast<error_class>(i));
            out += ' ';
            out += std::to_string(s.by_error[i]);
            sep = ", ";
        }
    }
    if (s.dedup) {
        out += "; duplicates " + std::to_string(s.duplicates);
    }
    out += '\n';
    out += "  HTTP";
    sep = " ";
    for (std::size_t c = 1; c <= 5; ++c) {
        out += sep;
        out += std::to_string(c) + "xx " + std::to_string(s.by_status_class[c]);
        sep = ", ";
    }
    out += ", no response " + std::to_string(s.by_status_class[0]) + '\n';
    out += "  bytes: " + human_bytes(s.wire_bytes) + " on the wire, " + human_bytes(s.body_bytes) + " decoded\n";
    if (s.robots_fetched != 0 || s.retries != 0 || s.hosts_unreachable != 0) {
        out += "  politeness: robots.txt " + std::to_string(s.robots_fetched);
        if (s.robots_evicted != 0) {
            out += " (" + std::to_string(s.robots_evicted) + " evicted from the cache)";
        }
        out += ", retries " + std::to_string(s.retries) + ", hosts given up " + std::to_string(s.hosts_unreachable) +
               '\n';
    }
    if (s.recursive) {
        out += "  frontier: " + std::to_string(s.discovered) + " URLs discovered (" +
               human_bytes(s.seen_memory_bytes) + " of fingerprints, " + human_bytes(s.frontier_bytes) +
               " on disk), " + std::to_string(s.frontier_waiting) + " left unfetched\n";
    }
    if (!s.shared.address.empty()) {
        const auto& c = s.shared;
        out += "  shared frontier " + c.address + ": " + std::to_string(c.published) + " URLs published (" +
               std::to_string(c.seeds) + " seeds, " + std::to_string(c.known) + " known already), " +
               std::to_string(c.delivered) + " delivered here, " + std::to_string(c.let_go) +
               " let go; slots taken " + std::to_string(c.slots_taken) + ", given back " +
               std::to_string(c.slots_given_back) + ", lost " + std::to_string(c.slots_lost) +
               ", records fenced " + std::to_string(c.fenced) + ", jobs unsent " + std::to_string(c.unsent) +
               ", robots.txt taken from other owners " + std::to_string(c.robots_shared) + '\n';
    }
    if (s.dedup) {
        out += "  dedup: " + std::to_string(s.dedup_fingerprints) + " distinct URLs in " +
               human_bytes(s.dedup_memory_bytes) + " of fingerprints\n";
    }
    if (!s.shard.empty()) {
        out += "  shard " + s.shard + ": " + std::to_string(s.other_shard_lines) + " input lines left to the other shards\n";
    }
    if (s.resume) {
        out += "  resume: " + std::to_string(s.resumed_lines) + " lines already recorded";
        if (s.torn_bytes != 0) {
            out += ", " + std::to_string(s.torn_bytes) + " bytes of an unfinished last line cut off";
        }
        out += '\n';
    }
    out += "  per worker:";
    for (std::size_t w = 0; w < s.per_worker.size(); ++w) {
        out += " #" + std::to_string(w) + ' ' + std::to_string(s.per_worker[w]);
    }
    if (s.by_supervisor != 0) {
        out += ", supervisor " + std::to_string(s.by_supervisor);
    }
    if (s.worker_restarts != 0) {
        out += ", restarts " + std::to_string(s.worker_restarts);
    }
    out += '\n';
    double worker_cpu = 0;
    long worker_rss_kb = 0;
    for (const auto& w : s.worker_processes) {
        worker_cpu += w.user_seconds + w.sys_seconds;
        worker_rss_kb = std::max(worker_rss_kb, w.peak_rss_kb);
    }
    std::snprintf(buf, sizeof buf,
                  "  cpu: supervisor %.2f s, workers %.2f s; peak RSS: supervisor %.1f MiB, largest worker %.1f MiB\n",
                  s.supervisor_user_seconds + s.supervisor_sys_seconds, worker_cpu,
                  static_cast<double>(s.supervisor_peak_rss_kb) / 1024, static_cast<double>(worker_rss_kb) / 1024);
    out += buf;
    return out;
}

std::string format_stats_json(const run_stats& s)
{
    boost::json::object errors;
    for (std::size_t i = 1; i < s.by_error.size(); ++i) {
        if (s.by_error[i] != 0) {
            errors[to_string(static_cast<error_class>(i))] = s.by_error[i];
        }
    }
    boost::json::object status;
    for (std::size_t c = 1; c <= 5; ++c) {
        status[std::to_string(c) + "xx"] = s.by_status_class[c];
    }
    status["none"] = s.by_status_class[0];
    boost::json::array per_worker;
    for (auto n : s.per_worker) {
        per_worker.push_back(n);
    }
    boost::json::array processes;
    for (const auto& w : s.worker_processes) {
        processes.push_back(boost::json::object{
            {"slot", w.slot},
            {"pid", w.pid},
            {"peak_rss_kb", w.peak_rss_kb},
            {"user_seconds", w.user_seconds},
            {"sys_seconds", w.sys_seconds},
            {"ended", w.ended},
        });
    }
    boost::json::object o{
        {"urls", s.urls},
        {"ok", s.ok},
        {"failed", s.failed()},
        {"errors", std::move(errors)},
        {"status", std::move(status)},
        {"wire_bytes", s.wire_bytes},
        {"body_bytes", s.body_bytes},
        {"wall_seconds", s.wall_seconds},
        {"pages_per_second", rate(s)},
        {"workers", s.workers},
        {"per_worker", std::move(per_worker)},
        {"by_supervisor", s.by_supervisor},
        {"worker_restarts", s.worker_restarts},
        {"supervisor_peak_rss_kb", s.supervisor_peak_rss_kb},
        {"supervisor_user_seconds", s.supervisor_user_seconds},
        {"supervisor_sys_seconds", s.supervisor_sys_seconds},
        {"worker_processes", std::move(processes)},
        {"interrupted", s.interrupted_by != 0},
        {"out_of_time", s.out_of_time},
        {"duplicates", s.duplicates},
        {"retries", s.retries},
        {"robots_fetched", s.robots_fetched},
        {"discovered", s.discovered},
        {"robots_evicted", s.robots_evicted},
        {"hosts_unreachable", s.hosts_unreachable},
        {"resumed_lines", s.resumed_lines},
        {"torn_bytes", s.torn_bytes},
    };
    if (!s.shard.empty()) {
        o["shard"] = boost::json::object{{"shard", s.shard}, {"other_shard_lines", s.other_shard_lines}};
    }
    if (!s.shared.address.empty()) {
        const auto& c = s.shared;
        o["shared_frontier"] = boost::json::object{
            {"address", c.address},     {"seeds", c.seeds},         {"published", c.published},
            {"known", c.known},         {"delivered", c.delivered}, {"let_go", c.let_go},
            {"fenced", c.fenced},       {"slots_taken", c.slots_taken}, {"slots_given_back", c.slots_given_back},
            {"slots_lost", c.slots_lost},   {"unsent", c.unsent},       {"robots_shared", c.robots_shared}};
    }
    if (s.dedup) {
        o["dedup"] = boost::json::object{{"fingerprints", s.dedup_fingerprints}, {"memory_bytes", s.dedup_memory_bytes}};
    }
    if (s.recursive) {
        o["frontier"] = boost::json::object{{"waiting", s.frontier_waiting},
                                            {"seen_memory_bytes", s.seen_memory_bytes},
                                            {"disk_bytes", s.frontier_bytes}};
    }
    return boost::json::serialize(o) + '\n';
}

void write_file_atomically(const std::string& path, const std::string& content)
{
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw std::system_error(errno, std::generic_category(), tmp);
    }
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            const int e = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw std::system_error(e, std::generic_category(), tmp);
        }
        done += static_cast<std::size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int e = errno;
        ::unlink(tmp.c_str());
        throw std::system_error(e, std::generic_category(), path);
    }
}

} // namespace crawl::supervisor
