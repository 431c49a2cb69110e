#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace cardinal {

/// One run of an experiment as the index records it.
struct RunRecord {
  std::string run_id;      ///< the run directory's name, `<command>-<settings hash>`
  std::string experiment;  ///< definition name ("" for a run made outside an experiment)
  int version = 0;         ///< definition version
  std::string variant;
  std::string command;      ///< the `cardinal` command that produced it (lottery, solve, ...)
  nlohmann::json point;     ///< the sweep coordinates of this run, e.g. {"seed": 2}
  nlohmann::json settings;  ///< the resolved, hashed settings
  std::string status;       ///< planned | running | done | failed
  int exit_code = -1;
  std::string directory;  ///< relative to the store root
  std::string started;    ///< ISO 8601 UTC, "" if never started
  std::string finished;
  double seconds = 0.0;
};

/// The queryable index of a run store: an SQLite database `<store>/index.sqlite` with one row
/// per run (table `runs`, columns as RunRecord; point and settings as JSON text). Safe for
/// concurrent writers (local sweep workers, SLURM array tasks): WAL journal and a busy
/// timeout, one short transaction per write.
///
/// The run directories stay the source of truth; the index can be rebuilt from them.
class RunIndex {
 public:
  /// Opens (creating) the index of the store at `root`. Throws InvalidInput naming the file if
  /// it is not an SQLite database or cannot be written.
  explicit RunIndex(const std::filesystem::path& root);
  ~RunIndex();
  RunIndex(const RunIndex&) = delete;
  RunIndex& operator=(const RunIndex&) = delete;

  /// Inserts `record`, or replaces the row with its run_id.
  void put(const RunRecord& record);

  /// Sets the status (and exit code, times) of an existing run.
  void set_status(const std::string& run_id, const std::string& status, int exit_code,
                  const std::string& started, const std::string& finished, double seconds);

  /// The row of `run_id`, if any.
  std::optional<RunRecord> get(const std::string& run_id) const;

  /// All rows, optionally of one experiment only, ordered by experiment, then insertion.
  std::vector<RunRecord> list(const std::string& experiment = "") const;

 private:
  struct Database;
  std::unique_ptr<Database> db_;
  std::filesystem::path path_;
};

/// The current time as ISO 8601 UTC ("2026-11-25T16:04:05Z").
std::string utc_now();

}  // namespace cardinal
