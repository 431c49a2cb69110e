#pragma once

// A one-node SLURM cluster for the job-array tests, started with scripts/start-slurm into a
// directory of its own and stopped with scripts/stop-slurm.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <thread>

#include <sys/wait.h>

#include "experiments/command_runner.hpp"

namespace cardinal::test {

/// Runs `command` with /bin/sh; its stdout and stderr together.
inline CommandResult run_shell(const std::string& command) {
  std::FILE* pipe = popen((command + " 2>&1 </dev/null").c_str(), "r");
  if (pipe == nullptr) return {-1, "cannot run: " + command};
  std::string output;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

/// Why this machine cannot start a SLURM cluster, or empty when it can.
inline std::string why_no_slurm() {
  std::string missing;
  for (const char* program :
       {"sbatch", "squeue", "sinfo", "scancel", "slurmctld", "slurmd", "munged"}) {
    bool found = false;
    for (const char* directory :
         {"/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin", "/usr/local/sbin"})
      found = found || ::access((std::string(directory) + "/" + program).c_str(), X_OK) == 0;
    if (!found) missing += std::string(missing.empty() ? "" : ", ") + program;
  }
  if (!missing.empty())
    return "SLURM is not installed (no " + missing +
           "): install the Debian packages slurm-wlm and munge to run this test";
  if (::geteuid() != 0)
    return "starting slurmd needs root: run the tests as root to include this one";
  return "";
}

/// A running one-node cluster; SLURM_CONF points at it while the object lives, so that sbatch,
/// squeue and every program the test starts use it.
class SlurmCluster {
 public:
  /// Starts the cluster in `state_directory` (created; a path without blanks). Throws
  /// std::runtime_error with start-slurm's output if it does not come up.
  explicit SlurmCluster(std::filesystem::path state_directory)
      : directory_(std::move(state_directory)) {
    const CommandResult started = run_shell(script("start-slurm") + " " + directory_.string());
    const std::string conf = (directory_ / "slurm.conf").string();
    if (started.status != 0 ||
        started.output.find("export SLURM_CONF=" + conf + "\n") == std::string::npos) {
      stop(directory_);
      throw std::runtime_error("scripts/start-slurm failed:\n" + started.output);
    }
    if (const char* previous = std::getenv("SLURM_CONF")) previous_conf_ = previous;
    ::setenv("SLURM_CONF", conf.c_str(), 1);
  }

  ~SlurmCluster() {
    stop(directory_);
    if (previous_conf_.empty())
      ::unsetenv("SLURM_CONF");
    else
      ::setenv("SLURM_CONF", previous_conf_.c_str(), 1);
  }

  SlurmCluster(const SlurmCluster&) = delete;
  SlurmCluster& operator=(const SlurmCluster&) = delete;

  /// Waits until squeue no longer lists job `id` (all tasks of an array finished, or gone).
  /// False if it is still listed after `timeout`.
  bool wait_for(const std::string& id, std::chrono::seconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const CommandResult queued = run_shell("squeue -h -o %i -j " + id);
      // A job purged from slurmctld's memory makes squeue fail with "Invalid job id".
      if (queued.output.find_first_not_of(" \n") == std::string::npos ||
          queued.output.find("Invalid job id") != std::string::npos)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return false;
  }

  /// What SLURM and its daemons say, for a failure message: the job's records and the ends of
  /// the daemon logs.
  std::string report(const std::string& id) const {
    return run_shell("scontrol show job " + id + "; tail -n 30 " +
                     (directory_ / "slurmctld.log").string() + " " +
                     (directory_ / "slurmd.log").string())
        .output;
  }

  /// Stops whatever runs in `state_directory`, e.g. a cluster a crashed test left behind.
  static void stop(const std::filesystem::path& state_directory) {
    run_shell(script("stop-slurm") + " " + state_directory.string());
  }

 private:
  static std::string script(const std::string& name) {
    return (std::filesystem::path(CARDINAL_TEST_DATA_DIR).parent_path().parent_path() / "scripts" /
            name)
        .string();
  }

  std::filesystem::path directory_;
  std::string previous_conf_;
};

}  // namespace cardinal::test
