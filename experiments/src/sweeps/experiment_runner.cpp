#include "cardinal/experiments/sweeps/experiment_runner.hpp"

#include <Eigen/Core>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/network_module.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"
#include "cardinal/experiments/store/run_store.hpp"

extern char** environ;

namespace cardinal {
namespace fs = std::filesystem;
namespace {

/// An experiment's run is one stage: the command, complete once it exited with status 0.
constexpr const char* kRunStage = "run";

bool accepts(const std::string& command, const std::string& option) {
  const Command* c = find_command(command);
  return c != nullptr && c->options != nullptr &&
         c->options().find_nothrow(option, /*approx=*/false) != nullptr;
}

/// The option through which each command is told where to write. A rerun of an unfinished run
/// replaces a staged output (--overwrite); phase-transition resumes its own output instead.
std::vector<std::string> output_arguments(const std::string& command, const fs::path& output) {
  if (command == "lottery") return {"--store=" + output.string()};
  std::vector<std::string> args = {"--output=" + output.string()};
  if (command != "phase-transition" && accepts(command, "overwrite")) args.push_back("--overwrite");
  return args;
}

/// Steady-clock start times of the children, for their durations.
std::map<int, std::chrono::steady_clock::time_point>& start_times() {
  static std::map<int, std::chrono::steady_clock::time_point> times;
  return times;
}

}  // namespace

nlohmann::json software_versions() {
  nlohmann::json versions = {
      {"cardinal", CARDINAL_VERSION},
      {"git", CARDINAL_GIT_DESCRIBE},
      {"compiler", __VERSION__},
      {"eigen", std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) +
                    "." + std::to_string(EIGEN_MINOR_VERSION)}};
  versions.update(network_versions());
  return versions;
}

fs::path current_executable() {
  return fs::read_symlink("/proc/self/exe");
}

ExperimentStore::ExperimentStore(fs::path root) : root_(std::move(root)) {}

RunIndex& ExperimentStore::index() {
  if (!index_) index_ = std::make_unique<RunIndex>(root_);
  return *index_;
}

RunStore ExperimentStore::runs() const {
  return RunStore(root_ / "runs");
}

fs::path ExperimentStore::run_path(const PlannedRun& run) const {
  return runs().path(run.command, run.settings);
}

fs::path ExperimentStore::prepare(const ExperimentDefinition& definition,
                                  const std::string& variant, const PlannedRun& run) {
  const RunDirectory directory = runs().open(run.command, run.settings);
  require(directory.path().filename() == run.run_id, "run store: unexpected run directory");
  const nlohmann::json description = {{"experiment", definition.name},
                                      {"version", definition.version},
                                      {"variant", variant},
                                      {"arm", run.arm},
                                      {"point", run.point},
                                      {"command", run.command},
                                      {"arguments", command_line(run, 0)},
                                      {"versions", software_versions()}};
  write_file_atomically(directory.path() / "run.json", description.dump(2) + "\n");
  const auto existing = index().get(run.run_id);
  RunRecord record{run.run_id,
                   definition.name,
                   definition.version,
                   variant,
                   run.command,
                   run.point,
                   run.settings,
                   is_done(run) ? "done" : "planned",
                   is_done(run) ? 0 : -1,
                   fs::relative(directory.path(), root_).string()};
  if (existing) {
    record.status = existing->status == "done" || is_done(run) ? "done" : existing->status;
    record.exit_code = existing->exit_code;
    record.started = existing->started;
    record.finished = existing->finished;
    record.seconds = existing->seconds;
  }
  index().put(record);
  return directory.path();
}

bool ExperimentStore::is_done(const PlannedRun& run) const {
  return RunDirectory::is_complete(run_path(run), kRunStage);
}

std::vector<std::string> ExperimentStore::command_line(const PlannedRun& run, int threads) const {
  std::vector<std::string> args = {run.command};
  for (std::string& a : to_arguments(run.options)) args.push_back(std::move(a));
  for (std::string& a : output_arguments(run.command, run_path(run) / "output"))
    args.push_back(std::move(a));
  // Runs that differ only in how they prune share their dense network.
  if (accepts(run.command, "dense-cache") && !run.options.contains("weights"))
    args.push_back("--dense-cache=" + (root_ / "cache").string());
  if (threads > 0 && !run.options.contains("threads") && accepts(run.command, "threads"))
    args.push_back("--threads=" + std::to_string(threads));
  return args;
}

int ExperimentStore::start(const PlannedRun& run, const fs::path& executable, int threads) {
  const std::vector<std::string> args = command_line(run, threads);
  std::vector<char*> argv;
  std::string program = executable.string();
  argv.push_back(program.data());
  std::vector<std::string> copies = args;
  for (std::string& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);

  const fs::path log = run_path(run) / "log.txt";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, executable.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  require(rc == 0, "cannot start " + executable.string() + " for run " + run.run_id);
  start_times()[pid] = std::chrono::steady_clock::now();
  index().set_status(run.run_id, "running", -1, utc_now(), "", 0.0);
  return pid;
}

void ExperimentStore::finish(const PlannedRun& run, int exit_status, double seconds) {
  const auto record = index().get(run.run_id);
  const std::string started = record ? record->started : "";
  if (exit_status == 0) {
    runs()
        .open(run.command, run.settings)
        .mark_complete(kRunStage, {{"exit_status", 0}, {"seconds", seconds}});
  }
  index().set_status(run.run_id, exit_status == 0 ? "done" : "failed", exit_status, started,
                     utc_now(), seconds);
}

int ExperimentStore::execute(const PlannedRun& run, const fs::path& executable, int threads) {
  if (is_done(run)) return 0;
  const int pid = start(run, executable, threads);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_times()[pid]).count();
  start_times().erase(pid);
  const int exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  finish(run, exit_status, seconds);
  return exit_status;
}

Index run_locally(ExperimentStore& store, const std::vector<PlannedRun>& runs,
                  const fs::path& executable, int jobs, int threads,
                  const std::function<void(const PlannedRun&, int, bool)>& on_finished) {
  require(jobs >= 1, "--jobs must be at least 1");
  std::map<int, const PlannedRun*> running;
  std::size_t next = 0;
  Index failed = 0;
  while (next < runs.size() || !running.empty()) {
    while (static_cast<int>(running.size()) < jobs && next < runs.size()) {
      const PlannedRun& run = runs[next++];
      if (store.is_done(run)) {
        if (on_finished) on_finished(run, 0, true);
        continue;
      }
      running[store.start(run, executable, threads)] = &run;
    }
    if (running.empty()) break;
    int status = 0;
    const int pid = waitpid(-1, &status, 0);
    if (pid < 0) continue;
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_times()[pid])
            .count();
    start_times().erase(pid);
    const int exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    store.finish(*it->second, exit_status, seconds);
    if (exit_status != 0) ++failed;
    if (on_finished) on_finished(*it->second, exit_status, false);
    running.erase(it);
  }
  return failed;
}

}  // namespace cardinal
