#pragma once

#include <vector>

#include "cardinal/bridge/index.hpp"

namespace cardinal {

/// Which polytope's weak threshold: ℓ1 minimization of signed vectors (the cross-polytope) or of
/// nonnegative vectors (the simplex).
enum class WeakThresholdCase {
  kCrossPolytope,  ///< min ‖w‖₁ s.t. Xw = y, w of any signs (κ = 2 below)
  kSimplex,        ///< the same over w ≥ 0 (κ = 1 below)
};

/// Φ and φ of the standard normal distribution.
double standard_normal_cdf(double x);
double standard_normal_pdf(double x);

/// The Donoho–Tanner weak phase transition ρ_W(δ) of ℓ1 minimization for Gaussian designs, in
/// the coordinates δ = n/p, ρ = s/n: for ρ < ρ_W(δ), ℓ1 recovers a typical s-sparse vector as
/// p → ∞; above it, it fails. Computed by the state-evolution formula of Donoho, Maleki &
/// Montanari (PNAS 106(45), 2009), which coincides with the combinatorial-geometry threshold:
///   ρ_W(δ) = max_{z>0} [1 − (κ/δ)·g(z)] / [1 + z² − κ·g(z)],   g(z) = (1 + z²)Φ(−z) − zφ(z),
/// with κ = 2 for the cross-polytope and κ = 1 for the simplex (docs/theory.md, "Phase
/// transitions"). The maximum is located on a grid and refined by golden-section search to
/// about 1e-12 in ρ. ρ_W(1) = 1. Throws InvalidInput unless 1e-40 ≤ δ ≤ 1 (the grid covers the
/// maximizers of that range; g(z) loses about z⁴·ε relative to cancellation, negligible there).
double weak_threshold(double delta, WeakThresholdCase polytope = WeakThresholdCase::kCrossPolytope);

/// The maximizing z of the formula above (0 at δ = 1).
double weak_threshold_argmax(double delta,
                             WeakThresholdCase polytope = WeakThresholdCase::kCrossPolytope);

struct WeakThresholdPoint {
  double delta = 0.0;
  double rho = 0.0;
};

/// ρ_W on `points` ≥ 2 equally spaced δ from 1/points to 1 (for plots and curve.csv).
std::vector<WeakThresholdPoint> weak_threshold_curve(
    Index points, WeakThresholdCase polytope = WeakThresholdCase::kCrossPolytope);

}  // namespace cardinal
