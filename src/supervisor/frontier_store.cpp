#include "frontier_store.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <stdexcept>
#include <utility>

namespace crawl::supervisor {

namespace {

// One row per discovered URL. The index is the per-host queue: a host's URLs of one depth in
// discovery order, the host by its number in `host` (an integer keeps the index small and its
// comparisons cheap). Rows are never updated: what was taken is a mark in memory per host and
// depth (host_queue), so that a URL costs one insert; a resume hands every row out again
// unless the output has its record.
constexpr const char* schema = R"(
CREATE TABLE IF NOT EXISTS host (
  id       INTEGER PRIMARY KEY,
  name     TEXT    NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS url (
  id       INTEGER PRIMARY KEY,
  host     INTEGER NOT NULL,
  depth    INTEGER NOT NULL,
  hops     INTEGER NOT NULL,
  outward  INTEGER NOT NULL,
  url      TEXT    NOT NULL,
  found_on TEXT    NOT NULL,
  prefix   TEXT    NOT NULL,
  fp       INTEGER NOT NULL,
  chain    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS queue ON url (host, depth, id);
)";

/// The layout above; a file of another layout (another version of crawl) is not read.
constexpr int schema_version = 3;

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

std::variant<frontier_store, std::string> frontier_store::open(const std::string& path, open_options o)
{
    if (o.fresh && path != ":memory:") {
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
        // One process uses the file: an exclusive lock, taken once, spares each transaction
        // its file locks and the WAL its shared-memory index.
        f.exec("PRAGMA locking_mode=EXCLUSIVE");
        f.exec("PRAGMA journal_mode=WAL");
        f.exec("PRAGMA synchronous=OFF");
        f.exec("PRAGMA cache_size=-8192"); // 8 MiB of page cache: the supervisor's memory stays flat
        f.check_version();
        f.exec(schema);
        if (o.lowering) {
            // Only lower() looks a URL up; without it the index would be a write per URL for nothing.
            f.exec("CREATE INDEX IF NOT EXISTS by_fingerprint ON url (fp)");
            f.prepare(f.find_, "SELECT id, depth FROM url WHERE fp = ?1 AND url = ?2");
            f.prepare(f.remove_, "DELETE FROM url WHERE id = ?1");
        }
        f.prepare(f.insert_host_, "INSERT INTO host (name) VALUES (?1)");
        f.prepare(f.insert_, "INSERT INTO url (host, depth, hops, outward, url, found_on, prefix, fp, chain) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
        f.prepare(f.select_, "SELECT id, hops, outward, url, found_on, prefix, fp, chain FROM url "
                             "WHERE host = ?1 AND depth = ?2 AND id > ?3 ORDER BY id LIMIT ?4");
        f.load_existing();
    } catch (const std::exception& e) {
        return path + ": " + e.what();
    }
    return f;
}

frontier_store::frontier_store(frontier_store&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)), insert_(std::exchange(o.insert_, nullptr)),
      insert_host_(std::exchange(o.insert_host_, nullptr)),
      select_(std::exchange(o.select_, nullptr)), find_(std::exchange(o.find_, nullptr)),
      remove_(std::exchange(o.remove_, nullptr)), in_batch_(o.in_batch_), seen_(std::move(o.seen_)),
      recorded_(std::move(o.recorded_)), host_ids_(std::move(o.host_ids_)), levels_(std::move(o.levels_)),
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
    for (sqlite3_stmt* s : {insert_, insert_host_, select_, find_, remove_}) {
        sqlite3_finalize(s); // (null is a no-op)
    }
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

void frontier_store::prepare(sqlite3_stmt*& statement, const char* sql)
{
    check(db_, sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr), "prepare");
}

void frontier_store::begin_batch()
{
    if (!in_batch_) {
        exec("BEGIN");
        in_batch_ = true;
    }
}

/// A new file gets this version's layout; a file with URLs in another layout is refused
/// rather than misread (a resume with another version of crawl).
void frontier_store::check_version()
{
    sqlite3_stmt* s = nullptr;
    prepare(s, "PRAGMA user_version");
    const int version = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    if (version == schema_version) {
        return;
    }
    prepare(s, "SELECT count(*) FROM sqlite_master");
    const bool empty = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 0;
    sqlite3_finalize(s);
    if (!empty) {
        throw std::runtime_error("was written by another version of crawl (layout " + std::to_string(version) +
                                 ", this one reads " + std::to_string(schema_version) +
                                 "): remove it and the output to start over");
    }
    exec(("PRAGMA user_version = " + std::to_string(schema_version)).c_str());
}

/// A resumed frontier: every URL is seen again, and every URL waits again (the output, not
/// the frontier, says what was done: a URL taken by the killed run may or may not have
/// reached it; skip_recorded() names those that did).
void frontier_store::load_existing()
{
    sqlite3_stmt* s = nullptr;
    prepare(s, "SELECT id, name FROM host");
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        host_ids_.emplace(column_text(s, 1), sqlite3_column_int64(s, 0));
    }
    sqlite3_finalize(s);
    check(db_, rc, "reading the frontier's hosts");
    prepare(s, "SELECT host.name, url.depth, url.fp, url.id FROM url JOIN host ON host.id = url.host ORDER BY url.id");
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        (void)seen_.insert(static_cast<std::uint64_t>(sqlite3_column_int64(s, 2)));
        count_waiting(std::string(column_text(s, 0)), static_cast<std::uint32_t>(sqlite3_column_int64(s, 1)),
                      sqlite3_column_int64(s, 3));
    }
    sqlite3_finalize(s);
    check(db_, rc, "reading the frontier");
}

/// `id`: the row just added (or, on load, met in id order). A host that starts waiting
/// again at a depth has had every earlier row there taken: its mark starts below this one.
void frontier_store::count_waiting(const std::string& host_key, std::uint32_t depth, std::int64_t id)
{
    level& l = levels_[depth];
    auto [it, added] = l.hosts.try_emplace(host_key, host_queue{0, id - 1});
    if (added) {
        l.turns.push_back(host_key);
    }
    ++it->second.waiting;
    ++waiting_total_;
}

void frontier_store::uncount_waiting(const std::string& host_key, std::uint32_t depth, std::uint64_t n)
{
    const auto l = levels_.find(depth);
    const auto it = l->second.hosts.find(host_key);
    n = std::min(n, it->second.waiting);
    it->second.waiting -= n;
    waiting_total_ -= n;
    if (it->second.waiting == 0) {
        l->second.hosts.erase(it);
        if (l->second.hosts.empty()) {
            levels_.erase(l);
        }
    }
}

bool frontier_store::waits(const std::string& host_key, std::uint32_t depth, std::int64_t id) const
{
    const auto l = levels_.find(depth);
    if (l == levels_.end()) {
        return false;
    }
    const auto it = l->second.hosts.find(host_key);
    return it != l->second.hosts.end() && id > it->second.taken_to;
}

std::int64_t frontier_store::host_id(const std::string& host_key)
{
    if (const auto it = host_ids_.find(host_key); it != host_ids_.end()) {
        return it->second;
    }
    bind_text(insert_host_, 1, host_key);
    const int rc = sqlite3_step(insert_host_);
    sqlite3_reset(insert_host_);
    check(db_, rc, "adding a host");
    const std::int64_t id = sqlite3_last_insert_rowid(db_);
    host_ids_.emplace(host_key, id);
    return id;
}

std::int64_t frontier_store::insert(const frontier_entry& e)
{
    begin_batch();
    sqlite3_bind_int64(insert_, 1, host_id(e.host_key));
    sqlite3_bind_int64(insert_, 2, e.depth);
    sqlite3_bind_int64(insert_, 3, e.redirect_hops);
    sqlite3_bind_int(insert_, 4, e.outward_only ? 1 : 0);
    bind_text(insert_, 5, e.url);
    bind_text(insert_, 6, e.found_on);
    bind_text(insert_, 7, e.scope_prefix);
    sqlite3_bind_int64(insert_, 8, static_cast<sqlite3_int64>(e.fingerprint));
    sqlite3_bind_int(insert_, 9, e.seed_chain ? 1 : 0);
    const int rc = sqlite3_step(insert_);
    sqlite3_reset(insert_);
    check(db_, rc, "adding a URL");
    return sqlite3_last_insert_rowid(db_);
}

void frontier_store::add(const frontier_entry& e)
{
    count_waiting(e.host_key, e.depth, insert(e));
}

/// The row moves by being written again: a new id is above every mark, so it waits at its
/// new depth whatever was taken there.
bool frontier_store::lower(const frontier_entry& e)
{
    if (find_ == nullptr) {
        throw std::logic_error("frontier: lower() on a frontier opened without lowering");
    }
    begin_batch();
    sqlite3_bind_int64(find_, 1, static_cast<sqlite3_int64>(e.fingerprint));
    bind_text(find_, 2, e.url);
    std::int64_t id = 0;
    std::uint32_t depth = 0;
    const int rc = sqlite3_step(find_);
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(find_, 0);
        depth = static_cast<std::uint32_t>(sqlite3_column_int64(find_, 1));
    }
    sqlite3_reset(find_);
    check(db_, rc, "finding a URL");
    if (id == 0 || depth <= e.depth || !waits(e.host_key, depth, id)) {
        return false;
    }
    sqlite3_bind_int64(remove_, 1, id);
    const int step = sqlite3_step(remove_);
    sqlite3_reset(remove_);
    check(db_, step, "moving a URL up");
    uncount_waiting(e.host_key, depth, 1);
    add(e);
    return true;
}

void frontier_store::commit()
{
    if (in_batch_) {
        in_batch_ = false;
        exec("COMMIT");
    }
}

void frontier_store::skip_recorded(const std::vector<std::uint64_t>& fingerprints)
{
    for (const std::uint64_t f : fingerprints) {
        (void)recorded_.insert(f);
    }
}

std::vector<frontier_entry> frontier_store::take(const std::string& host_key, std::uint32_t depth, std::size_t n)
{
    std::vector<frontier_entry> out;
    const auto l = levels_.find(depth);
    if (l == levels_.end() || n == 0) {
        return out;
    }
    const auto q = l->second.hosts.find(host_key);
    if (q == l->second.hosts.end()) {
        return out;
    }
    // Reading needs no transaction of its own, but joins the open batch (SQLite sees its
    // own uncommitted rows).
    host_queue& queue = q->second;
    const std::int64_t host = host_ids_.at(host_key); // (it has rows, so it has its number)
    std::uint64_t met = 0;
    while (out.size() < n && met < queue.waiting) {
        const std::size_t want = n - out.size();
        sqlite3_bind_int64(select_, 1, host);
        sqlite3_bind_int64(select_, 2, depth);
        sqlite3_bind_int64(select_, 3, queue.taken_to);
        sqlite3_bind_int64(select_, 4, static_cast<sqlite3_int64>(want));
        std::size_t rows = 0;
        int rc = 0;
        while ((rc = sqlite3_step(select_)) == SQLITE_ROW) {
            ++rows;
            queue.taken_to = sqlite3_column_int64(select_, 0);
            const auto fingerprint = static_cast<std::uint64_t>(sqlite3_column_int64(select_, 6));
            if (recorded_.size() != 0 && recorded_.contains(fingerprint)) {
                continue; // a resumed crawl's URL that has its record already
            }
            frontier_entry e;
            e.url = std::string(column_text(select_, 3));
            e.fingerprint = fingerprint;
            e.host_key = host_key;
            e.depth = depth;
            e.redirect_hops = static_cast<std::uint32_t>(sqlite3_column_int64(select_, 1));
            e.outward_only = sqlite3_column_int(select_, 2) != 0;
            e.found_on = std::string(column_text(select_, 4));
            e.scope_prefix = std::string(column_text(select_, 5));
            e.seed_chain = sqlite3_column_int(select_, 7) != 0;
            out.push_back(std::move(e));
        }
        sqlite3_reset(select_);
        check(db_, rc, "taking URLs");
        met += rows;
        if (rows < want) {
            met = queue.waiting; // the counts follow the rows: none is left here
            break;
        }
    }
    uncount_waiting(host_key, depth, met); // (queue is gone once nothing waits)
    return out;
}

std::uint64_t frontier_store::disk_bytes() const
{
    std::uint64_t bytes = 1;
    for (const char* pragma : {"PRAGMA page_count", "PRAGMA page_size"}) {
        sqlite3_stmt* s = nullptr;
        std::uint64_t value = 0;
        if (sqlite3_prepare_v2(db_, pragma, -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
            value = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
        }
        sqlite3_finalize(s);
        bytes *= value;
    }
    return bytes;
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
