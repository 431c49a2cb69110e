#include "cardinal/solvers/fully_corrective_greedy.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/solver.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "solvers/support_helpers.hpp"

namespace cardinal {
namespace {

static_assert(SparseSolver<FullyCorrectiveGreedy, LeastSquaresProblem>);
static_assert(SparseSolver<FullyCorrectiveGreedy, LogisticProblem>);

const Eigen::MatrixXd& dense(const Design& design) {
  return std::get<Design::Dense>(design.storage());
}

Design as_sparse(const Design& design) {
  return Design(Design::Sparse(dense(design).sparseView()));
}

Eigen::VectorXd gaussian_vector(Index size, std::uint64_t seed) {
  return dense(make_synthetic({.samples = size, .features = 1, .sparsity = 0, .seed = seed}).design)
      .col(0);
}

/// n × p design with XᵀX/n = I whose columns are also orthogonal to the all-ones vector (the
/// orthonormal factor of [1 G], G Gaussian, without its first column, scaled by sqrt(n)).
Eigen::MatrixXd orthogonal_design(Index n, Index p, std::uint64_t seed) {
  Eigen::MatrixXd g =
      dense(make_synthetic({.samples = n, .features = p + 1, .sparsity = 0, .seed = seed}).design);
  g.col(0).setOnes();
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
  const Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(n, p + 1);
  return std::sqrt(static_cast<double>(n)) * q.rightCols(p);
}

using test_support::best_subset;
using test_support::BestSubset;

TEST(FullyCorrectiveGreedy, RecoversPlantedSupportOfNoiselessGaussianInstances) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const SyntheticInstance inst =
        make_synthetic({.samples = 200, .features = 500, .sparsity = 10, .seed = seed});
    for (bool sparse : {false, true}) {
      const LeastSquaresProblem problem(sparse ? as_sparse(inst.design) : inst.design,
                                        inst.response);
      for (Index replacement_steps : {0, 3}) {
        const auto result =
            FullyCorrectiveGreedy({.replacement_steps = replacement_steps}).minimize(problem, 10);
        SCOPED_TRACE(::testing::Message() << "seed " << seed << (sparse ? " sparse" : " dense")
                                          << " replacement_steps " << replacement_steps);
        EXPECT_EQ(result.reason, StopReason::kBudgetReached);
        EXPECT_EQ(result.iterations, 10);
        EXPECT_EQ(result.support, inst.support);
        EXPECT_LT((result.w - inst.planted).lpNorm<Eigen::Infinity>(), 1e-8);
      }
    }
  }
}

TEST(FullyCorrectiveGreedy, RecoversTheInterceptOfNoiselessInstances) {
  for (std::uint64_t seed : {4u, 5u}) {
    const SyntheticInstance inst =
        make_synthetic({.samples = 200, .features = 500, .sparsity = 10, .seed = seed});
    const Eigen::VectorXd shifted = inst.response.array() + 2.5;
    for (bool sparse : {false, true}) {
      const LeastSquaresProblem problem(sparse ? as_sparse(inst.design) : inst.design, shifted,
                                        {.intercept = true});
      for (Index replacement_steps : {0, 3}) {
        const auto result =
            FullyCorrectiveGreedy({.replacement_steps = replacement_steps}).minimize(problem, 10);
        CoordinateSpace::Support expected = inst.support;
        expected.push_back(500);
        EXPECT_EQ(result.support, expected);
        EXPECT_LT((result.w.head(500) - inst.planted).lpNorm<Eigen::Infinity>(), 1e-8);
        EXPECT_NEAR(result.w[500], 2.5, 1e-8);
      }
    }
  }
}

// On a design with XᵀX/n = I, f restricted to a support S equals f(∅) − Σ_{j∈S} c_j² / (2(1+λ₂))
// with c = Xᵀy/n, so the best subset is the k largest |c_j|, which is what greedy selection
// takes.
TEST(FullyCorrectiveGreedy, EqualsBestSubsetOnOrthogonalDesigns) {
  const Index n = 40, p = 10;
  for (bool intercept : {false, true}) {
    for (double ridge : {0.0, 0.1}) {
      const Eigen::VectorXd y = gaussian_vector(n, 21).array() + 1.0;
      const LeastSquaresProblem problem(Design(orthogonal_design(n, p, 20)), y,
                                        {.ridge = ridge, .intercept = intercept});
      for (Index k = 1; k <= 5; ++k) {
        const auto result = FullyCorrectiveGreedy().minimize(problem, k);
        const BestSubset best = best_subset(problem, k);
        EXPECT_EQ(result.support, best.support) << "k " << k;
        EXPECT_NEAR(result.objective, best.objective, 1e-12 * best.objective) << "k " << k;
      }
    }
  }
}

// Tropp (2004): if the mutual coherence μ of unit-norm columns is below 1/(2s − 1), greedy
// selection recovers every s-sparse representation, which is then the unique best subset.
TEST(FullyCorrectiveGreedy, EqualsBestSubsetUnderMutualIncoherence) {
  for (std::uint64_t seed : {31u, 32u}) {
    const Index k = 3;
    const SyntheticInstance inst = make_synthetic({.samples = 1000,
                                                   .features = 12,
                                                   .sparsity = k,
                                                   .signal = 0.0,
                                                   .normalize = true,
                                                   .seed = seed});
    const Eigen::MatrixXd& x = dense(inst.design);
    Eigen::MatrixXd correlation = x.colwise().normalized().transpose() * x.colwise().normalized();
    correlation.diagonal().setZero();
    ASSERT_LT(correlation.cwiseAbs().maxCoeff(), 1.0 / (2.0 * k - 1.0));

    const LeastSquaresProblem problem(inst.design, inst.response);
    const auto result = FullyCorrectiveGreedy().minimize(problem, k);
    const BestSubset best = best_subset(problem, k);
    EXPECT_EQ(result.support, inst.support);
    EXPECT_EQ(best.support, inst.support);
    EXPECT_LT(result.objective, 1e-20);
  }
}

// Always true: no support of size k beats the best subset; with unlimited replacement attempts
// the final support is swap-stable (the swap the solver would try next does not lower f); for
// k = 1 the replacement variant is never worse than plain FCFGS.
//
// Not a theorem for k > 1: replacements made at intermediate sizes change the later greedy path,
// so the final objective can exceed plain FCFGS's (31 of 8,000 random instances of this kind,
// against 1,769 where it is lower). Hence the statistical check at the end.
TEST(FullyCorrectiveGreedy, BoundedByBestSubsetAndImprovedByReplacements) {
  const FullyCorrectiveGreedy plain;
  const FullyCorrectiveGreedy replacing({.replacement_steps = 1000});
  int comparisons = 0, improvements = 0, regressions = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const SyntheticInstance inst = make_synthetic({.samples = 30,
                                                   .features = 12,
                                                   .sparsity = 4,
                                                   .correlation = 0.6,
                                                   .signal = 0.0,
                                                   .noise = 0.5,
                                                   .seed = seed});
    const LeastSquaresProblem problem(inst.design, inst.response, {.intercept = seed % 2 == 0});
    const CoordinateSpace& space = problem.space();
    for (Index k = 1; k <= 5; ++k) {
      const double best = best_subset(problem, k).objective;
      const auto greedy = plain.minimize(problem, k);
      const auto replaced = replacing.minimize(problem, k);
      SCOPED_TRACE(::testing::Message() << "seed " << seed << " k " << k);
      ASSERT_EQ(space.size(greedy.support), k);
      ASSERT_EQ(space.size(replaced.support), k);
      EXPECT_GE(greedy.objective, best * (1.0 - 1e-12));
      EXPECT_GE(replaced.objective, best * (1.0 - 1e-12));

      Eigen::VectorXd g;
      problem.value_and_gradient(replaced.w, g);
      const CoordinateSpace::Support swapped =
          space.unite(space.largest_in(replaced.w, replaced.support, k - 1),
                      space.largest_outside(g, replaced.support, 1));
      EXPECT_GE(problem.value(problem.minimize_on(swapped, replaced.w)),
                replaced.objective * (1.0 - 1e-12));

      if (k == 1) {
        EXPECT_LE(replaced.objective, greedy.objective);
        continue;
      }
      ++comparisons;
      if (replaced.objective < greedy.objective * (1.0 - 1e-6)) ++improvements;
      if (replaced.objective > greedy.objective * (1.0 + 1e-12)) ++regressions;
    }
  }
  EXPECT_GE(improvements, comparisons / 10);
  EXPECT_LE(regressions, comparisons / 20);
}

template <class Problem>
void expect_first_order_conditions(const Problem& problem, Index k, Index replacement_steps) {
  const auto result =
      FullyCorrectiveGreedy({.replacement_steps = replacement_steps}).minimize(problem, k);
  const CoordinateSpace& space = problem.space();
  ASSERT_EQ(result.reason, StopReason::kBudgetReached);
  Eigen::VectorXd g;
  problem.value_and_gradient(result.w, g);
  EXPECT_LT(space.norm_on(g, result.support), 1e-8);
  EXPECT_GT(space.norm_off(g, result.support), 1e-4);
  Eigen::VectorXd outside = result.w;
  space.restrict(outside, result.support);
  EXPECT_EQ(outside, result.w);  // zero off the support
  for (const TraceRow& row : result.trace.rows) EXPECT_LT(row.gradient_norm_on, 1e-8);
}

TEST(FullyCorrectiveGreedy, SatisfiesFirstOrderConditionsOnItsSupport) {
  const SyntheticInstance ls = make_synthetic(
      {.samples = 120, .features = 60, .sparsity = 5, .correlation = 0.4, .noise = 0.3, .seed = 8});
  const SyntheticInstance lg = make_synthetic(
      {.samples = 400, .features = 50, .sparsity = 3, .signal = 3.0, .logistic = true, .seed = 9});
  for (bool intercept : {false, true}) {
    for (Index replacement_steps : {0, 2}) {
      SCOPED_TRACE(::testing::Message()
                   << "intercept " << intercept << " replacement_steps " << replacement_steps);
      expect_first_order_conditions(
          LeastSquaresProblem(ls.design, ls.response, {.ridge = 0.05, .intercept = intercept}), 8,
          replacement_steps);
      expect_first_order_conditions(
          LogisticProblem(lg.design, lg.response, {.ridge = 1e-3, .intercept = intercept}), 6,
          replacement_steps);
    }
  }
}

TEST(FullyCorrectiveGreedy, LogisticReachesTheBudgetWithDecreasingObjective) {
  const SyntheticInstance inst = make_synthetic(
      {.samples = 400, .features = 50, .sparsity = 3, .signal = 3.0, .logistic = true, .seed = 2});
  const LogisticProblem problem(inst.design, inst.response, {.intercept = true});
  for (Index replacement_steps : {0, 2}) {
    const auto result =
        FullyCorrectiveGreedy({.replacement_steps = replacement_steps}).minimize(problem, 6);
    EXPECT_EQ(result.reason, StopReason::kBudgetReached);
    EXPECT_EQ(result.iterations, 6);
    EXPECT_EQ(problem.space().size(result.support), 6);
    ASSERT_EQ(result.trace.rows.size(), 7u);
    for (std::size_t i = 1; i < result.trace.rows.size(); ++i) {
      EXPECT_LT(result.trace.rows[i].objective, result.trace.rows[i - 1].objective);
      EXPECT_EQ(result.trace.rows[i].iteration, static_cast<Index>(i));
      EXPECT_EQ(result.trace.rows[i].support_size, static_cast<Index>(i));
    }
    EXPECT_EQ(result.objective, result.trace.rows.back().objective);
    EXPECT_NEAR(result.objective, problem.value(result.w), 1e-14);
  }
}

TEST(FullyCorrectiveGreedy, StopsWhenTheFitIsExactOrTheGradientVanishes) {
  // y = 3 e_0 on the identity design: one step fits it exactly and ∇f = 0 afterwards.
  const LeastSquaresProblem problem(Design(Eigen::MatrixXd::Identity(4, 4)),
                                    Eigen::Vector4d(3.0, 0.0, 0.0, 0.0));
  const auto converged = FullyCorrectiveGreedy().minimize(problem, 3);
  EXPECT_EQ(converged.reason, StopReason::kConverged);
  EXPECT_EQ(converged.support, CoordinateSpace::Support{0});
  EXPECT_EQ(converged.iterations, 1);
  const auto stalled =
      FullyCorrectiveGreedy({.stopping = {.objective_level = -1.0}}).minimize(problem, 3);
  EXPECT_EQ(stalled.reason, StopReason::kStalled);
  EXPECT_EQ(stalled.support, CoordinateSpace::Support{0});
  EXPECT_EQ(stalled.w, Eigen::Vector4d(3.0, 0.0, 0.0, 0.0));
}

TEST(FullyCorrectiveGreedy, HonoursTheIterationLimit) {
  const SyntheticInstance inst =
      make_synthetic({.samples = 50, .features = 30, .sparsity = 5, .noise = 0.1, .seed = 6});
  const LeastSquaresProblem problem(inst.design, inst.response);
  const auto result =
      FullyCorrectiveGreedy({.stopping = {.max_iterations = 3}}).minimize(problem, 10);
  EXPECT_EQ(result.reason, StopReason::kIterationLimit);
  EXPECT_EQ(result.iterations, 3);
  EXPECT_EQ(problem.space().size(result.support), 3);
  EXPECT_EQ(result.trace.rows.size(), 4u);
}

TEST(FullyCorrectiveGreedy, RerunsAreBitIdentical) {
  const SyntheticInstance ls = make_synthetic(
      {.samples = 80, .features = 100, .sparsity = 6, .correlation = 0.5, .noise = 0.2, .seed = 4});
  const LeastSquaresProblem least_squares(as_sparse(ls.design), ls.response, {.intercept = true});
  const SyntheticInstance lg = make_synthetic(
      {.samples = 200, .features = 30, .sparsity = 3, .signal = 2.0, .logistic = true, .seed = 4});
  const LogisticProblem logistic(lg.design, lg.response, {.ridge = 1e-3});
  const FullyCorrectiveGreedy solver({.replacement_steps = 2});
  auto expect_identical = [](const auto& a, const auto& b) {
    EXPECT_EQ(a.w, b.w);
    EXPECT_EQ(a.support, b.support);
    EXPECT_EQ(a.objective, b.objective);
    EXPECT_EQ(a.iterations, b.iterations);
    ASSERT_EQ(a.trace.rows.size(), b.trace.rows.size());
    for (std::size_t i = 0; i < a.trace.rows.size(); ++i) {
      EXPECT_EQ(a.trace.rows[i].objective, b.trace.rows[i].objective);
      EXPECT_EQ(a.trace.rows[i].gradient_norm_off, b.trace.rows[i].gradient_norm_off);
    }
  };
  expect_identical(solver.minimize(least_squares, 8), solver.minimize(least_squares, 8));
  expect_identical(solver.minimize(logistic, 4), solver.minimize(logistic, 4));
}

TEST(FullyCorrectiveGreedy, RejectsInvalidSparsityAndOptions) {
  const SyntheticInstance inst = make_synthetic({.samples = 20, .features = 8, .sparsity = 2});
  const LeastSquaresProblem problem(inst.design, inst.response);
  EXPECT_THROW(FullyCorrectiveGreedy().minimize(problem, 0), InvalidInput);
  EXPECT_THROW(FullyCorrectiveGreedy().minimize(problem, 9), InvalidInput);
  EXPECT_NO_THROW(FullyCorrectiveGreedy().minimize(problem, 8));
  EXPECT_THROW(FullyCorrectiveGreedy({.replacement_steps = -1}), InvalidInput);
}

}  // namespace
}  // namespace cardinal
