// `cardinal solve --problem network` end to end: the convex command line, one flag apart.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "experiments/command_runner.hpp"

#ifdef CARDINAL_WITH_TORCH
#include "cardinal/nonconvex/pruning/mask.hpp"
#endif

namespace cardinal {
namespace {
namespace fs = std::filesystem;

const std::string kNetwork =
    "--problem network --model lenet300 --dataset fashion-mnist "
    "--data-dir " CARDINAL_TEST_DATA_DIR "/nonconvex/fashion-mnist-gz --batch-size 8 --seed 3 ";

class SolveNetwork : public test::ScratchTest {
 protected:
  SolveNetwork() : ScratchTest("solve-network", true) {}

  /// The trace without its wall-clock column.
  static std::vector<std::string> trace_without_seconds(const fs::path& file) {
    std::istringstream in(test::read_file(file));
    std::vector<std::string> rows;
    for (std::string line; std::getline(in, line);) rows.push_back(line.substr(0, line.rfind(',')));
    return rows;
  }
};

TEST_F(SolveNetwork, TheSameCommandLineRunsOnBothRegimesWithTheSameTraceColumns) {
  const auto convex = test::run_cardinal(
      "solve --problem logistic --synthetic --samples 100 --dimension 50 --planted 5 "
      "--solver iht --sparsity 0.1 --max-iterations 20 -q -o " +
      out("convex"));
  ASSERT_EQ(convex.status, 0) << convex.output;
  const auto network = test::run_cardinal("solve " + kNetwork +
                                          "--solver iht --step 0.05 --sparsity 0.1 "
                                          "--max-iterations 12 -q -o " +
                                          out("network"));
  ASSERT_EQ(network.status, 0) << network.output;

  const auto header = [](const fs::path& file) {
    const std::string text = test::read_file(file);
    return text.substr(0, text.find('\n'));
  };
  EXPECT_EQ(header(out("convex") + "/trace.csv"), header(out("network") + "/trace.csv"));
  EXPECT_EQ(trace_without_seconds(out("network") + "/trace.csv").size(), 1u + 1u + 12u);

  const auto solution = nlohmann::json::parse(test::read_file(out("network") + "/solution.json"));
  // LeNet-300-100 has 266,200 prunable weights; 10% of them is the budget, met exactly.
  EXPECT_EQ(solution["features"], 266200);
  EXPECT_EQ(solution["sparsity"], 26620);
  EXPECT_EQ(solution["nonzeros"], 26620);
  EXPECT_EQ(solution["nonzero_weights"], 26620);
  EXPECT_EQ(solution["iterations"], 12);
#ifdef CARDINAL_WITH_TORCH
  const Mask mask = Mask::load(out("network") + "/mask.mask");
  EXPECT_EQ(mask.remaining(), 26620);
#endif
}

TEST_F(SolveNetwork, RerunsAreBitIdenticalAndEveryGenericSolverRuns) {
  for (const std::string solver : {"iht", "gmp", "dpf", "acdc", "rigl", "set"}) {
    // The dynamic sparse training methods at Erdős–Rényi-Kernel layer densities.
    const std::string scope =
        solver == "rigl" || solver == "set" ? " --pruning-scope erk --drop-fraction 0.5" : "";
    const std::string args = "solve " + kNetwork + "--solver " + solver + scope +
                             " --step 0.05 --sparsity 0.2 --max-iterations 20 "
                             "--update-period 4 -q -o ";
    const auto first = test::run_cardinal(args + out(solver + "-1"));
    const auto second = test::run_cardinal(args + out(solver + "-2"));
    ASSERT_EQ(first.status, 0) << first.output;
    ASSERT_EQ(second.status, 0) << second.output;
    EXPECT_EQ(trace_without_seconds(out(solver + "-1") + "/trace.csv"),
              trace_without_seconds(out(solver + "-2") + "/trace.csv"))
        << solver;
    const auto solution =
        nlohmann::json::parse(test::read_file(out(solver + "-1") + "/solution.json"));
    EXPECT_EQ(solution["nonzeros"], 53240) << solver;
  }
  // The greedy solvers grow from a sparse start and retrain on the support at every step.
  const auto fcfgs = test::run_cardinal("solve " + kNetwork +
                                        "--solver fcfgs --sparsity 0.01 "
                                        "--coordinates-per-step 1000 --iterations 2 -q -o " +
                                        out("fcfgs"));
  ASSERT_EQ(fcfgs.status, 0) << fcfgs.output;
  const auto solution = nlohmann::json::parse(test::read_file(out("fcfgs") + "/solution.json"));
  EXPECT_EQ(solution["nonzeros"], 2662);
  EXPECT_EQ(solution["stop_reason"], "budget_reached");
  EXPECT_EQ(solution["restricted_solves"], solution["iterations"].get<int>() + 1);
}

TEST_F(SolveNetwork, NeuronGranularityPrunesWholeHiddenUnits) {
  const auto run = test::run_cardinal("solve " + kNetwork +
                                      "--solver iht --step 0.05 --granularity neurons "
                                      "--sparsity 40 --max-iterations 5 -q -o " +
                                      out("neurons"));
  ASSERT_EQ(run.status, 0) << run.output;
  const auto solution = nlohmann::json::parse(test::read_file(out("neurons") + "/solution.json"));
  EXPECT_EQ(solution["features"], 300 + 100);  // the output layer is left dense
  EXPECT_EQ(solution["nonzeros"], 40);
#ifdef CARDINAL_WITH_TORCH
  const Mask mask = Mask::load(out("neurons") + "/mask.mask");
  const Index kept_rows_fc1 = mask.remaining("fc1.weight") / 784;
  const Index kept_rows_fc2 = mask.remaining("fc2.weight") / 300;
  EXPECT_EQ(mask.remaining("fc1.weight") % 784, 0);
  EXPECT_EQ(mask.remaining("fc2.weight") % 300, 0);
  EXPECT_EQ(kept_rows_fc1 + kept_rows_fc2, 40);
  EXPECT_EQ(mask.remaining("fc.weight"), mask.total("fc.weight"));
#endif
}

TEST_F(SolveNetwork, GradualPruningTakesTheConvexPrunerAsItsPruningStep) {
  const std::string args = "solve " + kNetwork +
                           "--solver gmp --step 0.05 --sparsity 0.05 --max-iterations 12 "
                           "--update-period 4 -q ";
  const std::string convex_flags = "--pruner layerwise --pruner-solver omp --calibration 50 ";
  const auto magnitude = test::run_cardinal(args + "-o " + out("magnitude"));
  const auto convex = test::run_cardinal(args + convex_flags + "-o " + out("convex"));
  const auto again = test::run_cardinal(args + convex_flags + "-o " + out("again"));
  ASSERT_EQ(magnitude.status, 0) << magnitude.output;
  ASSERT_EQ(convex.status, 0) << convex.output;
  ASSERT_EQ(again.status, 0) << again.output;
  const auto solution = nlohmann::json::parse(test::read_file(out("convex") + "/solution.json"));
  EXPECT_EQ(solution["nonzeros"], 13310);
  EXPECT_EQ(solution["nonzero_weights"], 13310);
  EXPECT_EQ(solution["pruner"]["method"], "layerwise");
  EXPECT_EQ(solution["pruner"]["solver"], "omp");
  EXPECT_EQ(solution["pruner"]["calibration"], 50);
  EXPECT_FALSE(nlohmann::json::parse(test::read_file(out("magnitude") + "/solution.json"))
                   .contains("pruner"));
  EXPECT_EQ(trace_without_seconds(out("convex") + "/trace.csv"),
            trace_without_seconds(out("again") + "/trace.csv"));
  EXPECT_NE(trace_without_seconds(out("convex") + "/trace.csv"),
            trace_without_seconds(out("magnitude") + "/trace.csv"));
#ifdef CARDINAL_WITH_TORCH
  const Mask mask = Mask::load(out("convex") + "/mask.mask");
  EXPECT_EQ(mask.remaining(), 13310);
  EXPECT_FALSE(mask == Mask::load(out("magnitude") + "/mask.mask"));
#endif

  const auto iht = test::run_cardinal("solve " + kNetwork +
                                      "--solver iht --step 0.05 --sparsity 0.05 "
                                      "--pruner layerwise -o " +
                                      out("x"));
  EXPECT_EQ(iht.status, 2);
  EXPECT_NE(iht.output.find("--pruner replaces the pruning step of gmp, dpf and acdc"),
            std::string::npos)
      << iht.output;
  const auto solver_alone = test::run_cardinal(args + "--pruner-solver iht -o " + out("x"));
  EXPECT_EQ(solver_alone.status, 2);
  EXPECT_NE(solver_alone.output.find("--pruner-solver applies to --pruner layerwise only"),
            std::string::npos)
      << solver_alone.output;
  const auto trains =
      test::run_cardinal(args + "--pruner layerwise --pruner-solver gmp -o " + out("x"));
  EXPECT_EQ(trains.status, 2);
  EXPECT_NE(trains.output.find("--pruner-solver gmp trains a network"), std::string::npos)
      << trains.output;
  EXPECT_FALSE(fs::exists(out("x"))) << "no partial output";
}

TEST_F(SolveNetwork, BadInputExitsWithStatusTwoAndAClearMessage) {
  const auto omp =
      test::run_cardinal("solve " + kNetwork + "--solver omp --sparsity 0.1 -o " + out("x"));
  EXPECT_EQ(omp.status, 2);
  EXPECT_NE(omp.output.find("applies to convex problems only"), std::string::npos) << omp.output;
  const auto no_step =
      test::run_cardinal("solve " + kNetwork + "--solver iht --sparsity 0.1 -o " + out("x"));
  EXPECT_EQ(no_step.status, 2);
  EXPECT_NE(no_step.output.find("--step"), std::string::npos) << no_step.output;
  const auto too_many = test::run_cardinal(
      "solve " + kNetwork + "--solver iht --step 0.1 --sparsity 300000 -o " + out("x"));
  EXPECT_EQ(too_many.status, 2);
  EXPECT_NE(too_many.output.find("exceeds the dimension 266200"), std::string::npos)
      << too_many.output;
  const auto layer = test::run_cardinal("solve " + kNetwork +
                                        "--solver iht --step 0.1 --sparsity 0.1 "
                                        "--dense-layers fc9.weight -o " +
                                        out("x"));
  EXPECT_EQ(layer.status, 2);
  EXPECT_NE(layer.output.find("fc9.weight"), std::string::npos) << layer.output;
  const auto precision = test::run_cardinal(
      "solve " + kNetwork + "--solver iht --step 0.1 --sparsity 0.1 --precision float32 -o " +
      out("x"));
  EXPECT_EQ(precision.status, 2);
  EXPECT_NE(precision.output.find("--precision applies to convex designs"), std::string::npos)
      << precision.output;
  EXPECT_FALSE(fs::exists(out("x"))) << "no partial output";
}

}  // namespace
}  // namespace cardinal
