#pragma once

#include <cmath>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/smoothness.hpp"
#include "cardinal/bridge/solver_result.hpp"
#include "cardinal/bridge/trace.hpp"

namespace cardinal {

struct HardThresholdingPursuitOptions {
  StoppingCriteria stopping;
  /// Step μ > 0 of the selection step; 0 picks μ = 1/L with L = estimate_smoothness at the start
  /// point. Foucart analyses μ = 1 for a sensing matrix A with (nearly) unit-norm columns; with
  /// f = ‖Xw − y‖²/(2n) that is μ = 1 for X = √n A, e.g. an i.i.d. N(0, 1) design.
  double step = 0.0;
};

/// Hard thresholding pursuit (Foucart 2011): an IHT selection step followed by a fully-corrective
/// solve on the selected support,
///   S ← supp H_k(w − μ ∇f(w)),   w ← argmin { f(v) : supp v ⊆ S } (problem.minimize_on).
/// Starts from the fit of the free coordinates alone, or from the problem's starting point. Stops
/// when the selected support repeats (kConverged: the next solve would return the same w) or at the
/// iteration cap.
class HardThresholdingPursuit {
 public:
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
SolverResult<P> HardThresholdingPursuit::minimize(const P& problem, Index sparsity) const {
  require_valid_sparsity(problem, sparsity);
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

  double step = options_.step;
  if (step == 0.0) {
    const double curvature = estimate_smoothness(problem, w);
    step = curvature > 0.0 && std::isfinite(curvature) ? 1.0 / curvature : 1.0;
  }

  result.reason = StopReason::kIterationLimit;
  for (Index iteration = 1; iteration <= options_.stopping.max_iterations; ++iteration) {
    VectorOf<P> proxy = space.zeros();
    space.axpy(1.0, w, proxy);
    space.axpy(-step, gradient, proxy);
    SupportOf<P> selected = space.largest(proxy, sparsity);
    if (same_support(space, selected, support)) {
      result.reason = StopReason::kConverged;
      break;
    }
    w = problem.minimize_on(selected, w);
    objective = problem.value_and_gradient(w, gradient);
    support = std::move(selected);
    record(problem, result.trace, iteration, objective, gradient, support, clock);
    result.iterations = iteration;
  }

  result.w = std::move(w);
  result.support = std::move(support);
  result.objective = objective;
  return result;
}

}  // namespace cardinal
