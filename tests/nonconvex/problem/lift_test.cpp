// The lift from convex problems to networks: the same generic solvers, compiled once, on a
// GlmProblem and on a NetworkProblem.
#include <gtest/gtest.h>
#include <torch/nn/modules/linear.h>

#include <cmath>
#include <limits>

#include "cardinal/bridge/pruning_step.hpp"
#include "cardinal/bridge/solver.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"
#include "cardinal/nonconvex/models/layer_observer.hpp"
#include "cardinal/nonconvex/problem/network_problem.hpp"
#include "cardinal/solvers/dynamic_hard_thresholding.hpp"
#include "cardinal/solvers/fully_corrective_greedy.hpp"
#include "cardinal/solvers/gradient_support_pursuit.hpp"
#include "cardinal/solvers/hard_thresholding_pursuit.hpp"
#include "cardinal/solvers/iterative_hard_thresholding.hpp"
#include "nonconvex/fixtures.hpp"
#include "nonconvex/pruning/tiny_networks.hpp"

namespace cardinal {
namespace {

static_assert(RestrictedProblem<NetworkProblem> && LineSearchProblem<NetworkProblem> &&
              StartingPointProblem<NetworkProblem>);
static_assert(SparseSolver<IterativeHardThresholding, NetworkProblem>);
static_assert(SparseSolver<FullyCorrectiveGreedy, NetworkProblem>);
static_assert(SparseSolver<HardThresholdingPursuit, NetworkProblem>);

using testing::LinearLayer;

torch::Tensor to_tensor(const Eigen::MatrixXd& m) {
  // Eigen is column-major: the transpose of the row-major view.
  return torch::from_blob(const_cast<double*>(m.data()), {m.cols(), m.rows()}, torch::kDouble)
      .t()
      .clone();
}

Eigen::MatrixXd dense(const Design& x) {
  std::vector<Index> all(static_cast<std::size_t>(x.cols()));
  for (Index j = 0; j < x.cols(); ++j) all[static_cast<std::size_t>(j)] = j;
  return x.dense_columns(all);
}

/// The least-squares instance both as a GlmProblem and as a network problem on one linear
/// layer with squared error and full-batch gradients: the same function f(w) = ‖Xw − y‖²/(2n).
struct TwoRegimes {
  SyntheticInstance instance;
  LeastSquaresProblem convex;
  NetworkProblem network;

  static TwoRegimes make(Index n, Index p, Index s) {
    SyntheticInstance instance =
        make_synthetic({.samples = n, .features = p, .sparsity = s, .seed = 11});
    const Eigen::MatrixXd x = dense(instance.design);
    TensorDataset data{to_tensor(x),
                       torch::from_blob(instance.response.data(), {n}, torch::kDouble).clone(), 0,
                       "synthetic"};
    NetworkProblemOptions options{.loss = NetworkLoss::kSquaredError, .gradient_batch_size = 0};
    LeastSquaresProblem convex(instance.design, instance.response);
    NetworkProblem network(std::make_shared<LinearLayer>(p), data, data, options);
    return {std::move(instance), std::move(convex), std::move(network)};
  }
};

Eigen::VectorXd weights(const TensorList& w) {
  const torch::Tensor t = w[0].reshape(-1).contiguous();
  return Eigen::Map<const Eigen::VectorXd>(t.data_ptr<double>(), t.numel());
}

TEST(Lift, IhtIteratesOnALinearNetworkEqualThoseOnLeastSquares) {
  TwoRegimes regimes = TwoRegimes::make(80, 40, 4);
  const double step = 0.5;
  for (const Index iterations : {1, 2, 5, 20, 60}) {
    const IterativeHardThresholding iht({.stopping = {.max_iterations = iterations,
                                                      .relative_decrease = 0.0,
                                                      .step_tolerance = 0.0},
                                         .step = step});
    const auto convex = iht.minimize(regimes.convex, 4);
    const auto network = iht.minimize(regimes.network, 4);
    ASSERT_EQ(convex.trace.rows.size(), network.trace.rows.size());
    for (std::size_t t = 0; t < convex.trace.rows.size(); ++t) {
      EXPECT_NEAR(convex.trace.rows[t].objective, network.trace.rows[t].objective, 1e-9) << t;
      EXPECT_EQ(convex.trace.rows[t].support_size, network.trace.rows[t].support_size) << t;
      EXPECT_NEAR(convex.trace.rows[t].gradient_norm_on, network.trace.rows[t].gradient_norm_on,
                  1e-9)
          << t;
    }
    EXPECT_LT((convex.w - weights(network.w)).lpNorm<Eigen::Infinity>(), 1e-6) << iterations;
  }
  // Run longer, IHT on the network recovers the planted vector.
  const auto network =
      IterativeHardThresholding(
          {.stopping = {.max_iterations = 300, .relative_decrease = 0.0, .step_tolerance = 0.0},
           .step = step})
          .minimize(regimes.network, 4);
  EXPECT_LT((weights(network.w) - regimes.instance.planted).lpNorm<Eigen::Infinity>(), 1e-6);
}

TEST(Lift, NormalizedIhtAgreesOnALinearNetwork) {
  TwoRegimes regimes = TwoRegimes::make(80, 40, 4);
  // Normalized IHT's line search is the exact minimizer along the direction for a quadratic,
  // up to the finite-difference curvature.
  const IterativeHardThresholding niht(
      {.stopping = {.max_iterations = 30, .relative_decrease = 0.0, .step_tolerance = 0.0},
       .normalized = true});
  const auto convex = niht.minimize(regimes.convex, 4);
  const auto network = niht.minimize(regimes.network, 4);
  EXPECT_LT((convex.w - weights(network.w)).lpNorm<Eigen::Infinity>(), 1e-6);
  EXPECT_LT((weights(network.w) - regimes.instance.planted).lpNorm<Eigen::Infinity>(), 1e-6);
}

/// f(w) = ½‖w − c‖² on R³ as a network: one linear layer on the inputs √3·e_i with targets
/// √3·c_i, so that (1/2n) Σ (w·x_i − y_i)² = ½‖w − c‖²; the layer starts at w⁰.
NetworkProblem quadratic_network(const std::vector<double>& c, const std::vector<double>& w0) {
  auto layer = std::make_shared<LinearLayer>(3);
  {
    torch::NoGradGuard no_grad;
    layer->fc->weight.copy_(torch::tensor(w0, torch::kDouble).reshape({1, 3}));
  }
  const double root3 = std::sqrt(3.0);
  TensorDataset data{torch::eye(3, torch::kDouble) * root3,
                     torch::tensor(c, torch::kDouble) * root3, 0, "quadratic"};
  return NetworkProblem(layer, data, data,
                        {.loss = NetworkLoss::kSquaredError, .gradient_batch_size = 0});
}

// The hand-computed DPF example of tests/convex/solvers/dynamic_hard_thresholding_test.cpp
// (c = (2, 0, 3.5), w⁰ = (3, 1, 0.5), k = 1, μ = 0.5, m = 2), run on a network: the gradient is
// taken at the pruned weights (the trace's objectives are f at the masked points), and the
// update reaches the dense weights, so the pruned coordinate 2 grows back and takes the mask.
TEST(Lift, DpfUpdatesTheDenseWeightsOfANetworkFromThePrunedForwardPass) {
  const NetworkProblem problem = quadratic_network({2, 0, 3.5}, {3, 1, 0.5});
  DynamicHardThresholdingOptions options{
      .stopping = {.max_iterations = 3}, .step = 0.5, .update_period = 2};
  options.feedback = true;
  const auto dpf = DynamicHardThresholding(options).minimize(problem, 1);
  const std::vector<double> objectives = {5.5, 6.625, 6.25, 2.125};
  ASSERT_EQ(dpf.trace.rows.size(), 4u);
  for (std::size_t t = 0; t < 4; ++t)
    EXPECT_NEAR(dpf.trace.rows[t].objective, objectives[t], 1e-12) << "row " << t;
  const Eigen::VectorXd w = weights(dpf.w);
  EXPECT_NEAR(w[0], 0.0, 0.0);
  EXPECT_NEAR(w[1], 0.0, 0.0);
  EXPECT_NEAR(w[2], 3.75, 1e-12);

  // Without feedback (GMP's rule) the pruned coordinates hold no update and never take over.
  const auto gmp =
      DynamicHardThresholding({.stopping = {.max_iterations = 3}, .step = 0.5, .update_period = 2})
          .minimize(problem, 1);
  const Eigen::VectorXd v = weights(gmp.w);
  EXPECT_NEAR(v[0], 2.125, 1e-12);
  EXPECT_EQ(v[2], 0.0);
}

/// Three Gaussian blobs in R^20 (the same centers for every seed): a learnable task for a tiny
/// network.
TensorDataset blobs(int64_t n, std::uint64_t seed) {
  at::Generator center_gen = testing::generator(0);
  const torch::Tensor centers = testing::normal({3, 20}, center_gen) * 2.0;
  at::Generator gen = testing::generator(seed);
  const torch::Tensor labels = torch::arange(n, torch::kLong) % 3;
  const torch::Tensor inputs = centers.index_select(0, labels) + testing::normal({n, 20}, gen);
  return {inputs, labels, 3, "blobs"};
}

struct ThreeClassMlp : Network {
  ThreeClassMlp()
      : fc1(register_module("fc1", torch::nn::Linear(20, 16))),
        fc2(register_module("fc2", torch::nn::Linear(16, 3))) {}
  // Through apply_layer, as the models of the zoo: the layer-wise pruner reads its inputs.
  torch::Tensor forward(const torch::Tensor& x) override {
    return apply_layer(fc2, torch::relu(apply_layer(fc1, x)));
  }
  torch::nn::Linear fc1;
  torch::nn::Linear fc2;
};

NetworkProblem blob_problem(double start_density) {
  torch::manual_seed(5);
  NetworkProblemOptions options{.gradient_batch_size = 32, .data_seed = 2};
  options.restricted_training.length = TrainingLength::iterations(40);
  options.restricted_training.batch_size = 32;
  options.restricted_training.schedule.base_lr = 0.1;
  options.start_density = start_density;
  return NetworkProblem(std::make_shared<ThreeClassMlp>(), blobs(600, 1), blobs(300, 2), options);
}

Index nonzero_weights(const NetworkProblem& problem, const TensorList& w) {
  Index count = 0;
  for (std::size_t b = 0; b < w.size(); ++b)
    if (problem.space().is_constrained(b)) count += w[b].count_nonzero().item<int64_t>();
  return count;
}

static_assert(PruningProblem<NetworkProblem>);

/// The layer-wise pruner with OMP (exactly the budget) on the first 50 training examples.
PruningStep omp_pruning_step() {
  PruningStep step;
  step.options.method = OneShotMethod::kLayerwise;
  step.options.row_solver = testing::exact_budget_omp_rows();
  step.calibration = 50;
  return step;
}

TEST(Lift, ANetworksPruningStepIsHardThresholdingOrTheConvexPrunerAtItsCounts) {
  const NetworkProblem plain = blob_problem(1.0);
  const TensorSpace& space = plain.space();
  const Index k = space.dimension() / 4;
  const TensorList w = plain.starting_point();
  TensorList thresholded = w;
  EXPECT_EQ(space.to_mask(plain.prune(thresholded, k)), space.to_mask(space.largest(w, k)));
  TensorList expected = w;
  space.restrict(expected, space.largest(w, k));
  for (std::size_t b = 0; b < w.size(); ++b) EXPECT_TRUE(torch::equal(thresholded[b], expected[b]));

  // With the pruning step: each layer keeps hard thresholding's count (one global ranking here),
  // and which weights, with which values, is prune_within's choice on the first 50 examples.
  torch::manual_seed(5);
  NetworkProblemOptions options{.gradient_batch_size = 32, .data_seed = 2};
  options.restricted_training.length = TrainingLength::iterations(40);
  options.restricted_training.batch_size = 32;
  options.pruning_step = omp_pruning_step();
  auto network = std::make_shared<ThreeClassMlp>();
  const NetworkProblem convex(network, blobs(600, 1), blobs(300, 2), options);
  TensorList pruned = w;
  const TensorSupport support = convex.prune(pruned, k);
  EXPECT_EQ(space.size(support), k);

  auto reference = std::make_shared<ThreeClassMlp>();
  space.write(w, *reference);
  const Mask magnitude = space.to_mask(space.largest(w, k));
  std::vector<Index> counts;
  for (const std::string& name : magnitude.names()) counts.push_back(magnitude.remaining(name));
  const OneShotPruning expected_pruning =
      prune_within(*reference, blobs(600, 1).inputs.slice(0, 0, 50), options.pruning_step->options,
                   Mask::dense(*reference), counts);
  EXPECT_EQ(space.to_mask(support), expected_pruning.mask);
  EXPECT_NE(space.to_mask(support), magnitude);
  const TensorList reconstructed = space.read(*reference);
  for (std::size_t b = 0; b < w.size(); ++b)
    EXPECT_TRUE(torch::equal(pruned[b], reconstructed[b])) << space.names()[b];

  // With kept values the pruner chooses the support only: the same support, w's own values.
  NetworkProblemOptions support_only = options;
  support_only.pruning_step->values = PrunedValues::kKept;
  const NetworkProblem chooser(std::make_shared<ThreeClassMlp>(), blobs(600, 1), blobs(300, 2),
                               support_only);
  TensorList kept_values = w;
  EXPECT_EQ(space.to_mask(chooser.prune(kept_values, k)), expected_pruning.mask);
  TensorList w_on_support = w;
  space.restrict(w_on_support, support);
  for (std::size_t b = 0; b < w.size(); ++b)
    EXPECT_TRUE(torch::equal(kept_values[b], w_on_support[b])) << space.names()[b];

  // Gradual pruning through it ends at exactly k weights, on the pruner's support.
  const auto result =
      DynamicHardThresholding(gradual_magnitude_pruning(30, 0.1, 5)).minimize(convex, k);
  EXPECT_EQ(space.size(result.support), k);
  EXPECT_EQ(nonzero_weights(convex, result.w), k);
  NetworkProblemOptions neurons = options;
  EXPECT_THROW(NetworkProblem(std::make_shared<ThreeClassMlp>(), blobs(60, 1), blobs(30, 2),
                              neurons, {.granularity = Granularity::kNeurons}),
               InvalidInput);
}

TEST(Lift, OneIhtObjectRecoversAConvexSupportAndSparsifiesANetwork) {
  const IterativeHardThresholding iht(
      {.stopping = {.max_iterations = 300, .relative_decrease = 0.0, .step_tolerance = 0.0},
       .step = 0.1});

  const SyntheticInstance instance =
      make_synthetic({.samples = 200, .features = 100, .sparsity = 5, .seed = 4});
  const LeastSquaresProblem convex(instance.design, instance.response);
  const auto recovered = iht.minimize(convex, 5);
  EXPECT_EQ(recovered.support, instance.support);

  const NetworkProblem network = blob_problem(1.0);
  const Index k = network.space().dimension() / 5;  // 20% of 368 weights
  const auto sparse = iht.minimize(network, k);
  EXPECT_EQ(network.space().size(sparse.support), k);
  EXPECT_EQ(nonzero_weights(network, sparse.w), k);
  // Chance is 1/3; the blobs are separable enough that a 20% network must do far better.
  EXPECT_GT(network.evaluate(sparse.w).accuracy, 0.8);
}

TEST(Lift, OneFcfgsObjectRecoversAConvexSupportAndGrowsANetwork) {
  const FullyCorrectiveGreedy fcfgs({.coordinates_per_step = 5});

  const SyntheticInstance instance =
      make_synthetic({.samples = 200, .features = 100, .sparsity = 5, .seed = 4});
  const LeastSquaresProblem convex(instance.design, instance.response);
  const auto recovered = fcfgs.minimize(convex, 5);
  EXPECT_EQ(recovered.support, instance.support);
  EXPECT_EQ(recovered.iterations, 1) << "five coordinates in one step";

  const NetworkProblem network = blob_problem(0.05);
  const Index k = network.space().dimension() / 5;
  const auto grown = fcfgs.minimize(network, k);
  EXPECT_EQ(grown.reason, StopReason::kBudgetReached);
  EXPECT_EQ(network.space().size(grown.support), k);
  EXPECT_LE(nonzero_weights(network, grown.w), k);
  EXPECT_GT(network.evaluate(grown.w).accuracy, 0.8);
  // Each forward step retrained on the grown support.
  EXPECT_EQ(network.restricted_solves(), grown.iterations + 1);
}

TEST(Lift, GraspStartsANetworkFromItsInitialization) {
  const NetworkProblem network = blob_problem(1.0);
  const Index k = network.space().dimension() / 5;
  const auto result =
      GradientSupportPursuit({.stopping = {.max_iterations = 3}}).minimize(network, k);
  // Row 0 is the initialization pruned to k, not the zero network, whose hidden units are dead.
  EXPECT_EQ(result.trace.rows.front().support_size, k);
  EXPECT_GT(result.trace.rows.front().gradient_norm_on, 0.0);
  EXPECT_EQ(network.space().size(result.support), k);
  EXPECT_LE(nonzero_weights(network, result.w), k);
  EXPECT_EQ(result.evaluations.restricted_solves, network.restricted_solves());
  EXPECT_GT(network.evaluate(result.w).accuracy, 0.8);
}

TEST(Lift, NetworkRunsAreBitIdenticalForAFixedSeed) {
  const IterativeHardThresholding iht(
      {.stopping = {.max_iterations = 50, .relative_decrease = 0.0, .step_tolerance = 0.0},
       .step = 0.1});
  const NetworkProblem first = blob_problem(1.0);
  const NetworkProblem second = blob_problem(1.0);
  const auto a = iht.minimize(first, 60);
  const auto b = iht.minimize(second, 60);
  for (std::size_t i = 0; i < a.w.size(); ++i) EXPECT_TRUE(a.w[i].equal(b.w[i]));
  ASSERT_EQ(a.trace.rows.size(), b.trace.rows.size());
  for (std::size_t t = 0; t < a.trace.rows.size(); ++t)
    EXPECT_EQ(a.trace.rows[t].objective, b.trace.rows[t].objective);
}

}  // namespace
}  // namespace cardinal
