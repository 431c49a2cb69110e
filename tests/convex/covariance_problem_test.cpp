#include "cardinal/convex/covariance_problem.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/covariance_rows.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/solvers/l1_path.hpp"
#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"
#include "cardinal/solvers/compressive_sampling_matching_pursuit.hpp"
#include "cardinal/solvers/forward_greedy_selection.hpp"
#include "cardinal/solvers/fully_corrective_greedy.hpp"
#include "cardinal/solvers/gradient_support_pursuit.hpp"
#include "cardinal/solvers/hard_thresholding_pursuit.hpp"
#include "cardinal/solvers/iterative_hard_thresholding.hpp"

namespace cardinal {
namespace {

using Vector = Eigen::VectorXd;
constexpr double kTolerance = 1e-10;

LeastSquaresProblem design_problem(double ridge) {
  const SyntheticInstance instance = make_synthetic(
      {.samples = 80, .features = 30, .sparsity = 5, .correlation = 0.3, .noise = 0.1, .seed = 7});
  return LeastSquaresProblem(instance.design, instance.response, {.ridge = ridge});
}

/// The solver's result and trace on the design form and on the covariance form agree.
template <class Solver>
void expect_same_iterates(const char* name, const Solver& solver, Index k) {
  for (double ridge : {0.0, 0.05}) {
    SCOPED_TRACE(::testing::Message() << name << ", ridge " << ridge << ", k " << k);
    const LeastSquaresProblem design = design_problem(ridge);
    const CovarianceProblem covariance = CovarianceProblem::from_design(design);
    const auto a = solver.minimize(design, k);
    const auto b = solver.minimize(covariance, k);
    EXPECT_EQ(a.support, b.support);
    EXPECT_EQ(a.iterations, b.iterations);
    EXPECT_EQ(a.reason, b.reason);
    EXPECT_LE((a.w - b.w).template lpNorm<Eigen::Infinity>(), kTolerance);
    EXPECT_NEAR(a.objective, b.objective, kTolerance);
    ASSERT_EQ(a.trace.rows.size(), b.trace.rows.size());
    for (std::size_t t = 0; t < a.trace.rows.size(); ++t) {
      EXPECT_NEAR(a.trace.rows[t].objective, b.trace.rows[t].objective, kTolerance) << t;
      EXPECT_EQ(a.trace.rows[t].support_size, b.trace.rows[t].support_size) << t;
      EXPECT_NEAR(a.trace.rows[t].gradient_norm_on, b.trace.rows[t].gradient_norm_on, kTolerance);
      EXPECT_NEAR(a.trace.rows[t].gradient_norm_off, b.trace.rows[t].gradient_norm_off, kTolerance);
    }
  }
}

TEST(CovarianceProblem, MatchesTheDesignFormPointwise) {
  const LeastSquaresProblem design = design_problem(0.05);
  const CovarianceProblem covariance = CovarianceProblem::from_design(design);
  Vector w = Vector::Zero(30);
  w[3] = 1.5;
  w[17] = -0.25;
  for (const Vector& at : {Vector(Vector::Zero(30)), w, Vector(Vector::LinSpaced(30, -1, 1))}) {
    Vector g1, g2;
    EXPECT_NEAR(design.value_and_gradient(at, g1), covariance.value_and_gradient(at, g2), 1e-12);
    EXPECT_LE((g1 - g2).lpNorm<Eigen::Infinity>(), 1e-12);
    EXPECT_NEAR(design.value(at), covariance.value(at), 1e-12);
    const Vector d = Vector::LinSpaced(30, 1, 2);
    EXPECT_NEAR(design.minimize_along(at, d), covariance.minimize_along(at, d), 1e-12);
  }
  const CoordinateSpace::Support a{1, 3, 17, 20};
  EXPECT_LE((design.minimize_on(a, w) - covariance.minimize_on(a, w)).lpNorm<Eigen::Infinity>(),
            1e-12);
}

TEST(CovarianceProblem, EverySolverHasTheDesignFormsIterates) {
  for (Index k : {3, 8}) {
    expect_same_iterates("OrthogonalMatchingPursuit", OrthogonalMatchingPursuit(), k);
    expect_same_iterates("ForwardGreedySelection", ForwardGreedySelection(), k);
    expect_same_iterates("FullyCorrectiveGreedy", FullyCorrectiveGreedy(), k);
    // A fixed step: the default 1/L comes from finite differences of gradients, whose rounding
    // differs between the forms by more than the tolerance.
    expect_same_iterates("IterativeHardThresholding", IterativeHardThresholding({.step = 0.2}), k);
    expect_same_iterates("IterativeHardThresholding normalized",
                         IterativeHardThresholding({.normalized = true}), k);
    expect_same_iterates("HardThresholdingPursuit", HardThresholdingPursuit(), k);
    expect_same_iterates("CompressiveSamplingMatchingPursuit", CompressiveSamplingMatchingPursuit(),
                         k);
    expect_same_iterates("GradientSupportPursuit", GradientSupportPursuit(), k);
    expect_same_iterates("LassoPathSelection", LassoPathSelection(), k);
    expect_same_iterates("LassoPathSelection debias", LassoPathSelection({.debias = true}), k);
  }
}

TEST(CovarianceProblem, SacrificesAreTheExactChangesOfTheRestrictedMinimum) {
  for (double ridge : {0.0, 0.05}) {
    SCOPED_TRACE(::testing::Message() << "ridge " << ridge);
    const CovarianceProblem problem = CovarianceProblem::from_design(design_problem(ridge));
    const std::vector<Index> a = {1, 4, 9, 17, 26};
    const Vector w = problem.minimize_on(a, problem.space().zeros());
    Vector g;
    const double f = problem.value_and_gradient(w, g);
    const Sacrifices<Vector> s = problem.sacrifices(w, g, a);
    for (Index j = 0; j < problem.features(); ++j) {
      std::vector<Index> other;
      const bool inside = std::find(a.begin(), a.end(), j) != a.end();
      for (Index i : a)
        if (i != j) other.push_back(i);
      if (!inside) {
        other.push_back(j);
        std::sort(other.begin(), other.end());
      }
      const double changed = problem.value(problem.minimize_on(other, w));
      if (inside) {
        EXPECT_NEAR(s.backward[j], changed - f, 1e-10 * std::abs(f)) << j;
        EXPECT_EQ(s.forward[j], 0.0) << j;
      } else {
        EXPECT_NEAR(s.forward[j], f - changed, 1e-10 * std::abs(f)) << j;
        EXPECT_EQ(s.backward[j], 0.0) << j;
      }
    }
  }
}

/// The minimizer on `a` from the normal equations of the explicit sub-problem.
Vector explicit_restricted_minimizer(const Eigen::MatrixXd& h, const Vector& b,
                                     const std::vector<Index>& a) {
  const Index k = static_cast<Index>(a.size());
  Eigen::MatrixXd h_aa(k, k);
  Vector b_a(k);
  for (Index i = 0; i < k; ++i) {
    b_a[i] = b[a[static_cast<std::size_t>(i)]];
    for (Index j = 0; j < k; ++j)
      h_aa(i, j) = h(a[static_cast<std::size_t>(i)], a[static_cast<std::size_t>(j)]);
  }
  const Vector v = h_aa.completeOrthogonalDecomposition().solve(b_a);
  Vector w = Vector::Zero(b.size());
  for (Index i = 0; i < k; ++i) w[a[static_cast<std::size_t>(i)]] = v[i];
  return w;
}

TEST(CovarianceProblem, RestrictedSolveIsExactOnSmallAndLargeSupports) {
  // p = 120: supports of 10 coordinates take the Cholesky route, those missing a few take the
  // route through H⁻¹; both must give the restricted minimizer, for a problem of its own and for
  // rows sharing H (and its inverse) in any order.
  const Index p = 120;
  const SyntheticInstance instance =
      make_synthetic({.samples = 300, .features = p, .correlation = 0.6, .seed = 11});
  std::vector<Index> all(static_cast<std::size_t>(p));
  std::iota(all.begin(), all.end(), Index{0});
  const Eigen::MatrixXd x = instance.design.dense_columns(all);
  Eigen::MatrixXd h = x.transpose() * x / 300.0;
  h.diagonal().array() += 1e-3;
  const Eigen::MatrixXd b = h * Eigen::MatrixXd::Random(p, 3) + 0.1 * Eigen::MatrixXd::Random(p, 3);
  const CovarianceRows rows(std::make_shared<const Eigen::MatrixXd>(h), b, Vector::Zero(3));
  for (Index missing : {Index{110}, Index{40}, Index{7}, Index{1}, Index{0}}) {
    std::vector<Index> a;
    for (Index j = 0; j < p; ++j)
      if ((j * 37) % p >= missing) a.push_back(j);
    for (Index i : {2, 0, 1}) {
      SCOPED_TRACE(::testing::Message() << p - missing << " coordinates, row " << i);
      const Vector expected = explicit_restricted_minimizer(h, b.col(i), a);
      const Vector shared = rows.row(i).minimize_on(a, Vector());
      const Vector alone = CovarianceProblem(h, b.col(i)).minimize_on(a, Vector());
      const double scale = expected.lpNorm<Eigen::Infinity>();
      EXPECT_LE((shared - expected).lpNorm<Eigen::Infinity>(), 1e-9 * scale);
      EXPECT_LE((alone - expected).lpNorm<Eigen::Infinity>(), 1e-9 * scale);
      // Exactly zero off the support, and the gradient vanishes on it.
      Vector g;
      rows.row(i).value_and_gradient(shared, g);
      for (Index j = 0, next = 0; j < p; ++j) {
        const bool inside =
            next < static_cast<Index>(a.size()) && a[static_cast<std::size_t>(next)] == j;
        if (inside) {
          EXPECT_LE(std::abs(g[j]), 1e-9 * b.col(i).lpNorm<Eigen::Infinity>()) << j;
          ++next;
        } else {
          EXPECT_EQ(shared[j], 0.0) << j;
        }
      }
    }
  }
  // A singular H (p > n, no ridge): no inverse, the minimum-norm solution on any support.
  const SyntheticInstance wide = make_synthetic({.samples = 20, .features = 40, .seed = 5});
  const CovarianceProblem singular =
      CovarianceProblem::from_design(LeastSquaresProblem(wide.design, wide.response));
  std::vector<Index> most(40);
  std::iota(most.begin(), most.end(), Index{0});
  most.erase(most.begin() + 17);
  const Vector expected =
      explicit_restricted_minimizer(singular.hessian(), singular.linear(), most);
  EXPECT_LE((singular.minimize_on(most, Vector()) - expected).lpNorm<Eigen::Infinity>(),
            1e-9 * expected.lpNorm<Eigen::Infinity>());
}

TEST(CovarianceProblem, RejectsInconsistentSizesAndAnIntercept) {
  EXPECT_THROW(CovarianceProblem(Eigen::MatrixXd::Identity(3, 2), Vector::Zero(3)), InvalidInput);
  EXPECT_THROW(CovarianceProblem(Eigen::MatrixXd::Identity(3, 3), Vector::Zero(2)), InvalidInput);
  const SyntheticInstance instance =
      make_synthetic({.samples = 10, .features = 4, .sparsity = 2, .seed = 1});
  EXPECT_THROW(CovarianceProblem::from_design(
                   LeastSquaresProblem(instance.design, instance.response, {.intercept = true})),
               InvalidInput);
}

TEST(CovarianceProblem, LassoPathFollowsTheDesignFormsPathEvenWhenHIsSingular) {
  // p > n without a ridge: H is singular. Covariance updates need no factor of H, and a column
  // of zeros (H_jj = 0) never enters.
  for (const auto& [samples, ridge] : {std::pair{80, 0.05}, std::pair{12, 0.0}}) {
    SCOPED_TRACE(::testing::Message() << samples << " samples, ridge " << ridge);
    SyntheticInstance instance = make_synthetic(
        {.samples = samples, .features = 30, .sparsity = 4, .noise = 0.1, .seed = 11});
    std::vector<Index> all(30);
    std::iota(all.begin(), all.end(), Index{0});
    Eigen::MatrixXd x = instance.design.dense_columns(all);
    x.col(7).setZero();
    const LeastSquaresProblem design(Design(x), instance.response, {.ridge = ridge});
    const CovarianceProblem covariance = CovarianceProblem::from_design(design);
    const L1PathOptions options{.path_length = 40, .min_ratio = 1e-2};
    const L1Path a = lasso_path(design, options);
    const L1Path b = lasso_path(covariance, options);
    EXPECT_NEAR(a.lambda_max, b.lambda_max, 1e-12);
    ASSERT_EQ(a.points.size(), b.points.size());
    for (std::size_t t = 0; t < a.points.size(); ++t) {
      EXPECT_TRUE(b.points[t].converged) << t;
      EXPECT_EQ(a.points[t].nonzeros, b.points[t].nonzeros) << t;
      EXPECT_EQ(a.points[t].sweeps, b.points[t].sweeps) << t;
      EXPECT_LE((a.points[t].w - b.points[t].w).lpNorm<Eigen::Infinity>(), 1e-10) << t;
      EXPECT_NEAR(a.points[t].loss, b.points[t].loss, 1e-10) << t;
      EXPECT_NEAR(a.points[t].objective, b.points[t].objective, 1e-10) << t;
      EXPECT_EQ(b.points[t].w[7], 0.0) << t;
      // The reported loss is f at the reported point, and the gradient is ∇f there.
      Vector g;
      EXPECT_NEAR(b.points[t].loss, covariance.value_and_gradient(b.points[t].w, g), 1e-12) << t;
      EXPECT_LE((b.points[t].gradient - g).lpNorm<Eigen::Infinity>(), 1e-12) << t;
    }
  }
}

/// Rows sharing H: H from a random design, B = Xᵀ Y / n for m responses.
CovarianceRows random_rows(Index m) {
  const SyntheticInstance instance = make_synthetic({.samples = 60, .features = 12, .seed = 3});
  std::vector<Index> all(12);
  std::iota(all.begin(), all.end(), Index{0});
  const Eigen::MatrixXd x = instance.design.dense_columns(all);
  Eigen::MatrixXd h = x.transpose() * x / 60.0;
  h.diagonal().array() += 0.01;
  Eigen::MatrixXd weights(12, m);
  for (Index i = 0; i < m; ++i)
    for (Index j = 0; j < 12; ++j) weights(j, i) = std::sin(1.0 + 3.0 * i + 0.7 * j);
  const Eigen::MatrixXd b = h * weights;
  const Vector c = 0.5 * (weights.transpose() * h * weights).diagonal();
  return CovarianceRows(std::make_shared<const Eigen::MatrixXd>(h), b, c);
}

TEST(CovarianceRows, StackedProblemIsTheSumOfItsRows) {
  const CovarianceRows rows = random_rows(5);
  const Vector w = Vector::LinSpaced(60, -2, 3);
  Vector g;
  const double value = rows.value_and_gradient(w, g);
  double sum = 0.0;
  for (Index i = 0; i < 5; ++i) {
    Vector gi;
    sum += rows.row(i).value_and_gradient(w.segment(i * 12, 12), gi);
    EXPECT_LE((g.segment(i * 12, 12) - gi).lpNorm<Eigen::Infinity>(), 1e-12);
  }
  EXPECT_NEAR(value, sum, 1e-11);
  // Each row's restricted solve on its part of the support.
  const CoordinateSpace::Support a{0, 5, 13, 14, 50};
  const Vector solved = rows.minimize_on(a, w);
  EXPECT_LE((solved.segment(12, 12) - rows.row(1).minimize_on({1, 2}, Vector::Zero(12)))
                .lpNorm<Eigen::Infinity>(),
            1e-14);
  EXPECT_TRUE(solved.segment(24, 12).isZero(0.0));
  // With the whole layer's budget, IHT keeps exactly k weights.
  const auto result = IterativeHardThresholding().minimize(rows, 20);
  EXPECT_EQ(rows.space().size(result.support), 20);
}

TEST(CovarianceRows, SolveRowsIsIndependentOfTheThreadCount) {
  const CovarianceRows rows = random_rows(9);
  auto solve = [](const CovarianceProblem& problem, Index i) {
    return OrthogonalMatchingPursuit().minimize(problem, 2 + i % 4).w;
  };
  const std::vector<Vector> one = solve_rows(rows, solve, 1);
  const std::vector<Vector> three = solve_rows(rows, solve, 3);
  ASSERT_EQ(one.size(), 9u);
  for (Index i = 0; i < 9; ++i) {
    EXPECT_EQ(one[static_cast<std::size_t>(i)], three[static_cast<std::size_t>(i)]);
    EXPECT_EQ(one[static_cast<std::size_t>(i)],
              OrthogonalMatchingPursuit().minimize(rows.row(i), 2 + i % 4).w);
  }
  // B = H W and c = ½ wᵢᵀHwᵢ: with every coordinate the row's minimum is exactly zero.
  const CovarianceProblem full = rows.row(4);
  const Vector exact = full.minimize_on(full.space().largest(Vector::Ones(12), 12), Vector());
  EXPECT_NEAR(full.value(exact), 0.0, 1e-12);
}

}  // namespace
}  // namespace cardinal
