#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <utility>

#include "cardinal/bridge/counting_problem.hpp"
#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/pruning_step.hpp"
#include "cardinal/bridge/solver_result.hpp"
#include "cardinal/bridge/sparsity_schedule.hpp"
#include "cardinal/bridge/trace.hpp"

namespace cardinal {

struct DynamicHardThresholdingOptions {
  /// Read: max_iterations = T ≥ 0, the number of steps (gradient evaluations after the one at the
  /// starting point), always all taken; no other criterion (the schedule fixes the run's length).
  StoppingCriteria stopping;
  /// Fixed step μ > 0. Required (there is no default: a network has no usable curvature
  /// estimate) unless step_schedule is set.
  double step = 0.0;
  /// μ_t of step t = 0, …, T − 1; when set it overrides `step`. Each value must be finite and
  /// non-negative (checked when used).
  std::function<double(Index)> step_schedule;
  /// Heavy-ball momentum β ∈ [0, 1): v ← β v + g, w ← w − μ_t v.
  double momentum = 0.0;
  /// m ≥ 1: the mask is recomputed at every step t with t mod m = 0, and whenever the scheduled
  /// count kept(t) differs from the count of the current mask.
  Index update_period = 1;
  /// Evaluate the gradient at the pruned point w ⊙ mask but apply the step to the dense w (Lin et
  /// al.'s feedback). Without it w itself is kept on the mask.
  bool feedback = false;
  /// The count kept at step t: schedule.kept(t, k, dimension).
  SparsitySchedule schedule;
};

/// Dynamic hard thresholding: (stochastic) gradient steps on w with a magnitude mask that is
/// recomputed along the way, the common mechanism of gradual magnitude pruning, dynamic pruning
/// with feedback and AC/DC (see the presets below). With a constant schedule, m = 1, β = 0 and no
/// feedback it is fixed-step IHT.
///
/// Start: w = starting_point(problem) (a network's initialization, zero for a convex problem),
/// v = 0; trace row 0 is f and ∇f at w with support supp(w). Step t = 0, …, T − 1, with
/// k_t = schedule.kept(t, k, dimension) and M the current mask:
///   1. if t mod m = 0 or k_t ≠ |M|:  M ← largest(w, k_t), the problem's pruning step
///      (prune_to: hard thresholding unless the problem has its own, bridge/pruning_step.hpp);
///   2. without feedback: w ← w ⊙ M and v ← v ⊙ M;  x = w ⊙ M (= w without feedback);
///   3. f, g = value_and_gradient(x);  v ← β v + g;  w ← w − μ_t v;
///   4. trace row t + 1: f at x, the support M, g on and off M.
/// End: M ← largest(w, k) and result.w = w ⊙ M (for feedback: the pruned model; with the
/// problem's own pruning step, its pruned point), result.support = M,
/// result.objective = problem.value(result.w) (one call), iterations = T, kIterationLimit.
///
/// Every point the gradient is evaluated at is zero off the mask. Without feedback w is zero off
/// M between mask updates; the selection in step 1 sees w after the previous gradient step, on
/// every coordinate, so it is IHT's projection H_{k_t}(w − μ v) and a pruned coordinate whose
/// single step beats the kept magnitudes returns. With feedback the pruned coordinates of w keep
/// receiving every step and return once they outgrow kept ones.
///
/// A problem with its own pruning step chooses M in step 1 and, without feedback, the values w
/// keeps on it (e.g. a network's layers reconstructed by a convex solver); with feedback only
/// its choice of M is used, and the dense w goes on as before.
class DynamicHardThresholding {
 public:
  explicit DynamicHardThresholding(DynamicHardThresholdingOptions options)
      : options_(std::move(options)) {
    require(options_.stopping.max_iterations >= 0,
            "dynamic thresholding: iterations must be non-negative");
    if (!options_.step_schedule)
      require(std::isfinite(options_.step) && options_.step > 0.0,
              "dynamic thresholding: step must be a finite positive number");
    require(std::isfinite(options_.momentum) && options_.momentum >= 0.0 && options_.momentum < 1.0,
            "dynamic thresholding: momentum must be in [0, 1)");
    require(options_.update_period >= 1, "dynamic thresholding: update_period must be >= 1");
    options_.schedule.validate();
  }

  const DynamicHardThresholdingOptions& options() const { return options_; }

  template <DifferentiableProblem P>
  SolverResult<P> minimize(const P& problem, Index sparsity) const;

 private:
  double step_at(Index t) const {
    if (!options_.step_schedule) return options_.step;
    const double mu = options_.step_schedule(t);
    require(std::isfinite(mu) && mu >= 0.0, "dynamic thresholding: step_schedule(" +
                                                std::to_string(t) +
                                                ") must be finite and non-negative");
    return mu;
  }

  DynamicHardThresholdingOptions options_;
};

template <DifferentiableProblem P>
SolverResult<P> DynamicHardThresholding::minimize(const P& original, Index sparsity) const {
  require_valid_sparsity(original, sparsity);
  const CountingProblem problem(original);
  const auto& space = problem.space();
  const Index k = sparsity, dimension = space.dimension(), m = options_.update_period;
  const double beta = options_.momentum;
  const bool feedback = options_.feedback;
  const Index iterations = options_.stopping.max_iterations;
  const Stopwatch clock;

  SolverResult<P> result;
  VectorOf<P> w = starting_point(problem);
  VectorOf<P> v = space.zeros(), gradient = space.zeros();
  double objective = problem.value_and_gradient(w, gradient);
  record(problem, result.trace, 0, objective, gradient, space.support_of(w), clock);

  SupportOf<P> mask = space.empty_support();
  for (Index t = 0; t < iterations; ++t) {
    const Index kept = options_.schedule.kept(t, k, dimension);
    if (t % m == 0 || space.size(mask) != kept) {
      if (feedback) {
        VectorOf<P> pruned = w;
        mask = prune_to(problem, pruned, kept);
      } else {
        mask = prune_to(problem, w, kept);
      }
    }
    if (feedback) {
      VectorOf<P> x = w;
      space.restrict(x, mask);
      objective = problem.value_and_gradient(x, gradient);
    } else {
      space.restrict(w, mask);
      space.restrict(v, mask);
      objective = problem.value_and_gradient(w, gradient);
    }
    VectorOf<P> velocity = space.zeros();
    if (beta != 0.0) space.axpy(beta, v, velocity);
    space.axpy(1.0, gradient, velocity);
    v = std::move(velocity);
    space.axpy(-step_at(t), v, w);
    record(problem, result.trace, t + 1, objective, gradient, mask, clock);
  }

  SupportOf<P> support = prune_to(problem, w, k);
  objective = problem.value(w);
  result.iterations = iterations;
  result.reason = StopReason::kIterationLimit;
  result.message = std::to_string(iterations) + " steps, max_iterations";
  return finish_result(std::move(result), std::move(w), std::move(support), objective, problem);
}

namespace detail {

/// The gradual schedule of the pruning presets: dense until llround(begin_fraction · T), k from
/// llround(end_fraction · T) on, the count changing every update_period steps in between.
inline SparsitySchedule gradual_over_run(Index iterations, Index update_period,
                                         double begin_fraction, double end_fraction) {
  require(iterations >= 0, "dynamic thresholding: iterations must be non-negative");
  require(update_period >= 1, "dynamic thresholding: update_period must be >= 1");
  require(std::isfinite(begin_fraction) && std::isfinite(end_fraction) && begin_fraction >= 0.0 &&
              begin_fraction <= end_fraction && end_fraction <= 1.0,
          "gradual pruning: need 0 <= begin_fraction <= end_fraction <= 1");
  const double t = static_cast<double>(iterations);
  return SparsitySchedule::gradual(static_cast<Index>(std::llround(begin_fraction * t)),
                                   static_cast<Index>(std::llround(end_fraction * t)), 0.0,
                                   update_period);
}

}  // namespace detail

/// Gradual magnitude pruning (Zhu & Gupta 2017; the baseline of Gale, Elsen & Hooker 2019):
/// training on the masked weights, no feedback, while the budget follows the cubic gradual
/// schedule from dense at step llround(begin_fraction · T) to k at step llround(end_fraction · T),
/// the count changing every m = update_period steps (Zhu & Gupta's Δt) and the mask recomputed
/// every m steps. Momentum 0: set options.momentum for SGD with momentum. Throws InvalidInput
/// unless 0 ≤ begin_fraction ≤ end_fraction ≤ 1 and m ≥ 1 (the step is checked by the solver).
inline DynamicHardThresholdingOptions gradual_magnitude_pruning(Index iterations, double step,
                                                                Index update_period,
                                                                double begin_fraction = 0.0,
                                                                double end_fraction = 0.75) {
  DynamicHardThresholdingOptions options;
  options.stopping.max_iterations = iterations;
  options.step = step;
  options.update_period = update_period;
  options.feedback = false;
  options.schedule =
      detail::gradual_over_run(iterations, update_period, begin_fraction, end_fraction);
  return options;
}

/// Dynamic pruning with feedback (Lin, Stich, Barba, Dmitriev & Jaggi 2020): the gradient at the
/// pruned weights w ⊙ M updates the dense w, the mask is recomputed from the dense w every
/// m = update_period steps, and the budget follows the gradual schedule of
/// gradual_magnitude_pruning. Momentum 0: set options.momentum for SGD with momentum.
inline DynamicHardThresholdingOptions dynamic_pruning_with_feedback(Index iterations, double step,
                                                                    Index update_period = 16,
                                                                    double begin_fraction = 0.0,
                                                                    double end_fraction = 0.75) {
  DynamicHardThresholdingOptions options =
      gradual_magnitude_pruning(iterations, step, update_period, begin_fraction, end_fraction);
  options.feedback = true;
  return options;
}

/// AC/DC (Peste, Iofinova, Vladu & Alistarh 2021): `warmup` dense steps, then compressed (top-k
/// mask, fixed during the phase) and decompressed (dense) phases of `phase` steps each, starting
/// with a compressed one, and a compressed tail of `final_compressed` steps; no feedback. The
/// mask is recomputed only when the count switches (update_period = T), so a compressed phase
/// keeps the mask it started with. Throws InvalidInput unless phase ≥ 1, warmup ≥ 0,
/// final_compressed ≥ 0 and warmup + final_compressed ≤ iterations.
inline DynamicHardThresholdingOptions alternating_compressed_decompressed(Index iterations,
                                                                          double step, Index phase,
                                                                          Index warmup,
                                                                          Index final_compressed) {
  DynamicHardThresholdingOptions options;
  options.stopping.max_iterations = iterations;
  options.step = step;
  options.update_period = iterations > 0 ? iterations : 1;
  options.feedback = false;
  options.schedule = SparsitySchedule::alternating(warmup, phase, final_compressed, iterations);
  return options;
}

}  // namespace cardinal
