#include "cardinal/nonconvex/pruning/woodfisher.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <limits>
#include <random>
#include <vector>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

using Support = CoordinateSpace::Support;

/// A Fisher-like problem with fewer examples than weights (n = 5, d = 9), as on a network.
CenteredRidgeProblem tiny_problem(unsigned seed) {
  std::mt19937 engine(seed);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd g(5, 9);
  for (Index j = 0; j < g.cols(); ++j)
    for (Index i = 0; i < g.rows(); ++i) g(i, j) = normal(engine);
  Eigen::VectorXd center(9);
  for (Index j = 0; j < 9; ++j) center[j] = normal(engine);
  return CenteredRidgeProblem(Design(g), center, 0.05);
}

Eigen::MatrixXd explicit_hessian(const CenteredRidgeProblem& problem) {
  const Index d = problem.features();
  Eigen::MatrixXd h(d, d);
  for (Index j = 0; j < d; ++j) h.col(j) = problem.hessian_times(Eigen::VectorXd::Unit(d, j));
  return h;
}

Support without(const Support& s, Index removed) {
  Support rest;
  for (Index j : s)
    if (j != removed) rest.push_back(j);
  return rest;
}

TEST(WoodFisher, WoodburyDiagonalIsTheExplicitRestrictedInverse) {
  const CenteredRidgeProblem problem = tiny_problem(1);
  const Eigen::MatrixXd h = explicit_hessian(problem);
  const Support s{0, 2, 3, 5, 6, 8};
  Eigen::MatrixXd h_s(6, 6);
  for (std::size_t a = 0; a < s.size(); ++a)
    for (std::size_t b = 0; b < s.size(); ++b) h_s(a, b) = h(s[a], s[b]);
  const Eigen::VectorXd expected = h_s.inverse().diagonal();
  const Eigen::VectorXd diagonal = restricted_inverse_diagonal(problem, s);
  EXPECT_LE((diagonal - expected).lpNorm<Eigen::Infinity>(), 1e-10);
}

TEST(WoodFisher, OneRemovalIsTheBestSingleRemovalByBruteForce) {
  for (unsigned seed : {2u, 3u, 4u}) {
    const CenteredRidgeProblem problem = tiny_problem(seed);
    const Support all{0, 1, 2, 3, 4, 5, 6, 7, 8};
    double best = std::numeric_limits<double>::infinity();
    Support best_support;
    for (Index q = 0; q < 9; ++q) {
      const Support rest = without(all, q);
      const double value = problem.value(problem.minimize_on(rest, problem.center()));
      if (value < best) {
        best = value;
        best_support = rest;
      }
    }
    const WoodFisherResult result = woodfisher(problem, 8);
    EXPECT_EQ(result.support, best_support) << seed;
    EXPECT_NEAR(problem.value(result.w), best, 1e-12) << seed;
  }
}

TEST(WoodFisher, OneRemovalPerStepIsGreedyBackwardEliminationByBruteForce) {
  const CenteredRidgeProblem problem = tiny_problem(5);
  Support support{0, 1, 2, 3, 4, 5, 6, 7, 8};
  while (support.size() > 3) {
    double best = std::numeric_limits<double>::infinity();
    Support next;
    for (Index q : support) {
      const Support rest = without(support, q);
      const double value = problem.value(problem.minimize_on(rest, problem.center()));
      if (value < best) {
        best = value;
        next = rest;
      }
    }
    support = next;
  }
  const WoodFisherResult result = woodfisher(problem, 3, 6);
  EXPECT_EQ(result.support, support);
  EXPECT_LE((result.w - problem.minimize_on(support, problem.center())).lpNorm<Eigen::Infinity>(),
            1e-10);
}

TEST(WoodFisher, OneStepRemovesTheLeastSalientAndAppliesTheJointObsUpdate) {
  const CenteredRidgeProblem problem = tiny_problem(6);
  const Eigen::MatrixXd h_inverse = explicit_hessian(problem).inverse();
  const Eigen::VectorXd& w = problem.center();
  std::vector<std::pair<double, Index>> saliencies;
  for (Index q = 0; q < 9; ++q) saliencies.push_back({w[q] * w[q] / (2 * h_inverse(q, q)), q});
  std::sort(saliencies.begin(), saliencies.end());
  Support removed, kept;
  for (std::size_t i = 0; i < 9; ++i) (i < 5 ? removed : kept).push_back(saliencies[i].second);
  std::sort(removed.begin(), removed.end());
  std::sort(kept.begin(), kept.end());
  // δw = −H⁻¹E_Q (E_QᵀH⁻¹E_Q)⁻¹ E_Qᵀw.
  Eigen::MatrixXd columns(9, 5), block(5, 5);
  Eigen::VectorXd w_q(5);
  for (Index a = 0; a < 5; ++a) {
    columns.col(a) = h_inverse.col(removed[a]);
    w_q[a] = w[removed[a]];
    for (Index b = 0; b < 5; ++b) block(a, b) = h_inverse(removed[a], removed[b]);
  }
  const Eigen::VectorXd expected = w - columns * block.ldlt().solve(w_q);

  const WoodFisherResult result = woodfisher(problem, 4);
  EXPECT_EQ(result.support, kept);
  EXPECT_LE((result.w - expected).lpNorm<Eigen::Infinity>(), 1e-9);
  for (Index q : removed) EXPECT_EQ(result.w[q], 0.0);
}

TEST(WoodFisher, RejectsWithoutDampingOrWithABadBudget) {
  Eigen::MatrixXd g = Eigen::MatrixXd::Ones(2, 3);
  const CenteredRidgeProblem undamped(Design(g), Eigen::VectorXd::Ones(3), 0.0);
  EXPECT_THROW(woodfisher(undamped, 1), InvalidInput);
  EXPECT_THROW(woodfisher(tiny_problem(1), 10), InvalidInput);
  EXPECT_THROW(woodfisher(tiny_problem(1), 3, 0), InvalidInput);
}

}  // namespace
}  // namespace cardinal
