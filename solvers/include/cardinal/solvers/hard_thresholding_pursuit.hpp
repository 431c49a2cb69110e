#pragma once

#include <cmath>
#include <string>

#include "cardinal/bridge/counting_problem.hpp"
#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/smoothness.hpp"
#include "cardinal/bridge/solver_result.hpp"
#include "cardinal/bridge/trace.hpp"
#include "cardinal/solvers/threshold_step.hpp"

namespace cardinal {

struct HardThresholdingPursuitOptions {
  StoppingCriteria stopping;
  /// Fixed step μ > 0 of the selection step; 0 picks it by `step_rule`. Foucart analyses μ = 1
  /// for a sensing matrix A with (nearly) unit-norm columns; with f = ‖Xw − y‖²/(2n) that is
  /// μ = 1 for X = √n A, e.g. an i.i.d. N(0, 1) design.
  double step = 0.0;
  /// The step when `step` is 0: adaptive (the default), μ_t = argmin_η f(w − η g_j e_j) with g
  /// the gradient and j its largest entry (problem.minimize_along; 1/L for a problem without a
  /// line search or when it gives no positive step), halved while the refit does not lower f;
  /// or the fixed μ = 1/L with L =
  /// estimate_smoothness at the start point, the step of Foucart's theorem. On logistic
  /// regression 1/L is so small that the refit coefficients dwarf μ|∇f| off the support and HTP
  /// stops after its first selection. (Backtracking on the IHT majorization, IHT's default, does
  /// not suit HTP: it accepts a swap only if the un-refit candidate already decreases f.)
  StepRule step_rule = StepRule::kAdaptive;
};

/// Hard thresholding pursuit (Foucart 2011): an IHT selection step followed by a fully-corrective
/// solve on the selected support,
///   S ← supp H_k(w − μ ∇f(w)),   w ← argmin { f(v) : supp v ⊆ S } (problem.minimize_on).
/// μ is fixed (`step`, or 1/L) or, by default, the exact line search along the coordinate of the
/// largest gradient entry: μ g_j is then the value the best entering coordinate would take alone,
/// the quantity the selection compares with the refit coefficients (for least squares on an
/// i.i.d. N(0, 1) design, μ ≈ 1: Foucart's step). A line search along the k largest entries
/// together gives a smaller step (their columns all correlate with the residual), which favours
/// the current support. On a problem without a starting point, the adaptive step is halved, up to
/// kMaxHalvings times, while the refit on the selection does not lower f, so that the iteration
/// cannot cycle.
/// Starts from the fit of the free coordinates alone, or from the problem's starting point. Stops
/// when the selected support repeats (kConverged: the next solve would return the same w) or at the
/// iteration cap; reads no criterion but max_iterations.
class HardThresholdingPursuit {
 public:
  /// Halvings of the adaptive step tried per iteration before a refit that does not lower f is
  /// accepted anyway.
  static constexpr int kMaxHalvings = 30;

  explicit HardThresholdingPursuit(HardThresholdingPursuitOptions options = {})
      : options_(options) {
    require(std::isfinite(options_.step) && options_.step >= 0.0,
            "htp: step must be a finite non-negative number (0: 1/L)");
    require(options_.stopping.max_iterations >= 0, "htp: max_iterations must be non-negative");
  }

  const HardThresholdingPursuitOptions& options() const { return options_; }

  template <RestrictedProblem P>
  SolverResult<P> minimize(const P& problem, Index sparsity) const;

 private:
  HardThresholdingPursuitOptions options_;
};

template <RestrictedProblem P>
SolverResult<P> HardThresholdingPursuit::minimize(const P& original, Index sparsity) const {
  require_valid_sparsity(original, sparsity);
  const CountingProblem problem(original);
  const auto& space = problem.space();
  const Stopwatch clock;

  SolverResult<P> result;
  SupportOf<P> support;
  VectorOf<P> w;
  if constexpr (StartingPointProblem<P>) {
    // A (typically dense) starting point is the selection step's first proxy; fitting it
    // first would be a dense solve.
    w = problem.starting_point();
    support = space.support_of(w);
  } else {
    support = space.empty_support();
    w = problem.minimize_on(support, space.zeros());
  }
  VectorOf<P> gradient = space.zeros();
  double objective = problem.value_and_gradient(w, gradient);
  record(problem, result.trace, 0, objective, gradient, support, clock);

  const double fixed_step =
      options_.step > 0.0 ? options_.step : inverse_smoothness_step(problem, w);
  const bool adaptive = options_.step == 0.0 && options_.step_rule == StepRule::kAdaptive;
  auto step_at = [&]() {
    double mu = fixed_step;
    if constexpr (LineSearchProblem<P>) {
      if (adaptive) {
        VectorOf<P> direction = space.zeros();
        space.axpy(-1.0, gradient, direction);
        space.restrict(direction, space.largest(gradient, 1));
        const double line_step = problem.minimize_along(w, direction);
        if (line_step > 0.0 && std::isfinite(line_step)) mu = line_step;
      }
    }
    return mu;
  };

  result.reason = StopReason::kIterationLimit;
  result.message = std::to_string(options_.stopping.max_iterations) + " iterations, max_iterations";
  for (Index iteration = 1; iteration <= options_.stopping.max_iterations; ++iteration) {
    double step = step_at();
    // The adaptive step halves while the refit on the selected support does not lower f: a step
    // at the inverse curvature can swap coordinates back and forth, and every halving moves the
    // selection towards the current support, where the iteration stops. Not for a problem with a
    // starting point (a network): its f is a mini-batch loss, whose values on successive batches
    // do not compare, and every refit is a training run.
    const bool monotone = adaptive && !StartingPointProblem<P>;
    bool converged = false;
    VectorOf<P> candidate, candidate_gradient = space.zeros();
    double candidate_objective = objective;
    SupportOf<P> selected;
    for (int halving = 0;; ++halving) {
      VectorOf<P> proxy = space.zeros();
      space.axpy(1.0, w, proxy);
      space.axpy(-step, gradient, proxy);
      selected = space.largest(proxy, sparsity);
      if (same_support(space, selected, support)) {
        converged = true;
        break;
      }
      candidate = problem.minimize_on(selected, w);
      candidate_objective = problem.value_and_gradient(candidate, candidate_gradient);
      if (!monotone || candidate_objective < objective || halving == kMaxHalvings) break;
      step *= 0.5;
    }
    if (converged) {
      result.reason = StopReason::kConverged;
      result.message = "the selected support repeats";
      break;
    }
    w = std::move(candidate);
    gradient = std::move(candidate_gradient);
    objective = candidate_objective;
    support = std::move(selected);
    record(problem, result.trace, iteration, objective, gradient, support, clock);
    result.iterations = iteration;
  }

  return finish_result(std::move(result), std::move(w), std::move(support), objective, problem);
}

}  // namespace cardinal
