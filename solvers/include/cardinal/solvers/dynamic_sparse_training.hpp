#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "cardinal/bridge/counting_problem.hpp"
#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/parameter_space.hpp"
#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/solver_result.hpp"
#include "cardinal/bridge/splitmix64.hpp"
#include "cardinal/bridge/trace.hpp"

namespace cardinal {

/// One drop/grow update of a support, the move of dynamic sparse training (RigL's, with the
/// gradient as `grow_score`): among the constrained coordinates of `support` keep the
/// size(support) − count of largest |w_i|, and add the `count` of largest |grow_score_i| outside
/// the kept ones (a coordinate just dropped may come back). `w` is set to zero off the kept
/// coordinates, so every grown coordinate starts at zero. The new support has exactly
/// size(support) constrained coordinates when there are enough candidates, and equals `support`
/// for count = 0. On a convex problem this is the swap step of the greedy exchange methods;
/// on a network, with one call per layer, RigL's update.
template <ParameterSpace S>
typename S::Support swap_support(const S& space, typename S::Vector& w,
                                 const typename S::Vector& grow_score,
                                 const typename S::Support& support, Index count) {
  const Index size = space.size(support);
  require(count >= 0 && count <= size, "swap_support: count must be in [0, " +
                                           std::to_string(size) + "], got " +
                                           std::to_string(count));
  const typename S::Support kept = space.largest_in(w, support, size - count);
  space.restrict(w, kept);
  return space.unite(kept, space.largest_outside(grow_score, kept, count));
}

/// swap_support within every block of a blocked space (a network's layers): in block b, drop
/// the counts[b] smallest |w_i| of the support and grow the counts[b] largest |score_i| of the
/// block outside the kept ones, so that every block keeps its number of constrained coordinates
/// exactly (given enough candidates in it).
template <BlockedParameterSpace S>
typename S::Support swap_support_per_block(const S& space, typename S::Vector& w,
                                           const typename S::Vector& grow_score,
                                           const typename S::Support& support,
                                           const std::vector<Index>& counts) {
  const Index blocks = space.block_count();
  require(static_cast<Index>(counts.size()) == blocks,
          "swap_support_per_block: one count per block needed");
  typename S::Support kept = space.empty_support();
  for (Index b = 0; b < blocks; ++b) {
    const Index size = space.size_in_block(support, b);
    const Index count = counts[static_cast<std::size_t>(b)];
    require(count >= 0 && count <= size, "swap_support_per_block: count of block " +
                                             std::to_string(b) + " must be in [0, " +
                                             std::to_string(size) + "]");
    kept = space.unite(kept, space.largest_in_block(w, support, b, size - count));
  }
  space.restrict(w, kept);
  typename S::Support out = kept;
  for (Index b = 0; b < blocks; ++b)
    out = space.unite(out, space.largest_outside_in_block(grow_score, kept, b,
                                                          counts[static_cast<std::size_t>(b)]));
  return out;
}

/// What a dynamic sparse training update grows.
enum class Growth {
  kGradient,  ///< the largest dense |∇f| (RigL)
  kRandom,    ///< uniformly at random among the coordinates off the kept support (SET)
};

struct DynamicSparseTrainingOptions {
  /// T ≥ 0: gradient steps.
  Index iterations = 1000;
  /// Fixed step μ > 0.
  double step = 0.0;
  /// ΔT ≥ 1: the support is updated at every step t > 0 with t mod ΔT = 0 and t < T_end.
  Index update_period = 100;
  /// α ∈ [0, 1]: the fraction of the support swapped at t = 0, decayed by the cosine schedule
  /// α_t = α/2 · (1 + cos(π t / T_end)).
  double drop_fraction = 0.3;
  /// T_end = llround(end_fraction · T): no update from then on (RigL uses 0.75).
  double end_fraction = 0.75;
  Growth growth = Growth::kGradient;
  /// kRandom: update t ranks by space.uniform(splitmix64(seed) ⊕ t), so a run is reproducible.
  std::uint64_t seed = 0;
};

/// Dynamic sparse training at a fixed budget of k constrained nonzeros, on any
/// DifferentiableProblem: RigL (Evci, Gale, Menick, Castro & Elsen, ICML 2020) with gradient
/// growth, SET (Mocanu et al., Nature Communications 2018) with random growth (which needs a
/// RandomParameterSpace). Both drop by magnitude on RigL's cosine schedule, as the RigL paper
/// compares them.
///
/// Start: w = starting_point(problem), M = largest(w, k), or largest(∇f(0), k) when the
/// starting point is zero (a convex problem); w ← w ⊙ M. Trace row 0: f and ∇f at w.
/// Step t = 0, …, T − 1:
///   1. f, g = value_and_gradient(w) (w is zero off M);
///   2. if 0 < t < T_end and t mod ΔT = 0: M ← swap_support(w, s, M, ⌊α_t · |M|⌋), the drop by
///      |w| and the growth by the largest |s|: s = g, the dense gradient (RigL), or
///      s = uniform(splitmix64(seed) ⊕ t) (SET); grown weights start at zero;
///   3. w ← w − μ · g ⊙ M; trace row t + 1: f, the support M, g on and off M.
/// End: result.w = w (zero off M), result.support = M, objective f(w), kIterationLimit.
/// |M| stays k throughout; with α = 0 the run is static sparse training on the initial
/// support. On a BlockedParameterSpace (a network's layers) every update swaps ⌊α_t |M_b|⌋ in
/// each block b (swap_support_per_block), so each layer keeps the count the start gave it:
/// layer densities are those of the initial support (those of the space's per-block budget:
/// uniform or Erdős–Rényi-Kernel for a network).
class DynamicSparseTraining {
 public:
  explicit DynamicSparseTraining(DynamicSparseTrainingOptions options)
      : options_(std::move(options)) {
    require(options_.iterations >= 0, "dynamic sparse training: iterations must be >= 0");
    require(std::isfinite(options_.step) && options_.step > 0.0,
            "dynamic sparse training: step must be a finite positive number");
    require(options_.update_period >= 1, "dynamic sparse training: update_period must be >= 1");
    require(std::isfinite(options_.drop_fraction) && options_.drop_fraction >= 0.0 &&
                options_.drop_fraction <= 1.0,
            "dynamic sparse training: drop_fraction must be in [0, 1]");
    require(std::isfinite(options_.end_fraction) && options_.end_fraction >= 0.0 &&
                options_.end_fraction <= 1.0,
            "dynamic sparse training: end_fraction must be in [0, 1]");
  }

  const DynamicSparseTrainingOptions& options() const { return options_; }

  /// The swap count of step t with `active` constrained coordinates (0 where no update is due).
  Index swap_count(Index t, Index active) const {
    if (!update_due(t)) return 0;
    const Index end = update_end();
    const double alpha =
        options_.drop_fraction / 2.0 *
        (1.0 + std::cos(std::numbers::pi * static_cast<double>(t) / static_cast<double>(end)));
    return static_cast<Index>(std::floor(alpha * static_cast<double>(active)));
  }

  /// Whether step t updates the support: 0 < t < T_end and t mod ΔT = 0.
  bool update_due(Index t) const {
    return t > 0 && t < update_end() && t % options_.update_period == 0;
  }

  template <DifferentiableProblem P>
  SolverResult<P> minimize(const P& problem, Index sparsity) const;

 private:
  Index update_end() const {
    return static_cast<Index>(
        std::llround(options_.end_fraction * static_cast<double>(options_.iterations)));
  }

  /// The support after step t's update (itself when none is due), per block where the space
  /// has blocks.
  template <ParameterSpace S>
  typename S::Support swapped(const S& space, typename S::Vector& w,
                              const typename S::Vector& gradient, const typename S::Support& mask,
                              Index t) const {
    if (!update_due(t)) return mask;
    if (options_.growth == Growth::kRandom) {
      if constexpr (RandomParameterSpace<S>) {
        const typename S::Vector score =
            space.uniform(splitmix64(options_.seed) ^ static_cast<std::uint64_t>(t));
        return swapped_by(space, w, score, mask, t);
      } else {
        throw InvalidInput("random growth needs a parameter space that draws random vectors");
      }
    }
    return swapped_by(space, w, gradient, mask, t);
  }

  template <ParameterSpace S>
  typename S::Support swapped_by(const S& space, typename S::Vector& w,
                                 const typename S::Vector& grow_score,
                                 const typename S::Support& mask, Index t) const {
    if constexpr (BlockedParameterSpace<S>) {
      std::vector<Index> counts;
      Index total = 0;
      for (Index b = 0; b < space.block_count(); ++b) {
        counts.push_back(swap_count(t, space.size_in_block(mask, b)));
        total += counts.back();
      }
      return total > 0 ? swap_support_per_block(space, w, grow_score, mask, counts) : mask;
    } else {
      const Index count = swap_count(t, space.size(mask));
      return count > 0 ? swap_support(space, w, grow_score, mask, count) : mask;
    }
  }

  DynamicSparseTrainingOptions options_;
};

template <DifferentiableProblem P>
SolverResult<P> DynamicSparseTraining::minimize(const P& original, Index sparsity) const {
  require_valid_sparsity(original, sparsity);
  const CountingProblem problem(original);
  const auto& space = problem.space();
  const Stopwatch clock;
  VectorOf<P> w = space.zeros();
  space.axpy(1.0, starting_point(original), w);
  VectorOf<P> gradient = space.zeros();
  SupportOf<P> mask;
  if (space.size(space.support_of(w)) == 0) {
    // A zero start ranks nothing: select by the gradient there instead.
    problem.value_and_gradient(w, gradient);
    mask = space.largest(gradient, sparsity);
  } else {
    mask = space.largest(w, sparsity);
  }
  space.restrict(w, mask);
  double objective = problem.value_and_gradient(w, gradient);
  SolverResult<P> result;
  record(problem, result.trace, 0, objective, gradient, mask, clock);

  for (Index t = 0; t < options_.iterations; ++t) {
    if (t > 0) objective = problem.value_and_gradient(w, gradient);
    mask = swapped(space, w, gradient, mask, t);
    VectorOf<P> masked = space.zeros();
    space.axpy(1.0, gradient, masked);
    space.restrict(masked, mask);
    space.axpy(-options_.step, masked, w);
    record(problem, result.trace, t + 1, objective, gradient, mask, clock);
  }
  objective = problem.value(w);
  result.iterations = options_.iterations;
  result.reason = StopReason::kIterationLimit;
  result.message = std::to_string(options_.iterations) + " steps, the iterations asked for";
  return finish_result(std::move(result), std::move(w), std::move(mask), objective, problem);
}

}  // namespace cardinal
