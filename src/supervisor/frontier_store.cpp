#include "frontier_store.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <stdexcept>
#include <utility>

namespace crawl::supervisor {

namespace {

// One row per discovered URL. `taken`: handed to the coordinator (a resume hands it out again
// unless the output has its record). The partial index is the per-host queue: waiting URLs of
// a host, shallowest first, then in discovery order.
constexpr const char* schema = R"(
CREATE TABLE IF NOT EXISTS url (
  id       INTEGER PRIMARY KEY,
  host     TEXT    NOT NULL,
  depth    INTEGER NOT NULL,
  hops     INTEGER NOT NULL,
  outward  INTEGER NOT NULL,
  url      TEXT    NOT NULL,
  found_on TEXT    NOT NULL,
  prefix   TEXT    NOT NULL,
  fp       INTEGER NOT NULL,
  taken    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS waiting ON url (host, depth, id) WHERE taken = 0;
CREATE INDEX IF NOT EXISTS by_fingerprint ON url (fp);
)";

std::string_view column_text(sqlite3_stmt* s, int column)
{
    const auto* text = sqlite3_column_text(s, column);
    return text == nullptr ? std::string_view{}
                           : std::string_view(reinterpret_cast<const char*>(text),
                                              static_cast<std::size_t>(sqlite3_column_bytes(s, column)));
}

void bind_text(sqlite3_stmt* s, int index, std::string_view text)
{
    sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

/// SQLite reports failures as codes; a frontier that cannot be written cannot go on (its
/// crawl would lose URLs), so a failure past open() is an exception the driver reports.
void check(sqlite3* db, int rc, const char* what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        throw std::runtime_error(std::string("frontier: ") + what + ": " + sqlite3_errmsg(db));
    }
}

} // namespace

std::variant<frontier_store, std::string> frontier_store::open(const std::string& path, bool fresh)
{
    if (fresh && path != ":memory:") {
        for (const char* suffix : {"", "-wal", "-shm"}) {
            std::remove((path + suffix).c_str());
        }
    }
    frontier_store f;
    if (sqlite3_open_v2(path.c_str(), &f.db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        std::string why = f.db_ != nullptr ? sqlite3_errmsg(f.db_) : "out of memory";
        return path + ": " + why;
    }
    try {
        // WAL: a commit appends to one file. synchronous=OFF: no fsync, ever. A killed
        // process loses nothing committed (it is in the kernel's page cache); only a crash of
        // the machine could, and then the output, written the same way, is lost with it.
        f.exec("PRAGMA journal_mode=WAL");
        f.exec("PRAGMA synchronous=OFF");
        f.exec("PRAGMA cache_size=-8192"); // 8 MiB of page cache: the supervisor's memory stays flat
        f.exec(schema);
        check(f.db_,
              sqlite3_prepare_v2(f.db_,
                                 "INSERT INTO url (host, depth, hops, outward, url, found_on, prefix, fp) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                 -1, &f.insert_, nullptr),
              "prepare");
        check(f.db_,
              sqlite3_prepare_v2(f.db_,
                                 "SELECT id, hops, outward, url, found_on, prefix FROM url "
                                 "WHERE host = ?1 AND depth = ?2 AND taken = 0 ORDER BY id LIMIT ?3",
                                 -1, &f.select_, nullptr),
              "prepare");
        check(f.db_, sqlite3_prepare_v2(f.db_, "UPDATE url SET taken = 1 WHERE id = ?1", -1, &f.mark_, nullptr),
              "prepare");
        f.load_existing();
    } catch (const std::exception& e) {
        return path + ": " + e.what();
    }
    return f;
}

frontier_store::frontier_store(frontier_store&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)), insert_(std::exchange(o.insert_, nullptr)),
      select_(std::exchange(o.select_, nullptr)), mark_(std::exchange(o.mark_, nullptr)), in_batch_(o.in_batch_),
      seen_(std::move(o.seen_)), recorded_(std::move(o.recorded_)), levels_(std::move(o.levels_)),
      waiting_total_(o.waiting_total_)
{
}

frontier_store::~frontier_store()
{
    if (db_ == nullptr) {
        return;
    }
    if (in_batch_) {
        sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    }
    sqlite3_finalize(insert_);
    sqlite3_finalize(select_);
    sqlite3_finalize(mark_);
    sqlite3_close(db_);
}

void frontier_store::exec(const char* sql)
{
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        std::string why = error != nullptr ? error : "failed";
        sqlite3_free(error);
        throw std::runtime_error(why);
    }
}

/// A resumed frontier: every URL is seen again, and every URL not known to be recorded waits
/// again (the output, not the frontier, says what was done: a URL taken by the killed run may
/// or may not have reached it).
void frontier_store::load_existing()
{
    exec("UPDATE url SET taken = 0 WHERE taken = 1");
    sqlite3_stmt* s = nullptr;
    check(db_, sqlite3_prepare_v2(db_, "SELECT host, url, depth FROM url", -1, &s, nullptr), "prepare");
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        (void)seen_.insert(fingerprint64(column_text(s, 1)), 0);
        count_waiting(std::string(column_text(s, 0)), static_cast<std::uint32_t>(sqlite3_column_int64(s, 2)));
    }
    sqlite3_finalize(s);
    check(db_, rc, "reading the frontier");
}

void frontier_store::count_waiting(const std::string& host_key, std::uint32_t depth)
{
    level& l = levels_[depth];
    auto [it, added] = l.hosts.try_emplace(host_key, 0);
    if (added) {
        l.turns.push_back(host_key);
    }
    ++it->second;
    ++waiting_total_;
}

void frontier_store::uncount_waiting(const std::string& host_key, std::uint32_t depth, std::uint64_t n)
{
    const auto l = levels_.find(depth);
    const auto it = l->second.hosts.find(host_key);
    n = std::min(n, it->second);
    it->second -= n;
    waiting_total_ -= n;
    if (it->second == 0) {
        l->second.hosts.erase(it);
        if (l->second.hosts.empty()) {
            levels_.erase(l);
        }
    }
}

bool frontier_store::claim(std::string_view url)
{
    return !seen_.insert(fingerprint64(url), 0).has_value();
}

void frontier_store::add(const frontier_entry& e)
{
    if (!in_batch_) {
        exec("BEGIN");
        in_batch_ = true;
    }
    bind_text(insert_, 1, e.host_key);
    sqlite3_bind_int64(insert_, 2, e.depth);
    sqlite3_bind_int64(insert_, 3, e.redirect_hops);
    sqlite3_bind_int(insert_, 4, e.outward_only ? 1 : 0);
    bind_text(insert_, 5, e.url);
    bind_text(insert_, 6, e.found_on);
    bind_text(insert_, 7, e.scope_prefix);
    sqlite3_bind_int64(insert_, 8, static_cast<sqlite3_int64>(fingerprint64(e.url)));
    const int rc = sqlite3_step(insert_);
    sqlite3_reset(insert_);
    check(db_, rc, "adding a URL");
    count_waiting(e.host_key, e.depth);
}

bool frontier_store::lower(const frontier_entry& e)
{
    if (!in_batch_) {
        exec("BEGIN");
        in_batch_ = true;
    }
    sqlite3_stmt* find = nullptr;
    check(db_,
          sqlite3_prepare_v2(db_, "SELECT id, depth FROM url WHERE fp = ?1 AND url = ?2 AND taken = 0 AND depth > ?3",
                             -1, &find, nullptr),
          "prepare");
    sqlite3_bind_int64(find, 1, static_cast<sqlite3_int64>(fingerprint64(e.url)));
    bind_text(find, 2, e.url);
    sqlite3_bind_int64(find, 3, e.depth);
    std::int64_t id = 0;
    std::uint32_t depth = 0;
    const int rc = sqlite3_step(find);
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(find, 0);
        depth = static_cast<std::uint32_t>(sqlite3_column_int64(find, 1));
    }
    sqlite3_finalize(find);
    check(db_, rc, "finding a URL");
    if (id == 0) {
        return false;
    }
    sqlite3_stmt* update = nullptr;
    check(db_, sqlite3_prepare_v2(db_, "UPDATE url SET depth = ?2, found_on = ?3 WHERE id = ?1", -1, &update, nullptr),
          "prepare");
    sqlite3_bind_int64(update, 1, id);
    sqlite3_bind_int64(update, 2, e.depth);
    bind_text(update, 3, e.found_on);
    const int step = sqlite3_step(update);
    sqlite3_finalize(update);
    check(db_, step, "moving a URL up");
    uncount_waiting(e.host_key, depth, 1);
    count_waiting(e.host_key, e.depth);
    return true;
}

void frontier_store::commit()
{
    if (in_batch_) {
        in_batch_ = false;
        exec("COMMIT");
    }
}

void frontier_store::skip_recorded(std::vector<std::uint64_t> fingerprints)
{
    recorded_.insert(fingerprints.begin(), fingerprints.end());
}

std::vector<frontier_entry> frontier_store::take(const std::string& host_key, std::uint32_t depth, std::size_t n)
{
    std::vector<frontier_entry> out;
    const auto l = levels_.find(depth);
    if (l == levels_.end() || !l->second.hosts.contains(host_key) || n == 0) {
        return out;
    }
    if (!in_batch_) {
        exec("BEGIN");
        in_batch_ = true;
    }
    while (out.size() < n) {
        const std::size_t want = n - out.size();
        bind_text(select_, 1, host_key);
        sqlite3_bind_int64(select_, 2, depth);
        sqlite3_bind_int64(select_, 3, static_cast<sqlite3_int64>(want));
        std::vector<std::int64_t> ids;
        int rc = 0;
        while ((rc = sqlite3_step(select_)) == SQLITE_ROW) {
            ids.push_back(sqlite3_column_int64(select_, 0));
            frontier_entry e;
            e.url = std::string(column_text(select_, 3));
            if (!recorded_.empty() && recorded_.erase(fingerprint64(e.url)) != 0) {
                continue; // a resumed crawl's URL that has its record already
            }
            e.host_key = host_key;
            e.depth = depth;
            e.redirect_hops = static_cast<std::uint32_t>(sqlite3_column_int64(select_, 1));
            e.outward_only = sqlite3_column_int(select_, 2) != 0;
            e.found_on = std::string(column_text(select_, 4));
            e.scope_prefix = std::string(column_text(select_, 5));
            out.push_back(std::move(e));
        }
        sqlite3_reset(select_);
        check(db_, rc, "taking URLs");
        for (const auto id : ids) {
            sqlite3_bind_int64(mark_, 1, id);
            const int step = sqlite3_step(mark_);
            sqlite3_reset(mark_);
            check(db_, step, "taking URLs");
        }
        // The counts follow the rows: fewer than asked means none is left at this depth.
        if (ids.size() < want) {
            uncount_waiting(host_key, depth, ~std::uint64_t{0});
            break;
        }
        uncount_waiting(host_key, depth, ids.size());
        if (hosts_waiting(depth) == 0 || !levels_.at(depth).hosts.contains(host_key)) {
            break;
        }
    }
    return out;
}

std::optional<std::uint32_t> frontier_store::lowest_depth() const
{
    if (levels_.empty()) {
        return std::nullopt;
    }
    return levels_.begin()->first;
}

std::size_t frontier_store::hosts_waiting(std::uint32_t depth) const
{
    const auto l = levels_.find(depth);
    return l == levels_.end() ? 0 : l->second.hosts.size();
}

std::optional<std::string> frontier_store::next_host(std::uint32_t depth)
{
    const auto l = levels_.find(depth);
    if (l == levels_.end()) {
        return std::nullopt;
    }
    auto& turns = l->second.turns;
    while (!turns.empty()) {
        std::string host = std::move(turns.front());
        turns.pop_front();
        if (l->second.hosts.contains(host)) {
            return host;
        }
    }
    return std::nullopt;
}

void frontier_store::end_turn(std::string host_key, std::uint32_t depth)
{
    const auto l = levels_.find(depth);
    if (l != levels_.end() && l->second.hosts.contains(host_key)) {
        l->second.turns.push_back(std::move(host_key));
    }
}

} // namespace crawl::supervisor
