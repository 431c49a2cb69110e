#include "cardinal/solvers/hard_thresholding_pursuit.hpp"

#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <algorithm>
#include <numeric>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/solver.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "solvers/support_helpers.hpp"

namespace cardinal {
namespace {

static_assert(SparseSolver<HardThresholdingPursuit, LeastSquaresProblem>);
static_assert(SparseSolver<HardThresholdingPursuit, LogisticProblem>);

Eigen::MatrixXd dense(const Design& design) {
  std::vector<Index> all(static_cast<std::size_t>(design.cols()));
  std::iota(all.begin(), all.end(), Index{0});
  return design.dense_columns(all);
}

std::vector<Index> nonzeros(const Eigen::VectorXd& w, Index constrained) {
  std::vector<Index> s;
  for (Index i = 0; i < constrained; ++i)
    if (w[i] != 0.0) s.push_back(i);
  return s;
}

std::vector<LeastSquaresProblem> dense_and_sparse(const SyntheticInstance& inst) {
  const Eigen::MatrixXd x = dense(inst.design);
  return {LeastSquaresProblem(Design(x), inst.response),
          LeastSquaresProblem(Design(Design::Sparse(x.sparseView())), inst.response)};
}

void expect_exact_recovery(const SolverResult<LeastSquaresProblem>& result,
                           const SyntheticInstance& inst, const std::string& label) {
  EXPECT_EQ(nonzeros(result.w, inst.planted.size()), inst.support) << label;
  EXPECT_EQ(result.support, inst.support) << label;
  EXPECT_LT((result.w - inst.planted).lpNorm<Eigen::Infinity>(), 1e-8) << label;
  EXPECT_EQ(result.reason, StopReason::kConverged) << label;
}

// Foucart's step μ = 1 is the one his RIP analysis covers for a sensing matrix with nearly
// unit-norm columns; with f = ‖Xw − y‖²/(2n) and X i.i.d. N(0, 1), X/√n is such a matrix.
TEST(HardThresholdingPursuit, UnitStepRecoversNoiselessGaussianInstances) {
  const HardThresholdingPursuit htp({.step = 1.0});
  for (std::uint64_t seed : {1, 2, 3, 4, 5}) {
    const auto inst =
        make_synthetic({.samples = 200, .features = 500, .sparsity = 10, .seed = seed});
    for (const auto& problem : dense_and_sparse(inst)) {
      const auto result = htp.minimize(problem, 10);
      expect_exact_recovery(
          result, inst,
          "seed " + std::to_string(seed) + (problem.design().is_sparse() ? " sparse" : " dense"));
      EXPECT_LE(result.iterations, 10);
    }
  }
}

// The default μ = 1/L (L = λ_max(XᵀX/n) ≈ 6.6 at n = 200, p = 500) makes the selection favour
// the current support; at n = 200 it stops on a wrong support for seeds 4 and 6 of 1..10. With
// n = 300 measurements it recovers every seed tried.
TEST(HardThresholdingPursuit, DefaultStepRecoversEasierNoiselessInstances) {
  const HardThresholdingPursuit htp;
  for (std::uint64_t seed : {1, 4, 6}) {
    const auto inst =
        make_synthetic({.samples = 300, .features = 500, .sparsity = 10, .seed = seed});
    for (const auto& problem : dense_and_sparse(inst)) {
      expect_exact_recovery(htp.minimize(problem, 10), inst, "seed " + std::to_string(seed));
    }
  }
}

// At the end, w minimizes f on its support (∇f vanishes there), is zero off it, and the support
// is a fixed point of the selection step, which is why HTP stopped.
template <class Problem>
void expect_restricted_optimality(const Problem& problem, const SolverResult<Problem>& result,
                                  Index k, double step) {
  const auto& space = problem.space();
  ASSERT_EQ(result.reason, StopReason::kConverged);
  Eigen::VectorXd g;
  const double f = problem.value_and_gradient(result.w, g);
  EXPECT_EQ(f, result.objective);
  EXPECT_LT(space.norm_on(g, result.support), 1e-8);
  EXPECT_GT(space.norm_off(g, result.support), 0.0);
  Eigen::VectorXd zeroed = result.w;
  space.restrict(zeroed, result.support);
  EXPECT_EQ(zeroed, result.w);
  EXPECT_EQ(space.size(result.support), k);
  EXPECT_EQ(space.largest(result.w - step * g, k), result.support);
}

TEST(HardThresholdingPursuit, FinalIterateSatisfiesRestrictedOptimality) {
  const auto ls =
      make_synthetic({.samples = 120, .features = 300, .sparsity = 8, .noise = 0.2, .seed = 71});
  const LeastSquaresProblem least_squares(ls.design, ls.response, {.intercept = true});
  expect_restricted_optimality(
      least_squares, HardThresholdingPursuit({.step = 1.0}).minimize(least_squares, 8), 8, 1.0);

  // Independent check of the least-squares solve: the normal equations on the support.
  const auto result = HardThresholdingPursuit({.step = 1.0}).minimize(least_squares, 8);
  std::vector<Index> columns(result.support.begin(), result.support.end() - 1);
  Eigen::MatrixXd a(120, 9);
  a << ls.design.dense_columns(columns), Eigen::VectorXd::Ones(120);
  const Eigen::VectorXd v = (a.transpose() * a).ldlt().solve(a.transpose() * ls.response);
  for (std::size_t j = 0; j < 9; ++j)
    EXPECT_NEAR(result.w[result.support[j]], v[static_cast<Index>(j)], 1e-10);

  for (std::uint64_t seed : {72, 73}) {
    const auto lg = make_synthetic({.samples = 500,
                                    .features = 100,
                                    .sparsity = 4,
                                    .signal = 4.0,
                                    .logistic = true,
                                    .seed = seed});
    const LogisticProblem logistic(lg.design, lg.response, {.ridge = 1e-3});
    const HardThresholdingPursuit htp;
    const auto r = htp.minimize(logistic, 4);
    const double step = 1.0 / estimate_smoothness(logistic, logistic.space().zeros());
    expect_restricted_optimality(logistic, r, 4, step);
  }
}

// Independent reference: Foucart's iteration written on X and y with a normal-equations solve.
TEST(HardThresholdingPursuit, MatchesAReferenceImplementationIterateByIterate) {
  const auto inst = make_synthetic({.samples = 60,
                                    .features = 200,
                                    .sparsity = 12,
                                    .correlation = 0.5,
                                    .noise = 0.1,
                                    .seed = 83});
  const Eigen::MatrixXd x = dense(inst.design);
  const Eigen::VectorXd& y = inst.response;
  const double n = 60.0, mu = 1.0;
  const LeastSquaresProblem problem(inst.design, y);
  const auto result = HardThresholdingPursuit({.stopping = {.max_iterations = 25}, .step = mu})
                          .minimize(problem, 12);
  ASSERT_EQ(result.reason, StopReason::kConverged);
  ASSERT_GE(result.iterations, 5) << "the instance should take several iterations";

  Eigen::VectorXd w = Eigen::VectorXd::Zero(200);
  std::vector<Index> previous;
  for (Index t = 1; t <= result.iterations; ++t) {
    const Eigen::VectorXd proxy = w + mu * x.transpose() * (y - x * w) / n;
    std::vector<Index> order(200);
    std::iota(order.begin(), order.end(), Index{0});
    std::stable_sort(order.begin(), order.end(), [&proxy](Index a, Index b) {
      return std::abs(proxy[a]) > std::abs(proxy[b]);
    });
    std::vector<Index> support(order.begin(), order.begin() + 12);
    std::sort(support.begin(), support.end());
    ASSERT_NE(support, previous) << "the reference stopped earlier, at " << t;
    Eigen::MatrixXd xs(60, 12);
    for (Index j = 0; j < 12; ++j) xs.col(j) = x.col(support[static_cast<std::size_t>(j)]);
    const Eigen::VectorXd coef = (xs.transpose() * xs).ldlt().solve(xs.transpose() * y);
    w.setZero();
    for (Index j = 0; j < 12; ++j) w[support[static_cast<std::size_t>(j)]] = coef[j];
    previous = support;
    const double f = (x * w - y).squaredNorm() / (2 * n);
    EXPECT_NEAR(result.trace.rows[static_cast<std::size_t>(t)].objective, f, 1e-10 * f)
        << "iteration " << t;
  }
  EXPECT_EQ(result.support, previous);
  EXPECT_LT((result.w - w).norm(), 1e-10 * w.norm());
  // The reference's next selection repeats the support: that is where HTP stops.
  const Eigen::VectorXd proxy = w + mu * x.transpose() * (y - x * w) / n;
  EXPECT_EQ(problem.space().largest(proxy, 12), previous);
}

TEST(HardThresholdingPursuit, ReRunsAreBitIdentical) {
  const auto inst = make_synthetic(
      {.samples = 300, .features = 60, .sparsity = 5, .signal = 2.0, .logistic = true, .seed = 91});
  const LogisticProblem problem(inst.design, inst.response, {.ridge = 1e-3, .intercept = true});
  const HardThresholdingPursuit htp;
  const auto a = htp.minimize(problem, 5), b = htp.minimize(problem, 5);
  EXPECT_EQ(a.w, b.w);
  EXPECT_EQ(a.support, b.support);
  ASSERT_EQ(a.trace.rows.size(), b.trace.rows.size());
  for (std::size_t t = 0; t < a.trace.rows.size(); ++t)
    EXPECT_EQ(a.trace.rows[t].objective, b.trace.rows[t].objective);
  EXPECT_NE(a.w[60], 0.0);  // the intercept is fitted, never thresholded
}

// Sparse logistic recovery, n = 500, p = 1000, s = 10, coefficients ±{1, 2, 3}, X i.i.d. N(0, 1)
// (no column scaling), as a statistical statement: on 30 fixed seeds the default step recovers
// the planted support exactly often enough not to reject, at level 0.01, a rate of at least
// kRate. Measured: 24 of seeds 1–30 and 148 of seeds 1001–1200 (19 and 108 with the line search
// along the k largest gradient entries, whose step is ~3/4 of the inverse curvature along one
// entering coordinate and keeps wrong coordinates in); the ℓ0 estimator's best 10-sparse fit is
// not the planted support on 4 of 30 and 34 of 200. With the fixed 1/L step HTP stops after its
// first selection (μ|∇f| off the support never reaches the refit coefficients).
TEST(HardThresholdingPursuit, DefaultStepRecoversLogisticSupports) {
  constexpr int kSeeds = 30;
  constexpr double kRate = 0.65;
  int recovered = 0, recovered_inverse_smoothness = 0;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const auto inst = test_support::logistic_recovery_instance(500, 1000, 10, seed);
    const auto result = HardThresholdingPursuit().minimize(inst.problem, 10);
    if (result.support == inst.support) ++recovered;
    // The adaptive step only accepts a refit that lowers f.
    for (std::size_t t = 1; t < result.trace.rows.size(); ++t)
      EXPECT_LT(result.trace.rows[t].objective, result.trace.rows[t - 1].objective) << seed;
    const auto fixed = HardThresholdingPursuit({.step_rule = StepRule::kInverseSmoothness})
                           .minimize(inst.problem, 10);
    if (fixed.support == inst.support) ++recovered_inverse_smoothness;
  }
  EXPECT_GE(recovered, test_support::binomial_lower_bound(kSeeds, kRate, 0.01))
      << recovered << " of " << kSeeds;
  EXPECT_LE(recovered_inverse_smoothness, 3) << recovered_inverse_smoothness << " of " << kSeeds;
}

// The adaptive step cannot cycle: at n = 300, where the selection is unstable, it stops within a
// few iterations, every accepted refit lowering f (without the halving, the same step swapped
// coordinates back and forth for hundreds of iterations on some of these seeds).
TEST(HardThresholdingPursuit, DefaultStepIsMonotoneWhereSelectionIsUnstable) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const auto inst = test_support::logistic_recovery_instance(300, 1000, 10, seed);
    const auto result = HardThresholdingPursuit().minimize(inst.problem, 10);
    EXPECT_EQ(result.reason, StopReason::kConverged) << seed;
    EXPECT_LE(result.iterations, 20) << seed;
    for (std::size_t t = 1; t < result.trace.rows.size(); ++t)
      EXPECT_LT(result.trace.rows[t].objective, result.trace.rows[t - 1].objective) << seed;
  }
}

TEST(HardThresholdingPursuit, RejectsInvalidInput) {
  const auto inst = make_synthetic({.samples = 30, .features = 12, .sparsity = 3, .seed = 61});
  const LeastSquaresProblem problem(inst.design, inst.response);
  const HardThresholdingPursuit htp;
  EXPECT_THROW(htp.minimize(problem, 0), InvalidInput);
  EXPECT_THROW(htp.minimize(problem, 13), InvalidInput);
  EXPECT_NO_THROW(htp.minimize(problem, 12));
  EXPECT_THROW(HardThresholdingPursuit({.step = -0.5}), InvalidInput);
}

}  // namespace
}  // namespace cardinal
