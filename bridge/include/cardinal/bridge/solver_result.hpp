#pragma once

#include <string>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/trace.hpp"

namespace cardinal {

/// What every solver returns: the final iterate, its support, and the trace.
template <DifferentiableProblem P>
struct SolverResult {
  VectorOf<P> w;
  SupportOf<P> support;
  double objective = 0.0;
  Index iterations = 0;
  StopReason reason = StopReason::kIterationLimit;
  Trace trace;
};

/// Common stopping rules. A solver stops at whichever comes first.
struct StoppingCriteria {
  Index max_iterations = 1000;
  /// Relative decrease of the objective between iterations below which an iterative solver has
  /// converged; for greedy solvers, an absolute objective level at which selection stops early.
  double tolerance = 1e-10;
};

/// Appends a trace row for iterate `w` with gradient `g` and support `a` to `trace`.
template <DifferentiableProblem P>
void record(const P& problem, Trace& trace, Index iteration, double objective, const VectorOf<P>& g,
            const SupportOf<P>& a, const Stopwatch& clock) {
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
