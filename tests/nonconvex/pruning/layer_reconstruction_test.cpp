#include "cardinal/nonconvex/pruning/layer_reconstruction.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"
#include "cardinal/solvers/iterative_hard_thresholding.hpp"

namespace cardinal {
namespace {

/// Gaussian entries from a fixed seed.
Eigen::MatrixXd gaussian(Index rows, Index cols, unsigned seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd m(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) m(i, j) = normal(engine);
  return m;
}

OrthogonalMatchingPursuit omp() {
  OrthogonalMatchingPursuitOptions options;
  options.stopping.objective_level = -std::numeric_limits<double>::infinity();
  return OrthogonalMatchingPursuit(options);
}

RowSolver omp_rows() {
  return [](const CovarianceProblem& problem, Index k) { return omp().minimize(problem, k).w; };
}

TEST(LayerReconstruction, OmpRowsAreOmpOnTheExplicitLeastSquaresProblems) {
  const Index n = 50, d_in = 12, d_out = 6;
  const Eigen::MatrixXd x = gaussian(n, d_in, 1);
  const Eigen::MatrixXd w = gaussian(d_out, d_in, 2);
  const LayerReconstruction layer = LayerReconstruction::from_inputs(w, x, 0.0);
  const std::vector<Index> budgets = row_budgets(d_out, d_in, 25);
  EXPECT_EQ(budgets, (std::vector<Index>{5, 4, 4, 4, 4, 4}));
  const PrunedLayer pruned = prune_rows(layer, budgets, omp_rows(), 3);
  for (Index i = 0; i < d_out; ++i) {
    const LeastSquaresProblem explicit_problem{Design(x), x * w.row(i).transpose()};
    const auto reference = omp().minimize(explicit_problem, budgets[static_cast<std::size_t>(i)]);
    EXPECT_LE((pruned.weights.row(i).transpose() - reference.w).lpNorm<Eigen::Infinity>(), 1e-10)
        << "row " << i;
    for (Index j = 0; j < d_in; ++j)
      EXPECT_EQ(pruned.keep(i, j), reference.w[j] != 0.0) << i << ", " << j;
  }
  EXPECT_EQ(pruned.keep.count(), 25);
  EXPECT_TRUE((pruned.weights.array() == 0.0 || pruned.keep).all());
  EXPECT_TRUE((pruned.keep || pruned.weights.array() == 0.0).all());
}

TEST(LayerReconstruction, FullBudgetReturnsTheTrainedWeightsWithZeroError) {
  const Eigen::MatrixXd x = gaussian(40, 10, 3);
  const Eigen::MatrixXd w = gaussian(4, 10, 4);
  const LayerReconstruction layer = LayerReconstruction::from_inputs(w, x, 0.0);
  const PrunedLayer pruned = prune_rows(layer, row_budgets(4, 10, 40), omp_rows());
  EXPECT_LE((pruned.weights - w).lpNorm<Eigen::Infinity>(), 1e-10);
  EXPECT_NEAR(layer.error(pruned.weights), 0.0, 1e-18);
  EXPECT_EQ(pruned.keep.count(), 40);
  EXPECT_NEAR(layer.error(Eigen::MatrixXd::Zero(4, 10)), layer.output_energy(), 1e-12);
  // ‖X(Ŵ − W)ᵀ‖²/(2n) explicitly.
  const Eigen::MatrixXd other = gaussian(4, 10, 5);
  EXPECT_NEAR(layer.error(other), (x * (other - w).transpose()).squaredNorm() / 80.0, 1e-10);
}

TEST(LayerReconstruction, LayerBudgetKeepsExactlyTheBudget) {
  const Eigen::MatrixXd x = gaussian(30, 8, 6);
  const Eigen::MatrixXd w = gaussian(5, 8, 7);
  const LayerReconstruction layer = LayerReconstruction::from_inputs(w, x, 0.01);
  for (Index kept : {1, 7, 20, 40}) {
    const PrunedLayer pruned = prune_layer(layer, kept, [](const CovarianceRows& rows, Index k) {
      return IterativeHardThresholding().minimize(rows, k).w;
    });
    EXPECT_EQ(pruned.keep.count(), kept);
    EXPECT_TRUE((pruned.keep || pruned.weights.array() == 0.0).all());
  }
}

/// The weights minimizing the damped reconstruction error on `support`, and that error.
double best_error(const LayerReconstruction& layer, const std::vector<Index>& support,
                  Eigen::VectorXd* weights) {
  const CovarianceProblem row = layer.problems().row(0);
  const Eigen::VectorXd w = row.minimize_on(support, row.space().zeros());
  if (weights != nullptr) *weights = w;
  return row.value(w);
}

TEST(OptimalBrainSurgeon, EachRemovalIsTheBruteForceBestOne) {
  const Index d = 6;
  const Eigen::MatrixXd x = gaussian(20, d, 8);
  const Eigen::MatrixXd w = gaussian(1, d, 9);
  const LayerReconstruction layer = LayerReconstruction::from_inputs(w, x, 0.05);
  const Eigen::MatrixXd h_inverse = layer.problems().hessian().inverse();
  // Brute force backward elimination: remove the weight whose removal, with the others
  // re-optimized, increases the damped error least.
  std::vector<Index> support(d);
  std::iota(support.begin(), support.end(), Index{0});
  for (Index k = d - 1; k >= 1; --k) {
    double least = std::numeric_limits<double>::infinity();
    std::vector<Index> best;
    for (std::size_t drop = 0; drop < support.size(); ++drop) {
      std::vector<Index> candidate = support;
      candidate.erase(candidate.begin() + static_cast<std::ptrdiff_t>(drop));
      const double error = best_error(layer, candidate, nullptr);
      if (error < least) {
        least = error;
        best = candidate;
      }
    }
    support = best;
    Eigen::VectorXd reference;
    best_error(layer, support, &reference);
    std::vector<bool> kept;
    const Eigen::VectorXd obs =
        optimal_brain_surgeon_row(h_inverse, w.row(0).transpose(), k, &kept);
    SCOPED_TRACE(::testing::Message() << "k " << k);
    EXPECT_LE((obs - reference).lpNorm<Eigen::Infinity>(), 1e-10);
    for (Index j = 0; j < d; ++j)
      EXPECT_EQ(kept[static_cast<std::size_t>(j)],
                std::find(support.begin(), support.end(), j) != support.end());
  }
}

TEST(OptimalBrainSurgeon, LayerKeepsEachRowsBudgetWithExactZeros) {
  const Eigen::MatrixXd x = gaussian(40, 9, 10);
  const Eigen::MatrixXd w = gaussian(5, 9, 11);
  const LayerReconstruction layer = LayerReconstruction::from_inputs(w, x, 0.01);
  const std::vector<Index> budgets = row_budgets(5, 9, 17);
  const PrunedLayer pruned = prune_optimal_brain_surgeon(layer, budgets, 2);
  for (Index i = 0; i < 5; ++i) EXPECT_EQ(pruned.keep.row(i).count(), budgets[i]);
  EXPECT_TRUE((pruned.keep || pruned.weights.array() == 0.0).all());
  EXPECT_THROW(row_budgets(5, 9, 46), InvalidInput);
}

}  // namespace
}  // namespace cardinal
