#include "cardinal/experiments/sweeps/slurm.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <sstream>
#include <string_view>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/shell.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"

extern char** environ;

namespace cardinal {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view task_id = "$SLURM_ARRAY_TASK_ID";

/// A command argument as one bash word in which every `$SLURM_ARRAY_TASK_ID` expands.
std::string shell_argument(std::string_view argument) {
  if (argument.empty()) return "''";
  std::string word;
  while (!argument.empty()) {
    const std::size_t at = argument.find(task_id);
    if (at != 0) word += shell_quote(argument.substr(0, at));
    if (at == std::string_view::npos) break;
    word += "\"" + std::string(task_id) + "\"";
    argument.remove_prefix(at + task_id.size());
  }
  return word;
}

/// A directive value for sbatch's parser of #SBATCH lines, which splits at blanks, treats an
/// unquoted # as the start of a comment, and removes quotes and backslashes.
std::string directive_value(std::string_view value) {
  if (is_plain_shell_word(value)) return std::string(value);
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '\\' || c == '"') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

void require_one_line(std::string_view text, const std::string& what) {
  require(text.find_first_of("\n\r") == std::string_view::npos,
          "SLURM job: " + what + " must not contain a line break");
}

std::string trimmed(std::string text) {
  const auto blank = " \t\r\n";
  text.erase(0, std::min(text.find_first_not_of(blank), text.size()));
  text.erase(text.find_last_not_of(blank) + 1);
  return text;
}

struct ProgramOutput {
  int status;  // exit status, or 128 + signal
  std::string out;
  std::string err;
};

/// Runs `argv` to completion with stdin from /dev/null, collecting stdout and stderr.
ProgramOutput run_program(const std::vector<std::string>& argv) {
  int out_pipe[2];
  int err_pipe[2];
  require(::pipe(out_pipe) == 0 && ::pipe(err_pipe) == 0,
          std::string("cannot create a pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
    posix_spawn_file_actions_addclose(&actions, fd);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawned != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw InvalidInput("cannot run " + argv[0] + ": " + std::strerror(spawned));
  }

  ProgramOutput result{0, {}, {}};
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_pipes = 2;
  while (open_pipes > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_pipes;
      }
    }
  }
  for (const pollfd& p : fds)
    if (p.fd >= 0) ::close(p.fd);

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace

std::string slurm_array_script(const SlurmArrayJob& job) {
  require(job.tasks >= 1,
          "SLURM job array: needs at least one task, got " + std::to_string(job.tasks));
  require(job.max_parallel >= 0, "SLURM job array: the limit on parallel tasks must be >= 0, got " +
                                     std::to_string(job.max_parallel));
  require(job.cpus_per_task >= 1,
          "SLURM job array: cpus per task must be >= 1, got " + std::to_string(job.cpus_per_task));
  require(!job.command.empty(), "SLURM job array: no command to run");
  require(!job.log_directory.empty(), "SLURM job array: no log directory");
  const std::string logs = job.log_directory.string();
  require(logs.find('\\') == std::string::npos,
          "SLURM job array: the log directory must not contain a backslash: " + logs);
  require_one_line(job.name, "the job name");
  require_one_line(logs, "the log directory");
  require_one_line(job.time_limit, "the time limit");
  require_one_line(job.partition, "the partition");
  for (const std::string& d : job.extra_directives) require_one_line(d, "a directive");
  for (const std::string& a : job.command) require_one_line(a, "a command argument");

  std::string output_pattern;
  for (char c : logs) output_pattern += c == '%' ? std::string("%%") : std::string(1, c);
  if (output_pattern.back() != '/') output_pattern += '/';
  output_pattern += "%A_%a.log";

  std::ostringstream s;
  s << "#!/bin/bash\n";
  if (!job.name.empty()) s << "#SBATCH --job-name=" << directive_value(job.name) << '\n';
  s << "#SBATCH --array=0-" << job.tasks - 1;
  if (job.max_parallel > 0) s << '%' << job.max_parallel;
  s << '\n'
    << "#SBATCH --cpus-per-task=" << job.cpus_per_task << '\n'
    << "#SBATCH --output=" << directive_value(output_pattern) << '\n';
  if (!job.time_limit.empty()) s << "#SBATCH --time=" << directive_value(job.time_limit) << '\n';
  if (!job.partition.empty()) s << "#SBATCH --partition=" << directive_value(job.partition) << '\n';
  for (const std::string& d : job.extra_directives) {
    const std::string line = trimmed(d);
    if (line.empty()) continue;
    s << (line.rfind("#SBATCH", 0) == 0 ? "" : "#SBATCH ") << line << '\n';
  }
  s << "set -euo pipefail\n"
    << "exec";
  for (const std::string& a : job.command) s << ' ' << shell_argument(a);
  s << '\n';
  return s.str();
}

void write_slurm_array_script(const fs::path& script, const SlurmArrayJob& job) {
  const std::string text = slurm_array_script(job);
  fs::create_directories(job.log_directory);
  write_file_atomically(script, text);
  fs::permissions(script, fs::perms::owner_exec, fs::perm_options::add);
}

std::string submit_slurm_array(const fs::path& script) {
  const std::optional<fs::path> sbatch = find_on_path("sbatch");
  require(sbatch.has_value(), "--slurm: sbatch not found: is SLURM installed?");
  const ProgramOutput result = run_program({sbatch->string(), "--parsable", script.string()});
  const std::string error = trimmed(result.err);
  require(result.status == 0, "--slurm: sbatch " + script.string() + " failed (exit status " +
                                  std::to_string(result.status) + ")" +
                                  (error.empty() ? std::string() : ": " + error));
  // --parsable prints "<job id>" or "<job id>;<cluster>".
  const std::string out = trimmed(result.out);
  const std::string id = out.substr(0, out.find(';'));
  const bool numeric = !id.empty() && id.find_first_not_of("0123456789") == std::string::npos;
  require(numeric, "--slurm: sbatch " + script.string() + " printed no job id (output: '" + out +
                       "'" + (error.empty() ? std::string() : ", errors: " + error) + ")");
  return id;
}

}  // namespace cardinal
