// crawl-frontier-stores: the recursive crawl's frontier workload on three embedded stores
// (SQLite, as crawl uses it; LMDB; RocksDB), to choose the store by measurement
// (docs/design.md, "Recursive crawl"; bench/README.md). Not built unless liblmdb-dev and
// librocksdb-dev are installed: crawl itself needs neither.
//
// The workload, from the synthetic web's crawl: URLs discovered in batches of `batch` (the
// links of a few pages, one durable commit per batch, no fsync), over `hosts` hosts, each row
// about 130 bytes (URL, found_on, flags); between batches, one host's next 16 URLs at the
// current depth are read in key order (the per-host queue) and never deleted (what was taken
// is a mark in memory, as in frontier_store). Prints, per store: microseconds per URL
// (insert and take), bytes on disk per URL, and the process's peak RSS growth.
//
// usage: crawl-frontier-stores [--urls N] [--hosts H] [--batch B] [--dir DIR]

#include <lmdb.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/cache.h>
#include <rocksdb/write_batch.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct workload {
    std::uint64_t urls = 1'000'000;
    std::uint32_t hosts = 1000;
    std::uint32_t batch = 7;
    std::string dir = "/tmp/crawl-frontier-stores";
};

/// Key (host, depth, id), big-endian so that byte order is queue order.
std::string key_of(std::uint32_t host, std::uint32_t depth, std::uint64_t id)
{
    std::string k(16, '\0');
    for (int i = 0; i < 4; ++i) {
        k[static_cast<std::size_t>(i)] = static_cast<char>(host >> (24 - 8 * i));
        k[static_cast<std::size_t>(4 + i)] = static_cast<char>(depth >> (24 - 8 * i));
    }
    for (int i = 0; i < 8; ++i) {
        k[static_cast<std::size_t>(8 + i)] = static_cast<char>(id >> (56 - 8 * i));
    }
    return k;
}

std::string row_of(std::uint64_t id, std::uint32_t host)
{
    return "http://h" + std::to_string(host) + ".d" + std::to_string(host / 10) + ".test:8080/d" +
           std::to_string(id % 97) + "/p" + std::to_string(id) + ".html|http://h" + std::to_string(host) +
           ".d" + std::to_string(host / 10) + ".test:8080/d" + std::to_string(id % 89) + "/|0|0";
}

long peak_rss_kb()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

std::uint64_t disk_bytes(const fs::path& p)
{
    std::uint64_t total = 0;
    for (const auto& e : fs::recursive_directory_iterator(p)) {
        if (e.is_regular_file()) {
            total += e.file_size();
        }
    }
    return total;
}

/// What each store implements.
struct store {
    virtual ~store() = default;
    virtual void begin() = 0;
    virtual void put(const std::string& key, const std::string& value) = 0;
    virtual void commit() = 0;
    /// Reads up to `n` rows of (host, depth) after `after`; returns the last id read (or `after`).
    virtual std::uint64_t take(std::uint32_t host, std::uint32_t depth, std::uint64_t after, int n) = 0;
};

void must(bool ok, const char* what)
{
    if (!ok) {
        std::fprintf(stderr, "crawl-frontier-stores: %s failed\n", what);
        std::exit(1);
    }
}

struct sqlite_store final : store {
    sqlite3* db = nullptr;
    sqlite3_stmt* insert = nullptr;
    sqlite3_stmt* select = nullptr;
    explicit sqlite_store(const fs::path& dir)
    {
        must(sqlite3_open((dir / "frontier").c_str(), &db) == SQLITE_OK, "sqlite3_open");
        for (const char* sql : {"PRAGMA locking_mode=EXCLUSIVE", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=OFF",
                                "PRAGMA cache_size=-8192",
                                "CREATE TABLE url (id INTEGER PRIMARY KEY, host INTEGER, depth INTEGER, row TEXT)",
                                "CREATE INDEX queue ON url (host, depth, id)"}) {
            must(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK, sql);
        }
        must(sqlite3_prepare_v2(db, "INSERT INTO url (id, host, depth, row) VALUES (?1, ?2, ?3, ?4)", -1, &insert,
                                nullptr) == SQLITE_OK,
             "prepare");
        must(sqlite3_prepare_v2(db, "SELECT id, row FROM url WHERE host = ?1 AND depth = ?2 AND id > ?3 ORDER BY id LIMIT ?4",
                                -1, &select, nullptr) == SQLITE_OK,
             "prepare");
    }
    ~sqlite_store() override
    {
        sqlite3_finalize(insert);
        sqlite3_finalize(select);
        sqlite3_close(db);
    }
    void begin() override { sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr); }
    void put(const std::string& key, const std::string& value) override
    {
        std::uint64_t id = 0;
        std::uint32_t host = 0;
        std::uint32_t depth = 0;
        for (int i = 0; i < 4; ++i) {
            host = host << 8 | static_cast<unsigned char>(key[static_cast<std::size_t>(i)]);
            depth = depth << 8 | static_cast<unsigned char>(key[static_cast<std::size_t>(4 + i)]);
        }
        for (int i = 0; i < 8; ++i) {
            id = id << 8 | static_cast<unsigned char>(key[static_cast<std::size_t>(8 + i)]);
        }
        sqlite3_bind_int64(insert, 1, static_cast<sqlite3_int64>(id));
        sqlite3_bind_int64(insert, 2, host);
        sqlite3_bind_int64(insert, 3, depth);
        sqlite3_bind_text(insert, 4, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
        must(sqlite3_step(insert) == SQLITE_DONE, "insert");
        sqlite3_reset(insert);
    }
    void commit() override { sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr); }
    std::uint64_t take(std::uint32_t host, std::uint32_t depth, std::uint64_t after, int n) override
    {
        sqlite3_bind_int64(select, 1, host);
        sqlite3_bind_int64(select, 2, depth);
        sqlite3_bind_int64(select, 3, static_cast<sqlite3_int64>(after));
        sqlite3_bind_int64(select, 4, n);
        while (sqlite3_step(select) == SQLITE_ROW) {
            after = static_cast<std::uint64_t>(sqlite3_column_int64(select, 0));
            (void)sqlite3_column_text(select, 1);
        }
        sqlite3_reset(select);
        return after;
    }
};

struct lmdb_store final : store {
    MDB_env* env = nullptr;
    MDB_dbi dbi = 0;
    MDB_txn* txn = nullptr;
    explicit lmdb_store(const fs::path& dir)
    {
        must(mdb_env_create(&env) == 0, "mdb_env_create");
        must(mdb_env_set_mapsize(env, std::size_t{16} << 30) == 0, "mdb_env_set_mapsize");
        // No fsync (as crawl's SQLite): a killed process loses nothing committed.
        must(mdb_env_open(env, dir.c_str(), MDB_NOSYNC | MDB_NOMETASYNC, 0644) == 0, "mdb_env_open");
        MDB_txn* t = nullptr;
        mdb_txn_begin(env, nullptr, 0, &t);
        must(mdb_dbi_open(t, nullptr, 0, &dbi) == 0, "mdb_dbi_open");
        mdb_txn_commit(t);
    }
    ~lmdb_store() override { mdb_env_close(env); }
    void begin() override { must(mdb_txn_begin(env, nullptr, 0, &txn) == 0, "mdb_txn_begin"); }
    void put(const std::string& key, const std::string& value) override
    {
        MDB_val k{key.size(), const_cast<char*>(key.data())};
        MDB_val v{value.size(), const_cast<char*>(value.data())};
        must(mdb_put(txn, dbi, &k, &v, 0) == 0, "mdb_put");
    }
    void commit() override { must(mdb_txn_commit(txn) == 0, "mdb_txn_commit"); }
    std::uint64_t take(std::uint32_t host, std::uint32_t depth, std::uint64_t after, int n) override
    {
        MDB_txn* t = nullptr;
        mdb_txn_begin(env, nullptr, MDB_RDONLY, &t);
        MDB_cursor* c = nullptr;
        mdb_cursor_open(t, dbi, &c);
        const std::string from = key_of(host, depth, after + 1);
        MDB_val k{from.size(), const_cast<char*>(from.data())};
        MDB_val v{};
        int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
        for (int i = 0; i < n && rc == 0 && k.mv_size == 16 && std::memcmp(k.mv_data, from.data(), 8) == 0; ++i) {
            const auto* b = static_cast<const unsigned char*>(k.mv_data);
            after = 0;
            for (int j = 8; j < 16; ++j) {
                after = after << 8 | b[j];
            }
            rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(c);
        mdb_txn_abort(t);
        return after;
    }
};

struct rocksdb_store final : store {
    std::unique_ptr<rocksdb::DB> db;
    rocksdb::WriteBatch batch;
    explicit rocksdb_store(const fs::path& dir)
    {
        rocksdb::Options o;
        o.create_if_missing = true;
        // Memory held to the supervisor's budget: an 8 MiB memtable and block cache.
        o.write_buffer_size = 8 << 20;
        o.max_write_buffer_number = 2;
        rocksdb::BlockBasedTableOptions t;
        t.block_cache = rocksdb::NewLRUCache(8 << 20);
        o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
        rocksdb::DB* raw = nullptr;
        must(rocksdb::DB::Open(o, dir.string(), &raw).ok(), "rocksdb::DB::Open");
        db.reset(raw);
    }
    void begin() override { batch.Clear(); }
    void put(const std::string& key, const std::string& value) override { batch.Put(key, value); }
    void commit() override
    {
        rocksdb::WriteOptions w; // WAL on, no fsync (sync = false): as the others
        must(db->Write(w, &batch).ok(), "rocksdb write");
    }
    std::uint64_t take(std::uint32_t host, std::uint32_t depth, std::uint64_t after, int n) override
    {
        const std::string from = key_of(host, depth, after + 1);
        std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
        it->Seek(from);
        for (int i = 0; i < n && it->Valid() && it->key().size() == 16 && std::memcmp(it->key().data(), from.data(), 8) == 0;
             ++i) {
            const auto* b = reinterpret_cast<const unsigned char*>(it->key().data());
            after = 0;
            for (int j = 8; j < 16; ++j) {
                after = after << 8 | b[j];
            }
            it->Next();
        }
        return after;
    }
};

void run(const char* name, store& s, const workload& w, const fs::path& dir, long rss_before)
{
    std::mt19937_64 random(1);
    std::vector<std::uint64_t> taken_to(w.hosts, 0);
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t id = 0;
    std::uint32_t next_host = 0;
    while (id < w.urls) {
        s.begin();
        for (std::uint32_t i = 0; i < w.batch && id < w.urls; ++i) {
            ++id;
            const auto host = static_cast<std::uint32_t>(random() % w.hosts);
            s.put(key_of(host, 1, id), row_of(id, host));
        }
        s.commit();
        // The coordinator draws about as many URLs as were found: a host's next 16, in turn.
        if (id % (16 * std::uint64_t{w.batch}) < w.batch) {
            for (int round = 0; round < 2; ++round) {
                taken_to[next_host] = s.take(next_host, 1, taken_to[next_host], 16);
                next_host = (next_host + 1) % w.hosts;
            }
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%-8s %8.2f us per URL  %6.1f bytes on disk per URL  peak RSS +%ld KiB\n", name,
                1e6 * seconds / static_cast<double>(w.urls),
                static_cast<double>(disk_bytes(dir)) / static_cast<double>(w.urls), peak_rss_kb() - rss_before);
}

} // namespace

int main(int argc, char** argv)
{
    workload w;
    std::string only;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--urls") {
            w.urls = std::strtoull(argv[i + 1], nullptr, 10);
        } else if (a == "--hosts") {
            w.hosts = static_cast<std::uint32_t>(std::strtoul(argv[i + 1], nullptr, 10));
        } else if (a == "--batch") {
            w.batch = static_cast<std::uint32_t>(std::strtoul(argv[i + 1], nullptr, 10));
        } else if (a == "--dir") {
            w.dir = argv[i + 1];
        } else if (a == "--only") {
            only = argv[i + 1];
        } else {
            std::fprintf(stderr, "usage: crawl-frontier-stores [--urls N] [--hosts H] [--batch B] [--dir DIR] [--only NAME]\n");
            return 2;
        }
    }
    std::printf("%llu URLs over %u hosts, a commit per %u URLs\n", static_cast<unsigned long long>(w.urls), w.hosts,
                w.batch);
    for (const std::string name : {"sqlite", "lmdb", "rocksdb"}) {
        if (!only.empty() && only != name) {
            continue;
        }
        const fs::path dir = fs::path(w.dir) / name;
        fs::remove_all(dir);
        fs::create_directories(dir);
        const long rss = peak_rss_kb();
        if (name == "sqlite") {
            sqlite_store s(dir);
            run("sqlite", s, w, dir, rss);
        } else if (name == "lmdb") {
            lmdb_store s(dir);
            run("lmdb", s, w, dir, rss);
        } else {
            rocksdb_store s(dir);
            run("rocksdb", s, w, dir, rss);
        }
        fs::remove_all(dir);
    }
    return 0;
}
