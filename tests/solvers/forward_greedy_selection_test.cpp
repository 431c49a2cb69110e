#include "cardinal/solvers/forward_greedy_selection.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <set>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/solver.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"

namespace cardinal {
namespace {

static_assert(SparseSolver<ForwardGreedySelection, LeastSquaresProblem>);
static_assert(SparseSolver<ForwardGreedySelection, LogisticProblem>);

const Eigen::MatrixXd& dense(const Design& design) {
  return std::get<Design::Dense>(design.storage());
}

Eigen::VectorXd gaussian_vector(Index size, std::uint64_t seed) {
  return dense(make_synthetic({.samples = size, .features = 1, .sparsity = 0, .seed = seed}).design)
      .col(0);
}

/// n × p design with XᵀX/n = I whose columns are also orthogonal to the all-ones vector.
Eigen::MatrixXd orthogonal_design(Index n, Index p, std::uint64_t seed) {
  Eigen::MatrixXd g =
      dense(make_synthetic({.samples = n, .features = p + 1, .sparsity = 0, .seed = seed}).design);
  g.col(0).setOnes();
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
  const Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(n, p + 1);
  return std::sqrt(static_cast<double>(n)) * q.rightCols(p);
}

void expect_non_increasing(const Trace& trace) {
  for (std::size_t i = 1; i < trace.rows.size(); ++i)
    EXPECT_LE(trace.rows[i].objective,
              trace.rows[i - 1].objective + 1e-15 * std::abs(trace.rows[i - 1].objective))
        << "row " << i;
}

struct ReferenceRun {
  Eigen::VectorXd w;
  Index steps = 0;
};

// Independent reference for least squares without intercept: Gauss–Southwell coordinate descent
// with exact coordinate minimization, w_j ← w_j − ∇_j f / (‖x_j‖²/n + λ₂), until k distinct
// coordinates have moved.
ReferenceRun reference_fgs(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, double ridge,
                           Index k, bool reselect = true) {
  const double n = static_cast<double>(x.rows());
  ReferenceRun run{Eigen::VectorXd::Zero(x.cols()), 0};
  std::set<Index> touched;
  while (static_cast<Index>(touched.size()) < k) {
    const Eigen::VectorXd g = x.transpose() * (x * run.w - y) / n + ridge * run.w;
    Index j = -1;
    for (Index i = 0; i < g.size(); ++i)
      if ((reselect || !touched.count(i)) && (j < 0 || std::abs(g[i]) > std::abs(g[j]))) j = i;
    run.w[j] -= g[j] / (x.col(j).squaredNorm() / n + ridge);
    touched.insert(j);
    ++run.steps;
  }
  return run;
}

TEST(ForwardGreedySelection, LeastSquaresTraceIsNonIncreasingWithOneRowPerStep) {
  const SyntheticInstance inst = make_synthetic({.samples = 100,
                                                 .features = 40,
                                                 .sparsity = 8,
                                                 .correlation = 0.8,
                                                 .signal = 0.0,
                                                 .noise = 0.3,
                                                 .seed = 3});
  const LeastSquaresProblem problem(inst.design, inst.response);
  const Index k = 10;
  const auto result = ForwardGreedySelection().minimize(problem, k);
  EXPECT_EQ(result.reason, StopReason::kBudgetReached);
  EXPECT_EQ(problem.space().size(result.support), k);
  // On a correlated design some coordinates are stepped on more than once.
  EXPECT_GT(result.iterations, k);
  ASSERT_EQ(result.trace.rows.size(), static_cast<std::size_t>(result.iterations + 1));
  EXPECT_EQ(result.trace.rows[0].support_size, 0);
  for (std::size_t i = 0; i < result.trace.rows.size(); ++i) {
    const TraceRow& row = result.trace.rows[i];
    EXPECT_EQ(row.iteration, static_cast<Index>(i));
    if (i > 0) {
      const Index previous = result.trace.rows[i - 1].support_size;
      EXPECT_TRUE(row.support_size == previous || row.support_size == previous + 1);
    }
  }
  EXPECT_EQ(result.trace.rows.back().support_size, k);
  expect_non_increasing(result.trace);
  EXPECT_EQ(result.objective, result.trace.rows.back().objective);
  EXPECT_NEAR(result.objective, problem.value(result.w), 1e-14);
}

TEST(ForwardGreedySelection, MatchesAnIndependentCoordinateDescentReference) {
  const SyntheticInstance inst = make_synthetic({.samples = 60,
                                                 .features = 30,
                                                 .sparsity = 5,
                                                 .correlation = 0.6,
                                                 .signal = 0.0,
                                                 .noise = 0.2,
                                                 .seed = 12});
  for (double ridge : {0.0, 0.2}) {
    const LeastSquaresProblem problem(inst.design, inst.response, {.ridge = ridge});
    const auto result = ForwardGreedySelection().minimize(problem, 7);
    const ReferenceRun reference = reference_fgs(dense(inst.design), inst.response, ridge, 7);
    EXPECT_EQ(result.iterations, reference.steps) << "ridge " << ridge;
    EXPECT_LT((result.w - reference.w).lpNorm<Eigen::Infinity>(), 1e-12) << "ridge " << ridge;
  }
}

TEST(ForwardGreedySelection, WithoutReselectionEveryStepAddsANewCoordinate) {
  const SyntheticInstance inst = make_synthetic({.samples = 60,
                                                 .features = 30,
                                                 .sparsity = 5,
                                                 .correlation = 0.6,
                                                 .signal = 0.0,
                                                 .noise = 0.2,
                                                 .seed = 12});
  const LeastSquaresProblem problem(inst.design, inst.response);
  const auto result = ForwardGreedySelection({.reselect = false}).minimize(problem, 7);
  const ReferenceRun reference = reference_fgs(dense(inst.design), inst.response, 0.0, 7, false);
  EXPECT_EQ(result.iterations, 7);
  EXPECT_EQ(reference.steps, 7);
  EXPECT_LT((result.w - reference.w).lpNorm<Eigen::Infinity>(), 1e-12);
  // With reselection the same instance steps on some coordinate twice.
  EXPECT_GT(ForwardGreedySelection().minimize(problem, 7).iterations, 7);
}

// With XᵀX/n = I a coordinate step zeroes its own partial derivative and leaves the others
// unchanged: k FGS steps pick k distinct coordinates and land on the OMP solution.
TEST(ForwardGreedySelection, EqualsOmpOnAnOrthogonalDesign) {
  const Index n = 50, p = 20, k = 6;
  const Eigen::VectorXd y = gaussian_vector(n, 41).array() + 0.7;
  for (bool intercept : {false, true}) {
    for (double ridge : {0.0, 0.3}) {
      const LeastSquaresProblem problem(Design(orthogonal_design(n, p, 40)), y,
                                        {.ridge = ridge, .intercept = intercept});
      const auto fgs = ForwardGreedySelection().minimize(problem, k);
      const auto omp = OrthogonalMatchingPursuit().minimize(problem, k);
      SCOPED_TRACE(::testing::Message() << "intercept " << intercept << " ridge " << ridge);
      EXPECT_EQ(fgs.iterations, k);
      EXPECT_EQ(fgs.support, omp.support);
      EXPECT_LT((fgs.w - omp.w).lpNorm<Eigen::Infinity>(), 1e-12);
      EXPECT_NEAR(fgs.objective, omp.objective, 1e-12);
    }
  }
}

TEST(ForwardGreedySelection, LogisticObjectiveIsNonIncreasing) {
  const SyntheticInstance inst = make_synthetic(
      {.samples = 400, .features = 50, .sparsity = 3, .signal = 3.0, .logistic = true, .seed = 2});
  for (bool intercept : {false, true}) {
    const LogisticProblem problem(inst.design, inst.response, {.intercept = intercept});
    const auto result = ForwardGreedySelection().minimize(problem, 5);
    EXPECT_EQ(result.reason, StopReason::kBudgetReached);
    EXPECT_EQ(problem.space().size(result.support), 5);
    ASSERT_EQ(result.trace.rows.size(), static_cast<std::size_t>(result.iterations + 1));
    expect_non_increasing(result.trace);
    EXPECT_LT(result.objective, result.trace.rows[0].objective);
  }
}

TEST(ForwardGreedySelection, LeavesTheInterceptAtItsInitialFit) {
  const SyntheticInstance inst =
      make_synthetic({.samples = 80, .features = 20, .sparsity = 4, .noise = 0.1, .seed = 5});
  const Eigen::VectorXd shifted = inst.response.array() + 3.0;
  const LeastSquaresProblem problem(inst.design, shifted, {.intercept = true});
  const auto result = ForwardGreedySelection().minimize(problem, 4);
  const Eigen::VectorXd start =
      problem.minimize_on(problem.space().empty_support(), problem.space().zeros());
  EXPECT_EQ(result.w[20], start[20]);
  EXPECT_NEAR(result.w[20], shifted.mean(), 1e-12);
  EXPECT_EQ(result.support.back(), 20);
}

TEST(ForwardGreedySelection, StopsOnTheTolerancesAndTheIterationLimit) {
  const LeastSquaresProblem exact(Design(Eigen::MatrixXd::Identity(4, 4)),
                                  Eigen::Vector4d(3.0, 0.0, 0.0, 0.0));
  const auto converged = ForwardGreedySelection().minimize(exact, 3);
  EXPECT_EQ(converged.reason, StopReason::kConverged);
  EXPECT_EQ(converged.iterations, 1);
  const auto stalled =
      ForwardGreedySelection({.stopping = {.objective_level = -1.0, .relative_decrease = -1.0}})
          .minimize(exact, 3);
  EXPECT_EQ(stalled.reason, StopReason::kStalled);
  EXPECT_EQ(stalled.w, Eigen::Vector4d(3.0, 0.0, 0.0, 0.0));

  const SyntheticInstance inst = make_synthetic(
      {.samples = 60, .features = 30, .sparsity = 5, .correlation = 0.8, .noise = 0.3, .seed = 7});
  const LeastSquaresProblem problem(inst.design, inst.response);
  const auto limited =
      ForwardGreedySelection({.stopping = {.max_iterations = 2}}).minimize(problem, 10);
  EXPECT_EQ(limited.reason, StopReason::kIterationLimit);
  EXPECT_EQ(limited.iterations, 2);
  EXPECT_EQ(limited.trace.rows.size(), 3u);
  // A relative-decrease tolerance of 10% stops before the budget (the response is scaled so that
  // the objective stays far above the same tolerance read as an absolute level).
  const LeastSquaresProblem scaled(inst.design, 100.0 * inst.response);
  const auto loose =
      ForwardGreedySelection({.stopping = {.relative_decrease = 0.1}}).minimize(scaled, 30);
  EXPECT_EQ(loose.reason, StopReason::kConverged);
  const auto& rows = loose.trace.rows;
  ASSERT_GE(rows.size(), 3u);
  EXPECT_GT(rows.back().objective, 10.0);
  EXPECT_LE(rows[rows.size() - 2].objective - rows.back().objective,
            0.1 * rows[rows.size() - 2].objective);
  for (std::size_t i = 1; i + 1 < rows.size(); ++i)
    EXPECT_GT(rows[i - 1].objective - rows[i].objective, 0.1 * rows[i - 1].objective);
}

TEST(ForwardGreedySelection, RerunsAreBitIdentical) {
  const SyntheticInstance inst = make_synthetic(
      {.samples = 200, .features = 30, .sparsity = 3, .signal = 2.0, .logistic = true, .seed = 4});
  const LogisticProblem problem(inst.design, inst.response, {.intercept = true});
  const ForwardGreedySelection solver;
  const auto a = solver.minimize(problem, 6), b = solver.minimize(problem, 6);
  EXPECT_EQ(a.w, b.w);
  EXPECT_EQ(a.support, b.support);
  EXPECT_EQ(a.objective, b.objective);
  EXPECT_EQ(a.iterations, b.iterations);
  ASSERT_EQ(a.trace.rows.size(), b.trace.rows.size());
  for (std::size_t i = 0; i < a.trace.rows.size(); ++i)
    EXPECT_EQ(a.trace.rows[i].objective, b.trace.rows[i].objective);
}

TEST(ForwardGreedySelection, RejectsInvalidSparsity) {
  const SyntheticInstance inst = make_synthetic({.samples = 20, .features = 8, .sparsity = 2});
  const LeastSquaresProblem problem(inst.design, inst.response);
  EXPECT_THROW(ForwardGreedySelection().minimize(problem, 0), InvalidInput);
  EXPECT_THROW(ForwardGreedySelection().minimize(problem, 9), InvalidInput);
  EXPECT_NO_THROW(ForwardGreedySelection().minimize(problem, 8));
}

}  // namespace
}  // namespace cardinal
