#pragma once

// Runs the `cardinal` binary as a user would, for the end-to-end command tests.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

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

/// A test with its own scratch directory, `<tmp>/cardinal-<tag>-<test name>-<pid>`, created
/// empty before the test and removed after it. `requires_torch` skips the test in a build
/// without LibTorch.
class ScratchTest : public ::testing::Test {
 protected:
  ScratchTest(std::string tag, bool requires_torch)
      : tag_(std::move(tag)), torch_(requires_torch) {}
  void SetUp() override {
#ifndef CARDINAL_WITH_TORCH
    if (torch_) GTEST_SKIP() << "built without LibTorch";
#endif
    dir_ = std::filesystem::temp_directory_path() /
           ("cardinal-" + tag_ + "-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
            std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  /// A path inside the scratch directory.
  std::string out(const std::string& name) const {
    return (dir_ / name).string();
  }

  std::filesystem::path dir_;

 private:
  std::string tag_;
  bool torch_;
};

}  // namespace cardinal::test
