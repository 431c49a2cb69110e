#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <iterator>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/solver.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/solvers/fully_corrective_greedy.hpp"

namespace cardinal {
namespace {

static_assert(SparseSolver<OrthogonalMatchingPursuit, LeastSquaresProblem>);
static_assert(!SparseSolver<OrthogonalMatchingPursuit, LogisticProblem>);

const Eigen::MatrixXd& dense(const Design& design) {
  return std::get<Design::Dense>(design.storage());
}

Design as_sparse(const Design& design) {
  return Design(Design::Sparse(dense(design).sparseView()));
}

/// The order in which a greedy solver selects coordinates: the coordinate that the budget-t run
/// has and the budget-(t−1) run lacks, for t = 1..k.
template <class Solver>
std::vector<Index> selection_order(const Solver& solver, const LeastSquaresProblem& problem,
                                   Index k) {
  std::vector<Index> order;
  CoordinateSpace::Support previous = problem.space().empty_support();
  for (Index t = 1; t <= k; ++t) {
    const CoordinateSpace::Support support = solver.minimize(problem, t).support;
    std::vector<Index> added;
    std::set_difference(support.begin(), support.end(), previous.begin(), previous.end(),
                        std::back_inserter(added));
    EXPECT_EQ(added.size(), 1u) << "budget " << t;
    if (added.size() != 1) return order;
    order.push_back(added.front());
    previous = support;
  }
  return order;
}

TEST(OrthogonalMatchingPursuit, RecoversPlantedSupportOfNoiselessGaussianInstances) {
  for (std::uint64_t seed : {1u, 2u, 3u, 4u}) {
    const SyntheticInstance inst =
        make_synthetic({.samples = 200, .features = 500, .sparsity = 10, .seed = seed});
    for (bool sparse : {false, true}) {
      const LeastSquaresProblem problem(sparse ? as_sparse(inst.design) : inst.design,
                                        inst.response);
      const auto result = OrthogonalMatchingPursuit().minimize(problem, 10);
      SCOPED_TRACE(::testing::Message() << "seed " << seed << (sparse ? " sparse" : " dense"));
      EXPECT_EQ(result.reason, StopReason::kBudgetReached);
      EXPECT_EQ(result.iterations, 10);
      EXPECT_EQ(result.support, inst.support);
      EXPECT_LT((result.w - inst.planted).lpNorm<Eigen::Infinity>(), 1e-8);
      EXPECT_LT(result.objective, 1e-20);
    }
  }
}

TEST(OrthogonalMatchingPursuit, RecoversTheInterceptOfNoiselessInstances) {
  for (std::uint64_t seed : {5u, 6u}) {
    const SyntheticInstance inst =
        make_synthetic({.samples = 200, .features = 500, .sparsity = 10, .seed = seed});
    const Eigen::VectorXd shifted = inst.response.array() - 4.0;
    for (bool sparse : {false, true}) {
      const LeastSquaresProblem problem(sparse ? as_sparse(inst.design) : inst.design, shifted,
                                        {.intercept = true});
      const auto result = OrthogonalMatchingPursuit().minimize(problem, 10);
      CoordinateSpace::Support expected = inst.support;
      expected.push_back(500);
      EXPECT_EQ(result.support, expected);
      EXPECT_LT((result.w.head(500) - inst.planted).lpNorm<Eigen::Infinity>(), 1e-8);
      EXPECT_NEAR(result.w[500], -4.0, 1e-8);
    }
  }
}

TEST(OrthogonalMatchingPursuit, SelectsTheSameCoordinatesInTheSameOrderAsFcfgs) {
  const SyntheticInstance inst = make_synthetic({.samples = 100,
                                                 .features = 60,
                                                 .sparsity = 8,
                                                 .correlation = 0.5,
                                                 .signal = 0.0,
                                                 .noise = 0.3,
                                                 .seed = 17});
  const Index k = 15;
  for (bool intercept : {false, true}) {
    for (double ridge : {0.0, 0.1}) {
      SCOPED_TRACE(::testing::Message() << "intercept " << intercept << " ridge " << ridge);
      const LeastSquaresProblem problem(inst.design, inst.response,
                                        {.ridge = ridge, .intercept = intercept});
      const std::vector<Index> omp = selection_order(OrthogonalMatchingPursuit(), problem, k);
      const std::vector<Index> fcfgs = selection_order(FullyCorrectiveGreedy(), problem, k);
      EXPECT_EQ(omp, fcfgs);
      const auto a = OrthogonalMatchingPursuit().minimize(problem, k);
      const auto b = FullyCorrectiveGreedy().minimize(problem, k);
      EXPECT_LT((a.w - b.w).lpNorm<Eigen::Infinity>(), 1e-10);
      ASSERT_EQ(a.trace.rows.size(), b.trace.rows.size());
      for (std::size_t i = 0; i < a.trace.rows.size(); ++i) {
        EXPECT_NEAR(a.trace.rows[i].objective, b.trace.rows[i].objective, 1e-12);
        EXPECT_NEAR(a.trace.rows[i].gradient_norm_off, b.trace.rows[i].gradient_norm_off, 1e-10);
        EXPECT_EQ(a.trace.rows[i].support_size, b.trace.rows[i].support_size);
      }
    }
  }
}

TEST(OrthogonalMatchingPursuit, IteratesAreTheRestrictedLeastSquaresSolutions) {
  const SyntheticInstance inst = make_synthetic({.samples = 70,
                                                 .features = 120,
                                                 .sparsity = 6,
                                                 .correlation = 0.3,
                                                 .noise = 0.5,
                                                 .seed = 23});
  for (bool sparse : {false, true}) {
    const LeastSquaresProblem problem(sparse ? as_sparse(inst.design) : inst.design, inst.response,
                                      {.ridge = 0.02, .intercept = true});
    const auto result = OrthogonalMatchingPursuit().minimize(problem, 20);
    const CoordinateSpace& space = problem.space();
    EXPECT_EQ(space.size(result.support), 20);
    const Eigen::VectorXd exact = problem.minimize_on(result.support, space.zeros());
    EXPECT_LT((result.w - exact).lpNorm<Eigen::Infinity>(), 1e-10);
    Eigen::VectorXd g;
    EXPECT_NEAR(problem.value_and_gradient(result.w, g), result.objective, 1e-13);
    EXPECT_LT(space.norm_on(g, result.support), 1e-10);
    EXPECT_NEAR(space.norm_off(g, result.support), result.trace.rows.back().gradient_norm_off,
                1e-12);
    Eigen::VectorXd outside = result.w;
    space.restrict(outside, result.support);
    EXPECT_EQ(outside, result.w);
    ASSERT_EQ(result.trace.rows.size(), 21u);
    for (std::size_t i = 0; i < result.trace.rows.size(); ++i) {
      const TraceRow& row = result.trace.rows[i];
      EXPECT_EQ(row.iteration, static_cast<Index>(i));
      EXPECT_EQ(row.support_size, static_cast<Index>(i));
      EXPECT_LT(row.gradient_norm_on, 1e-10);
      if (i > 0) {
        EXPECT_LT(row.objective, result.trace.rows[i - 1].objective);
      }
    }
  }
}

TEST(OrthogonalMatchingPursuit, StallsOnAColumnDependentOnTheSelectedOnes) {
  const SyntheticInstance inst =
      make_synthetic({.samples = 30, .features = 3, .sparsity = 0, .seed = 29});
  Eigen::MatrixXd x = dense(inst.design);
  x.col(2) = x.col(0) + x.col(1);  // any two columns span the third
  const Eigen::VectorXd y =
      dense(make_synthetic({.samples = 30, .features = 1, .sparsity = 0, .seed = 30}).design)
          .col(0);
  const LeastSquaresProblem singular(Design(x), y);
  const auto stalled = OrthogonalMatchingPursuit().minimize(singular, 3);
  EXPECT_EQ(stalled.reason, StopReason::kStalled);
  EXPECT_EQ(singular.space().size(stalled.support), 2);
  EXPECT_EQ(stalled.iterations, 2);
  EXPECT_LT((stalled.w - singular.minimize_on(stalled.support, singular.space().zeros()))
                .lpNorm<Eigen::Infinity>(),
            1e-12);
  // The ridge makes the Gram matrix positive definite: all three columns enter.
  const LeastSquaresProblem ridged(Design(x), y, {.ridge = 0.1});
  const auto full = OrthogonalMatchingPursuit().minimize(ridged, 3);
  EXPECT_EQ(full.reason, StopReason::kBudgetReached);
  EXPECT_LT(
      (full.w - ridged.minimize_on(full.support, ridged.space().zeros())).lpNorm<Eigen::Infinity>(),
      1e-12);
}

TEST(OrthogonalMatchingPursuit, StopsOnTheToleranceAndTheIterationLimit) {
  const LeastSquaresProblem exact(Design(Eigen::MatrixXd::Identity(4, 4)),
                                  Eigen::Vector4d(0.0, -2.0, 0.0, 0.0));
  const auto converged = OrthogonalMatchingPursuit().minimize(exact, 3);
  EXPECT_EQ(converged.reason, StopReason::kConverged);
  EXPECT_EQ(converged.support, CoordinateSpace::Support{1});
  const auto stalled =
      OrthogonalMatchingPursuit({.stopping = {.objective_level = -1.0}}).minimize(exact, 3);
  EXPECT_EQ(stalled.reason, StopReason::kStalled);
  EXPECT_EQ(stalled.w, Eigen::Vector4d(0.0, -2.0, 0.0, 0.0));

  const SyntheticInstance inst =
      make_synthetic({.samples = 50, .features = 30, .sparsity = 5, .noise = 0.1, .seed = 6});
  const LeastSquaresProblem problem(inst.design, inst.response);
  const auto limited =
      OrthogonalMatchingPursuit({.stopping = {.max_iterations = 3}}).minimize(problem, 10);
  EXPECT_EQ(limited.reason, StopReason::kIterationLimit);
  EXPECT_EQ(limited.iterations, 3);
  EXPECT_EQ(problem.space().size(limited.support), 3);
  EXPECT_EQ(limited.trace.rows.size(), 4u);
}

TEST(OrthogonalMatchingPursuit, RerunsAreBitIdentical) {
  const SyntheticInstance inst = make_synthetic(
      {.samples = 80, .features = 100, .sparsity = 6, .correlation = 0.5, .noise = 0.2, .seed = 4});
  for (bool sparse : {false, true}) {
    const LeastSquaresProblem problem(sparse ? as_sparse(inst.design) : inst.design, inst.response,
                                      {.ridge = 0.01, .intercept = true});
    const OrthogonalMatchingPursuit solver;
    const auto a = solver.minimize(problem, 12), b = solver.minimize(problem, 12);
    EXPECT_EQ(a.w, b.w);
    EXPECT_EQ(a.support, b.support);
    EXPECT_EQ(a.objective, b.objective);
    ASSERT_EQ(a.trace.rows.size(), b.trace.rows.size());
    for (std::size_t i = 0; i < a.trace.rows.size(); ++i)
      EXPECT_EQ(a.trace.rows[i].objective, b.trace.rows[i].objective);
  }
}

TEST(OrthogonalMatchingPursuit, RejectsInvalidSparsityAndOptions) {
  const SyntheticInstance inst = make_synthetic({.samples = 20, .features = 8, .sparsity = 2});
  const LeastSquaresProblem problem(inst.design, inst.response);
  EXPECT_THROW(OrthogonalMatchingPursuit().minimize(problem, 0), InvalidInput);
  EXPECT_THROW(OrthogonalMatchingPursuit().minimize(problem, 9), InvalidInput);
  EXPECT_NO_THROW(OrthogonalMatchingPursuit().minimize(problem, 8));
  EXPECT_THROW(OrthogonalMatchingPursuit({.dependence_tolerance = -1.0}), InvalidInput);
  EXPECT_THROW(OrthogonalMatchingPursuit({.dependence_tolerance = 1.0}), InvalidInput);
}

}  // namespace
}  // namespace cardinal
