#include "cardinal/experiments/store/run_index.hpp"

#include <sqlite3.h>

#include <chrono>
#include <ctime>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace fs = std::filesystem;

struct RunIndex::Database {
  sqlite3* handle = nullptr;
  ~Database() {
    if (handle) sqlite3_close(handle);
  }
};

namespace {

/// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const fs::path& path) : db_(db), path_(path) {
    check(sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr), "prepare");
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int i, const std::string& text) {
    check(sqlite3_bind_text(statement_, i, text.c_str(), static_cast<int>(text.size()),
                            SQLITE_TRANSIENT),
          "bind");
  }
  void bind(int i, double value) { check(sqlite3_bind_double(statement_, i, value), "bind"); }
  void bind(int i, int value) { check(sqlite3_bind_int(statement_, i, value), "bind"); }
  /// Steps once: true when a row is available.
  bool step() {
    const int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    check(rc, "step");
    return false;
  }
  std::string text(int column) const {
    const auto* p = sqlite3_column_text(statement_, column);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  int integer(int column) const { return sqlite3_column_int(statement_, column); }
  double real(int column) const { return sqlite3_column_double(statement_, column); }

 private:
  void check(int rc, const char* what) const {
    if (rc != SQLITE_OK)
      throw InvalidInput("run index " + path_.string() + ": " + what + ": " + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
  fs::path path_;
};

constexpr const char* kColumns =
    "run_id, experiment, version, variant, command, point, settings, status, exit_code, "
    "directory, started, finished, seconds";

RunRecord read_record(const Statement& s) {
  RunRecord r;
  r.run_id = s.text(0);
  r.experiment = s.text(1);
  r.version = s.integer(2);
  r.variant = s.text(3);
  r.command = s.text(4);
  r.point = nlohmann::json::parse(s.text(5), nullptr, false);
  r.settings = nlohmann::json::parse(s.text(6), nullptr, false);
  r.status = s.text(7);
  r.exit_code = s.integer(8);
  r.directory = s.text(9);
  r.started = s.text(10);
  r.finished = s.text(11);
  r.seconds = s.real(12);
  return r;
}

}  // namespace

RunIndex::RunIndex(const fs::path& root) : db_(std::make_unique<Database>()) {
  fs::create_directories(root);
  path_ = root / "index.sqlite";
  if (sqlite3_open(path_.c_str(), &db_->handle) != SQLITE_OK)
    throw InvalidInput("run index " + path_.string() +
                       ": cannot open: " + sqlite3_errmsg(db_->handle));
  sqlite3_busy_timeout(db_->handle, 60000);
  char* error = nullptr;
  const char* schema =
      "PRAGMA journal_mode=WAL;"
      "CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, experiment TEXT, version "
      "INTEGER, variant TEXT, command TEXT, point TEXT, settings TEXT, status TEXT, exit_code "
      "INTEGER, directory TEXT, started TEXT, finished TEXT, seconds REAL, created INTEGER);";
  if (sqlite3_exec(db_->handle, schema, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw InvalidInput("run index " + path_.string() + ": " + message);
  }
}

RunIndex::~RunIndex() = default;

void RunIndex::put(const RunRecord& r) {
  Statement s(db_->handle,
              "INSERT INTO runs (run_id, experiment, version, variant, command, point, settings, "
              "status, exit_code, directory, started, finished, seconds, created) VALUES (?1, "
              "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
              "(SELECT COALESCE(MAX(created), 0) + 1 FROM runs)) ON CONFLICT(run_id) DO UPDATE "
              "SET experiment = ?2, version = ?3, variant = ?4, command = ?5, point = ?6, "
              "settings = ?7, status = ?8, exit_code = ?9, directory = ?10, started = ?11, "
              "finished = ?12, seconds = ?13",
              path_);
  s.bind(1, r.run_id);
  s.bind(2, r.experiment);
  s.bind(3, r.version);
  s.bind(4, r.variant);
  s.bind(5, r.command);
  s.bind(6, r.point.dump());
  s.bind(7, r.settings.dump());
  s.bind(8, r.status);
  s.bind(9, r.exit_code);
  s.bind(10, r.directory);
  s.bind(11, r.started);
  s.bind(12, r.finished);
  s.bind(13, r.seconds);
  s.step();
}

void RunIndex::set_status(const std::string& run_id, const std::string& status, int exit_code,
                          const std::string& started, const std::string& finished, double seconds) {
  Statement s(db_->handle,
              "UPDATE runs SET status = ?2, exit_code = ?3, started = ?4, finished = ?5, "
              "seconds = ?6 WHERE run_id = ?1",
              path_);
  s.bind(1, run_id);
  s.bind(2, status);
  s.bind(3, exit_code);
  s.bind(4, started);
  s.bind(5, finished);
  s.bind(6, seconds);
  s.step();
}

std::optional<RunRecord> RunIndex::get(const std::string& run_id) const {
  Statement s(db_->handle,
              (std::string("SELECT ") + kColumns + " FROM runs WHERE run_id = ?1").c_str(), path_);
  s.bind(1, run_id);
  if (!s.step()) return std::nullopt;
  return read_record(s);
}

std::vector<RunRecord> RunIndex::list(const std::string& experiment) const {
  const std::string sql = std::string("SELECT ") + kColumns + " FROM runs" +
                          (experiment.empty() ? "" : " WHERE experiment = ?1") +
                          " ORDER BY experiment, created";
  Statement s(db_->handle, sql.c_str(), path_);
  if (!experiment.empty()) s.bind(1, experiment);
  std::vector<RunRecord> out;
  while (s.step()) out.push_back(read_record(s));
  return out;
}

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace cardinal
