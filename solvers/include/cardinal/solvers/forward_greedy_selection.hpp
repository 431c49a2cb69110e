#pragma once

#include <cmath>

#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/solver_result.hpp"
#include "cardinal/bridge/trace.hpp"

namespace cardinal {

/// Options of ForwardGreedySelection (see docs/solvers/forward-greedy-selection.md).
struct ForwardGreedySelectionOptions {
  /// max_iterations caps the number of coordinate steps (a coordinate may be stepped on several
  /// times, so this can exceed the sparsity budget); default 1000. tolerance (default 1e-10) is
  /// used twice: selection stops with kConverged once f(w) <= tolerance (an absolute objective
  /// level), or once a step decreases f by at most tolerance · |f| (relative decrease; a step
  /// that increases f, possible only on a stochastic objective, does not count).
  StoppingCriteria stopping;
  /// true (the paper): the coordinate of largest |∇_j f| may be one stepped on before. false:
  /// only coordinates not yet selected compete, so every step adds one (forward selection in
  /// the strict sense; on a network's neurons the active ones otherwise dominate the gradient).
  bool reselect = true;
};

/// Forward Greedy Selection (Shalev-Shwartz, Srebro & Zhang 2010, Algorithm 1): from the
/// intercept-only fit (for a StartingPointProblem: the fit on its starting point's support),
/// repeatedly take the constrained coordinate j of largest |∇_j f(w)| and
/// minimize f exactly along e_j, w ← w + η e_j. Only the chosen coordinate moves; the free
/// coordinates keep their initial fit. A coordinate may be chosen again; the run stops when k
/// distinct constrained coordinates have been touched (kBudgetReached), on the tolerance
/// (kConverged), when every constrained partial derivative is exactly zero (kStalled), or after
/// stopping.max_iterations steps (kIterationLimit).
///
/// Generic over the bridge concepts: the search direction g_j e_j is g restricted to the
/// selected coordinate, minus g restricted to the free coordinates.
class ForwardGreedySelection {
 public:
  explicit ForwardGreedySelection(ForwardGreedySelectionOptions options = {}) : options_(options) {}

  const ForwardGreedySelectionOptions& options() const { return options_; }

  /// Runs FGS with sparsity budget k. Throws InvalidInput unless 1 <= k <= dimension.
  template <LineSearchProblem P>
  SolverResult<P> minimize(const P& problem, Index sparsity) const;

 private:
  ForwardGreedySelectionOptions options_;
};

template <LineSearchProblem P>
SolverResult<P> ForwardGreedySelection::minimize(const P& problem, Index sparsity) const {
  require_valid_sparsity(problem, sparsity);
  const Stopwatch clock;
  const auto& space = problem.space();
  const StoppingCriteria& stopping = options_.stopping;
  const SupportOf<P> free_only = space.empty_support();
  const VectorOf<P> start = starting_point(problem);

  SolverResult<P> result;
  // free ∪ the starting point's support ∪ every constrained coordinate stepped on so far
  SupportOf<P> selected = greedy_start_support(problem, start, sparsity);
  VectorOf<P> w = problem.minimize_on(selected, start);
  VectorOf<P> g = space.zeros();
  double objective = problem.value_and_gradient(w, g);
  double previous = objective;
  Index iteration = 0;
  record(problem, result.trace, iteration, objective, g, selected, clock);

  while (true) {
    if (space.size(selected) >= sparsity) {
      result.reason = StopReason::kBudgetReached;
      break;
    }
    // An exact line search never increases f; an increase means a stochastic objective (a
    // network's minibatch loss), where a small change says nothing about convergence.
    const double decrease = previous - objective;
    if (objective <= stopping.tolerance ||
        (iteration > 0 && decrease >= 0.0 && decrease <= stopping.tolerance * std::abs(previous))) {
      result.reason = StopReason::kConverged;
      break;
    }
    if (space.norm_off(g, free_only) == 0.0) {
      result.reason = StopReason::kStalled;
      break;
    }
    if (iteration >= stopping.max_iterations) {
      result.reason = StopReason::kIterationLimit;
      break;
    }

    const SupportOf<P> pick = options_.reselect ? space.largest(g, 1)  // free ∪ {j}
                                                : space.largest_outside(g, selected, 1);
    // Copies through the space: a plain copy of a tensor-backed vector would share storage.
    VectorOf<P> direction = space.zeros();
    space.axpy(1.0, g, direction);
    space.restrict(direction, pick);
    VectorOf<P> free_part = space.zeros();
    space.axpy(1.0, g, free_part);
    space.restrict(free_part, free_only);
    space.axpy(-1.0, free_part, direction);  // exactly g_j e_j

    const double step = problem.minimize_along(w, direction);
    space.axpy(step, direction, w);
    selected = space.unite(selected, pick);

    previous = objective;
    objective = problem.value_and_gradient(w, g);
    ++iteration;
    record(problem, result.trace, iteration, objective, g, selected, clock);
  }

  result.support = space.unite(space.support_of(w), selected);
  result.w = std::move(w);
  result.objective = objective;
  result.iterations = iteration;
  return result;
}

}  // namespace cardinal
