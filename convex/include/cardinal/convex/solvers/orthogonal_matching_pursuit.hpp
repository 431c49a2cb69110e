#pragma once

#include "cardinal/bridge/solver_result.hpp"
#include "cardinal/convex/centered_ridge_problem.hpp"
#include "cardinal/convex/covariance_problem.hpp"
#include "cardinal/convex/glm_problem.hpp"

namespace cardinal {

/// Options of OrthogonalMatchingPursuit (see docs/solvers/orthogonal-matching-pursuit.md).
struct OrthogonalMatchingPursuitOptions {
  /// Read: max_iterations caps the number of selected columns; selection stops with kConverged
  /// once f(w) <= objective_level. Each refit counts as one restricted solve and one gradient
  /// evaluation in the result's evaluations.
  StoppingCriteria stopping;
  /// A candidate column whose new Cholesky pivot d² = x_jᵀx_j/n + λ₂ − ‖l‖² is at most this
  /// fraction of x_jᵀx_j/n + λ₂ lies numerically in the span of the selected columns; the
  /// residual is orthogonal to that span, so its correlation is rounding error and no column can
  /// make progress: the run stops with kStalled. Must lie in [0, 1).
  double dependence_tolerance = 1e-12;
};

/// Orthogonal Matching Pursuit for least squares (Pati, Rezaiifar & Krishnaprasad 1993): the
/// same selections and iterates as FullyCorrectiveGreedy on a LeastSquaresProblem, but the
/// restricted least-squares solutions come from a Cholesky factor L of the Gram matrix
/// [1 X_F]ᵀ[1 X_F]/n + λ₂ diag(0, 1, …, 1) grown by one row per step, instead of a fresh solve.
/// Per step: one correlation pass Xᵀr, one forward substitution for the new row of L, one
/// backward substitution for the coefficients, and the residual update, O(np + nk + k²).
///
/// On a CovarianceProblem (f = ½wᵀHw − bᵀw + c) the same factorization reads the Gram matrix H
/// directly and the gradient is H_F v − b: O(pk + k²) per step, with the same iterates as on the
/// design form of the same problem up to rounding.
class OrthogonalMatchingPursuit {
 public:
  explicit OrthogonalMatchingPursuit(OrthogonalMatchingPursuitOptions options = {});

  const OrthogonalMatchingPursuitOptions& options() const { return options_; }

  /// Runs OMP with sparsity budget k. Throws InvalidInput unless 1 <= k <= dimension.
  SolverResult<LeastSquaresProblem> minimize(const LeastSquaresProblem& problem,
                                             Index sparsity) const;
  SolverResult<CovarianceProblem> minimize(const CovarianceProblem& problem, Index sparsity) const;
  /// On a CenteredRidgeProblem: the Gram entries from its design's columns, O(np + nk) per step.
  /// When the budget k exceeds the n samples and λ > 0, the restricted solutions come instead
  /// through the Woodbury identity from a Cholesky factor of the n × n matrix nλI + G_FG_Fᵀ,
  /// updated by rank one per step: O(np + nk + n²) per step and n² doubles in place of the k × k
  /// factor's O(k²) and k² (the same iterates up to rounding). Without ridge the factor holds at
  /// most n columns, the most that can be independent.
  SolverResult<CenteredRidgeProblem> minimize(const CenteredRidgeProblem& problem,
                                              Index sparsity) const;

 private:
  OrthogonalMatchingPursuitOptions options_;
};

}  // namespace cardinal
