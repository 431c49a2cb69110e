#pragma once

#include <algorithm>
#include <cmath>
#include <optional>

#include "cardinal/bridge/counting_problem.hpp"
#include "cardinal/bridge/greedy_stop.hpp"
#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/solver_result.hpp"
#include "cardinal/bridge/trace.hpp"

namespace cardinal {

/// Options of FullyCorrectiveGreedy (see docs/solvers/fully-corrective-greedy.md).
struct FullyCorrectiveGreedyOptions {
  /// Read: max_iterations caps the number of forward steps (one coordinate enters per step, so it
  /// only binds when it is below the sparsity budget); selection stops with kConverged once
  /// f(w) <= objective_level.
  StoppingCriteria stopping;
  /// 0: plain FCFGS. n > 0: after each forward step, up to n replacement attempts, each swapping
  /// the constrained coordinate of smallest |w_i| in the support for the outside coordinate of
  /// largest |∇_j f(w)|, kept only if it lowers the objective by more than a relative 1e-12.
  Index replacement_steps = 0;
  /// Coordinates added per forward step (the m largest |∇_j f(w)| outside the support, fewer at
  /// the last step so the budget is met exactly). 1 is the paper's algorithm; a network with
  /// 10⁵ weights to select grows in blocks.
  Index coordinates_per_step = 1;
};

/// Fully Corrective Forward Greedy Selection (Shalev-Shwartz, Srebro & Zhang 2010): from the
/// intercept-only fit (or, for a StartingPointProblem, from the fit on the support of its
/// starting point), F ← F ∪ {argmax_{j∉F} |∇_j f(w)|}, then w ← argmin f over vectors
/// supported on F (problem.minimize_on), until F holds k constrained coordinates
/// (kBudgetReached), f(w) <= stopping.objective_level (kConverged), the gradient outside F is
/// exactly zero (kStalled: w then minimizes f over all vectors), or stopping.max_iterations forward
/// steps (kIterationLimit). With replacement_steps > 0 it is the paper's variant with replacement
/// steps. One trace row per forward step, recorded after its replacement attempts.
class FullyCorrectiveGreedy {
 public:
  /// Relative margin by which a replacement must lower the objective to be accepted: it keeps
  /// rounding error in the restricted solves from swapping back and forth between supports of
  /// (numerically) equal value.
  static constexpr double kReplacementMargin = 1e-12;

  explicit FullyCorrectiveGreedy(FullyCorrectiveGreedyOptions options = {}) : options_(options) {
    require(options_.replacement_steps >= 0, "replacement_steps must be non-negative");
    require(options_.coordinates_per_step >= 1, "coordinates_per_step must be at least 1");
  }

  const FullyCorrectiveGreedyOptions& options() const { return options_; }

  /// Runs FCFGS with sparsity budget k. Throws InvalidInput unless 1 <= k <= dimension.
  template <RestrictedProblem P>
  SolverResult<P> minimize(const P& problem, Index sparsity) const;

 private:
  FullyCorrectiveGreedyOptions options_;
};

template <RestrictedProblem P>
SolverResult<P> FullyCorrectiveGreedy::minimize(const P& original, Index sparsity) const {
  require_valid_sparsity(original, sparsity);
  const Stopwatch clock;
  const CountingProblem problem(original);
  const auto& space = problem.space();
  const StoppingCriteria& stopping = options_.stopping;

  SolverResult<P> result;
  const VectorOf<P> start = starting_point(problem);
  SupportOf<P> support = greedy_start_support(problem, start, sparsity);
  VectorOf<P> w = problem.minimize_on(support, start);
  VectorOf<P> g = space.zeros();
  double objective = problem.value_and_gradient(w, g);
  Index iteration = 0;
  record(problem, result.trace, iteration, objective, g, support, clock);

  while (true) {
    if (const std::optional<GreedyStop> stop =
            greedy_stop(stopping, {.selected = space.size(support),
                                   .budget = sparsity,
                                   .iteration = iteration,
                                   .objective = objective,
                                   .gradient_off = space.norm_off(g, support)})) {
      result.reason = stop->reason;
      result.message = stop->message;
      break;
    }

    const Index added = std::min(options_.coordinates_per_step, sparsity - space.size(support));
    support = space.unite(support, space.largest_outside(g, support, added));
    w = problem.minimize_on(support, w);
    objective = problem.value_and_gradient(w, g);

    for (Index attempt = 0; attempt < options_.replacement_steps; ++attempt) {
      if (objective <= stopping.objective_level || space.norm_off(g, support) == 0.0) break;
      const SupportOf<P> kept = space.largest_in(w, support, space.size(support) - 1);
      const SupportOf<P> swapped = space.unite(kept, space.largest_outside(g, support, 1));
      VectorOf<P> candidate = problem.minimize_on(swapped, w);
      VectorOf<P> candidate_gradient = space.zeros();
      const double candidate_objective = problem.value_and_gradient(candidate, candidate_gradient);
      if (!(candidate_objective < objective - kReplacementMargin * std::abs(objective))) break;
      support = swapped;
      w = std::move(candidate);
      g = std::move(candidate_gradient);
      objective = candidate_objective;
    }

    ++iteration;
    record(problem, result.trace, iteration, objective, g, support, clock);
  }

  result.iterations = iteration;
  return finish_result(std::move(result), std::move(w), std::move(support), objective, problem);
}

}  // namespace cardinal
