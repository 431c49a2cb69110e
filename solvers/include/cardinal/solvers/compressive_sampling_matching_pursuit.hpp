#pragma once

#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/solver_result.hpp"
#include "cardinal/solvers/gradient_support_pursuit.hpp"

namespace cardinal {

using CompressiveSamplingMatchingPursuitOptions = GradientSupportPursuitOptions;

/// Compressive sampling matching pursuit, CoSaMP (Needell & Tropp 2009), for least squares.
///
/// CoSaMP forms the proxy u = Xᵀ(y − Xw), merges the support of its 2k largest entries with
/// supp(w), solves least squares on the merged support and prunes to the k largest entries.
/// For f = ‖Xw − y‖²/(2n) the proxy is u = −n ∇f(w), so it selects the same 2k coordinates as
/// the gradient, and the restricted least-squares solve is minimize_on: CoSaMP is GraSP applied to
/// the squared loss (Bahmani, Raj & Boufounos 2013 introduce GraSP as this generalization of
/// CoSaMP to smooth costs). This class therefore runs
/// GradientSupportPursuit unchanged and only restricts it to quadratic problems; on them its
/// iterates are GraSP's, bit for bit.
class CompressiveSamplingMatchingPursuit {
 public:
  explicit CompressiveSamplingMatchingPursuit(
      CompressiveSamplingMatchingPursuitOptions options = {})
      : grasp_(options) {}

  const CompressiveSamplingMatchingPursuitOptions& options() const { return grasp_.options(); }

  template <QuadraticProblem P>
  SolverResult<P> minimize(const P& problem, Index sparsity) const {
    return grasp_.minimize(problem, sparsity);
  }

 private:
  GradientSupportPursuit grasp_;
};

}  // namespace cardinal
