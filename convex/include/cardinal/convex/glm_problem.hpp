#pragma once

#include <Eigen/Core>

#include "cardinal/bridge/problem.hpp"
#include "cardinal/convex/coordinate_space.hpp"
#include "cardinal/convex/design.hpp"
#include "cardinal/convex/loss.hpp"

namespace cardinal {

struct GlmOptions {
  /// λ₂ of the ridge term (λ₂/2)‖w‖² (the intercept is never penalized).
  double ridge = 0.0;
  /// Fit an unpenalized intercept b. It is a free coordinate: always in the support, never
  /// counted against the sparsity budget, stored last in the parameter vector.
  bool intercept = false;
};

/// f(w, b) = (1/n) Σᵢ ℓ(xᵢ·w + b, yᵢ) + (λ₂/2)‖w‖² for a per-sample loss ℓ (SquaredLoss,
/// LogisticLoss). Models RestrictedProblem and LineSearchProblem.
///
/// The restricted solve is exact for the squared loss (Cholesky of the normal equations on the
/// support) and, otherwise, solved by Ceres Solver's BFGS followed by Newton steps that bring the
/// gradient on the support to the level of rounding error.
template <class Loss>
class GlmProblem {
 public:
  using Space = CoordinateSpace;
  using Vector = Eigen::VectorXd;
  using Support = CoordinateSpace::Support;
  using LossType = Loss;

  /// Validates sizes and values; logistic labels may be in {−1, +1} or {0, 1} and are stored
  /// as ±1. Throws InvalidInput naming the problem.
  GlmProblem(Design x, Vector y, GlmOptions options = {});

  const Space& space() const { return space_; }
  const Design& design() const { return x_; }
  const Vector& response() const { return y_; }
  const GlmOptions& options() const { return options_; }
  Index samples() const { return x_.rows(); }
  Index features() const { return x_.cols(); }

  /// z = X w + b.
  Vector linear_predictor(const Vector& w) const;
  double value(const Vector& w) const;
  double value_and_gradient(const Vector& w, Vector& g) const;
  /// argmin f over vectors supported on `a`, started from `warm`.
  Vector minimize_on(const Support& a, const Vector& warm) const;
  /// argmin_η f(w + η d) (Newton's method on the one-dimensional convex function).
  double minimize_along(const Vector& w, const Vector& d) const;

  /// The same loss, ridge and intercept on the columns `cols` of the design (for restricted
  /// solves); its parameter vector is (w_cols, b).
  GlmProblem restricted_to(const Support& cols) const;

 private:
  static constexpr Index kNewtonPolishMaxDimension = 2000;
  struct Trusted {};
  /// Newton steps on the whole parameter vector `v`, each kept only if it reduces ‖∇f‖.
  void newton_polish(Vector& v, int max_steps = 4) const;

  GlmProblem(Trusted, Design x, Vector y, GlmOptions options);

  Design x_;
  Vector y_;
  GlmOptions options_;
  Space space_;
};

using LeastSquaresProblem = GlmProblem<SquaredLoss>;
using LogisticProblem = GlmProblem<LogisticLoss>;

static_assert(RestrictedProblem<LeastSquaresProblem> && LineSearchProblem<LeastSquaresProblem>);
static_assert(RestrictedProblem<LogisticProblem> && LineSearchProblem<LogisticProblem>);

extern template class GlmProblem<SquaredLoss>;
extern template class GlmProblem<LogisticLoss>;

}  // namespace cardinal
