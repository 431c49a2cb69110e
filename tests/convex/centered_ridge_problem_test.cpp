#include "cardinal/convex/centered_ridge_problem.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/covariance_problem.hpp"
#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"
#include "cardinal/solvers/compressive_sampling_matching_pursuit.hpp"
#include "cardinal/solvers/fully_corrective_greedy.hpp"
#include "cardinal/solvers/iterative_hard_thresholding.hpp"
#include "random_matrix.hpp"

namespace cardinal {
namespace {

using test_support::gaussian_matrix;

using Vector = Eigen::VectorXd;
constexpr double kTolerance = 1e-10;

/// The explicit covariance form: H = GᵀG/n + λI, b = Hw̄, c = ½w̄ᵀHw̄.
CovarianceProblem explicit_form(const Eigen::MatrixXd& g, const Vector& center, double ridge) {
  Eigen::MatrixXd h = g.transpose() * g / static_cast<double>(g.rows());
  h.diagonal().array() += ridge;
  const Vector b = h * center;
  return CovarianceProblem(h, b, 0.5 * center.dot(b));
}

struct Instance {
  Eigen::MatrixXd g;
  Vector center;
  double ridge;
  CenteredRidgeProblem problem;
  CovarianceProblem reference;
  Instance(Index n, Index p, double ridge, unsigned seed)
      : g(gaussian_matrix(n, p, seed)),
        center(gaussian_matrix(p, 1, seed + 1)),
        ridge(ridge),
        problem(Design(g), center, ridge),
        reference(explicit_form(g, center, ridge)) {}
};

TEST(CenteredRidgeProblem, EqualsItsExplicitFormula) {
  const Instance f(12, 20, 0.3, 1);
  const Vector w = gaussian_matrix(20, 1, 9);
  const Vector offset = w - f.center;
  const double expected = (f.g * offset).squaredNorm() / 24.0 + 0.15 * offset.squaredNorm();
  Vector g, g_reference;
  EXPECT_NEAR(f.problem.value(w), expected, kTolerance);
  EXPECT_NEAR(f.problem.value_and_gradient(w, g), expected, kTolerance);
  EXPECT_NEAR(f.reference.value_and_gradient(w, g_reference), expected, kTolerance);
  EXPECT_LE((g - g_reference).lpNorm<Eigen::Infinity>(), kTolerance);
  EXPECT_DOUBLE_EQ(f.problem.value(f.center), 0.0);
  const Vector d = gaussian_matrix(20, 1, 10);
  EXPECT_NEAR(f.problem.minimize_along(w, d), f.reference.minimize_along(w, d), kTolerance);
}

TEST(CenteredRidgeProblem, RestrictedMinimizerOnBothSidesOfTheSampleCount) {
  // n = 6 samples: supports of 4 use the normal equations, of 15 the Woodbury identity.
  const Instance f(6, 20, 0.2, 2);
  for (const CoordinateSpace::Support a :
       {CoordinateSpace::Support{1, 5, 7, 19},
        CoordinateSpace::Support{0, 1, 2, 3, 4, 6, 8, 9, 10, 11, 12, 13, 15, 17, 18}}) {
    const Vector w = f.problem.minimize_on(a, f.problem.space().zeros());
    const Vector expected = f.reference.minimize_on(a, f.problem.space().zeros());
    EXPECT_LE((w - expected).lpNorm<Eigen::Infinity>(), 1e-9) << a.size();
    Vector g;
    f.problem.value_and_gradient(w, g);
    for (Index j : a) EXPECT_NEAR(g[j], 0.0, 1e-9);
  }
}

TEST(CenteredRidgeProblem, SolversRunUnchangedWithTheIteratesOfTheExplicitForm) {
  const Instance f(30, 25, 0.05, 3);
  OrthogonalMatchingPursuitOptions omp_options;
  omp_options.stopping.objective_level = -1.0;
  const auto a = OrthogonalMatchingPursuit(omp_options).minimize(f.problem, 8);
  const auto b = OrthogonalMatchingPursuit(omp_options).minimize(f.reference, 8);
  EXPECT_EQ(a.support, b.support);
  EXPECT_LE((a.w - b.w).lpNorm<Eigen::Infinity>(), 1e-9);
  EXPECT_NEAR(a.objective, b.objective, 1e-9);

  const auto c = FullyCorrectiveGreedy().minimize(f.problem, 8);
  const auto d = FullyCorrectiveGreedy().minimize(f.reference, 8);
  EXPECT_EQ(c.support, d.support);
  EXPECT_LE((c.w - d.w).lpNorm<Eigen::Infinity>(), 1e-9);

  const auto e = CompressiveSamplingMatchingPursuit().minimize(f.problem, 8);
  const auto h = CompressiveSamplingMatchingPursuit().minimize(f.reference, 8);
  EXPECT_EQ(e.support, h.support);
  EXPECT_NEAR(e.objective, h.objective, 1e-9);

  const auto i = IterativeHardThresholding().minimize(f.problem, 8);
  const auto j = IterativeHardThresholding().minimize(f.reference, 8);
  EXPECT_EQ(i.support, j.support);
  EXPECT_NEAR(i.objective, j.objective, 1e-8);
}

TEST(CenteredRidgeProblem, OmpBeyondTheSampleCountKeepsTheIteratesOfTheExplicitForm) {
  // k = 30 > n = 8 with λ > 0: OMP refits through the n × n Woodbury factor, not a k × k one.
  const Instance f(8, 45, 0.05, 6);
  OrthogonalMatchingPursuitOptions options;
  options.stopping.objective_level = -1.0;
  const auto a = OrthogonalMatchingPursuit(options).minimize(f.problem, 30);
  const auto b = OrthogonalMatchingPursuit(options).minimize(f.reference, 30);
  EXPECT_EQ(a.reason, StopReason::kBudgetReached);
  EXPECT_EQ(a.support, b.support);
  EXPECT_EQ(a.support.size(), 30u);
  EXPECT_LE((a.w - b.w).lpNorm<Eigen::Infinity>(), 1e-9);
  ASSERT_EQ(a.trace.rows.size(), b.trace.rows.size());
  for (std::size_t t = 0; t < a.trace.rows.size(); ++t)
    EXPECT_NEAR(a.trace.rows[t].objective, b.trace.rows[t].objective, 1e-10) << t;
  // The refit is the restricted minimizer: zero gradient on the support.
  Vector g;
  f.problem.value_and_gradient(a.w, g);
  for (Index j : a.support) EXPECT_NEAR(g[j], 0.0, 1e-9) << j;

  // Without ridge at most n columns are independent: both forms stall there, on one support.
  const Instance r(8, 45, 0.0, 6);
  const auto c = OrthogonalMatchingPursuit(options).minimize(r.problem, 30);
  const auto d = OrthogonalMatchingPursuit(options).minimize(r.reference, 30);
  EXPECT_EQ(c.reason, StopReason::kStalled);
  EXPECT_EQ(d.reason, StopReason::kStalled);
  EXPECT_EQ(c.support.size(), 8u);
  EXPECT_EQ(c.support, d.support);
}

TEST(CenteredRidgeProblem, FloatStorageSolvesTheProblemOfTheStoredEntries) {
  const Instance f(10, 8, 0.1, 4);
  const Eigen::MatrixXf stored = f.g.cast<float>();
  const CenteredRidgeProblem single(Design(stored), f.center, 0.1);
  const CovarianceProblem reference = explicit_form(stored.cast<double>(), f.center, 0.1);
  const Vector w = gaussian_matrix(8, 1, 5);
  EXPECT_NEAR(single.value(w), reference.value(w), kTolerance);
}

TEST(CenteredRidgeProblem, RejectsMismatchedSizesAndBadRidge) {
  EXPECT_THROW(CenteredRidgeProblem(Design(gaussian_matrix(4, 3, 1)), Vector::Zero(2), 0.1),
               InvalidInput);
  EXPECT_THROW(CenteredRidgeProblem(Design(gaussian_matrix(4, 3, 1)), Vector::Zero(3), -1.0),
               InvalidInput);
}

}  // namespace
}  // namespace cardinal
