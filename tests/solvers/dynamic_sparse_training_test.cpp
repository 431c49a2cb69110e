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

TEST(CoordinateSpaceUniform, SeededUniformOnTheConstrainedCoordinatesAndZeroOnTheFree) {
  static_assert(RandomParameterSpace<CoordinateSpace>);
  const CoordinateSpace space(1000, 1);
  const Eigen::VectorXd u = space.uniform(7);
  EXPECT_EQ(u[1000], 0.0);
  EXPECT_TRUE((u.head(1000).array() >= 0.0).all() && (u.head(1000).array() < 1.0).all());
  EXPECT_NEAR(u.head(1000).mean(), 0.5, 0.05);
  EXPECT_TRUE((space.uniform(7).array() == u.array()).all());
  EXPECT_FALSE((space.uniform(8).array() == u.array()).all());
}

TEST(DynamicSparseTraining, RandomGrowthIsSeededKeepsTheBudgetAndGrowsOffTheKeptSupport) {
  const auto inst = make_synthetic({.samples = 60, .features = 120, .sparsity = 5, .seed = 4});
  const LeastSquaresProblem problem(inst.design, inst.response);
  const double step = 0.5 / smoothness(inst.design);
  DynamicSparseTrainingOptions options{.iterations = 200,
                                       .step = step,
                                       .update_period = 10,
                                       .drop_fraction = 0.6,
                                       .growth = Growth::kRandom,
                                       .seed = 11};
  const auto a = DynamicSparseTraining(options).minimize(problem, 5);
  const auto b = DynamicSparseTraining(options).minimize(problem, 5);
  EXPECT_EQ(a.support, b.support);
  EXPECT_TRUE((a.w.array() == b.w.array()).all());
  for (const TraceRow& row : a.trace.rows) EXPECT_EQ(row.support_size, 5);
  options.seed = 12;
  const auto c = DynamicSparseTraining(options).minimize(problem, 5);
  EXPECT_FALSE((c.w.array() == a.w.array()).all()) << "the seed must change the growth";
  // Random growth is not gradient growth: RigL from the same start ends elsewhere.
  options.growth = Growth::kGradient;
  const auto rigl = DynamicSparseTraining(options).minimize(problem, 5);
  EXPECT_FALSE((rigl.w.array() == a.w.array()).all());
  // Without swaps the growth rule is never used: SET is static sparse training, as RigL is.
  options.drop_fraction = 0.0;
  options.growth = Growth::kRandom;
  const auto set_static = DynamicSparseTraining(options).minimize(problem, 5);
  options.growth = Growth::kGradient;
  const auto rigl_static = DynamicSparseTraining(options).minimize(problem, 5);
  EXPECT_TRUE((set_static.w.array() == rigl_static.w.array()).all());
}

TEST(DynamicSparseTraining, RandomSwapsGrowTheLargestUniformScoresOutsideTheKeptOnes) {
  // Reproduce a SET run by hand from swap_support and space.uniform.
  const auto inst = make_synthetic({.samples = 30, .features = 40, .sparsity = 4, .seed = 5});
  const LeastSquaresProblem problem(inst.design, inst.response);
  const double step = 0.5 / smoothness(inst.design);
  const DynamicSparseTraining set({.iterations = 40,
                                   .step = step,
                                   .update_period = 10,
                                   .drop_fraction = 1.0,
                                   .end_fraction = 1.0,
                                   .growth = Growth::kRandom,
                                   .seed = 3});
  ASSERT_EQ(set.swap_count(10, 4), 3);  // ⌊½(1 + cos(π/4)) · 4⌋
  const auto result = set.minimize(problem, 4);
  const CoordinateSpace& space = problem.space();
  Eigen::VectorXd w = Eigen::VectorXd::Zero(40), g(40);
  problem.value_and_gradient(w, g);
  auto support = space.largest(g, 4);
  int swaps = 0;
  for (Index t = 0; t < 40; ++t) {
    problem.value_and_gradient(w, g);
    if (const Index count = set.swap_count(t, space.size(support)); count > 0) {
      support = swap_support(space, w, space.uniform(splitmix64(3) ^ static_cast<std::uint64_t>(t)),
                             support, count);
      ++swaps;
    }
    Eigen::VectorXd masked = g;
    space.restrict(masked, support);
    w -= step * masked;
  }
  EXPECT_EQ(swaps, 2);  // at t = 30, ⌊½(1 + cos(3π/4)) · 4⌋ = 0
  EXPECT_EQ(result.support, support);
  EXPECT_TRUE((result.w.array() == w.array()).all());
}

}  // namespace
}  // namespace cardinal
