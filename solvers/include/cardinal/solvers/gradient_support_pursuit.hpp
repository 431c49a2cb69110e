#pragma once

#include <algorithm>
#include <cmath>
#include <deque>
#include <string>

#include "cardinal/bridge/counting_problem.hpp"
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
/// coordinates alone (for a StartingPointProblem: its starting point pruned to H_k(w₀), so that a
/// network starts from its initialization, as in HTP), each iteration
///   z = ∇f(w);  Z = the 2k largest |z_i|;  T = Z ∪ supp(w);
///   b = argmin { f(v) : supp v ⊆ T } (problem.minimize_on);  w = H_k(b)   (prune, no re-solve).
/// Stops at the iteration cap, when the pruned support repeats, or when the relative objective
/// change |f_t − f_{t−1}| is at most relative_decrease · max(|f_t|, |f_{t−1}|) (both
/// kConverged); reads no other criterion. On a QuadraticProblem it also stops (kConverged) when
/// the iterates cycle: with exact restricted solves an iterate is a function of its support, so
/// a pruned support and objective that recur (up to rounding) j ≥ 2 iterations later repeat
/// with period j forever. GraSP then runs on until it reaches the cycle's iterate of least
/// objective (at most j − 1 more iterations) and stops there. On least squares with strongly
/// correlated columns (a layer's calibration Gram matrix) CoSaMP cycles often.
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
SolverResult<P> GradientSupportPursuit::minimize(const P& original, Index sparsity) const {
  require_valid_sparsity(original, sparsity);
  const CountingProblem problem(original);
  const auto& space = problem.space();
  const double relative_decrease = options_.stopping.relative_decrease;
  const Stopwatch clock;

  SolverResult<P> result;
  SupportOf<P> support;
  VectorOf<P> w;
  if constexpr (StartingPointProblem<P>) {
    // Pruned, not fitted: a fit of a dense start would be a dense solve.
    w = problem.starting_point();
    support = space.largest(w, sparsity);
    space.restrict(w, support);
  } else {
    support = space.empty_support();
    w = problem.minimize_on(support, space.zeros());
  }
  VectorOf<P> gradient = space.zeros();
  double objective = problem.value_and_gradient(w, gradient);
  record(problem, result.trace, 0, objective, gradient, support, clock);

  // The last kCycleMemory pruned iterates, newest last, to recognise a cycle of period up to
  // kCycleMemory (on layer problems a memory of 200 recognised no more cycles than 16).
  struct Visited {
    SupportOf<P> support;
    double objective;
  };
  constexpr std::size_t kCycleMemory = 16;
  // Equal up to rounding: the restricted solves see the merged support's coordinates in
  // different orders.
  auto same_value = [](double a, double b) {
    return std::abs(a - b) <= 1e-12 * std::max(std::abs(a), std::abs(b));
  };
  std::deque<Visited> recent;
  Index period = 0;  // of the cycle once one is recognised
  Index steps_in_cycle = 0;
  double cycle_minimum = 0.0;

  result.reason = StopReason::kIterationLimit;
  result.message = std::to_string(options_.stopping.max_iterations) + " iterations, max_iterations";
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

    if (support_repeats) {
      result.reason = StopReason::kConverged;
      result.message = "the pruned support repeats";
      break;
    }
    if constexpr (QuadraticProblem<P>) {
      if (period == 0) {
        // recent.back() is iterate t − 1, whose recurrence support_repeats has ruled out.
        for (std::size_t j = 2; j <= recent.size(); ++j) {
          const Visited& earlier = recent[recent.size() - j];
          if (same_value(earlier.objective, objective) &&
              same_support(space, earlier.support, support)) {
            period = static_cast<Index>(j);
            cycle_minimum = objective;
            for (std::size_t i = recent.size() - j + 1; i < recent.size(); ++i)
              cycle_minimum = std::min(cycle_minimum, recent[i].objective);
            break;
          }
        }
      } else {
        ++steps_in_cycle;
      }
      if (period > 0 && (same_value(objective, cycle_minimum) || steps_in_cycle >= period)) {
        result.reason = StopReason::kConverged;
        result.message = "the iterates cycle with period " + std::to_string(period) +
                         "; stopped at the cycle's least objective";
        break;
      }
    }
    const double scale = std::max(std::abs(previous_objective), std::abs(objective));
    if (std::abs(previous_objective - objective) <= relative_decrease * scale) {
      result.reason = StopReason::kConverged;
      result.message =
          criterion_met("relative decrease", std::abs(previous_objective - objective) / scale,
                        "relative_decrease", relative_decrease);
      break;
    }
    if constexpr (QuadraticProblem<P>) {
      recent.push_back({support, objective});
      if (recent.size() > kCycleMemory) recent.pop_front();
    }
  }

  if (options_.refit && result.iterations > 0) {
    w = problem.minimize_on(support, w);
    objective = problem.value_and_gradient(w, gradient);
    record(problem, result.trace, result.iterations + 1, objective, gradient, support, clock);
  }

  return finish_result(std::move(result), std::move(w), std::move(support), objective, problem);
}

}  // namespace cardinal
