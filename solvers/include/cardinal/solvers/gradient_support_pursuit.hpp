#pragma once

#include <algorithm>
#include <cmath>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/solver_result.hpp"
#include "cardinal/bridge/trace.hpp"

namespace cardinal {

struct GradientSupportPursuitOptions {
  StoppingCriteria stopping;
  /// Return the restricted minimizer on the final support (one more problem.minimize_on, one
  /// more trace row), as HTP does. false: return the last pruned iterate H_k(b), the paper's
  /// output, whose objective can be far above the minimum on its own support (it is the
  /// restriction of a solve on up to 3k coordinates); the convergence theorems that `cardinal
  /// bounds` checks are stated for these iterates.
  bool refit = true;
};

/// Gradient support pursuit, GraSP (Bahmani, Raj & Boufounos 2013). From the fit of the free
/// coordinates alone, each iteration
///   z = ∇f(w);  Z = the 2k largest |z_i|;  T = Z ∪ supp(w);
///   b = argmin { f(v) : supp v ⊆ T } (problem.minimize_on);  w = H_k(b)   (prune, no re-solve).
/// Stops at the iteration cap, when the pruned support repeats, or when the relative objective
/// change |f_t − f_{t−1}| is at most tolerance · max(|f_t|, |f_{t−1}|) (both kConverged).
///
/// With `refit` (the default), the result is then argmin { f(v) : supp v ⊆ supp w }, recorded as
/// one more trace row (iteration = last + 1; `iterations` counts the GraSP iterations only): on
/// the support GraSP selected, the point with the smallest objective, never above the pruned
/// iterate's. The rows before it are the paper's iterates.
class GradientSupportPursuit {
 public:
  explicit GradientSupportPursuit(GradientSupportPursuitOptions options = {}) : options_(options) {
    require(options_.stopping.max_iterations >= 0, "grasp: max_iterations must be non-negative");
  }

  const GradientSupportPursuitOptions& options() const { return options_; }

  template <RestrictedProblem P>
  SolverResult<P> minimize(const P& problem, Index sparsity) const;

 private:
  GradientSupportPursuitOptions options_;
};

template <RestrictedProblem P>
SolverResult<P> GradientSupportPursuit::minimize(const P& problem, Index sparsity) const {
  require_valid_sparsity(problem, sparsity);
  const auto& space = problem.space();
  const double tolerance = options_.stopping.tolerance;
  const Stopwatch clock;

  SolverResult<P> result;
  SupportOf<P> support = space.empty_support();
  VectorOf<P> w = problem.minimize_on(support, space.zeros());
  VectorOf<P> gradient = space.zeros();
  double objective = problem.value_and_gradient(w, gradient);
  record(problem, result.trace, 0, objective, gradient, support, clock);

  result.reason = StopReason::kIterationLimit;
  for (Index iteration = 1; iteration <= options_.stopping.max_iterations; ++iteration) {
    const SupportOf<P> merged = space.unite(space.largest(gradient, 2 * sparsity), support);
    w = problem.minimize_on(merged, w);
    SupportOf<P> pruned = space.largest(w, sparsity);
    space.restrict(w, pruned);
    const double previous_objective = objective;
    objective = problem.value_and_gradient(w, gradient);
    const bool support_repeats = same_support(space, pruned, support);
    support = std::move(pruned);
    record(problem, result.trace, iteration, objective, gradient, support, clock);
    result.iterations = iteration;

    if (support_repeats ||
        std::abs(previous_objective - objective) <=
            tolerance * std::max(std::abs(previous_objective), std::abs(objective))) {
      result.reason = StopReason::kConverged;
      break;
    }
  }

  if (options_.refit && result.iterations > 0) {
    w = problem.minimize_on(support, w);
    objective = problem.value_and_gradient(w, gradient);
    record(problem, result.trace, result.iterations + 1, objective, gradient, support, clock);
  }

  result.w = std::move(w);
  result.support = std::move(support);
  result.objective = objective;
  return result;
}

}  // namespace cardinal
