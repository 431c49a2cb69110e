#include "cardinal/solvers/dynamic_hard_thresholding.hpp"

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/pruning_step.hpp"
#include "cardinal/bridge/solver.hpp"
#include "cardinal/convex/coordinate_space.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/solvers/iterative_hard_thresholding.hpp"

namespace cardinal {
namespace {

static_assert(SparseSolver<DynamicHardThresholding, LeastSquaresProblem>);
static_assert(SparseSolver<DynamicHardThresholding, LogisticProblem>);

/// f(w) = ½‖w − c‖² on R^d, started from `start`; records every point it is differentiated at.
struct Quadratic {
  using Space = CoordinateSpace;
  Space space_;
  Eigen::VectorXd c, start;
  mutable std::vector<Eigen::VectorXd> points;

  Quadratic(Eigen::VectorXd center, Eigen::VectorXd start_point)
      : space_(center.size()), c(std::move(center)), start(std::move(start_point)) {}
  const Space& space() const { return space_; }
  double value(const Eigen::VectorXd& w) const { return 0.5 * (w - c).squaredNorm(); }
  double value_and_gradient(const Eigen::VectorXd& w, Eigen::VectorXd& g) const {
    points.push_back(w);
    g = w - c;
    return value(w);
  }
  Eigen::VectorXd starting_point() const { return start; }
};
static_assert(StartingPointProblem<Quadratic>);

/// Forwards to a least-squares problem and records every point it is differentiated at.
struct Recording {
  using Space = CoordinateSpace;
  const LeastSquaresProblem* inner;
  mutable std::vector<Eigen::VectorXd> points;
  const Space& space() const { return inner->space(); }
  double value(const Eigen::VectorXd& w) const { return inner->value(w); }
  double value_and_gradient(const Eigen::VectorXd& w, Eigen::VectorXd& g) const {
    points.push_back(w);
    return inner->value_and_gradient(w, g);
  }
};
static_assert(DifferentiableProblem<Recording> && !StartingPointProblem<Recording>);

Eigen::VectorXd vec(std::initializer_list<double> values) {
  Eigen::VectorXd v(static_cast<Index>(values.size()));
  Index i = 0;
  for (double x : values) v[i++] = x;
  return v;
}

std::vector<Index> nonzeros(const Eigen::VectorXd& w, Index constrained) {
  std::vector<Index> s;
  for (Index i = 0; i < constrained; ++i)
    if (w[i] != 0.0) s.push_back(i);
  return s;
}

// f(w) = ½‖w − c‖², c = (2, 0, 3.5), w⁰ = (3, 1, 0.5), k = 1, μ = 0.5, m = 2, T = 3, constant
// budget; the gradient at x is g = x − c and f(w⁰) = ½(1 + 1 + 9) = 5.5.
//
// With feedback (DPF) the step reaches the dense w:
//   t = 0: M = largest(w⁰) = {0}; x = (3, 0, 0), f = ½(1 + 0 + 12.25) = 6.625,
//          g = (1, 0, −3.5), w = (2.5, 1, 2.25)
//   t = 1: no update (1 mod 2 ≠ 0); x = (2.5, 0, 0), f = ½(0.25 + 12.25) = 6.25,
//          g = (0.5, 0, −3.5), w = (2.25, 1, 4)
//   t = 2: update: the pruned coordinate 2 has grown past coordinate 0, M = {2};
//          x = (0, 0, 4), f = ½(4 + 0 + 0.25) = 2.125, g = (−2, 0, 0.5), w = (3.25, 1, 3.75)
//   end:   M = {2}, w = (0, 0, 3.75), f = ½(4 + 0 + 0.0625) = 2.03125.
TEST(DynamicHardThresholding, FeedbackEvaluatesThePrunedPointAndRevivesCoordinates) {
  const Quadratic problem(vec({2, 0, 3.5}), vec({3, 1, 0.5}));
  DynamicHardThresholdingOptions options{
      .stopping = {.max_iterations = 3}, .step = 0.5, .update_period = 2};
  options.feedback = true;
  const auto result = DynamicHardThresholding(options).minimize(problem, 1);

  ASSERT_EQ(problem.points.size(), 4u);
  EXPECT_EQ(problem.points[0], vec({3, 1, 0.5}));
  EXPECT_EQ(problem.points[1], vec({3, 0, 0}));
  EXPECT_EQ(problem.points[2], vec({2.5, 0, 0}));
  EXPECT_EQ(problem.points[3], vec({0, 0, 4}));
  const std::vector<double> objectives = {5.5, 6.625, 6.25, 2.125};
  const std::vector<Index> sizes = {3, 1, 1, 1};
  ASSERT_EQ(result.trace.rows.size(), 4u);
  for (std::size_t t = 0; t < 4; ++t) {
    EXPECT_EQ(result.trace.rows[t].iteration, static_cast<Index>(t));
    EXPECT_EQ(result.trace.rows[t].objective, objectives[t]) << "row " << t;
    EXPECT_EQ(result.trace.rows[t].support_size, sizes[t]) << "row " << t;
  }
  EXPECT_EQ(result.trace.rows[3].gradient_norm_on, 0.5);  // g on M = {2}
  EXPECT_EQ(result.trace.rows[3].gradient_norm_off, 2.0);
  EXPECT_EQ(result.w, vec({0, 0, 3.75}));
  EXPECT_EQ(result.support, std::vector<Index>{2});
  EXPECT_EQ(result.objective, 2.03125);
  EXPECT_EQ(result.iterations, 3);
  EXPECT_EQ(result.reason, StopReason::kIterationLimit);
}

// The same example without feedback (GMP's rule): the pruned coordinates are zeroed and get no
// update between mask updates, so coordinate 2 only ever holds one step, μ · 3.5 = 1.75, when the
// mask is recomputed, and never overtakes coordinate 0:
//   t = 0: M = {0}, w = (3, 0, 0); f = 6.625, g = (1, 0, −3.5), w = (2.5, 0, 1.75)
//   t = 1: w = (2.5, 0, 0); f = 6.25, g = (0.5, 0, −3.5), w = (2.25, 0, 1.75)
//   t = 2: update: M = largest((2.25, 0, 1.75)) = {0}, w = (2.25, 0, 0);
//          f = ½(0.0625 + 12.25) = 6.15625, g = (0.25, 0, −3.5), w = (2.125, 0, 1.75)
//   end:   M = {0}, w = (2.125, 0, 0), f = ½(0.015625 + 12.25) = 6.1328125.
TEST(DynamicHardThresholding, WithoutFeedbackPrunedCoordinatesStayZero) {
  const Quadratic problem(vec({2, 0, 3.5}), vec({3, 1, 0.5}));
  const auto result =
      DynamicHardThresholding({.stopping = {.max_iterations = 3}, .step = 0.5, .update_period = 2})
          .minimize(problem, 1);

  ASSERT_EQ(problem.points.size(), 4u);
  EXPECT_EQ(problem.points[1], vec({3, 0, 0}));
  EXPECT_EQ(problem.points[2], vec({2.5, 0, 0}));
  EXPECT_EQ(problem.points[3], vec({2.25, 0, 0}));
  const std::vector<double> objectives = {5.5, 6.625, 6.25, 6.15625};
  for (std::size_t t = 0; t < 4; ++t)
    EXPECT_EQ(result.trace.rows[t].objective, objectives[t]) << "row " << t;
  EXPECT_EQ(result.w, vec({2.125, 0, 0}));
  EXPECT_EQ(result.support, std::vector<Index>{0});
  EXPECT_EQ(result.objective, 6.1328125);
}

/// Quadratic whose pruning step keeps the k *smallest* coordinates by index and gives them the
/// restricted minimizer's values, c on the kept coordinates: not hard thresholding, so a solver
/// that prunes through prune_to shows it.
struct PrunedByIndex : Quadratic {
  using Quadratic::Quadratic;
  mutable std::vector<Eigen::VectorXd> pruned_points;
  std::vector<Index> prune(Eigen::VectorXd& w, Index k) const {
    pruned_points.push_back(w);
    std::vector<Index> kept;
    for (Index i = 0; i < w.size(); ++i) {
      w[i] = i < k ? c[i] : 0.0;
      if (i < k) kept.push_back(i);
    }
    return kept;
  }
};
static_assert(PruningProblem<PrunedByIndex> && !PruningProblem<Quadratic>);
static_assert(PruningProblem<CountingProblem<PrunedByIndex>>);

TEST(PruneTo, IsHardThresholdingUnlessTheProblemPrunesItself) {
  const Quadratic plain(vec({2, 0, 3.5}), vec({3, 1, 0.5}));
  Eigen::VectorXd w = vec({3, -4, 0.5});
  EXPECT_EQ(prune_to(plain, w, 2), (std::vector<Index>{0, 1}));
  EXPECT_EQ(w, vec({3, -4, 0}));

  const PrunedByIndex own(vec({2, 0, 3.5}), vec({3, 1, 0.5}));
  w = vec({3, -4, 0.5});
  EXPECT_EQ(prune_to(CountingProblem(own), w, 1), std::vector<Index>{0});
  EXPECT_EQ(w, vec({2, 0, 0}));
  ASSERT_EQ(own.pruned_points.size(), 1u);
  EXPECT_EQ(own.pruned_points[0], vec({3, -4, 0.5}));
}

// The example above with the problem's own pruning step (keep coordinate 0 at c₀ = 2), without
// feedback: the step replaces both the mask and the values.
//   t = 0: prune (3, 1, 0.5) → w = (2, 0, 0); f = ½(0 + 0 + 12.25) = 6.125, g = (0, 0, −3.5),
//          w = (2, 0, 1.75)
//   t = 1: no update; w = (2, 0, 0), the same f and g; w = (2, 0, 1.75)
//   t = 2: prune (2, 0, 1.75) → (2, 0, 0); the same step again
//   end:   prune (2, 0, 1.75) → w = (2, 0, 0), f = 6.125.
// With feedback the step chooses the mask only: the dense w keeps its values.
//   t = 0: M = {0} (from a pruned copy); x = (3, 0, 0), f = 6.625, g = (1, 0, −3.5),
//          w = (2.5, 1, 2.25)
//   t = 1: x = (2.5, 0, 0), f = 6.25, g = (0.5, 0, −3.5), w = (2.25, 1, 4)
//   t = 2: M = {0} again (hard thresholding would take {2}); x = (2.25, 0, 0), f = 6.15625
//   end:   prune the dense w: (2, 0, 0).
TEST(DynamicHardThresholding, PrunesThroughTheProblemsOwnPruningStep) {
  const PrunedByIndex problem(vec({2, 0, 3.5}), vec({3, 1, 0.5}));
  const auto result =
      DynamicHardThresholding({.stopping = {.max_iterations = 3}, .step = 0.5, .update_period = 2})
          .minimize(problem, 1);
  ASSERT_EQ(problem.pruned_points.size(), 3u);  // t = 0, t = 2 and the end
  EXPECT_EQ(problem.pruned_points[0], vec({3, 1, 0.5}));
  EXPECT_EQ(problem.pruned_points[1], vec({2, 0, 1.75}));
  EXPECT_EQ(problem.pruned_points[2], vec({2, 0, 1.75}));
  ASSERT_EQ(problem.points.size(), 4u);
  for (std::size_t t = 1; t < 4; ++t) EXPECT_EQ(problem.points[t], vec({2, 0, 0})) << t;
  EXPECT_EQ(result.w, vec({2, 0, 0}));
  EXPECT_EQ(result.support, std::vector<Index>{0});
  EXPECT_EQ(result.objective, 6.125);

  const PrunedByIndex fed(vec({2, 0, 3.5}), vec({3, 1, 0.5}));
  DynamicHardThresholdingOptions options{
      .stopping = {.max_iterations = 3}, .step = 0.5, .update_period = 2};
  options.feedback = true;
  const auto with_feedback = DynamicHardThresholding(options).minimize(fed, 1);
  ASSERT_EQ(fed.points.size(), 4u);
  EXPECT_EQ(fed.points[1], vec({3, 0, 0}));
  EXPECT_EQ(fed.points[2], vec({2.5, 0, 0}));
  EXPECT_EQ(fed.points[3], vec({2.25, 0, 0}));
  ASSERT_EQ(fed.pruned_points.size(), 3u);
  EXPECT_EQ(fed.pruned_points[2], vec({2.125, 1, 5.75}));
  EXPECT_EQ(with_feedback.w, vec({2, 0, 0}));
  EXPECT_EQ(with_feedback.support, std::vector<Index>{0});
}

// Heavy ball with β = 0.5, μ = 0.5, nothing pruned (k = d = 3), same f and w⁰:
//   g⁰ = (1, 1, −3), v = g⁰, w¹ = (2.5, 0.5, 2);
//   g¹ = (0.5, 0.5, −1.5), v = 0.5 g⁰ + g¹ = (1, 1, −3), w² = w¹ − 0.5 v = (2, 0, 3.5) = c.
// With pruning (k = 1, m = 2, no feedback) the momentum of a pruned coordinate is dropped with it:
//   t = 0: M = {0}, w = (3, 0, 0); g = (1, 0, −3.5), v = g, w = (2.5, 0, 1.75);
//   t = 1: w = (2.5, 0, 0), v = (1, 0, 0); g = (0.5, 0, −3.5), v = 0.5 (1, 0, 0) + g = (1, 0,
//   −3.5),
//          w = (2, 0, 1.75);  end: M = {0}, w = (2, 0, 0).
// (Keeping v₂ = −3.5 would give v = (1, 0, −5.25), w = (2, 0, 2.625) and the mask {2}.)
// A step schedule overrides the fixed step: μ₀ = 0.5, μ₁ = 0.25 without momentum gives
//   w² = w¹ − 0.25 g¹ = (2.375, 0.375, 2.375).
TEST(DynamicHardThresholding, MomentumAndStepScheduleByHand) {
  const Quadratic problem(vec({2, 0, 3.5}), vec({3, 1, 0.5}));
  const auto heavy_ball =
      DynamicHardThresholding({.stopping = {.max_iterations = 2}, .step = 0.5, .momentum = 0.5})
          .minimize(problem, 3);
  EXPECT_EQ(heavy_ball.w, vec({2, 0, 3.5}));
  EXPECT_EQ(heavy_ball.objective, 0.0);
  EXPECT_EQ(heavy_ball.trace.rows[2].objective, 0.5 * (0.25 + 0.25 + 2.25));

  const auto pruned =
      DynamicHardThresholding(
          {.stopping = {.max_iterations = 2}, .step = 0.5, .momentum = 0.5, .update_period = 2})
          .minimize(problem, 1);
  EXPECT_EQ(pruned.w, vec({2, 0, 0}));
  EXPECT_EQ(pruned.objective, 6.125);

  DynamicHardThresholdingOptions scheduled{.stopping = {.max_iterations = 2}, .step = 123.0};
  scheduled.step_schedule = [](Index t) { return t == 0 ? 0.5 : 0.25; };
  EXPECT_EQ(DynamicHardThresholding(scheduled).minimize(problem, 3).w, vec({2.375, 0.375, 2.375}));
}

// With a constant budget, m = 1, β = 0 and no feedback the iteration is fixed-step IHT: its
// evaluation point x_t is IHT's iterate w_t (both start at 0), so trace row t + 1 here is IHT's
// row t, and the final selection H_k(x_{T−1} − μ g) is IHT's w_T. The arithmetic is the same, so
// the equality is bit for bit.
TEST(DynamicHardThresholding, ConstantBudgetEveryStepIsIterativeHardThresholding) {
  const auto inst =
      make_synthetic({.samples = 80, .features = 150, .sparsity = 6, .noise = 0.3, .seed = 3});
  for (bool intercept : {false, true}) {
    const Eigen::VectorXd y = inst.response.array() + (intercept ? 1.5 : 0.0);
    const LeastSquaresProblem problem(inst.design, y, {.intercept = intercept});
    const Index iterations = 40;
    const double step = 0.2;
    const auto dht =
        DynamicHardThresholding({.stopping = {.max_iterations = iterations}, .step = step})
            .minimize(problem, 6);
    const auto iht = IterativeHardThresholding({.stopping = {.max_iterations = iterations,
                                                             .relative_decrease = 0.0,
                                                             .step_tolerance = 0.0},
                                                .step = step})
                         .minimize(problem, 6);
    ASSERT_EQ(iht.iterations, iterations);
    EXPECT_EQ(dht.w, iht.w);
    EXPECT_EQ(dht.support, iht.support);
    EXPECT_EQ(dht.objective, iht.objective);
    ASSERT_EQ(dht.trace.rows.size(), static_cast<std::size_t>(iterations + 1));
    EXPECT_EQ(dht.trace.rows[0].objective, iht.trace.rows[0].objective);
    for (Index t = 0; t < iterations; ++t) {
      const auto& ours = dht.trace.rows[static_cast<std::size_t>(t + 1)];
      const auto& theirs = iht.trace.rows[static_cast<std::size_t>(t)];
      EXPECT_EQ(ours.objective, theirs.objective) << "step " << t;
      if (t == 0) continue;  // IHT's row 0 has the support of w⁰ = 0, ours the first mask
      EXPECT_EQ(ours.support_size, theirs.support_size) << "step " << t;
      EXPECT_EQ(ours.gradient_norm_on, theirs.gradient_norm_on) << "step " << t;
      EXPECT_EQ(ours.gradient_norm_off, theirs.gradient_norm_off) << "step " << t;
    }
  }
}

// GMP: every point the gradient is evaluated at has exactly kept(t) nonzeros (the pruned
// coordinates are exactly zero), the trace's support sizes are the schedule, and between mask
// updates (t not a multiple of m = 5) the nonzero pattern does not change.
TEST(DynamicHardThresholding, GradualPruningFollowsTheScheduleWithPrunedWeightsAtZero) {
  const auto inst =
      make_synthetic({.samples = 120, .features = 60, .sparsity = 6, .noise = 0.2, .seed = 5});
  const LeastSquaresProblem least_squares(inst.design, inst.response);
  const Recording problem{&least_squares, {}};
  const Index iterations = 60, k = 6;
  const auto options = gradual_magnitude_pruning(iterations, 0.2, 5, 0.0, 0.5);
  EXPECT_EQ(options.schedule.kind, SparsityScheduleKind::kGradual);
  EXPECT_EQ(options.schedule.end, 30);
  EXPECT_EQ(options.schedule.interval, 5);
  EXPECT_FALSE(options.feedback);
  const auto result = DynamicHardThresholding(options).minimize(problem, k);

  ASSERT_EQ(problem.points.size(), static_cast<std::size_t>(iterations + 1));
  ASSERT_EQ(result.trace.rows.size(), static_cast<std::size_t>(iterations + 1));
  for (Index t = 0; t < iterations; ++t) {
    const Index kept = options.schedule.kept(t, k, 60);
    const Eigen::VectorXd& x = problem.points[static_cast<std::size_t>(t + 1)];
    EXPECT_EQ(result.trace.rows[static_cast<std::size_t>(t + 1)].support_size, kept)
        << "step " << t;
    if (t == 0) continue;  // x = w⁰ = 0
    EXPECT_EQ(static_cast<Index>(nonzeros(x, 60).size()), kept) << "step " << t;
    if (t % 5 != 0 && t > 1)
      EXPECT_EQ(nonzeros(x, 60), nonzeros(problem.points[static_cast<std::size_t>(t)], 60))
          << "step " << t;
  }
  EXPECT_EQ(options.schedule.kept(0, k, 60), 60);
  EXPECT_EQ(options.schedule.kept(30, k, 60), k);
  EXPECT_EQ(static_cast<Index>(nonzeros(result.w, 60).size()), k);
  EXPECT_EQ(nonzeros(result.w, 60), result.support);
}

// Gradual pruning from dense to k recovers the planted support of a well-conditioned noiseless
// instance (n = 300 > p = 100, so the dense phase heads for w* itself), and the k-sparse tail
// converges to w*.
TEST(DynamicHardThresholding, GradualPruningRecoversThePlantedSupport) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const auto inst =
        make_synthetic({.samples = 300, .features = 100, .sparsity = 5, .seed = seed});
    const LeastSquaresProblem problem(inst.design, inst.response);
    const auto gmp =
        DynamicHardThresholding(gradual_magnitude_pruning(300, 0.3, 10)).minimize(problem, 5);
    EXPECT_EQ(gmp.support, inst.support) << "seed " << seed;
    EXPECT_EQ(nonzeros(gmp.w, 100), inst.support) << "seed " << seed;
    EXPECT_LT((gmp.w - inst.planted).lpNorm<Eigen::Infinity>(), 1e-8) << "seed " << seed;
    const auto dpf =
        DynamicHardThresholding(dynamic_pruning_with_feedback(300, 0.3)).minimize(problem, 5);
    EXPECT_EQ(dpf.support, inst.support) << "DPF, seed " << seed;
  }
}

// AC/DC with T = 40, W = 5, P = 5, F = 10: dense 0–4, compressed 5–9, dense 10–14, compressed
// 15–19, dense 20–24, compressed 25–29 and 30–39 (one phase: the count does not switch at 30).
// Within a compressed phase the mask is the one chosen at its first step.
TEST(DynamicHardThresholding, AlternatingCompressedDecompressedSwitchesOnTime) {
  const auto inst =
      make_synthetic({.samples = 100, .features = 50, .sparsity = 5, .noise = 0.3, .seed = 9});
  const LeastSquaresProblem least_squares(inst.design, inst.response);
  const Recording problem{&least_squares, {}};
  const auto options = alternating_compressed_decompressed(40, 0.2, 5, 5, 10);
  const auto result = DynamicHardThresholding(options).minimize(problem, 5);
  const std::vector<Index> phases = {50, 5, 50, 5, 50, 5, 5, 5};  // one entry per 5 steps
  ASSERT_EQ(result.trace.rows.size(), 41u);
  for (Index t = 0; t < 40; ++t) {
    const Index expected = phases[static_cast<std::size_t>(t / 5)];
    EXPECT_EQ(result.trace.rows[static_cast<std::size_t>(t + 1)].support_size, expected)
        << "step " << t;
    if (t == 0) continue;  // x = w⁰ = 0
    const Eigen::VectorXd& x = problem.points[static_cast<std::size_t>(t + 1)];
    EXPECT_EQ(static_cast<Index>(nonzeros(x, 50).size()), expected) << "step " << t;
    if (expected == 5 && t != 5 && t != 15 && t != 25)
      EXPECT_EQ(nonzeros(x, 50), nonzeros(problem.points[static_cast<std::size_t>(t)], 50))
          << "step " << t;
  }
  EXPECT_EQ(static_cast<Index>(nonzeros(result.w, 50).size()), 5);
  EXPECT_EQ(result.support.size(), 5u);
  EXPECT_EQ(nonzeros(result.w, 50), result.support);
}

TEST(DynamicHardThresholding, RejectsInvalidOptions) {
  using Options = DynamicHardThresholdingOptions;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(DynamicHardThresholding(Options{}), InvalidInput);  // no step
  EXPECT_THROW(DynamicHardThresholding({.step = 0.0}), InvalidInput);
  EXPECT_THROW(DynamicHardThresholding({.step = -0.1}), InvalidInput);
  EXPECT_THROW(DynamicHardThresholding({.step = nan}), InvalidInput);
  EXPECT_THROW(DynamicHardThresholding({.step = 0.1, .momentum = 1.0}), InvalidInput);
  EXPECT_THROW(DynamicHardThresholding({.step = 0.1, .momentum = -0.1}), InvalidInput);
  EXPECT_THROW(DynamicHardThresholding({.step = 0.1, .update_period = 0}), InvalidInput);
  EXPECT_THROW(DynamicHardThresholding({.stopping = {.max_iterations = -1}, .step = 0.1}),
               InvalidInput);
  Options bad_schedule{.step = 0.1};
  bad_schedule.schedule.kind = SparsityScheduleKind::kGradual;
  bad_schedule.schedule.end = -1;
  EXPECT_THROW(DynamicHardThresholding{bad_schedule}, InvalidInput);
  EXPECT_THROW(gradual_magnitude_pruning(100, 0.1, 10, 0.8, 0.5), InvalidInput);
  EXPECT_THROW(gradual_magnitude_pruning(100, 0.1, 0), InvalidInput);
  EXPECT_THROW(alternating_compressed_decompressed(100, 0.1, 5, 60, 50), InvalidInput);
  EXPECT_THROW(alternating_compressed_decompressed(100, 0.1, 0, 10, 10), InvalidInput);

  // A step schedule replaces the step; its values are checked when used.
  Options scheduled{.stopping = {.max_iterations = 3}};
  scheduled.step_schedule = [](Index t) { return t < 2 ? 0.1 : -1.0; };
  const DynamicHardThresholding solver(scheduled);
  const Quadratic problem(vec({1, 2, 3}), vec({0, 0, 0}));
  EXPECT_THROW(solver.minimize(problem, 2), InvalidInput);
  EXPECT_THROW(DynamicHardThresholding({.step = 0.1}).minimize(problem, 0), InvalidInput);
  EXPECT_THROW(DynamicHardThresholding({.step = 0.1}).minimize(problem, 4), InvalidInput);
}

TEST(DynamicHardThresholding, ReRunsAreBitIdentical) {
  const auto inst =
      make_synthetic({.samples = 100, .features = 200, .sparsity = 8, .noise = 0.2, .seed = 51});
  const LeastSquaresProblem problem(inst.design, inst.response, {.intercept = true});
  for (auto options :
       {gradual_magnitude_pruning(80, 0.1, 4), dynamic_pruning_with_feedback(80, 0.1),
        alternating_compressed_decompressed(80, 0.1, 10, 10, 20)}) {
    options.momentum = 0.9;
    const DynamicHardThresholding solver(options);
    const auto a = solver.minimize(problem, 8), b = solver.minimize(problem, 8);
    EXPECT_EQ(a.w, b.w);
    EXPECT_EQ(a.support, b.support);
    ASSERT_EQ(a.trace.rows.size(), b.trace.rows.size());
    for (std::size_t t = 0; t < a.trace.rows.size(); ++t) {
      EXPECT_EQ(a.trace.rows[t].objective, b.trace.rows[t].objective);
      EXPECT_EQ(a.trace.rows[t].gradient_norm_off, b.trace.rows[t].gradient_norm_off);
    }
    EXPECT_NE(a.w[200], 0.0) << "the intercept is free and must not be pruned";
  }
}

}  // namespace
}  // namespace cardinal
