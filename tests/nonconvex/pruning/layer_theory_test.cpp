#include "cardinal/nonconvex/pruning/layer_theory.hpp"

#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"
#include "random_matrix.hpp"

namespace cardinal {
namespace {

using test_support::gaussian_matrix;

/// min and max eigenvalue of H_SS over every support of size k, by direct enumeration.
std::pair<double, double> enumerated(const Eigen::MatrixXd& h, Index k) {
  const Index p = h.rows();
  double low = std::numeric_limits<double>::infinity(), high = -low;
  std::vector<bool> pick(static_cast<std::size_t>(p), false);
  std::fill(pick.begin(), pick.begin() + k, true);
  do {
    std::vector<Index> s;
    for (Index j = 0; j < p; ++j)
      if (pick[static_cast<std::size_t>(j)]) s.push_back(j);
    const Eigen::MatrixXd sub = h(s, s);
    const Eigen::VectorXd values =
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(sub).eigenvalues();
    low = std::min(low, values.minCoeff());
    high = std::max(high, values.maxCoeff());
  } while (std::prev_permutation(pick.begin(), pick.end()));
  return {low, high};
}

Eigen::VectorXd eigenvalues_of(const Eigen::MatrixXd& h) {
  return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(h).eigenvalues();
}

TEST(LayerTheory, SmallLayerConstantsAreExactAndMatchEnumeration) {
  // Correlated inputs, so that the constants are far from the identity's.
  Eigen::MatrixXd x = gaussian_matrix(30, 8, 1);
  x.col(1) = 0.9 * x.col(0) + 0.1 * x.col(1);
  const LayerReconstruction layer =
      LayerReconstruction::from_inputs(gaussian_matrix(3, 8, 2), x, 0.01);
  const Eigen::MatrixXd& h = layer.problems().hessian();
  const LayerTheory theory = layer_theory("fc1.weight", layer, 2);
  EXPECT_EQ(theory.dimension, 8);
  EXPECT_EQ(theory.sparsity, 2);
  ASSERT_EQ(theory.constants.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    const RestrictedConstants& c = theory.constants[i];
    EXPECT_EQ(c.k, 2 * static_cast<Index>(i + 1));
    const auto [rho, beta] = enumerated(h, c.k);
    EXPECT_EQ(c.rsc.kind, RestrictedConstant::Kind::kExact);
    EXPECT_EQ(c.rss.kind, RestrictedConstant::Kind::kExact);
    EXPECT_NEAR(c.rsc.value, rho, 1e-10 * beta) << c.k;
    EXPECT_NEAR(c.rss.value, beta, 1e-10 * beta) << c.k;
  }
  // The four theorems, decided by the exact constants.
  ASSERT_EQ(theory.theorems.size(), 4u);
  EXPECT_TRUE(theory.not_covered.empty());
  const auto [rho8, beta8] = enumerated(h, 8);
  const double kappa = beta8 / rho8;
  // CoSaMP (third): δ_4s at the best scaling, (κ − 1)/(κ + 1) ≤ 0.1; GraSP (fourth): κ_4s ≤ (1 +
  // √3)/2.
  EXPECT_EQ(theory.theorems[2].status,
            (kappa - 1) / (kappa + 1) <= 0.1 ? AssumptionStatus::kHolds : AssumptionStatus::kFails);
  EXPECT_EQ(theory.theorems[3].status, kappa <= (1 + std::sqrt(3.0)) / 2
                                           ? AssumptionStatus::kHolds
                                           : AssumptionStatus::kFails);
  for (const GuaranteeBound& g : theory.theorems)
    EXPECT_NE(g.status, AssumptionStatus::kUnverified);
}

TEST(LayerTheory, LevelsAboveTheWidthAreNotCoveredAndLargeOnesCertified) {
  const LayerReconstruction small =
      LayerReconstruction::from_inputs(gaussian_matrix(2, 8, 3), gaussian_matrix(30, 8, 4), 0.01);
  const LayerTheory three = layer_theory("fc.weight", small, 3);  // 9s > 8 for 3s and 4s
  ASSERT_EQ(three.constants.size(), 2u);
  EXPECT_TRUE(three.theorems.empty());
  EXPECT_EQ(three.not_covered.size(), 4u);
  EXPECT_THROW(layer_theory("fc.weight", small, 9), InvalidInput);
  EXPECT_THROW(layer_theory("fc.weight", small, 0), InvalidInput);

  // p = 60 at k = 10: C(60, 10) ≈ 7.5e10 supports, refused for enumeration: certified bounds,
  // on the safe side of the enumerable k = 1 values (ρ_k ≤ min H_jj, β_k ≥ max H_jj).
  const LayerReconstruction wide = LayerReconstruction::from_inputs(
      gaussian_matrix(2, 60, 5), gaussian_matrix(100, 60, 6), 0.01);
  const LayerTheory theory = layer_theory("fc1.weight", wide, 10);
  const Eigen::VectorXd diagonal = wide.problems().hessian().diagonal();
  for (const RestrictedConstants& c : theory.constants) {
    EXPECT_EQ(c.rsc.kind, RestrictedConstant::Kind::kCertifiedBound) << c.k;
    EXPECT_LE(c.rsc.value, diagonal.minCoeff());
    EXPECT_GE(c.rss.value, diagonal.maxCoeff());
  }
  // Certified bounds never refute: a failing theorem was refuted by the estimates.
  for (const GuaranteeBound& g : theory.theorems)
    if (g.status == AssumptionStatus::kFails)
      EXPECT_EQ(g.constants_kind, RestrictedConstant::Kind::kEstimate) << g.theorem;
}

TEST(LayerTheory, EstimatesAreAttainedAndRefuteWhereBoundsCannot) {
  // Inputs 3 and 7 nearly equal: H has a 2 x 2 principal submatrix of condition number above
  // 10^3, so every theorem's assumption fails, though certified bounds (p = 60, k = 10 and
  // beyond: no enumeration) cannot show it.
  Eigen::MatrixXd x = gaussian_matrix(100, 60, 6);
  x.col(7) = x.col(3) + 1e-3 * x.col(11);
  const LayerReconstruction layer =
      LayerReconstruction::from_inputs(gaussian_matrix(2, 60, 5), x, 1e-6);
  const Eigen::MatrixXd& h = layer.problems().hessian();
  const LayerTheory theory = layer_theory("fc1.weight", layer, 10);
  ASSERT_EQ(theory.constants.size(), 4u);
  ASSERT_EQ(theory.estimates.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    const RestrictedConstants& bound = theory.constants[i];
    const RestrictedConstants& estimate = theory.estimates[i];
    SCOPED_TRACE(::testing::Message() << "k " << estimate.k);
    EXPECT_EQ(estimate.k, bound.k);
    EXPECT_EQ(estimate.rsc.kind, RestrictedConstant::Kind::kEstimate);
    EXPECT_GE(estimate.rsc.value, bound.rsc.value);
    EXPECT_LE(estimate.rss.value, bound.rss.value);
    // Each estimate is the extreme eigenvalue of H on the support it reports.
    ASSERT_EQ(static_cast<Index>(estimate.rsc_support.size()), estimate.k);
    ASSERT_EQ(static_cast<Index>(estimate.rss_support.size()), estimate.k);
    const auto eigenvalues = [&](const std::vector<Index>& support) {
      return eigenvalues_of(h(support, support));
    };
    EXPECT_NEAR(eigenvalues(estimate.rsc_support).minCoeff(), estimate.rsc.value,
                1e-9 * estimate.rss.value);
    EXPECT_NEAR(eigenvalues(estimate.rss_support).maxCoeff(), estimate.rss.value,
                1e-9 * estimate.rss.value);
  }
  const std::vector<Index> pair{3, 7};
  const Eigen::VectorXd pair_values = eigenvalues_of(h(pair, pair));
  EXPECT_GT(pair_values.maxCoeff() / pair_values.minCoeff(), 1e3);
  ASSERT_EQ(theory.theorems.size(), 4u);
  for (const GuaranteeBound& g : theory.theorems) {
    EXPECT_EQ(g.status, AssumptionStatus::kFails) << g.theorem;
    EXPECT_EQ(g.constants_kind, RestrictedConstant::Kind::kEstimate) << g.theorem;
  }
}

TEST(GreedyRowsCheck, OmpRowsMeetTheSublinearBoundAndAWorseRowDoesNot) {
  Eigen::MatrixXd x = gaussian_matrix(40, 12, 7);
  x.col(4) = 0.8 * x.col(2) + 0.2 * x.col(4);
  const Eigen::MatrixXd w = gaussian_matrix(5, 12, 8);
  const LayerReconstruction layer = LayerReconstruction::from_inputs(w, x, 0.01);
  const Eigen::MatrixXd& h = layer.problems().hessian();
  const std::vector<Index> budgets{1, 3, 5, 8, 12};
  const PrunedLayer pruned = prune_rows(layer, budgets, [](const CovarianceProblem& row, Index k) {
    return OrthogonalMatchingPursuit().minimize(row, k).w;
  });
  const GreedyRowsCheck check = check_greedy_rows(layer, pruned.weights);
  EXPECT_EQ(check.coordinate_smoothness, h.diagonal().maxCoeff());
  ASSERT_EQ(check.rows.size(), 5u);
  EXPECT_EQ(check.violations(), 0);
  for (Index i = 0; i < 5; ++i) {
    const GreedyRowBound& r = check.rows[static_cast<std::size_t>(i)];
    SCOPED_TRACE(::testing::Message() << "row " << i);
    // f_i(v) − f_i(w_i) = ½(v − w_i)ᵀH(v − w_i), since b_i = H w_i.
    const Eigen::VectorXd dense = w.row(i).transpose();
    const Eigen::VectorXd d = pruned.weights.row(i).transpose() - dense;
    const double e0 = 0.5 * dense.dot(h * dense);
    const double c = 2.0 * h.diagonal().maxCoeff() * std::pow(dense.lpNorm<1>(), 2);
    const double t = static_cast<double>(budgets[static_cast<std::size_t>(i)]);
    EXPECT_EQ(r.kept, budgets[static_cast<std::size_t>(i)]);
    EXPECT_NEAR(r.initial_gap, e0, 1e-12 * e0);
    EXPECT_NEAR(r.gap, 0.5 * d.dot(h * d), 1e-10 * e0);
    EXPECT_NEAR(r.bound, e0 * c / (c + t * e0), 1e-12 * e0);
    EXPECT_TRUE(r.holds());
    EXPECT_LE(r.gap, r.bound);
  }
  // The dense row (k = p) is reached exactly.
  EXPECT_NEAR(check.rows[4].gap, 0.0, 1e-10 * check.rows[4].initial_gap);
  EXPECT_LE(check.largest_ratio(), 1.0);

  // A row that no greedy solver returns: −w_i keeps every weight with four times the initial
  // gap, above any bound.
  Eigen::MatrixXd worse = pruned.weights;
  worse.row(2) = -w.row(2);
  const GreedyRowsCheck refuted = check_greedy_rows(layer, worse);
  EXPECT_EQ(refuted.violations(), 1);
  EXPECT_FALSE(refuted.rows[2].holds());
  EXPECT_NEAR(refuted.rows[2].gap, 4.0 * refuted.rows[2].initial_gap,
              1e-10 * refuted.rows[2].initial_gap);
  EXPECT_GT(refuted.largest_ratio(), 1.0);
  EXPECT_THROW(check_greedy_rows(layer, Eigen::MatrixXd::Zero(5, 11)), InvalidInput);
}

}  // namespace
}  // namespace cardinal
