#pragma once

#include <cmath>
#include <limits>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/problem.hpp"

namespace cardinal {

/// Estimates L, the largest curvature of f at `at`: the spectral norm of the Hessian, i.e. the
/// local Lipschitz constant of ∇f. It is an estimate for default step sizes (μ = 1/L), not a
/// certified bound.
///
/// Power iteration on the forward-difference Hessian-vector product
///   H v ≈ (∇f(w + h v) − ∇f(w)) / h,  ‖v‖ = 1,  h = √ε · (1 + ‖w‖),
/// built from space operations (zeros, dot, axpy) and value_and_gradient only, so it runs
/// unchanged on any DifferentiableProblem. Each iteration costs one gradient evaluation (plus one
/// at `at`); the result is ‖H v‖ for the last iterate v, which never exceeds the spectral norm of
/// H (up to the finite-difference error) and approaches it at the rate (λ₂/λ₁)^(2·iterations).
/// For a quadratic the difference quotient is exact up to rounding, so the estimate converges to
/// λ_max(H) itself.
///
/// Start vector: g + g_top, where g = ∇f(at) and g_top is g with all but its ⌈d/2⌉ largest
/// constrained entries zeroed (space.largest, space.restrict). The gradient has a component along
/// the top eigenvectors for typical data; adding its thresholded copy, a nonlinear function of g,
/// keeps the start off every fixed hyperplane even in the unlucky case where g itself is
/// orthogonal to the top eigenvector. If ∇f(at) = 0, the same construction is applied to `at`
/// itself; if `at` is zero too, no direction can be built from the space operations and the
/// function returns 0 (callers treat a non-positive estimate as unknown).
template <DifferentiableProblem P>
double estimate_smoothness(const P& problem, const VectorOf<P>& at, int iterations = 30) {
  require(iterations >= 1, "estimate_smoothness needs at least one iteration");
  const auto& space = problem.space();
  auto norm = [&space](const VectorOf<P>& x) { return std::sqrt(space.dot(x, x)); };
  auto scaled = [&space](double t, const VectorOf<P>& x) {
    VectorOf<P> y = space.zeros();
    space.axpy(t, x, y);
    return y;
  };

  VectorOf<P> gradient_at = space.zeros();
  problem.value_and_gradient(at, gradient_at);
  const VectorOf<P>& base = norm(gradient_at) > 0.0 ? gradient_at : at;
  VectorOf<P> v = scaled(1.0, base);
  VectorOf<P> top = scaled(1.0, base);
  space.restrict(top, space.largest(base, (space.dimension() + 1) / 2));
  space.axpy(1.0, top, v);
  double v_norm = norm(v);
  if (!(v_norm > 0.0) || !std::isfinite(v_norm)) return 0.0;
  v = scaled(1.0 / v_norm, v);

  const double h = std::sqrt(std::numeric_limits<double>::epsilon()) * (1.0 + norm(at));
  double estimate = 0.0;
  VectorOf<P> shifted = space.zeros(), gradient_shifted = space.zeros();
  for (int iteration = 0; iteration < iterations; ++iteration) {
    shifted = scaled(1.0, at);
    space.axpy(h, v, shifted);
    problem.value_and_gradient(shifted, gradient_shifted);
    space.axpy(-1.0, gradient_at, gradient_shifted);
    const double hv_norm = norm(gradient_shifted) / h;  // ‖H v‖
    if (!std::isfinite(hv_norm)) break;
    estimate = hv_norm;
    if (hv_norm == 0.0) break;
    v = scaled(1.0 / (h * hv_norm), gradient_shifted);
  }
  return estimate;
}

}  // namespace cardinal
