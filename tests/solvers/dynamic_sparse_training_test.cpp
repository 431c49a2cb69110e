#include "cardinal/solvers/dynamic_sparse_training.hpp"

#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <numbers>
#include <numeric>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/solver.hpp"
#include "cardinal/convex/coordinate_space.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"

namespace cardinal {
namespace {

static_assert(SparseSolver<DynamicSparseTraining, LeastSquaresProblem>);
static_assert(SparseSolver<DynamicSparseTraining, LogisticProblem>);

Eigen::VectorXd vec(std::initializer_list<double> values) {
  Eigen::VectorXd v(static_cast<Index>(values.size()));
  Index i = 0;
  for (double x : values) v[i++] = x;
  return v;
}

double smoothness(const Design& design) {
  std::vector<Index> all(static_cast<std::size_t>(design.cols()));
  std::iota(all.begin(), all.end(), Index{0});
  const Eigen::MatrixXd x = design.dense_columns(all);
  const Eigen::MatrixXd h = x.transpose() * x / static_cast<double>(x.rows());
  return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(h).eigenvalues().maxCoeff();
}

TEST(SwapSupport, DropsTheSmallestWeightsAndGrowsTheLargestScoresAtZero) {
  const CoordinateSpace space(5);
  Eigen::VectorXd w = vec({5, -1, 3, 0, 0});
  const std::vector<Index> support = {0, 1, 2};
  const auto swapped = swap_support(space, w, vec({0, 0, 0, -4, 2}), support, 1);
  EXPECT_EQ(swapped, (std::vector<Index>{0, 2, 3}));
  EXPECT_EQ(w, vec({5, 0, 3, 0, 0}));

  // A coordinate dropped and grown again restarts at zero; count 0 changes nothing.
  Eigen::VectorXd v = vec({5, -1, 3, 0, 0});
  EXPECT_EQ(swap_support(space, v, vec({0, 10, 0, 0, 0}), support, 1), support);
  EXPECT_EQ(v, vec({5, 0, 3, 0, 0}));
  Eigen::VectorXd u = vec({5, -1, 3, 0, 0});
  EXPECT_EQ(swap_support(space, u, vec({0, 0, 0, 9, 9}), support, 0), support);
  EXPECT_EQ(u, vec({5, -1, 3, 0, 0}));
  EXPECT_THROW(swap_support(space, u, u, support, 4), InvalidInput);
}

TEST(DynamicSparseTraining, TheSwapFractionFollowsTheCosineScheduleUntilTEnd) {
  const DynamicSparseTraining rigl(
      {.iterations = 1000, .step = 0.1, .update_period = 100, .drop_fraction = 0.4});
  EXPECT_EQ(rigl.swap_count(0, 1000), 0);    // no update at the start
  EXPECT_EQ(rigl.swap_count(150, 1000), 0);  // not a multiple of ΔT
  EXPECT_EQ(rigl.swap_count(750, 1000), 0);  // T_end = 750
  for (Index t : {100, 200, 500, 700})
    EXPECT_EQ(
        rigl.swap_count(t, 1000),
        static_cast<Index>(std::floor(
            0.2 * (1.0 + std::cos(std::numbers::pi * static_cast<double>(t) / 750.0)) * 1000.0)))
        << t;
}

TEST(DynamicSparseTraining, RecoversPlantedSupportsThatItsStartMisses) {
  int start_misses = 0;
  for (std::uint64_t seed : {1, 2, 3, 4}) {
    const auto inst = make_synthetic(
        {.samples = 80, .features = 200, .sparsity = 6, .signal = 1.0, .seed = seed});
    const LeastSquaresProblem problem(inst.design, inst.response);
    const double step = 1.0 / smoothness(inst.design);
    const DynamicSparseTrainingOptions options{
        .iterations = 3000, .step = step, .update_period = 25, .drop_fraction = 0.3};
    const auto result = DynamicSparseTraining(options).minimize(problem, 6);
    EXPECT_EQ(result.support, inst.support) << "seed " << seed;
    EXPECT_LT((result.w - inst.planted).lpNorm<Eigen::Infinity>(), 1e-6) << "seed " << seed;
    for (const TraceRow& row : result.trace.rows) EXPECT_EQ(row.support_size, 6);
    // The static run keeps the support of the start: the k largest correlations |Xᵀy|.
    DynamicSparseTrainingOptions fixed = options;
    fixed.drop_fraction = 0.0;
    start_misses += DynamicSparseTraining(fixed).minimize(problem, 6).support != inst.support;
  }
  EXPECT_GE(start_misses, 1);  // so the swaps, not the start, found the planted supports
}

TEST(DynamicSparseTraining, WithoutSwapsItIsStaticSparseTrainingBitForBit) {
  const auto inst = make_synthetic({.samples = 40, .features = 60, .sparsity = 4, .seed = 9});
  const LeastSquaresProblem problem(inst.design, inst.response);
  const double step = 0.5 / smoothness(inst.design);
  const auto result = DynamicSparseTraining({.iterations = 50, .step = step, .drop_fraction = 0.0})
                          .minimize(problem, 4);
  const CoordinateSpace& space = problem.space();
  Eigen::VectorXd w = Eigen::VectorXd::Zero(60), g(60);
  problem.value_and_gradient(w, g);
  const auto support = space.largest(g, 4);
  for (int t = 0; t < 50; ++t) {
    problem.value_and_gradient(w, g);
    space.restrict(g, support);
    w -= step * g;
  }
  EXPECT_EQ(result.support, support);
  EXPECT_TRUE((result.w.array() == w.array()).all());
}

}  // namespace
}  // namespace cardinal
