#pragma once

#include <cmath>
#include <limits>
#include <optional>

#include "cardinal/bridge/counting_problem.hpp"
#include "cardinal/bridge/greedy_stop.hpp"
#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/solver_result.hpp"
#include "cardinal/bridge/trace.hpp"

namespace cardinal {

/// Options of ForwardGreedySelection (see docs/solvers/forward-greedy-selection.md).
struct ForwardGreedySelectionOptions {
  /// Read: max_iterations caps the number of coordinate steps (a coordinate may be stepped on
  /// several times, so this can exceed the sparsity budget); selection stops with kConverged once
  /// f(w) <= objective_level, or once a step decreases f by at most relative_decrease · |f| (a
  /// step that increases f, possible only on a stochastic objective, does not count).
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
/// distinct constrained coordinates have been touched (kBudgetReached), on objective_level or
/// relative_decrease (kConverged), when every constrained partial derivative is exactly zero
/// (kStalled), or after stopping.max_iterations steps (kIterationLimit).
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
SolverResult<P> ForwardGreedySelection::minimize(const P& original, Index sparsity) const {
  require_valid_sparsity(original, sparsity);
  const Stopwatch clock;
  const CountingProblem problem(original);
  const auto& space = problem.space();
  const SupportOf<P> free_only = space.empty_support();
  const VectorOf<P> start = starting_point(problem);

  SolverResult<P> result;
  // free ∪ the starting point's support ∪ every constrained coordinate stepped on so far
  SupportOf<P> selected = greedy_start_support(problem, start, sparsity);
  VectorOf<P> w = problem.minimize_on(selected, start);
  VectorOf<P> g = space.zeros();
  double objective = problem.value_and_gradient(w, g);
  double previous = std::numeric_limits<double>::quiet_NaN();
  Index iteration = 0;
  record(problem, result.trace, iteration, objective, g, selected, clock);

  while (true) {
    if (const std::optional<GreedyStop> stop =
            greedy_stop(options_.stopping, {.selected = space.size(selected),
                                            .budget = sparsity,
                                            .iteration = iteration,
                                            .objective = objective,
                                            .previous_objective = previous,
                                            .gradient_off = space.norm_off(g, free_only)})) {
      result.reason = stop->reason;
      result.message = stop->message;
      break;
    }

    const SupportOf<P> pick = options_.reselect ? space.largest(g, 1)  // free ∪ {j}
                                                : space.largest_outside(g, selected, 1);
    VectorOf<P> direction = g;
    space.restrict(direction, pick);
    VectorOf<P> free_part = g;
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

  result.iterations = iteration;
  SupportOf<P> support = space.unite(space.support_of(w), selected);
  return finish_result(std::move(result), std::move(w), std::move(support), objective, problem);
}

}  // namespace cardinal
