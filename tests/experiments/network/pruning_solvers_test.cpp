// The one-shot pruning `cardinal prune`'s flags describe (parse_one_shot_pruning), which the
// command and the Python module (cardinal.network.prune) share.
#include "cardinal/experiments/network/pruning_solvers.hpp"

#include <gtest/gtest.h>

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/commands/commands.hpp"

namespace cardinal {
namespace {

namespace po = boost::program_options;

OneShotPruningOptions parse(const std::vector<std::string>& args) {
  po::variables_map values;
  po::store(po::command_line_parser(args).options(prune_command_options()).run(), values);
  po::notify(values);
  return parse_one_shot_pruning(values);
}

std::string refusal(const std::vector<std::string>& args) {
  try {
    parse(args);
  } catch (const InvalidInput& error) {
    return error.what();
  }
  return "(accepted)";
}

TEST(ParseOneShotPruning, TheDefaultsAreThoseOfCardinalPrune) {
  const OneShotPruningOptions o = parse({"--sparsity=0.5"});
  EXPECT_EQ(o.sparsity, 0.5);
  EXPECT_EQ(o.method, OneShotMethod::kLayerwise);
  EXPECT_EQ(o.allocation, BudgetAllocation::kGlobalMagnitude);
  EXPECT_EQ(o.budget, LayerBudgetScope::kRow);
  EXPECT_EQ(o.inputs, CalibrationInputs::kSequential);
  EXPECT_EQ(o.ridge, 0.01);
  EXPECT_EQ(o.max_patches, kDefaultMaxPatches);
  EXPECT_EQ(o.woodfisher_steps, 1);
  EXPECT_TRUE(o.row_solver && o.layer_solver && o.fisher_solver);
}

TEST(ParseOneShotPruning, ReadsEveryFlag) {
  const OneShotPruningOptions o =
      parse({"--sparsity=0.75", "--method=layerwise", "--budget=layer", "--solver=fcfgs",
             "--allocation=uniform", "--calibration-inputs=parallel", "--ridge=0.5",
             "--max-patches=7", "--max-iterations=3"});
  EXPECT_EQ(o.sparsity, 0.75);
  EXPECT_EQ(o.budget, LayerBudgetScope::kLayer);
  EXPECT_EQ(o.allocation, BudgetAllocation::kUniform);
  EXPECT_EQ(o.inputs, CalibrationInputs::kParallel);
  EXPECT_EQ(o.ridge, 0.5);
  EXPECT_EQ(o.max_patches, 7);
  EXPECT_EQ(parse({"--sparsity=0.5", "--method=obs", "--allocation=reconstruction"}).allocation,
            BudgetAllocation::kReconstruction);
  const OneShotPruningOptions w =
      parse({"--sparsity=0.25", "--method=woodfisher", "--woodfisher-steps=3"});
  EXPECT_EQ(w.method, OneShotMethod::kWoodFisher);
  EXPECT_EQ(w.woodfisher_steps, 3);
}

TEST(ParseOneShotPruning, RefusesWhatTheCommandRefuses) {
  EXPECT_EQ(refusal({"--sparsity=1.5"}), "--sparsity must lie in (0, 1), got 1.500000");
  EXPECT_EQ(refusal({"--sparsity=0.5", "--method=nosuch"}),
            "--method must be one of magnitude, magnitude-layerwise, obs, layerwise, fisher, "
            "woodfisher, got 'nosuch'");
  EXPECT_EQ(refusal({"--sparsity=0.5", "--method=obs", "--solver=fgs"}),
            "--solver applies to --method layerwise and fisher only");
  EXPECT_EQ(refusal({"--sparsity=0.5", "--method=magnitude", "--allocation=uniform"}),
            "--allocation applies to --method obs and layerwise only");
  EXPECT_EQ(refusal({"--sparsity=0.5", "--allocation=magnitude"}),
            "--allocation must be one of uniform, global, reconstruction, got 'magnitude'");
  EXPECT_EQ(refusal({"--sparsity=0.5", "--method=obs", "--woodfisher-steps=2"}),
            "--woodfisher-steps applies to --method woodfisher only");
  EXPECT_EQ(refusal({"--sparsity=0.5", "--max-iterations=0"}),
            "--max-iterations must be at least 1");
  EXPECT_EQ(refusal({"--sparsity=0.5", "--method=fisher", "--solver=lasso"}),
            "--solver lasso is not available for --method fisher (the l1 path runs on the layer "
            "problems)");
  EXPECT_EQ(refusal({"--sparsity=0.5", "--method=layerwise", "--start=magnitude"}),
            "--start applies to --method fisher only");
  EXPECT_EQ(refusal({"--sparsity=0.5", "--method=fisher", "--solver=iht", "--start=middle"}),
            "--start must be zero or magnitude, got 'middle'");
  EXPECT_EQ(refusal({"--sparsity=0.5", "--method=fisher", "--solver=fcfgs", "--start=magnitude"}),
            "--start magnitude: --solver fcfgs is greedy and selects from the empty support (use "
            "iht, niht, htp, grasp, cosamp or splicing)");
  EXPECT_EQ(refusal({"--sparsity=0.5", "--ridge=-1"}),
            "--ridge must be finite and non-negative, got -1.000000");
}

}  // namespace
}  // namespace cardinal
