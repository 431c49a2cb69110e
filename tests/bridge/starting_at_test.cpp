#include "cardinal/bridge/starting_at.hpp"

#include <gtest/gtest.h>

#include <Eigen/Core>

#include "cardinal/convex/centered_ridge_problem.hpp"
#include "cardinal/solvers/iterative_hard_thresholding.hpp"
#include "random_matrix.hpp"

namespace cardinal {
namespace {

using test_support::gaussian_matrix;

using Vector = Eigen::VectorXd;

/// Fisher-shaped: few samples (n ≪ p) and a small damping, so that H = GᵀG/n + λI is
/// ill-conditioned and most directions are seen only through λ.
CenteredRidgeProblem fisher_shaped(Index n, Index p, double ridge, unsigned seed) {
  return CenteredRidgeProblem(Design(gaussian_matrix(n, p, seed)), gaussian_matrix(p, 1, seed + 1),
                              ridge);
}

Vector largest_entries(const CenteredRidgeProblem& problem, const Vector& x, Index k) {
  Vector kept = x;
  problem.space().restrict(kept, problem.space().largest(x, k));
  return kept;
}

static_assert(StartingPointProblem<StartingAt<CenteredRidgeProblem>>);
static_assert(QuadraticProblem<StartingAt<CenteredRidgeProblem>>);
static_assert(LineSearchProblem<StartingAt<CenteredRidgeProblem>>);
static_assert(!StartingPointProblem<CenteredRidgeProblem>);

TEST(StartingAt, IsTheProblemItViewsWithAStartingPoint) {
  const CenteredRidgeProblem problem = fisher_shaped(8, 40, 0.05, 3);
  const Vector start = gaussian_matrix(40, 1, 11);
  const StartingAt started(problem, start);
  EXPECT_EQ(started.starting_point(), start);
  EXPECT_EQ(starting_point(started), start);

  const Vector w = gaussian_matrix(40, 1, 12);
  Vector g, g_started;
  EXPECT_EQ(started.value(w), problem.value(w));
  EXPECT_EQ(started.value_and_gradient(w, g_started), problem.value_and_gradient(w, g));
  EXPECT_EQ(g_started, g);
  const auto support = problem.space().largest(w, 6);
  EXPECT_EQ(started.minimize_on(support, w), problem.minimize_on(support, w));
  EXPECT_EQ(started.minimize_along(w, g), problem.minimize_along(w, g));
}

TEST(StartingAt, IhtStartsThereAndEveryIterateImprovesOnIt) {
  const Index k = 40;
  const CenteredRidgeProblem problem = fisher_shaped(30, 400, 1e-3, 5);
  const Vector start = largest_entries(problem, problem.center(), k);
  IterativeHardThresholdingOptions options;
  options.stopping.max_iterations = 200;
  const IterativeHardThresholding iht(options);

  const auto from_start = iht.minimize(StartingAt(problem, start), k);
  ASSERT_FALSE(from_start.trace.rows.empty());
  EXPECT_EQ(from_start.trace.rows.front().objective, problem.value(start));
  for (const auto& row : from_start.trace.rows) EXPECT_LE(row.objective, problem.value(start));
  EXPECT_LE(problem.space().size(problem.space().support_of(from_start.w)), k);
  EXPECT_DOUBLE_EQ(from_start.objective, problem.value(from_start.w));
}

}  // namespace
}  // namespace cardinal
