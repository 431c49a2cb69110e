#pragma once

#include <Eigen/Core>

#include "cardinal/bridge/problem.hpp"
#include "cardinal/convex/coordinate_space.hpp"
#include "cardinal/convex/design.hpp"
#include "cardinal/convex/loss.hpp"

namespace cardinal {

/// Ridge least squares centered at a reference point w̄:
///
///   f(w) = ‖G(w − w̄)‖²/(2n) + (λ/2)‖w − w̄‖² = ½(w − w̄)ᵀH(w − w̄),  H = GᵀG/n + λI,
///
/// with a design G (n × p, any Design storage). It is the covariance form ½wᵀHw − bᵀw + c with
/// b = Hw̄ and c = ½w̄ᵀHw̄ (a CovarianceProblem) without ever forming the p × p matrix H: every
/// pass costs O(np). The Fisher model of a trained network is one: G holds per-example gradients
/// at the trained weights w̄ (docs/pruning.md). Models RestrictedProblem, LineSearchProblem and,
/// through its LossType, QuadraticProblem; OMP has an overload for it.
class CenteredRidgeProblem {
 public:
  using Space = CoordinateSpace;
  using Vector = Eigen::VectorXd;
  using Support = CoordinateSpace::Support;
  using LossType = SquaredLoss;

  /// Throws InvalidInput unless w̄ has one entry per column of G, G has a row, and w̄ and λ ≥ 0
  /// are finite.
  CenteredRidgeProblem(Design g, Vector center, double ridge);

  const Space& space() const { return space_; }
  const Design& design() const { return g_; }
  const Vector& center() const { return center_; }
  double ridge() const { return ridge_; }
  Index samples() const { return g_.rows(); }
  Index features() const { return g_.cols(); }
  /// b = Hw̄, the linear term of the covariance form.
  const Vector& linear() const { return linear_; }

  /// H v = Gᵀ(Gv)/n + λv.
  Vector hessian_times(const Vector& v) const;
  double value(const Vector& w) const;
  double value_and_gradient(const Vector& w, Vector& g) const;
  /// argmin f over vectors supported on `a`: H_aa w_a = b_a, solved on the k × k normal
  /// equations when k ≤ n, else through the n × n system of the Woodbury identity
  /// H_aa⁻¹ = (I − G_aᵀ(nλI + G_aG_aᵀ)⁻¹G_a)/λ (λ > 0). `warm` is ignored: the solve is exact.
  Vector minimize_on(const Support& a, const Vector& warm) const;
  /// argmin_η f(w + η d) = −∇f(w)·d / dᵀHd (0 when dᵀHd = 0).
  double minimize_along(const Vector& w, const Vector& d) const;

 private:
  Design g_;
  Vector center_;
  double ridge_;
  Vector g_center_;  // G w̄
  Vector linear_;    // H w̄
  Space space_;
};

static_assert(QuadraticProblem<CenteredRidgeProblem> && LineSearchProblem<CenteredRidgeProblem>);

}  // namespace cardinal
