#pragma once

#include <Eigen/Core>
#include <memory>

#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/sacrifices.hpp"
#include "cardinal/convex/coordinate_space.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/convex/loss.hpp"

namespace cardinal {

/// Least squares in covariance form: f(w) = ½ wᵀHw − bᵀw + c, given a symmetric positive
/// semidefinite H (p × p, dense) and b. The design form ‖Xw − y‖²/(2n) + (λ₂/2)‖w‖² is the
/// special case H = XᵀX/n + λ₂I, b = Xᵀy/n, c = ‖y‖²/(2n) (see from_design): every pass costs
/// O(p·|supp w|) instead of O(n·p), and many right-hand sides can share one H (the rows of a
/// network layer, CovarianceRows). Models RestrictedProblem, LineSearchProblem and, through its
/// LossType, QuadraticProblem, so every sparse solver runs on it; OMP and the ℓ1 path have
/// overloads for it.
///
/// H is held by a shared pointer to const: copies of a problem, and problems made for different
/// right-hand sides, share it. All coordinates are constrained (there is no intercept).
class CovarianceProblem {
 public:
  using Space = CoordinateSpace;
  using Vector = Eigen::VectorXd;
  using Support = CoordinateSpace::Support;
  using LossType = SquaredLoss;

  /// Throws InvalidInput unless H is square, b has its size, and every entry is finite.
  /// H is trusted to be symmetric positive semidefinite (only its lower triangle is read by the
  /// restricted solve).
  CovarianceProblem(std::shared_ptr<const Eigen::MatrixXd> h, Vector b, double c = 0.0);
  CovarianceProblem(Eigen::MatrixXd h, Vector b, double c = 0.0);

  /// H = XᵀX/n + λ₂I, b = Xᵀy/n, c = ‖y‖²/(2n) of a least-squares problem: the same objective,
  /// gradient and restricted minimizers. Throws InvalidInput for a problem with an intercept.
  static CovarianceProblem from_design(const LeastSquaresProblem& problem);

  const Space& space() const { return space_; }
  const Eigen::MatrixXd& hessian() const { return *h_; }
  const std::shared_ptr<const Eigen::MatrixXd>& shared_hessian() const { return h_; }
  const Vector& linear() const { return b_; }
  double constant() const { return c_; }
  Index features() const { return b_.size(); }

  /// H w, reading only the columns of H where w is nonzero when w is sparse.
  Vector hessian_times(const Vector& w) const;
  double value(const Vector& w) const;
  double value_and_gradient(const Vector& w, Vector& g) const;
  /// argmin f over vectors supported on `a`. `warm` is ignored: the solve is exact. Two routes
  /// to the same minimizer, the cheaper taken: the Cholesky factor of H_aa, O(|a|³) (the
  /// minimum-norm solution of H_aa v = b_a when H_aa is singular); or, when the complement c of
  /// a is small, the unconstrained minimizer u = H⁻¹b with the constraint w_c = 0 added by a
  /// Lagrange multiplier, w = u − [H⁻¹]_{:c} [H⁻¹]_cc⁻¹ u_c, O(p² + p|c| + |c|³). H⁻¹ is formed
  /// the first time that route is the cheaper one (when H is positive definite and reasonably
  /// conditioned, reciprocal condition number at least 1e-8; else Cholesky) and shared by
  /// every problem that shares H: the rows of a layer, whose merged supports in CoSaMP/GraSP
  /// cover almost every coordinate at low sparsity.
  Vector minimize_on(const Support& a, const Vector& warm) const;
  /// argmin_η f(w + η d) = −∇f(w)·d / dᵀHd (0 when dᵀHd = 0).
  double minimize_along(const Vector& w, const Vector& d) const;
  /// The exact sacrifices at w = argmin on `a` (sacrifices.hpp), from a Cholesky factor L of
  /// H_aa: leaving, w_i² / (2 [H_aa⁻¹]_ii) (the OBS saliency); entering, g_j² / (2 s_j) with the
  /// Schur complement s_j = H_jj − ‖L⁻¹H_aj‖² (0 where s_j ≤ 1e-12 H_jj: j lies in the span of
  /// a). O(|a|²p). Where H_aa is singular, the diagonal approximations ½H_ii w_i² and
  /// g_j² / (2H_jj).
  Sacrifices<Vector> sacrifices(const Vector& w, const Vector& g, const Support& a) const;

 private:
  friend class CovarianceRows;
  struct Trusted {};
  /// H⁻¹, formed at most once, on first need (covariance_problem.cpp).
  struct SharedInverse;
  static std::shared_ptr<SharedInverse> no_inverse_yet();
  /// Without validation: H is already known to be valid (a row of a CovarianceRows), and
  /// `inverse` belongs to it.
  CovarianceProblem(Trusted, std::shared_ptr<const Eigen::MatrixXd> h,
                    std::shared_ptr<SharedInverse> inverse, Vector b, double c);
  Vector minimize_with_cholesky(const Support& a) const;

  std::shared_ptr<const Eigen::MatrixXd> h_;
  std::shared_ptr<SharedInverse> inverse_;
  Vector b_;
  double c_;
  Space space_;
};

static_assert(QuadraticProblem<CovarianceProblem> && LineSearchProblem<CovarianceProblem> &&
              SacrificeProblem<CovarianceProblem>);

}  // namespace cardinal
