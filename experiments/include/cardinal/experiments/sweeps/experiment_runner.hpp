#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cardinal/experiments/store/run_index.hpp"
#include "cardinal/experiments/store/run_store.hpp"
#include "cardinal/experiments/sweeps/experiment.hpp"

namespace cardinal {

/// Where an experiment's runs live: `<store>/index.sqlite` (RunIndex) and a RunStore
/// `<store>/runs/`, one RunDirectory per run, `<store>/runs/<run_id>/`, holding `settings.json`
/// (the hashed settings), `run.json` (the experiment, variant, sweep point and command line),
/// `log.txt` (the command's output), `output/` (what the command writes; a command that resumes
/// keeps its own state there) and the marker of its one stage, `run/DONE.json`, once the command
/// exited with status 0.
class ExperimentStore {
 public:
  /// Touches nothing on disk: the index is opened (and created) on first use, so that merely
  /// planning runs (`cardinal experiment show`, --dry-run) leaves no store behind.
  explicit ExperimentStore(std::filesystem::path root);
  const std::filesystem::path& root() const { return root_; }
  RunIndex& index();

  /// The run's directory (created, with settings.json and run.json) and its index row; an
  /// existing run keeps its status.
  std::filesystem::path prepare(const ExperimentDefinition& definition, const std::string& variant,
                                const PlannedRun& run);
  bool is_done(const PlannedRun& run) const;

  /// The full command line of a run: the command, its options, and where its output goes.
  std::vector<std::string> command_line(const PlannedRun& run, int threads) const;

  /// Runs one run in a child process (`executable` = the cardinal binary), output to its
  /// log, updating the index; returns the exit status. A finished run is not run again.
  int execute(const PlannedRun& run, const std::filesystem::path& executable, int threads);

  /// Starts a run without waiting: its process id. finish() records the outcome.
  int start(const PlannedRun& run, const std::filesystem::path& executable, int threads);
  void finish(const PlannedRun& run, int exit_status, double seconds);

 private:
  RunStore runs() const;
  std::filesystem::path run_path(const PlannedRun& run) const;
  std::filesystem::path root_;
  std::unique_ptr<RunIndex> index_;
};

/// Runs `runs` as up to `jobs` concurrent child processes (finished ones are reused), calling
/// `on_finished(run, exit_status)` after each (0 for a reused run). Returns the failed count.
Index run_locally(ExperimentStore& store, const std::vector<PlannedRun>& runs,
                  const std::filesystem::path& executable, int jobs, int threads,
                  const std::function<void(const PlannedRun&, int, bool reused)>& on_finished);

/// The versions a run records next to its results (run.json): cardinal's release and git
/// commit, the compiler, LibTorch and Eigen.
nlohmann::json software_versions();

/// The running program's own executable (/proc/self/exe).
std::filesystem::path current_executable();

}  // namespace cardinal
