#include "cardinal/nonconvex/pruning/network_pruner.hpp"

#include <gtest/gtest.h>
#include <torch/nn/modules/linear.h>

#include <Eigen/Core>
#include <limits>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"
#include "cardinal/nonconvex/models/lenet.hpp"
#include "cardinal/nonconvex/models/resnet.hpp"
#include "cardinal/nonconvex/pruning/fisher_model.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"
#include "cardinal/nonconvex/pruning/row_budget_allocation.hpp"
#include "cardinal/nonconvex/pruning/woodfisher.hpp"
#include "nonconvex/pruning/conv_layers.hpp"
#include "nonconvex/pruning/tiny_networks.hpp"

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
  options.row_solver = testing::exact_budget_omp_rows();
  return options;
}

/// omp_options with `method` and damping 0.01 (OBS needs H invertible).
OneShotPruningOptions damped_options(OneShotMethod method,
                                     CalibrationInputs inputs = CalibrationInputs::kSequential) {
  OneShotPruningOptions options = omp_options(inputs);
  options.method = method;
  options.ridge = 0.01;
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
    // The second layer reads relu(X Ŵ₀ᵀ + b₀) (sequential) or relu(X W₀ᵀ + b₀) (parallel), as the
    // network computes it (in float: hence the tolerances).
    const Eigen::MatrixXd& w_in = mode == CalibrationInputs::kSequential ? p0.weights : w0;
    const Eigen::MatrixXd x1 = ((x0 * w_in.transpose()).rowwise() + b0).cwiseMax(0.0);
    const LayerReconstruction second = LayerReconstruction::from_inputs(w1, x1, 0.0);
    const PrunedLayer p1 = prune_rows(second, row_budgets(3, 6, 18 - 11), options.row_solver);
    EXPECT_LE((to_eigen(layers[1]->weight) - p1.weights).lpNorm<Eigen::Infinity>(), 1e-6);

    ASSERT_EQ(result.layers.size(), 2u);
    EXPECT_EQ(result.layers[0].kept, 19);
    EXPECT_EQ(result.layers[1].kept, 7);
    EXPECT_NEAR(result.layers[1].error, second.error(p1.weights), 1e-6 * second.output_energy());
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
    OneShotPruningOptions options = damped_options(method);
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
    OneShotPruningOptions allocated = damped_options(method);
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

/// allocate_along_error_paths on the OBS paths of `layers` (within `allowed`, one per layer),
/// each layer's paths divided by its damped energy: the reconstruction allocation, by hand.
std::vector<Index> reconstruction_allocation(const std::vector<LayerReconstruction>& layers,
                                             const std::vector<AllowedWeights>& allowed,
                                             Index kept) {
  std::vector<Eigen::VectorXd> paths;
  std::vector<double> scales;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const std::vector<Eigen::VectorXd> own = optimal_brain_surgeon_paths(layers[l], 0, allowed[l]);
    double energy = 0.0;
    for (const Eigen::VectorXd& path : own) energy += path[0];
    for (const Eigen::VectorXd& path : own) {
      paths.push_back(path);
      scales.push_back(1.0 / energy);
    }
  }
  return allocate_along_error_paths(paths, scales, kept);
}

TEST(OneShotPruning, ReconstructionAllocationGivesEachRowItsShareAlongTheObsPaths) {
  for (OneShotMethod method : {OneShotMethod::kOptimalBrainSurgeon, OneShotMethod::kLayerwise}) {
    for (CalibrationInputs mode : {CalibrationInputs::kSequential, CalibrationInputs::kParallel}) {
      Fixture f;
      const auto layers = f.network.layers();
      const Eigen::MatrixXd w0 = to_eigen(layers[0]->weight), w1 = to_eigen(layers[1]->weight);
      const Eigen::RowVectorXd b0 = to_eigen(layers[0]->bias.unsqueeze(0));
      const Eigen::MatrixXd x0 = to_eigen(f.calibration);
      // The allocation reads the dense network's inputs in either mode.
      const Eigen::MatrixXd x1 = ((x0 * w0.transpose()).rowwise() + b0).cwiseMax(0.0);
      const std::vector<Index> expected =
          reconstruction_allocation({LayerReconstruction::from_inputs(w0, x0, 0.01),
                                     LayerReconstruction::from_inputs(w1, x1, 0.01)},
                                    {AllowedWeights(), AllowedWeights()}, 66 - 40);

      OneShotPruningOptions options = damped_options(method, mode);
      options.allocation = BudgetAllocation::kReconstruction;
      const OneShotPruning result = prune_one_shot(f.network, f.calibration, options);
      SCOPED_TRACE(to_string(method) + " " + to_string(mode));
      EXPECT_EQ(result.mask.remaining(), 66 - 40);
      const torch::Tensor rows0 = result.mask.keep(0).sum(1), rows1 = result.mask.keep(1).sum(1);
      for (Index i = 0; i < 6; ++i) EXPECT_EQ(rows0[i].item<int64_t>(), expected[i]) << i;
      for (Index i = 0; i < 3; ++i) EXPECT_EQ(rows1[i].item<int64_t>(), expected[6 + i]) << i;
      for (std::size_t l = 0; l < 2; ++l)
        EXPECT_TRUE(layers[l]
                        ->weight.masked_select(result.mask.keep(l).logical_not())
                        .eq(0)
                        .all()
                        .item<bool>());
    }
  }
  EXPECT_EQ(parse_budget_allocation("reconstruction"), BudgetAllocation::kReconstruction);
  EXPECT_EQ(to_string(BudgetAllocation::kReconstruction), "reconstruction");
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
      return testing::exact_budget_omp().minimize(p, k).w;
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
    OneShotPruningOptions options = damped_options(method);
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
    OneShotPruningOptions options = damped_options(method);
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
  options.budget = LayerBudgetScope::kLayer;
  EXPECT_THROW(prune_within(f.network, f.calibration, options, Mask::dense(f.network), {10, 5}),
               InvalidInput);
}

TEST(PruneWithin, TheReconstructionAllocationSharesTheTotalAlongThePathsInsideTheMask) {
  for (OneShotMethod method : {OneShotMethod::kOptimalBrainSurgeon, OneShotMethod::kLayerwise}) {
    OneShotPruningOptions options = damped_options(method);
    Fixture f;
    const OneShotPruning first = prune_one_shot(f.network, f.calibration, options);  // 19, 7 kept
    // The paths inside the first mask, on the network as the first round left it.
    const auto layers = f.network.layers();
    const Eigen::MatrixXd w0 = to_eigen(layers[0]->weight), w1 = to_eigen(layers[1]->weight);
    const Eigen::RowVectorXd b0 = to_eigen(layers[0]->bias.unsqueeze(0));
    const Eigen::MatrixXd x0 = to_eigen(f.calibration);
    const Eigen::MatrixXd x1 = ((x0 * w0.transpose()).rowwise() + b0).cwiseMax(0.0);
    const auto allowed = [&first](std::size_t l) -> AllowedWeights {
      return to_eigen(first.mask.keep(l).to(torch::kDouble)).array() != 0;
    };
    const std::vector<Index> expected =
        reconstruction_allocation({LayerReconstruction::from_inputs(w0, x0, options.ridge),
                                   LayerReconstruction::from_inputs(w1, x1, options.ridge)},
                                  {allowed(0), allowed(1)}, 15);

    options.allocation = BudgetAllocation::kReconstruction;
    const OneShotPruning second =
        prune_within(f.network, f.calibration, options, first.mask, {11, 4});
    SCOPED_TRACE(to_string(method));
    EXPECT_EQ(second.mask.remaining(), 15);
    EXPECT_TRUE(second.mask.intersect(first.mask) == second.mask);
    const torch::Tensor rows0 = second.mask.keep(0).sum(1), rows1 = second.mask.keep(1).sum(1);
    for (Index i = 0; i < 6; ++i) EXPECT_EQ(rows0[i].item<int64_t>(), expected[i]) << i;
    for (Index i = 0; i < 3; ++i) EXPECT_EQ(rows1[i].item<int64_t>(), expected[6 + i]) << i;
  }
}

// Convolutions: each layer's problem is on its unfolded input patches.

/// SmallConvNet in double precision (so that the comparisons are to 1e-9) and 6 examples.
struct ConvFixture {
  testing::SmallConvNet network;
  torch::Tensor calibration;
  ConvFixture() {
    testing::randomize(network, 21);
    network.to(torch::kDouble);
    at::Generator gen = testing::generator(22);
    calibration = testing::normal({6, 2, 7, 6}, gen).to(torch::kDouble);
  }
  torch::Tensor conv2_input() {
    torch::NoGradGuard no_grad;
    return network.conv1->forward(calibration).relu();
  }
};

/// Row i of `pruned` is OMP at budgets[i] on the explicit least-squares problem (X, X wᵢ).
void expect_omp_rows(const Eigen::MatrixXd& x, const Eigen::MatrixXd& dense,
                     const Eigen::MatrixXd& pruned, const std::vector<Index>& budgets) {
  for (Index i = 0; i < dense.rows(); ++i) {
    const LeastSquaresProblem explicit_problem{Design(x), x * dense.row(i).transpose()};
    const auto reference = testing::exact_budget_omp().minimize(
        explicit_problem, budgets[static_cast<std::size_t>(i)]);
    EXPECT_LE((pruned.row(i).transpose() - reference.w).lpNorm<Eigen::Infinity>(), 1e-9)
        << "output channel " << i;
    for (Index j = 0; j < x.cols(); ++j)
      EXPECT_EQ(pruned(i, j) != 0.0, reference.w[j] != 0.0) << i << ", " << j;
  }
}

TEST(OneShotPruningConvolutions, EachOutputChannelIsOmpOnTheUnfoldedPatches) {
  for (CalibrationInputs mode : {CalibrationInputs::kSequential, CalibrationInputs::kParallel}) {
    SCOPED_TRACE(to_string(mode));
    ConvFixture f;
    const Eigen::MatrixXd w1 = weight_matrix(f.network.conv1->weight);
    const Eigen::MatrixXd w2 = weight_matrix(f.network.conv2->weight);
    const Eigen::MatrixXd x1 = testing::explicit_patches(f.calibration, 3, 2, 2, 1, 1, 0, 1, 2);
    const Eigen::MatrixXd dense_x2 =
        testing::explicit_patches(f.conv2_input(), 2, 2, 1, 1, 0, 0, 1, 1);

    const OneShotPruning result = prune_one_shot(f.network, f.calibration, omp_options(mode));

    // conv1: 3 × (2·3·2) weights, 36 − round(0.6 · 36) = 14 kept; conv2: 4 × 12, 48 − 29 = 19.
    const std::vector<Index> b1 = row_budgets(3, 12, 14), b2 = row_budgets(4, 12, 19);
    ASSERT_EQ(result.layers.size(), 3u);
    EXPECT_EQ(result.layers[0].rows, 3);
    EXPECT_EQ(result.layers[0].columns, 12);
    EXPECT_EQ(result.layers[0].calibration_rows, 6 * 16);
    EXPECT_EQ(result.layers[1].calibration_rows, 6 * 9);
    EXPECT_EQ(result.layers[0].kept, 14);
    EXPECT_EQ(result.layers[1].kept, 19);
    expect_omp_rows(x1, w1, weight_matrix(f.network.conv1->weight), b1);
    // conv2 reads relu(conv1(x)) with conv1 pruned (sequential) or dense (parallel).
    const Eigen::MatrixXd x2 =
        mode == CalibrationInputs::kSequential
            ? testing::explicit_patches(f.conv2_input(), 2, 2, 1, 1, 0, 0, 1, 1)
            : dense_x2;
    expect_omp_rows(x2, w2, weight_matrix(f.network.conv2->weight), b2);
    const LayerReconstruction second = LayerReconstruction::from_inputs(w2, x2, 0.0);
    EXPECT_NEAR(result.layers[1].error, second.error(weight_matrix(f.network.conv2->weight)),
                1e-12);
    // The mask has the weights' shapes; what it removes is exactly zero.
    for (const NamedTensor& t : prunable_tensors(f.network)) {
      ASSERT_EQ(result.mask.keep(t.name).sizes(), t.tensor.sizes()) << t.name;
      EXPECT_TRUE(
          t.tensor.masked_select(result.mask.keep(t.name).logical_not()).eq(0).all().item<bool>());
    }
  }
}

TEST(OneShotPruningConvolutions, KeepingEveryWeightReturnsTheTrainedOnesWithZeroError) {
  ConvFixture f;
  std::vector<torch::Tensor> trained;
  std::vector<Index> all;
  for (const NamedTensor& t : prunable_tensors(f.network)) {
    trained.push_back(t.tensor.detach().clone());
    all.push_back(t.tensor.numel());
  }
  const OneShotPruning result =
      prune_within(f.network, f.calibration, omp_options(CalibrationInputs::kSequential),
                   Mask::dense(f.network), all);
  const std::vector<NamedTensor> pruned = prunable_tensors(f.network);
  for (std::size_t l = 0; l < pruned.size(); ++l) {
    // The convolutions' patches (96 × 12, 54 × 12) have full column rank, so W is the unique
    // minimizer; fc reads 36 features of 6 examples, and any weights with zero error are optimal.
    if (l < 2)
      EXPECT_LE((pruned[l].tensor - trained[l]).abs().max().item<double>(), 1e-9) << pruned[l].name;
    EXPECT_EQ(result.layers[l].kept, all[l]);
    EXPECT_NEAR(result.layers[l].error, 0.0, 1e-12) << pruned[l].name;
  }
}

/// LeNet-5 on 16 × 16 images, 8 calibration examples.
struct LeNetFixture {
  std::shared_ptr<LeNet5> network;
  torch::Tensor calibration;
  LeNetFixture() {
    torch::manual_seed(31);
    network = std::make_shared<LeNet5>(1, 16, 16, 10);
    at::Generator gen = testing::generator(32);
    calibration = testing::normal({8, 1, 16, 16}, gen);
  }
};

TEST(OneShotPruningConvolutions, ConvolutionalModelsKeepExactlyTheBudgetAndRerunBitForBit) {
  for (OneShotMethod method : {OneShotMethod::kLayerwise, OneShotMethod::kOptimalBrainSurgeon})
    for (CalibrationInputs mode : {CalibrationInputs::kSequential, CalibrationInputs::kParallel}) {
      SCOPED_TRACE(to_string(method) + " " + to_string(mode));
      OneShotPruningOptions options = damped_options(method, mode);
      options.allocation = BudgetAllocation::kGlobalMagnitude;
      options.max_patches = 1000;  // conv1 gives 8 · 256 patches
      LeNetFixture a, b, magnitude;
      const OneShotPruning first = prune_one_shot(*a.network, a.calibration, options);
      const OneShotPruning second = prune_one_shot(*b.network, b.calibration, options);
      OneShotPruningOptions by_magnitude = options;
      by_magnitude.method = OneShotMethod::kMagnitudeGlobal;
      const OneShotPruning reference =
          prune_one_shot(*magnitude.network, magnitude.calibration, by_magnitude);
      ASSERT_EQ(first.layers.size(), 5u);
      EXPECT_EQ(first.layers[0].calibration_rows, 1000);
      EXPECT_EQ(first.layers[0].calibration_available, 8 * 256);
      EXPECT_EQ(first.layers[1].calibration_rows, 8 * 16);
      EXPECT_EQ(first.mask.remaining(), reference.mask.remaining());
      const std::vector<NamedTensor> pa = prunable_tensors(*a.network),
                                     pb = prunable_tensors(*b.network);
      for (std::size_t l = 0; l < pa.size(); ++l) {
        EXPECT_EQ(first.layers[l].kept, reference.layers[l].kept) << pa[l].name;
        EXPECT_EQ(first.mask.remaining(pa[l].name), first.layers[l].kept);
        const torch::Tensor removed = first.mask.keep(pa[l].name).logical_not();
        EXPECT_TRUE(pa[l].tensor.masked_select(removed).eq(0).all().item<bool>()) << pa[l].name;
        EXPECT_TRUE(torch::equal(pa[l].tensor, pb[l].tensor)) << pa[l].name;
      }
      EXPECT_TRUE(first.mask == second.mask);
    }
  // The Fisher model is built for fully connected networks only.
  LeNetFixture f;
  OneShotPruningOptions fisher = omp_options(CalibrationInputs::kSequential);
  fisher.method = OneShotMethod::kWoodFisher;
  fisher.ridge = 0.01;
  EXPECT_THROW(prune_one_shot(*f.network, f.calibration, fisher, torch::zeros({8}, torch::kLong)),
               InvalidInput);
}

TEST(OneShotPruningConvolutions, ResidualNetworksPruneEveryLayerInsideAMask) {
  torch::manual_seed(41);
  CifarResNet network(8, 1, 3, 4);
  at::Generator gen = testing::generator(42);
  const torch::Tensor calibration = testing::normal({4, 1, 8, 8}, gen);
  OneShotPruningOptions options = omp_options(CalibrationInputs::kSequential);
  options.ridge = 0.01;
  const OneShotPruning first = prune_one_shot(network, calibration, options);
  std::vector<Index> kept;
  for (const LayerPruningReport& layer : first.layers) kept.push_back(layer.kept / 2);
  const OneShotPruning second = prune_within(network, calibration, options, first.mask, kept);
  EXPECT_TRUE(second.mask.intersect(first.mask) == second.mask);
  const std::vector<NamedTensor> prunable = prunable_tensors(network);
  ASSERT_EQ(second.layers.size(), prunable.size());
  for (std::size_t l = 0; l < prunable.size(); ++l) {
    EXPECT_EQ(first.layers[l].kept,
              prunable[l].tensor.numel() - pruned_count(0.6, prunable[l].tensor.numel()));
    EXPECT_EQ(second.layers[l].kept, kept[l]) << prunable[l].name;
    EXPECT_EQ(prunable[l].tensor.ne(0).sum().item<int64_t>(), kept[l]) << prunable[l].name;
  }
}

}  // namespace
}  // namespace cardinal
