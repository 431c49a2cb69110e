#pragma once

#include <string>
#include <utility>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/interruption.hpp"
#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/stopping_criteria.hpp"
#include "cardinal/bridge/trace.hpp"

namespace cardinal {

/// The calls a solver made to its problem (Ceres' Summary counts the same): what a run cost,
/// whatever the problem.
struct EvaluationCounts {
  Index values = 0;             ///< f(w) alone (problem.value)
  Index gradients = 0;          ///< f(w) with ∇f(w) (problem.value_and_gradient)
  Index restricted_solves = 0;  ///< problem.minimize_on
  Index line_searches = 0;      ///< problem.minimize_along

  EvaluationCounts& operator+=(const EvaluationCounts& other) {
    values += other.values;
    gradients += other.gradients;
    restricted_solves += other.restricted_solves;
    line_searches += other.line_searches;
    return *this;
  }
};

/// What every solver returns: the final iterate, its support, the trace, and (like Ceres'
/// Summary) what the run cost and, in one line, why it stopped.
template <DifferentiableProblem P>
struct SolverResult {
  VectorOf<P> w;
  SupportOf<P> support;
  double objective = 0.0;
  Index iterations = 0;
  StopReason reason = StopReason::kIterationLimit;
  /// The reason in words, with the criterion and the values that met it, e.g. "relative
  /// decrease 3.1e-12 <= relative_decrease 1e-10".
  std::string message;
  EvaluationCounts evaluations;
  Trace trace;
};

/// The end of a run: `result` with the final iterate, its support and objective, and what the
/// run cost, read from the counting view (CountingProblem) the solver ran on.
template <DifferentiableProblem P, class CountingView>
SolverResult<P> finish_result(SolverResult<P> result, VectorOf<P> w, SupportOf<P> support,
                              double objective, const CountingView& problem) {
  result.w = std::move(w);
  result.support = std::move(support);
  result.objective = objective;
  result.evaluations = problem.counts();
  return result;
}

/// Appends a trace row for iterate `w` with gradient `g` and support `a` to `trace`. Every solver
/// records each iteration, so this is also where a run can be interrupted (interruption.hpp).
template <DifferentiableProblem P>
void record(const P& problem, Trace& trace, Index iteration, double objective, const VectorOf<P>& g,
            const SupportOf<P>& a, const Stopwatch& clock) {
  check_interruption();
  const auto& s = problem.space();
  trace.rows.push_back(TraceRow{iteration, objective, static_cast<Index>(s.size(a)),
                                s.norm_on(g, a), s.norm_off(g, a), clock.seconds()});
}

/// Checks the sparsity level a solver is asked for against the dimension of the space.
template <DifferentiableProblem P>
void require_valid_sparsity(const P& problem, Index k) {
  const Index p = problem.space().dimension();
  require(k >= 1, "sparsity must be at least 1 (got " + std::to_string(k) + ")");
  require(k <= p, "sparsity " + std::to_string(k) + " exceeds the dimension " + std::to_string(p));
}

/// The support a greedy solver starts from: the free coordinates and the constrained nonzeros of
/// starting_point(problem) (the free coordinates alone for a problem that starts from zero).
/// Throws InvalidInput if that start already holds more than k constrained coordinates.
template <DifferentiableProblem P>
SupportOf<P> greedy_start_support(const P& problem, const VectorOf<P>& start, Index k) {
  const auto& space = problem.space();
  SupportOf<P> support = space.unite(space.empty_support(), space.support_of(start));
  const Index size = space.size(support);
  require(size <= k, "the starting point has " + std::to_string(size) +
                         " nonzeros, more than the sparsity budget " + std::to_string(k));
  return support;
}

}  // namespace cardinal
