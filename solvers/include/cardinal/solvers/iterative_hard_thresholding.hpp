#pragma once

#include <algorithm>
#include <cmath>
#include <string>

#include "cardinal/bridge/counting_problem.hpp"
#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/smoothness.hpp"
#include "cardinal/bridge/solver_result.hpp"
#include "cardinal/bridge/sparsity_schedule.hpp"
#include "cardinal/bridge/trace.hpp"
#include "cardinal/solvers/threshold_step.hpp"

namespace cardinal {

struct IterativeHardThresholdingOptions {
  StoppingCriteria stopping;
  /// Fixed step μ > 0; 0 picks the step by `step_rule`. Ignored by the normalized variant except
  /// as the fallback step when its line search gives no positive step (0: 1/L).
  double step = 0.0;
  /// The step when `step` is 0: backtracking on the restricted majorization (the default, see
  /// BacktrackingThresholdStep), or the fixed μ = 1/L with L = estimate_smoothness at the start
  /// point, the step of the convergence theorems (too small for logistic regression, whose
  /// global bound L is far above its curvature along sparse directions away from 0).
  StepRule step_rule = StepRule::kAdaptive;
  /// Normalized IHT (Blumensath & Davies 2010): the step is the exact line search along the
  /// gradient restricted to the current support, halved while the support changes and the
  /// sufficient-decrease condition below fails. Requires a LineSearchProblem.
  bool normalized = false;
  /// The budget of each projection: iteration t keeps schedule.kept(t − 1, k, dimension)
  /// constrained coordinates (the default, constant, keeps k throughout).
  SparsitySchedule schedule;
};

/// Iterative hard thresholding: w ← H_k(w − μ ∇f(w)), where H_k keeps the free coordinates and
/// the k constrained entries of largest magnitude (space.largest, then space.restrict). Starts
/// from w = 0, or from the problem's starting point (a network's initialization). μ is fixed
/// (`step`, or 1/L) or, by default, found at each iteration by backtracking from twice the
/// previous one (starting from 1/L), so that every iterate decreases f.
///
/// Normalized variant, with Γ the support kept by the previous iteration (at the first iteration,
/// Γ = the k largest entries of ∇f(0)):
///   μ = argmin_η f(w − η g_Γ)   (= ‖g_Γ‖² / g_Γᵀ H g_Γ for a quadratic), g = ∇f(w);
///   w̃ = H_k(w − μ g);  if supp w̃ ≠ Γ, accept w̃ only when
///     f(w̃) ≤ f(w) + ⟨g, w̃ − w⟩ + (1 − c) ‖w̃ − w‖² / (2μ),   c = kSufficientDecrease,
///   and otherwise halve μ and retry (at most kMaxBacktracks times, then accept).
/// For f = ‖Xw − y‖²/(2n) the left side minus the first two terms on the right is exactly
/// ‖X(w̃ − w)‖²/(2n), so the condition is Blumensath & Davies' μ ≤ ω = (1 − c)‖w̃ − w‖² /
/// ‖X(w̃ − w)‖² in our scaling. Because w̃ is the best k-sparse approximation of w − μg, it
/// implies f(w̃) ≤ f(w) − c ‖w̃ − w‖²/(2μ): every accepted iterate decreases f.
///
/// With a sparsity schedule, iteration t = 1, 2, … projects onto H_{k_t}, k_t =
/// schedule.kept(t − 1, k, dimension), instead of H_k (so the first projection keeps kept(0)),
/// and the normalized variant fills Γ up to k_t. An iteration that lowers the budget
/// (k_t < k_{t−1}) accepts its candidate without the backtracking test, which presumes that w is
/// k_t-sparse.
///
/// Stops at the iteration cap, when the relative objective change |f_t − f_{t−1}| falls to
/// relative_decrease · max(|f_t|, |f_{t−1}|), or when the support repeats and the step
/// ‖w_t − w_{t−1}‖ is at most step_tolerance · ‖w_t‖ (both kConverged); the convergence tests apply
/// only once the schedule has reached k for good (t − 1 ≥ schedule.target_reached_at()). The
/// returned support is the set H_{k_t} kept last.
class IterativeHardThresholding {
 public:
  /// c of the normalized variant's acceptance test (Blumensath & Davies suggest 0.01).
  static constexpr double kSufficientDecrease = 0.01;
  /// Step halvings tried by the normalized variant before the candidate is accepted anyway.
  static constexpr int kMaxBacktracks = 50;

  explicit IterativeHardThresholding(IterativeHardThresholdingOptions options = {})
      : options_(options) {
    require(std::isfinite(options_.step) && options_.step >= 0.0,
            "iht: step must be a finite non-negative number (0: 1/L)");
    require(options_.stopping.max_iterations >= 0, "iht: max_iterations must be non-negative");
    options_.schedule.validate();
  }

  const IterativeHardThresholdingOptions& options() const { return options_; }

  template <DifferentiableProblem P>
  SolverResult<P> minimize(const P& problem, Index sparsity) const;

 private:
  IterativeHardThresholdingOptions options_;
};

template <DifferentiableProblem P>
SolverResult<P> IterativeHardThresholding::minimize(const P& original, Index sparsity) const {
  require_valid_sparsity(original, sparsity);
  const CountingProblem problem(original);
  if constexpr (!LineSearchProblem<P>) {
    require(!options_.normalized, "normalized iht needs a problem with a line search");
  }
  const auto& space = problem.space();
  const Index k = sparsity;
  const StoppingCriteria& stopping = options_.stopping;
  const Stopwatch clock;

  SolverResult<P> result;
  VectorOf<P> w = starting_point(problem);
  VectorOf<P> gradient = space.zeros();
  double objective = problem.value_and_gradient(w, gradient);
  SupportOf<P> support = space.support_of(w);
  record(problem, result.trace, 0, objective, gradient, support, clock);

  double fixed_step = options_.step;
  auto step_or_default = [&]() {
    if (fixed_step == 0.0) fixed_step = inverse_smoothness_step(problem, starting_point(problem));
    return fixed_step;
  };
  const bool backtracking =
      !options_.normalized && options_.step == 0.0 && options_.step_rule == StepRule::kAdaptive;
  BacktrackingThresholdStep<CountingProblem<P>> backtracking_step(backtracking ? step_or_default()
                                                                               : 0.0);
  if (!options_.normalized) step_or_default();

  auto combination = [&space](const VectorOf<P>& x, double t, const VectorOf<P>& y) {
    VectorOf<P> z = x;
    space.axpy(t, y, z);
    return z;
  };
  VectorOf<P> candidate = space.zeros(), candidate_gradient = space.zeros();
  SupportOf<P> kept;
  double candidate_objective = objective;
  // w̃ = H_{k_t}(w − μ g), its value and gradient.
  Index budget = k;  // k_t of the current iteration
  auto threshold_step = [&](double mu) {
    candidate = combination(w, -mu, gradient);
    kept = space.largest(candidate, budget);
    space.restrict(candidate, kept);
    candidate_objective = problem.value_and_gradient(candidate, candidate_gradient);
  };

  result.reason = StopReason::kIterationLimit;
  result.message = std::to_string(stopping.max_iterations) + " iterations, max_iterations";
  const SparsitySchedule& schedule = options_.schedule;
  for (Index iteration = 1; iteration <= options_.stopping.max_iterations; ++iteration) {
    const Index previous_budget = budget;
    budget = schedule.kept(iteration - 1, k, space.dimension());
    if (backtracking) {
      // A lowered budget leaves w outside the k_t-sparse set the test presumes: the step is
      // taken as it stands.
      if (iteration > 1 && budget < previous_budget) {
        threshold_step(backtracking_step.step());
      } else {
        backtracking_step.take(problem, w, objective, gradient, budget, candidate, kept);
        candidate_objective = problem.value_and_gradient(candidate, candidate_gradient);
      }
    } else if (!options_.normalized) {
      threshold_step(fixed_step);
    } else if constexpr (LineSearchProblem<P>) {
      SupportOf<P> gamma = support;
      if (space.size(gamma) < budget)
        gamma =
            space.unite(gamma, space.largest_outside(gradient, gamma, budget - space.size(gamma)));
      VectorOf<P> direction = space.zeros();
      space.axpy(-1.0, gradient, direction);
      space.restrict(direction, gamma);
      double mu = problem.minimize_along(w, direction);
      if (!(mu > 0.0) || !std::isfinite(mu)) mu = step_or_default();
      const bool budget_lowered = iteration > 1 && budget < previous_budget;
      for (int backtrack = 0;; ++backtrack) {
        threshold_step(mu);
        if (same_support(space, kept, gamma) || backtrack == kMaxBacktracks || budget_lowered)
          break;
        const VectorOf<P> difference = combination(candidate, -1.0, w);
        const double bound =
            objective + space.dot(gradient, difference) +
            (1.0 - kSufficientDecrease) * space.dot(difference, difference) / (2.0 * mu);
        if (candidate_objective <= bound) break;
        mu *= 0.5;
      }
    }

    const VectorOf<P> difference = combination(candidate, -1.0, w);
    const double step_norm = std::sqrt(space.dot(difference, difference));
    const bool support_repeats = same_support(space, kept, support);
    const double previous_objective = objective;
    std::swap(w, candidate);
    std::swap(gradient, candidate_gradient);
    objective = candidate_objective;
    support = kept;
    record(problem, result.trace, iteration, objective, gradient, support, clock);
    result.iterations = iteration;

    if (iteration - 1 < schedule.target_reached_at()) continue;  // the budget is not final
    const double scale = std::max(std::abs(previous_objective), std::abs(objective));
    const double change = std::abs(previous_objective - objective);
    if (change <= stopping.relative_decrease * scale) {
      result.reason = StopReason::kConverged;
      result.message = criterion_met("relative decrease", change / scale, "relative_decrease",
                                     stopping.relative_decrease);
      break;
    }
    const double norm = std::sqrt(space.dot(w, w));
    if (support_repeats && step_norm <= stopping.step_tolerance * norm) {
      result.reason = StopReason::kConverged;
      result.message =
          "the support repeats and " + criterion_met("relative step", step_norm / norm,
                                                     "step_tolerance", stopping.step_tolerance);
      break;
    }
  }

  return finish_result(std::move(result), std::move(w), std::move(support), objective, problem);
}

}  // namespace cardinal
