#pragma once

// Runs the `cardinal` binary as a user would, for the end-to-end command tests.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/wait.h>

namespace cardinal::test {

struct CommandResult {
  int status;
  std::string output;  // stdout and stderr
};

/// Runs `cardinal ARGS` (with `environment` assignments such as "VAR=value" in front).
inline CommandResult run_cardinal(const std::string& args, const std::string& environment = "") {
  const std::string command =
      environment + " " + std::string(CARDINAL_BINARY) + " " + args + " 2>&1";
  std::FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WEXITSTATUS(status), output};
}

/// The whole content of a file (empty if it cannot be read).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace cardinal::test
