// `cardinal solve` on seeded mutations of valid data and config files, run as a user runs it:
// every run exits 0 or 2, and a refused one leaves nothing behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "experiments/command_runner.hpp"
#include "fuzz/fuzz_files.hpp"
#include "fuzz/mutator.hpp"

namespace cardinal {
namespace {
namespace fs = std::filesystem;

/// Processes per format: each pays the program's start-up (about a second, loading LibTorch), so
/// far fewer than the in-process rounds of the other fuzz tests.
constexpr int kRuns = 6;

void fuzz_command(const std::string& name, const std::string& seed_input,
                  const std::string& file_name, const std::string& arguments) {
  const test::FuzzFolder folder("command-" + name);
  const fs::path output = folder.path() / "out";
  test::Mutator mutator(7);
  int accepted = 0;
  for (int run = 0; run < kRuns; ++run) {
    // The first run is the valid input itself: the baseline every mutation departs from.
    const fs::path input =
        folder.write(file_name, run == 0 ? seed_input : mutator.mutate(seed_input, 2));
    const test::CommandResult r = test::run_cardinal(
        arguments + " " + input.string() + " --quiet --overwrite --output " + output.string());
    ASSERT_TRUE(r.status == 0 || r.status == 2)
        << name << " run " << run << ": exit " << r.status << "\n"
        << r.output;
    if (r.status == 0) {
      ++accepted;
      EXPECT_TRUE(fs::is_regular_file(output / "solution.json")) << name << " run " << run;
      fs::remove_all(output);
    } else {
      EXPECT_NE(r.output.find("error"), std::string::npos) << r.output;
    }
    for (const auto& entry : fs::directory_iterator(folder.path()))
      EXPECT_EQ(entry.path().filename(), file_name)
          << name << " run " << run << " left " << entry.path();
  }
  EXPECT_GT(accepted, 0) << name;
}

TEST(CommandFuzz, SolveOnMutatedLibsvmData) {
  fuzz_command("libsvm", test::read_test_data("convex/small.svm"), "data.svm",
               "solve --problem least-squares --solver omp --sparsity 1 --data");
}

TEST(CommandFuzz, SolveOnMutatedCsvData) {
  fuzz_command("csv", test::read_test_data("convex/small.csv"), "data.csv",
               "solve --problem least-squares --solver fgs --sparsity 1 --data");
}

TEST(CommandFuzz, SolveWithAMutatedConfig) {
  fuzz_command("config",
               "problem = least-squares\nsynthetic = true\nsamples = 30\ndimension = 20\n"
               "planted = 2\nseed = 3\nsolver = omp\nsparsity = 2\n",
               "solve.cfg", "solve --config");
}

}  // namespace
}  // namespace cardinal
