#include "cardinal/nonconvex/pruning/network_pruner.hpp"

#include <gtest/gtest.h>
#include <torch/nn/modules/linear.h>

#include <Eigen/Core>
#include <limits>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"
#include "cardinal/nonconvex/models/lenet.hpp"
#include "cardinal/nonconvex/pruning/fisher_model.hpp"
#include "cardinal/nonconvex/pruning/woodfisher.hpp"

namespace cardinal {
namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Eigen::MatrixXd to_eigen(const torch::Tensor& t) {
  const torch::Tensor d = t.detach().to(torch::kDouble).contiguous();
  return Eigen::Map<const RowMajor>(d.data_ptr<double>(), d.size(0), d.size(1));
}

OneShotPruningOptions omp_options(CalibrationInputs inputs) {
  OneShotPruningOptions options;
  options.sparsity = 0.6;
  options.allocation = BudgetAllocation::kUniform;
  options.ridge = 0.0;
  options.inputs = inputs;
  options.row_solver = [](const CovarianceProblem& problem, Index k) {
    OrthogonalMatchingPursuitOptions o;
    o.stopping.objective_level = -std::numeric_limits<double>::infinity();
    return OrthogonalMatchingPursuit(o).minimize(problem, k).w;
  };
  return options;
}

MultilayerPerceptron seeded_network() {
  torch::manual_seed(3);
  return MultilayerPerceptron(8, {6}, 3);
}

/// A small MLP (8 → 6 → 3) and 40 calibration examples, the same for every seed-3 fixture.
struct Fixture {
  MultilayerPerceptron network = seeded_network();
  torch::Tensor calibration = torch::randn({40, 8}, torch::kFloat);
};

TEST(OneShotPruning, EachLayerSolvesItsReconstructionOnItsInputs) {
  for (CalibrationInputs mode : {CalibrationInputs::kSequential, CalibrationInputs::kParallel}) {
    Fixture f;
    const auto layers = f.network.layers();
    const Eigen::MatrixXd w0 = to_eigen(layers[0]->weight), w1 = to_eigen(layers[1]->weight);
    const Eigen::RowVectorXd b0 = to_eigen(layers[0]->bias.unsqueeze(0));
    const Eigen::MatrixXd x0 = to_eigen(f.calibration);
    const OneShotPruningOptions options = omp_options(mode);

    const OneShotPruning result = prune_one_shot(f.network, f.calibration, options);

    const LayerReconstruction first = LayerReconstruction::from_inputs(w0, x0, 0.0);
    const PrunedLayer p0 = prune_rows(first, row_budgets(6, 8, 48 - 29), options.row_solver);
    EXPECT_LE((to_eigen(layers[0]->weight) - p0.weights).lpNorm<Eigen::Infinity>(), 1e-6);
    // The second layer reads relu(X Ŵ₀ᵀ + b₀) (sequential) or relu(X W₀ᵀ + b₀) (parallel).
    const Eigen::MatrixXd& w_in = mode == CalibrationInputs::kSequential ? p0.weights : w0;
    const Eigen::MatrixXd x1 = ((x0 * w_in.transpose()).rowwise() + b0).cwiseMax(0.0);
    const LayerReconstruction second = LayerReconstruction::from_inputs(w1, x1, 0.0);
    const PrunedLayer p1 = prune_rows(second, row_budgets(3, 6, 18 - 11), options.row_solver);
    EXPECT_LE((to_eigen(layers[1]->weight) - p1.weights).lpNorm<Eigen::Infinity>(), 1e-6);

    ASSERT_EQ(result.layers.size(), 2u);
    EXPECT_EQ(result.layers[0].kept, 19);
    EXPECT_EQ(result.layers[1].kept, 7);
    EXPECT_NEAR(result.layers[1].error, second.error(p1.weights), 1e-9);
    EXPECT_EQ(result.mask.remaining(), 26);
    // Pruned weights are exactly zero.
    for (std::size_t l = 0; l < 2; ++l)
      EXPECT_TRUE(layers[l]
                      ->weight.masked_select(result.mask.keep(l).logical_not())
                      .eq(0)
                      .all()
                      .item<bool>());
  }
}

TEST(OneShotPruning, BaselinesKeepTheSameBudgets) {
  for (OneShotMethod method :
       {OneShotMethod::kMagnitudeLayerwise, OneShotMethod::kOptimalBrainSurgeon}) {
    Fixture f;
    OneShotPruningOptions options = omp_options(CalibrationInputs::kSequential);
    options.method = method;
    options.ridge = 0.01;
    const OneShotPruning result = prune_one_shot(f.network, f.calibration, options);
    EXPECT_EQ(result.layers[0].kept, 19) << to_string(method);
    EXPECT_EQ(result.layers[1].kept, 7) << to_string(method);
  }
  Fixture f;
  OneShotPruningOptions options = omp_options(CalibrationInputs::kSequential);
  options.method = OneShotMethod::kMagnitudeGlobal;
  const OneShotPruning global = prune_one_shot(f.network, f.calibration, options);
  EXPECT_EQ(global.mask.remaining(), 66 - 40);
  // The global allocation gives every layer the count global magnitude pruning left it.
  for (OneShotMethod method : {OneShotMethod::kLayerwise, OneShotMethod::kOptimalBrainSurgeon}) {
    Fixture g;
    OneShotPruningOptions allocated = omp_options(CalibrationInputs::kSequential);
    allocated.method = method;
    allocated.ridge = 0.01;
    allocated.allocation = BudgetAllocation::kGlobalMagnitude;
    const OneShotPruning result = prune_one_shot(g.network, g.calibration, allocated);
    for (std::size_t l = 0; l < 2; ++l)
      EXPECT_EQ(result.layers[l].kept, global.layers[l].kept) << to_string(method) << l;
  }
  options.sparsity = 1.0;
  EXPECT_THROW(prune_one_shot(f.network, f.calibration, options), InvalidInput);
  options.sparsity = 0.5;
  EXPECT_THROW(prune_one_shot(f.network, torch::zeros({5, 7}), options), InvalidInput);
}

/// The network's prunable weights stacked in prunable_tensors order (the Fisher model's order).
Eigen::VectorXd stacked(MultilayerPerceptron& network) {
  std::vector<double> values;
  for (const torch::nn::Linear& layer : network.layers()) {
    const torch::Tensor flat = layer->weight.detach().flatten().to(torch::kDouble).contiguous();
    values.insert(values.end(), flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
  }
  return Eigen::Map<const Eigen::VectorXd>(values.data(), static_cast<Index>(values.size()));
}

TEST(OneShotPruning, FisherMethodsSolveTheGlobalFisherModel) {
  for (OneShotMethod method : {OneShotMethod::kFisher, OneShotMethod::kWoodFisher}) {
    Fixture f;
    const torch::Tensor labels = torch::randint(3, {40}, torch::kLong);
    const CenteredRidgeProblem problem = fisher_model(f.network, f.calibration, labels, 0.05);
    OneShotPruningOptions options = omp_options(CalibrationInputs::kSequential);
    options.method = method;
    options.ridge = 0.05;
    options.fisher_solver = [](const CenteredRidgeProblem& p, Index k) {
      OrthogonalMatchingPursuitOptions o;
      o.stopping.objective_level = -std::numeric_limits<double>::infinity();
      return OrthogonalMatchingPursuit(o).minimize(p, k).w;
    };
    const OneShotPruning result = prune_one_shot(f.network, f.calibration, options, labels);

    // 66 weights, round(0.6 · 66) = 40 removed, wherever the global solution puts them.
    EXPECT_EQ(result.mask.remaining(), 26) << to_string(method);
    EXPECT_EQ(result.layers[0].kept + result.layers[1].kept, 26);
    const Eigen::VectorXd expected = method == OneShotMethod::kFisher
                                         ? options.fisher_solver(problem, 26)
                                         : woodfisher(problem, 26).w;
    const Eigen::VectorXd w = stacked(f.network);
    EXPECT_LE((w - expected).lpNorm<Eigen::Infinity>(), 1e-6) << to_string(method);
    ASSERT_TRUE(result.fisher.has_value());
    EXPECT_EQ(result.fisher->examples, 40);
    EXPECT_NEAR(result.fisher->objective, problem.value(expected), 1e-9);
    Index offset = 0;
    for (std::size_t l = 0; l < 2; ++l) {
      const torch::Tensor keep = result.mask.keep(result.layers[l].name).flatten();
      for (int64_t j = 0; j < keep.numel(); ++j)
        if (!keep[j].item<bool>()) EXPECT_EQ(w[offset + j], 0.0);
      offset += keep.numel();
    }
  }
  Fixture f;
  OneShotPruningOptions options = omp_options(CalibrationInputs::kSequential);
  options.method = OneShotMethod::kFisher;
  EXPECT_THROW(prune_one_shot(f.network, f.calibration, options), InvalidInput);  // no solver
  options.method = OneShotMethod::kWoodFisher;
  options.ridge = 0.0;
  EXPECT_THROW(prune_one_shot(f.network, f.calibration, options), InvalidInput);  // no damping
}

TEST(PruneWithin, ADenseMaskWithTheAllocationsCountsIsOneShotPruning) {
  for (OneShotMethod method : {OneShotMethod::kLayerwise, OneShotMethod::kOptimalBrainSurgeon}) {
    OneShotPruningOptions options = omp_options(CalibrationInputs::kSequential);
    options.method = method;
    options.ridge = 0.01;
    Fixture a, b;
    const OneShotPruning one_shot = prune_one_shot(a.network, a.calibration, options);
    std::vector<Index> kept;
    for (const LayerPruningReport& layer : one_shot.layers) kept.push_back(layer.kept);
    const OneShotPruning within =
        prune_within(b.network, b.calibration, options, Mask::dense(b.network), kept);
    EXPECT_TRUE(within.mask == one_shot.mask) << to_string(method);
    for (std::size_t l = 0; l < 2; ++l)
      EXPECT_TRUE(torch::equal(a.network.layers()[l]->weight, b.network.layers()[l]->weight))
          << to_string(method) << l;
  }
}

TEST(PruneWithin, PrunesInsideTheMaskToExactlyTheCounts) {
  for (OneShotMethod method : {OneShotMethod::kLayerwise, OneShotMethod::kOptimalBrainSurgeon}) {
    OneShotPruningOptions options = omp_options(CalibrationInputs::kSequential);
    options.method = method;
    options.ridge = 0.01;
    Fixture f;
    const OneShotPruning first = prune_one_shot(f.network, f.calibration, options);  // 19, 7 kept
    const OneShotPruning second =
        prune_within(f.network, f.calibration, options, first.mask, {11, 4});
    EXPECT_EQ(second.layers[0].kept, 11);
    EXPECT_EQ(second.layers[1].kept, 4);
    EXPECT_TRUE(second.mask.intersect(first.mask) == second.mask) << to_string(method);
    const auto layers = f.network.layers();
    for (std::size_t l = 0; l < 2; ++l)
      EXPECT_TRUE(layers[l]
                      ->weight.masked_select(second.mask.keep(l).logical_not())
                      .eq(0)
                      .all()
                      .item<bool>());
    // Keeping everything the mask keeps changes nothing: the weights are their own best
    // reconstruction on their support.
    const torch::Tensor before = layers[0]->weight.clone();
    const OneShotPruning same = prune_within(f.network, f.calibration, options, second.mask,
                                             {second.layers[0].kept, second.layers[1].kept});
    EXPECT_TRUE(same.mask == second.mask);
    EXPECT_LE((layers[0]->weight - before).abs().max().item<double>(), 1e-5);
    EXPECT_THROW(prune_within(f.network, f.calibration, options, second.mask, {12, 4}),
                 InvalidInput);
  }
  Fixture f;
  OneShotPruningOptions options = omp_options(CalibrationInputs::kSequential);
  options.method = OneShotMethod::kMagnitudeGlobal;
  EXPECT_THROW(prune_within(f.network, f.calibration, options, Mask::dense(f.network), {10, 5}),
               InvalidInput);
  options.method = OneShotMethod::kLayerwise;
  options.budget = BudgetScope::kLayer;
  EXPECT_THROW(prune_within(f.network, f.calibration, options, Mask::dense(f.network), {10, 5}),
               InvalidInput);
}

}  // namespace
}  // namespace cardinal
