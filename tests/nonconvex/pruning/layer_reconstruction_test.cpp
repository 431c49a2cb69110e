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
#include "cardinal/solvers/support_splicing.hpp"
#include "random_matrix.hpp"

namespace cardinal {
namespace {

using test_support::gaussian_matrix;

OrthogonalMatchingPursuit omp() {
  OrthogonalMatchingPursuitOptions options;
  options.stopping.objective_level = -std::numeric_limits<double>::infinity();
  return OrthogonalMatchingPursuit(options);
}

RowSolver omp_rows() {
  return [](const CovarianceProblem& problem, Index k) { return omp().minimize(problem, k).w; };
}

/// Each row's damped objective ½(ŵᵢ − wᵢ)ᵀH(ŵᵢ − wᵢ), H = H₀ + λI, at the pruned layer.
std::vector<double> row_objectives(const LayerReconstruction& layer, const PrunedLayer& pruned) {
  const Index d = layer.columns();
  const Eigen::MatrixXd h = layer.gram() + layer.damping() * Eigen::MatrixXd::Identity(d, d);
  std::vector<double> out;
  for (Index i = 0; i < layer.rows(); ++i) {
    const Eigen::VectorXd e = (pruned.weights.row(i) - layer.weights().row(i)).transpose();
    out.push_back(0.5 * e.dot(h * e));
  }
  return out;
}

/// Whether every row of `refined` has an objective no larger than in `start` (to rounding) and
/// its budget; returns how many rows are strictly lower.
int rows_lowered(const LayerReconstruction& layer, const PrunedLayer& start,
                 const PrunedLayer& refined, const std::vector<Index>& budgets) {
  const std::vector<double> before = row_objectives(layer, start);
  const std::vector<double> after = row_objectives(layer, refined);
  int lower = 0;
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_LE(after[i], before[i] * (1 + 1e-12)) << "row " << i;
    lower += after[i] < before[i] * (1 - 1e-9);
    EXPECT_EQ(refined.keep.row(static_cast<Index>(i)).count(), budgets[i]);
  }
  return lower;
}

TEST(LayerReconstruction, OmpRowsAreOmpOnTheExplicitLeastSquaresProblems) {
  const Index n = 50, d_in = 12, d_out = 6;
  const Eigen::MatrixXd x = gaussian_matrix(n, d_in, 1);
  const Eigen::MatrixXd w = gaussian_matrix(d_out, d_in, 2);
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

/// 8 rows over 30 strongly correlated inputs (60 examples, neighbouring columns ρ = 0.8), λ = 0.01.
LayerReconstruction correlated_layer() {
  const Index n = 60, d_in = 30, d_out = 8;
  Eigen::MatrixXd x = gaussian_matrix(n, d_in, 11);
  for (Index j = 1; j < d_in; ++j) x.col(j) = 0.8 * x.col(j - 1) + 0.6 * x.col(j);
  return LayerReconstruction::from_inputs(gaussian_matrix(d_out, d_in, 12), x, 0.01);
}

// Splicing from OMP's supports lowers every row's objective ½(ŵ − w)ᵀH(ŵ − w), H = H₀ + λI, or
// leaves it; on correlated inputs it lowers most of them.
TEST(LayerReconstruction, SplicingRowsLowerTheRowsObjectives) {
  const LayerReconstruction layer = correlated_layer();
  const Index d_out = layer.rows();
  const std::vector<Index> budgets = row_budgets(d_out, layer.columns(), 6 * d_out);
  const PrunedLayer greedy = prune_rows(layer, budgets, omp_rows());
  const PrunedLayer spliced =
      prune_rows(layer, budgets, [](const CovarianceProblem& problem, Index k) {
        return SupportSplicing().minimize_from(problem, omp().minimize(problem, k).w, k).w;
      });
  EXPECT_GE(rows_lowered(layer, greedy, spliced, budgets), d_out / 2);
}

TEST(LayerReconstruction, FullBudgetReturnsTheTrainedWeightsWithZeroError) {
  const Eigen::MatrixXd x = gaussian_matrix(40, 10, 3);
  const Eigen::MatrixXd w = gaussian_matrix(4, 10, 4);
  const LayerReconstruction layer = LayerReconstruction::from_inputs(w, x, 0.0);
  const PrunedLayer pruned = prune_rows(layer, row_budgets(4, 10, 40), omp_rows());
  EXPECT_LE((pruned.weights - w).lpNorm<Eigen::Infinity>(), 1e-10);
  EXPECT_NEAR(layer.error(pruned.weights), 0.0, 1e-18);
  EXPECT_EQ(pruned.keep.count(), 40);
  EXPECT_NEAR(layer.error(Eigen::MatrixXd::Zero(4, 10)), layer.output_energy(), 1e-12);
  // ‖X(Ŵ − W)ᵀ‖²/(2n) explicitly.
  const Eigen::MatrixXd other = gaussian_matrix(4, 10, 5);
  EXPECT_NEAR(layer.error(other), (x * (other - w).transpose()).squaredNorm() / 80.0, 1e-10);
  // The damped error is the sum of the rows' objectives ½(ŵᵢ − wᵢ)ᵀ(H₀ + λI)(ŵᵢ − wᵢ).
  const LayerReconstruction damped = LayerReconstruction::from_inputs(w, x, 0.1);
  ASSERT_GT(damped.damping(), 0.0);
  const std::vector<double> rows = row_objectives(damped, {other, other.array() != 0.0});
  EXPECT_NEAR(damped.damped_error(other), std::accumulate(rows.begin(), rows.end(), 0.0), 1e-10);
  EXPECT_GT(damped.damped_error(other), damped.error(other));
}

TEST(LayerReconstruction, LayerBudgetKeepsExactlyTheBudget) {
  const Eigen::MatrixXd x = gaussian_matrix(30, 8, 6);
  const Eigen::MatrixXd w = gaussian_matrix(5, 8, 7);
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
  const Eigen::MatrixXd x = gaussian_matrix(20, d, 8);
  const Eigen::MatrixXd w = gaussian_matrix(1, d, 9);
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
  const Eigen::MatrixXd x = gaussian_matrix(40, 9, 10);
  const Eigen::MatrixXd w = gaussian_matrix(5, 9, 11);
  const LayerReconstruction layer = LayerReconstruction::from_inputs(w, x, 0.01);
  const std::vector<Index> budgets = row_budgets(5, 9, 17);
  const PrunedLayer pruned = prune_optimal_brain_surgeon(layer, budgets, 2);
  for (Index i = 0; i < 5; ++i) EXPECT_EQ(pruned.keep.row(i).count(), budgets[i]);
  EXPECT_TRUE((pruned.keep || pruned.weights.array() == 0.0).all());
  EXPECT_THROW(row_budgets(5, 9, 46), InvalidInput);
}

TEST(OptimalBrainSurgeon, ErrorPathsAreTheDampedErrorsOfTheObsRowsAtEveryBudget) {
  const Index d = 7;
  const Eigen::MatrixXd x = gaussian_matrix(30, d, 12);
  const Eigen::MatrixXd w = gaussian_matrix(3, d, 13);
  const LayerReconstruction layer = LayerReconstruction::from_inputs(w, x, 0.02);
  const Eigen::MatrixXd h = layer.problems().hessian();
  const Eigen::MatrixXd h_inverse = h.inverse();
  const std::vector<Eigen::VectorXd> paths = optimal_brain_surgeon_paths(layer, 2);
  ASSERT_EQ(paths.size(), 3u);
  for (Index i = 0; i < 3; ++i) {
    const Eigen::VectorXd& path = paths[static_cast<std::size_t>(i)];
    ASSERT_EQ(path.size(), d + 1);
    const Eigen::VectorXd wi = w.row(i).transpose();
    // Each OBS step's saliency is the exact rise of the objective, so the path adds up to the
    // objective of removing every weight, ½wᵀHw.
    EXPECT_EQ(path[d], 0.0);
    EXPECT_NEAR(path[0], 0.5 * wi.dot(h * wi), 1e-12 * wi.dot(h * wi));
    for (Index k = 0; k <= d; ++k) {
      const Eigen::VectorXd pruned = optimal_brain_surgeon_row(h_inverse, wi, k);
      const Eigen::VectorXd e = pruned - wi;
      EXPECT_NEAR(path[k], 0.5 * e.dot(h * e), 1e-10 * path[0]) << "row " << i << " k " << k;
      if (k > 0) EXPECT_LE(path[k], path[k - 1]);
    }
  }
}

TEST(OptimalBrainSurgeon, RestrictedErrorPathsAreThePathsOfTheProblemsOverTheAllowedWeights) {
  const Index d = 8;
  const Eigen::MatrixXd x = gaussian_matrix(30, d, 14);
  const Eigen::MatrixXd w = gaussian_matrix(3, d, 15);
  const LayerReconstruction layer = LayerReconstruction::from_inputs(w, x, 0.02);
  AllowedWeights allowed = AllowedWeights::Constant(3, d, true);
  allowed(0, 1) = allowed(0, 5) = allowed(2, 0) = allowed(2, 3) = allowed(2, 7) = false;
  const std::vector<Eigen::VectorXd> paths = optimal_brain_surgeon_paths(layer, 2, allowed);
  for (Index i = 0; i < 3; ++i) {
    std::vector<Index> columns;
    for (Index j = 0; j < d; ++j)
      if (allowed(i, j)) columns.push_back(j);
    const Index m = static_cast<Index>(columns.size());
    // Row i alone over its allowed weights: H₀ and wᵢ restricted to them, the same λ.
    const LayerReconstruction own(w(Eigen::seqN(i, 1), columns), layer.gram()(columns, columns),
                                  layer.damping());
    const Eigen::VectorXd expected = optimal_brain_surgeon_paths(own).front();
    ASSERT_EQ(paths[static_cast<std::size_t>(i)].size(), m + 1) << "row " << i;
    EXPECT_LE((paths[static_cast<std::size_t>(i)] - expected).lpNorm<Eigen::Infinity>(),
              1e-12 * expected[0])
        << "row " << i;
  }
  EXPECT_THROW(optimal_brain_surgeon_paths(layer, 1, AllowedWeights::Constant(2, d, true)),
               InvalidInput);
}

TEST(RowBudgets, FillTheCapacitiesEvenly) {
  // Equal capacities: the plain split, for every count.
  for (Index kept = 0; kept <= 5 * 9; ++kept)
    EXPECT_EQ(row_budgets(std::vector<Index>(5, 9), kept), row_budgets(5, 9, kept)) << kept;
  // A narrow row caps at its capacity; the others share the rest, the first ones one more.
  EXPECT_EQ(row_budgets({1, 5, 5}, 7), (std::vector<Index>{1, 3, 3}));
  EXPECT_EQ(row_budgets({1, 5, 5}, 8), (std::vector<Index>{1, 4, 3}));
  EXPECT_EQ(row_budgets({0, 2, 6}, 8), (std::vector<Index>{0, 2, 6}));
  EXPECT_EQ(row_budgets({0, 2, 6}, 3), (std::vector<Index>{0, 2, 1}));
  EXPECT_EQ(row_budgets({3, 1, 3}, 4), (std::vector<Index>{2, 1, 1}));
  EXPECT_THROW(row_budgets({1, 2}, 4), InvalidInput);
  EXPECT_THROW(row_budgets({1, -1}, 0), InvalidInput);
}

/// Rows allowed only some coordinates (an earlier round's mask) and weights zero elsewhere.
struct RestrictedLayer {
  Eigen::MatrixXd x;
  Eigen::MatrixXd w;
  AllowedWeights allowed;
};

RestrictedLayer restricted_layer(Index n, Index d_in, Index d_out, unsigned seed) {
  RestrictedLayer r{gaussian_matrix(n, d_in, seed), gaussian_matrix(d_out, d_in, seed + 1), {}};
  std::mt19937_64 engine(seed + 2);
  r.allowed = AllowedWeights(d_out, d_in);
  for (Index i = 0; i < d_out; ++i)
    for (Index j = 0; j < d_in; ++j) r.allowed(i, j) = engine() % 3 != 0;
  r.w = r.allowed.select(r.w, 0.0);
  return r;
}

std::vector<Index> capacities(const AllowedWeights& allowed) {
  std::vector<Index> c;
  for (Index i = 0; i < allowed.rows(); ++i) c.push_back(allowed.row(i).count());
  return c;
}

TEST(LayerReconstruction, RestrictedRowsAreOmpOnTheExplicitProblemOverTheAllowedColumns) {
  const Index n = 50, d_in = 12, d_out = 6;
  const RestrictedLayer r = restricted_layer(n, d_in, d_out, 21);
  const LayerReconstruction layer = LayerReconstruction::from_inputs(r.w, r.x, 0.0);
  const std::vector<Index> budgets = row_budgets(capacities(r.allowed), 20);
  const PrunedLayer pruned = prune_rows(layer, budgets, omp_rows(), 2, r.allowed);
  for (Index i = 0; i < d_out; ++i) {
    std::vector<Index> columns;
    for (Index j = 0; j < d_in; ++j)
      if (r.allowed(i, j)) columns.push_back(j);
    const Eigen::MatrixXd x_s = r.x(Eigen::all, columns);
    const LeastSquaresProblem explicit_problem{Design(x_s), r.x * r.w.row(i).transpose()};
    const auto reference = omp().minimize(explicit_problem, budgets[static_cast<std::size_t>(i)]);
    Eigen::VectorXd expected = Eigen::VectorXd::Zero(d_in);
    expected(columns) = reference.w;
    EXPECT_LE((pruned.weights.row(i).transpose() - expected).lpNorm<Eigen::Infinity>(), 1e-10)
        << "row " << i;
    for (Index j = 0; j < d_in; ++j)
      EXPECT_EQ(pruned.keep(i, j), expected[j] != 0.0) << i << ", " << j;
  }
  EXPECT_EQ(pruned.keep.count(), 20);
  EXPECT_TRUE((!pruned.keep || r.allowed).all());
  // Everything allowed: the trained weights, zero error; an all-true array is no restriction.
  const PrunedLayer all = prune_rows(layer, capacities(r.allowed), omp_rows(), 1, r.allowed);
  EXPECT_LE((all.weights - r.w).lpNorm<Eigen::Infinity>(), 1e-10);
  EXPECT_TRUE((all.keep == r.allowed).all());
  const AllowedWeights everything = AllowedWeights::Constant(d_out, d_in, true);
  const std::vector<Index> plain = row_budgets(d_out, d_in, 30);
  EXPECT_EQ(prune_rows(layer, plain, omp_rows(), 1, everything).weights,
            prune_rows(layer, plain, omp_rows(), 1).weights);
  // A budget above what a row allows.
  EXPECT_THROW(prune_rows(layer, std::vector<Index>(d_out, d_in), omp_rows(), 1, r.allowed),
               InvalidInput);
}

TEST(OptimalBrainSurgeon, RestrictedRowsRemoveTheBruteForceBestAmongTheAllowedWeights) {
  const Index d = 7;
  const RestrictedLayer r = restricted_layer(25, d, 1, 31);
  const LayerReconstruction layer = LayerReconstruction::from_inputs(r.w, r.x, 0.05);
  std::vector<Index> support;
  for (Index j = 0; j < d; ++j)
    if (r.allowed(0, j)) support.push_back(j);
  ASSERT_GE(support.size(), 3u);
  const Index k = static_cast<Index>(support.size()) - 1;
  // The single removal among the allowed weights that increases the damped error least.
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
  Eigen::VectorXd reference;
  best_error(layer, best, &reference);
  const PrunedLayer pruned = prune_optimal_brain_surgeon(layer, {k}, 1, r.allowed);
  EXPECT_LE((pruned.weights.row(0).transpose() - reference).lpNorm<Eigen::Infinity>(), 1e-10);
  for (Index j = 0; j < d; ++j)
    EXPECT_EQ(pruned.keep(0, j), std::find(best.begin(), best.end(), j) != best.end()) << j;
  EXPECT_THROW(prune_optimal_brain_surgeon(layer, {k + 2}, 1, r.allowed), InvalidInput);
}

// refine_rows hands each row's refinement the row of the given layer on the row's own
// coordinates: the identity refinement gives OBS's layer back bit for bit (with and without an
// allowed set), and splicing from OBS lowers or keeps every row's objective, keeping the budgets
// and the allowed weights, and on correlated inputs lowers some.
TEST(OptimalBrainSurgeon, RefinedRowsStartFromObsAndSplicingNeverRaisesTheirObjectives) {
  const RowRefinement identity = [](const CovarianceProblem&, const Eigen::VectorXd& start, Index) {
    return start;
  };
  const RowRefinement splicing = [](const CovarianceProblem& problem, const Eigen::VectorXd& start,
                                    Index k) {
    return SupportSplicing().minimize_from(problem, start, k).w;
  };
  const RestrictedLayer r = restricted_layer(40, 9, 4, 41);
  const LayerReconstruction small = LayerReconstruction::from_inputs(r.w, r.x, 0.05);
  const std::vector<Index> within = row_budgets(capacities(r.allowed), 10);
  const PrunedLayer obs_within = prune_optimal_brain_surgeon(small, within, 1, r.allowed);
  const PrunedLayer same = refine_rows(small, obs_within, within, identity, 2, r.allowed);
  EXPECT_TRUE(same.weights == obs_within.weights);
  EXPECT_TRUE((same.keep == obs_within.keep).all());
  const PrunedLayer spliced_within = refine_rows(small, obs_within, within, splicing, 2, r.allowed);
  EXPECT_TRUE((!spliced_within.keep || r.allowed).all())
      << "a refinement stays on its row's allowed weights";

  const LayerReconstruction layer = correlated_layer();
  const Index d_out = layer.rows();
  const std::vector<Index> budgets = row_budgets(d_out, layer.columns(), 6 * d_out);
  const PrunedLayer obs = prune_optimal_brain_surgeon(layer, budgets, 2);
  const PrunedLayer unchanged = refine_rows(layer, obs, budgets, identity);
  EXPECT_TRUE(unchanged.weights == obs.weights);
  const PrunedLayer spliced = refine_rows(layer, obs, budgets, splicing, 3);
  EXPECT_GE(rows_lowered(layer, obs, spliced, budgets), 1);
  EXPECT_TRUE((spliced.keep || spliced.weights.array() == 0.0).all());
}

}  // namespace
}  // namespace cardinal
