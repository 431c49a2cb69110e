// Config files and experiment definitions on seeded mutations of valid ones: each is read or
// refused with the documented input error (no other exception, no crash).
#include <gtest/gtest.h>

#include <boost/program_options/errors.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cardinal/experiments/commands/command_line.hpp"
#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/solving/convex_problem_options.hpp"
#include "cardinal/experiments/sweeps/experiment.hpp"
#include "fuzz/fuzz_files.hpp"
#include "fuzz/mutator.hpp"

namespace cardinal {
namespace {

/// `action`, with an option error (boost::program_options::error, what parse_command_line
/// throws for a bad option) reported as the InvalidInput it becomes at the command line.
template <class F>
auto as_input_error(F action) {
  return [action] {
    try {
      action();
    } catch (const boost::program_options::error& e) {
      throw InvalidInput(e.what());
    }
  };
}

TEST(OptionsFuzz, ConfigFilesParseOrAreRefused) {
  const std::vector<std::string> corpus = {
      test::read_test_data("../../experiments/configs/solve-default.cfg"),
      "problem = logistic\nsynthetic = true\nsolver = iht\nsparsity = 0.1\nstep = 1e-3\n"
      "relative-decrease = 1e-8\nmax-iterations = 50\nlabel-column = 2\n"};
  const test::FuzzFolder folder("config");
  int accepted = 0, refused = 0;
  for (std::uint64_t seed = 0; seed < corpus.size(); ++seed) {
    test::Mutator mutator(seed, {"=", " = ", "[", "]", "sparsity", "seed = -1", "\n#"});
    for (int round = 0; round < test::kFuzzRounds / 2; ++round) {
      const std::string where =
          "config seed " + std::to_string(seed) + " round " + std::to_string(round);
      const auto file = folder.write("solve.cfg", mutator.mutate(corpus[seed]));
      std::ostringstream help;
      const bool ok = test::parses_or_refuses(as_input_error([&] {
                                                const auto values = parse_command_line(
                                                    "usage", solve_command_options(),
                                                    {"--config", file.string()}, help);
                                                if (values) solver_settings(*values);
                                              }),
                                              where);
      (ok ? accepted : refused) += 1;
    }
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(refused, 0);
}

TEST(OptionsFuzz, ExperimentDefinitionsParseAndPlanOrAreRefused) {
  const std::vector<std::string> corpus = {
      test::read_test_data("../../experiments/definitions/convex-smoke.json"),
      test::read_test_data("../../experiments/definitions/convex-bounds.json")};
  const test::FuzzFolder folder("definition");
  int accepted = 0, refused = 0;
  for (std::uint64_t seed = 0; seed < corpus.size(); ++seed) {
    test::Mutator mutator(seed, {"{", "}", "[", "]", "null", "true", "\"arms\"", "\"sweep\"",
                                 "\"plot\"", "\"label\"", "[1, 2]", "{}", "\"\""});
    for (int round = 0; round < test::kFuzzRounds / 4; ++round) {
      const std::string where =
          "definition seed " + std::to_string(seed) + " round " + std::to_string(round);
      folder.write("fuzzed.json", mutator.mutate(corpus[seed], 3));
      const bool ok = test::parses_or_refuses(
          [&] {
            const ExperimentDefinition d = find_experiment("fuzzed", folder.path());
            for (const PlannedRun& run : plan_runs(d, "", {})) EXPECT_FALSE(run.run_id.empty());
          },
          where);
      (ok ? accepted : refused) += 1;
    }
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace cardinal
