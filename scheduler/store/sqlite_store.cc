// StateStore on an embedded SQLite database in WAL mode with
// synchronous=FULL, so a committed transaction survives a crash.
// Rows hold the serialised API message plus the columns we filter on.
// Thread-safe: one connection behind a mutex.
#include <sqlite3.h>

#include <filesystem>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "scheduler/store/state_store.h"

namespace hetsched::store {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  state INTEGER NOT NULL,
  owner TEXT NOT NULL,
  queue TEXT NOT NULL,
  submit_time_ms INTEGER NOT NULL,
  body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
  name TEXT PRIMARY KEY,
  body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL,
  body BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_job ON events(job_id, seq);
CREATE TABLE IF NOT EXISTS retired_jobs (
  id TEXT PRIMARY KEY,
  body BLOB NOT NULL);
)sql";

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return stmt_; }
  void Text(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()),
                      SQLITE_TRANSIENT);
  }
  void Blob(int i, const std::string& s) {
    sqlite3_bind_blob(stmt_, i, s.data(), static_cast<int>(s.size()),
                      SQLITE_TRANSIENT);
  }
  void Int(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  std::string ColumnBlob(int i) {
    const void* p = sqlite3_column_blob(stmt_, i);
    return p ? std::string(static_cast<const char*>(p),
                           sqlite3_column_bytes(stmt_, i))
             : std::string();
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

class SqliteStore final : public StateStore {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override { sqlite3_close(db_); }

  absl::Status Init() {
    RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL;"));
    RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL;"));
    RETURN_IF_ERROR(Exec("PRAGMA busy_timeout=5000;"));
    return Exec(kSchema);
  }

  absl::Status Write(const WriteBatch& batch) override {
    if (batch.empty()) return absl::OkStatus();
    std::lock_guard<std::mutex> lock(mu_);
    RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE;"));
    absl::Status s = WriteLocked(batch);
    if (!s.ok()) {
      (void)Exec("ROLLBACK;");
      return s;
    }
    return Exec("COMMIT;");
  }

  absl::StatusOr<std::vector<v1::Job>> LoadJobs() override {
    return LoadAll<v1::Job>(
        "SELECT body FROM jobs ORDER BY submit_time_ms, id");
  }
  absl::StatusOr<std::vector<v1::Node>> LoadNodes() override {
    return LoadAll<v1::Node>("SELECT body FROM nodes ORDER BY name");
  }
  absl::StatusOr<std::map<std::string, std::vector<v1::JobEvent>>>
  LoadAllEvents() override {
    ASSIGN_OR_RETURN(auto events, LoadAll<v1::JobEvent>(
                                      "SELECT body FROM events ORDER BY seq"));
    return GroupByJob(std::move(events));
  }
  absl::StatusOr<std::vector<v1::Job>> LoadRetired() override {
    return LoadAll<v1::Job>("SELECT body FROM retired_jobs ORDER BY id");
  }
  absl::StatusOr<std::vector<v1::JobEvent>> LoadEvents(
      const std::string& job_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement st(db_, "SELECT body FROM events WHERE job_id = ? ORDER BY seq");
    if (!st.ok()) return Error("prepare events query");
    st.Text(1, job_id);
    return ReadRows<v1::JobEvent>(st);
  }

 private:
  absl::Status WriteLocked(const WriteBatch& batch) {
    for (const auto& job : batch.jobs) {
      Statement st(db_,
                   "INSERT OR REPLACE INTO jobs(id, state, owner, queue, "
                   "submit_time_ms, body) VALUES(?,?,?,?,?,?)");
      if (!st.ok()) return Error("prepare job insert");
      st.Text(1, job.id());
      st.Int(2, job.state());
      st.Text(3, job.spec().owner());
      st.Text(4, job.spec().queue());
      st.Int(5, job.submit_time_ms());
      st.Blob(6, job.SerializeAsString());
      RETURN_IF_ERROR(Step(st, "write job " + job.id()));
    }
    for (const auto& name : batch.deleted_nodes) {
      Statement st(db_, "DELETE FROM nodes WHERE name = ?");
      if (!st.ok()) return Error("prepare node delete");
      st.Text(1, name);
      RETURN_IF_ERROR(Step(st, "delete node " + name));
    }
    for (const auto& node : batch.nodes) {
      Statement st(db_, "INSERT OR REPLACE INTO nodes(name, body) VALUES(?,?)");
      if (!st.ok()) return Error("prepare node insert");
      st.Text(1, node.info().name());
      st.Blob(2, node.SerializeAsString());
      RETURN_IF_ERROR(Step(st, "write node " + node.info().name()));
    }
    for (const auto& event : batch.events) {
      Statement st(db_, "INSERT INTO events(job_id, body) VALUES(?,?)");
      if (!st.ok()) return Error("prepare event insert");
      st.Text(1, event.job_id());
      st.Blob(2, event.SerializeAsString());
      RETURN_IF_ERROR(Step(st, "write event"));
    }
    for (const auto& summary : batch.retired_jobs) {
      for (const char* sql : {"DELETE FROM jobs WHERE id = ?",
                              "DELETE FROM events WHERE job_id = ?"}) {
        Statement st(db_, sql);
        if (!st.ok()) return Error("prepare retirement");
        st.Text(1, summary.id());
        RETURN_IF_ERROR(Step(st, "retire job " + summary.id()));
      }
      Statement st(db_,
                   "INSERT OR REPLACE INTO retired_jobs(id, body) VALUES(?,?)");
      if (!st.ok()) return Error("prepare retired insert");
      st.Text(1, summary.id());
      st.Blob(2, summary.SerializeAsString());
      RETURN_IF_ERROR(Step(st, "write retired job " + summary.id()));
    }
    return absl::OkStatus();
  }

  template <typename Message>
  absl::StatusOr<std::vector<Message>> LoadAll(const char* sql) {
    std::lock_guard<std::mutex> lock(mu_);
    Statement st(db_, sql);
    if (!st.ok()) return Error("prepare load");
    return ReadRows<Message>(st);
  }

  template <typename Message>
  absl::StatusOr<std::vector<Message>> ReadRows(Statement& st) {
    std::vector<Message> out;
    int rc;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      Message m;
      if (!m.ParseFromString(st.ColumnBlob(0))) {
        return absl::DataLossError("store: a row does not parse");
      }
      out.push_back(std::move(m));
    }
    if (rc != SQLITE_DONE) return Error("read rows");
    return out;
  }

  absl::Status Step(Statement& st, const std::string& what) {
    if (sqlite3_step(st.get()) != SQLITE_DONE) return Error(what);
    return absl::OkStatus();
  }

  absl::Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return absl::UnavailableError(absl::StrCat("store: ", msg));
    }
    return absl::OkStatus();
  }

  absl::Status Error(const std::string& what) {
    return absl::UnavailableError(
        absl::StrCat("store: ", what, ": ", sqlite3_errmsg(db_)));
  }

  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<StateStore>> StateStore::OpenSqlite(
    const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("--data-dir ", data_dir, ": ", ec.message()));
  }
  const std::string path = data_dir + "/hetsched.db";
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(
          path.c_str(), &db,
          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
          nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return absl::FailedPreconditionError(absl::StrCat(path, ": ", msg));
  }
  auto store = std::make_unique<SqliteStore>(db);
  RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<StateStore>(std::move(store));
}

}  // namespace hetsched::store
