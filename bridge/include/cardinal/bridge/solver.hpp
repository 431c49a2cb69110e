#pragma once

#include <concepts>

#include "cardinal/bridge/solver_result.hpp"

namespace cardinal {

/// A sparsity-constrained solver for problems of type P (ensmallen's optimizer, with the
/// sparsity budget as an argument):
///
/// | expression              | meaning                                                        |
/// |-------------------------|----------------------------------------------------------------|
/// | `s.minimize(p, k)`      | approximately minimizes f over vectors with at most k          |
/// |                         | constrained nonzeros, starting from zero                       |
///
/// Solvers are value types configured by an options struct at construction; `minimize` is
/// const, so one solver object can be applied to many problems (convex or network).
template <class S, class P>
concept SparseSolver = DifferentiableProblem<P> && requires(const S& s, const P& p, Index k) {
  { s.minimize(p, k) } -> std::same_as<SolverResult<P>>;
};

}  // namespace cardinal
