#pragma once

// Submitting a sweep to SLURM as one job array: task I of the array runs the I-th run.

#include <filesystem>
#include <string>
#include <vector>

#include "cardinal/bridge/index.hpp"

namespace cardinal {

/// One SLURM job array, array indices 0..tasks-1, every task running `command`.
struct SlurmArrayJob {
  std::string name;        ///< job name (--job-name); empty: SLURM's default, the script name
  Index tasks = 0;         ///< N >= 1: array indices 0..N-1
  Index max_parallel = 0;  ///< at most this many tasks at once (--array=...%M); 0: no limit
  Index cpus_per_task = 1;
  std::string time_limit;  ///< --time, e.g. "01:00:00"; empty: the partition's default
  std::string partition;   ///< --partition; empty: the default partition
  /// Further directives, written after the others in the given order: a line starting with
  /// "#SBATCH" is copied verbatim, any other (e.g. "--mem=4G") gets "#SBATCH " in front.
  std::vector<std::string> extra_directives;
  /// Each task writes its output (stdout and stderr) to `<log_directory>/<job id>_<index>.log`.
  /// The directory must exist when the tasks start (write_slurm_array_script creates it). A
  /// relative path is relative to the job's working directory, the one sbatch was run from.
  std::filesystem::path log_directory;
  /// The argv of one task. The text `$SLURM_ARRAY_TASK_ID`, wherever it occurs in an argument,
  /// is replaced by the task's array index when the task runs; everything else is passed
  /// through verbatim.
  std::vector<std::string> command;
};

/// The sbatch script for `job`, a bash script: `#!/bin/bash`, the `#SBATCH` directives
/// (--job-name, --array=0-(N-1)[%M], --cpus-per-task, --output=<log_directory>/%A_%a.log, then
/// --time, --partition when set, then the extra directives), `set -euo pipefail`, and
/// `exec` of the command. Arguments are quoted for the shell: plain words
/// ([A-Za-z0-9@%+=:,./_-]) stay bare, anything else is single-quoted ('\'' for a quote inside),
/// and `$SLURM_ARRAY_TASK_ID` becomes "$SLURM_ARRAY_TASK_ID" so that it expands. Directive values
/// other than plain words are double-quoted for sbatch's own parser (\ and " escaped), and a
/// `%` in the log directory is doubled so that only %A and %a are file-name patterns.
/// Throws InvalidInput for tasks < 1, max_parallel < 0, cpus_per_task < 1, an empty command or
/// log directory, a line break in any field, or a backslash in the log directory (which would
/// switch SLURM's file-name patterns off).
std::string slurm_array_script(const SlurmArrayJob& job);

/// Creates `job.log_directory` and writes slurm_array_script(job) to `script` atomically
/// (write_file_atomically), executable by its owner.
void write_slurm_array_script(const std::filesystem::path& script, const SlurmArrayJob& job);

/// Runs `sbatch --parsable SCRIPT` (sbatch found on PATH; the environment, SLURM_CONF included,
/// is passed on) and returns the job id it prints. Throws InvalidInput "--slurm: sbatch not
/// found: is SLURM installed?" when there is no sbatch, and one holding sbatch's exit status and
/// error output when it fails or prints no job id.
std::string submit_slurm_array(const std::filesystem::path& script);

}  // namespace cardinal
