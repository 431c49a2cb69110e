// The Donoho–Tanner weak threshold against independent characterizations.
#include "cardinal/convex/analysis/donoho_tanner.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

double phi(double x) {
  return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
}
double upper_tail(double x) {
  return 0.5 * std::erfc(x / std::numbers::sqrt2);
}

/// The Donoho–Maleki–Montanari ratio, maximized by brute force over a fine grid of z.
double brute_force_threshold(double delta, double kappa) {
  double best = -1.0;
  for (int i = 1; i <= 400000; ++i) {
    const double z = i * 2.5e-5;
    const double g = (1 + z * z) * upper_tail(z) - z * phi(z);
    const double denominator = 1 + z * z - kappa * g;
    if (denominator > 0) best = std::max(best, (1 - kappa / delta * g) / denominator);
  }
  return best;
}

/// E[(|Z| − τ)₊²] for Z ~ N(0, 1), by Simpson's rule on [τ, τ + 20] (no closed form used).
double soft_threshold_tail(double tau) {
  const int intervals = 2000;
  const double h = 20.0 / intervals;
  double sum = 0.0;
  for (int i = 0; i <= intervals; ++i) {
    const double u = tau + i * h;
    const double weight = i == 0 || i == intervals ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0);
    sum += weight * (u - tau) * (u - tau) * phi(u);
  }
  return 2.0 * sum * h / 3.0;  // both tails
}

/// The statistical dimension of the ℓ1 descent cone at an ε-fraction-sparse vector, per
/// coordinate (Amelunxen, Lotz, McCoy & Tropp 2014, "Living on the edge"):
///   ψ(ε) = inf_τ≥0 { ε(1 + τ²) + (1 − ε)·E[(|Z| − τ)₊²] }.
/// ℓ1 recovery succeeds when n/p exceeds it, so the phase transition is δ = ψ(ρδ).
double statistical_dimension(double epsilon) {
  double lo = 0.0, hi = 12.0;
  auto f = [&](double t) { return epsilon * (1 + t * t) + (1 - epsilon) * soft_threshold_tail(t); };
  for (int i = 0; i < 70; ++i) {  // ternary search: the objective is convex in τ
    const double a = lo + (hi - lo) / 3, b = hi - (hi - lo) / 3;
    if (f(a) < f(b))
      hi = b;
    else
      lo = a;
  }
  return f(0.5 * (lo + hi));
}

TEST(WeakThreshold, MatchesABruteForceMaximizationOfTheStateEvolutionFormula) {
  for (double delta : {0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99}) {
    const double rho = weak_threshold(delta);
    const double grid = brute_force_threshold(delta, 2.0);
    EXPECT_GE(rho, grid - 1e-12) << delta;  // the refined maximum is at least any grid value
    EXPECT_NEAR(rho, grid, 1e-8) << delta;
    EXPECT_NEAR(weak_threshold(delta, WeakThresholdCase::kSimplex),
                brute_force_threshold(delta, 1.0), 1e-8)
        << delta;
  }
}

TEST(WeakThreshold, AgreesWithTheStatisticalDimensionOfTheL1DescentCone) {
  // An independent characterization of the same curve: at ρ = ρ_W(δ), the statistical
  // dimension of the descent cone at a (ρδ)-sparse vector equals δ.
  for (double delta : {0.1, 0.3, 0.5, 0.7, 0.9}) {
    const double rho = weak_threshold(delta);
    EXPECT_NEAR(statistical_dimension(rho * delta), delta, 1e-7) << delta;
    // Just below the threshold ℓ1 has room to spare, just above it does not.
    EXPECT_LT(statistical_dimension(0.99 * rho * delta), delta);
    EXPECT_GT(statistical_dimension(1.01 * rho * delta), delta);
  }
  EXPECT_NEAR(weak_threshold(0.5), 0.3857, 5e-5);
}

TEST(WeakThreshold, FollowsTheSmallDeltaAsymptotics) {
  // ρ_W(δ) ~ 1/(2 log(1/δ)) as δ → 0 (Donoho & Tanner 2009), slowly.
  for (double delta : {1e-8, 1e-10, 1e-12}) {
    const double ratio = weak_threshold(delta) * 2.0 * std::log(1.0 / delta);
    EXPECT_GT(ratio, 0.97) << delta;
    EXPECT_LT(ratio, 1.06) << delta;
  }
  EXPECT_NEAR(weak_threshold_argmax(1e-12), std::sqrt(2.0 * std::log(1e12)), 0.5);
}

TEST(WeakThreshold, IsAnIncreasingCurveFromZeroToOne) {
  EXPECT_EQ(weak_threshold(1.0), 1.0);
  EXPECT_EQ(weak_threshold(1.0, WeakThresholdCase::kSimplex), 1.0);
  const std::vector<WeakThresholdPoint> curve = weak_threshold_curve(200);
  ASSERT_EQ(curve.size(), 200u);
  EXPECT_DOUBLE_EQ(curve.front().delta, 0.005);
  EXPECT_EQ(curve.back().delta, 1.0);
  EXPECT_EQ(curve.back().rho, 1.0);
  for (std::size_t i = 1; i < curve.size(); ++i) {
    EXPECT_GT(curve[i].rho, curve[i - 1].rho) << curve[i].delta;
    EXPECT_GT(curve[i].rho, 0.0);
    EXPECT_LE(curve[i].rho, 1.0);
    // Nonnegativity is extra information: the simplex threshold lies above.
    EXPECT_GT(weak_threshold(curve[i - 1].delta, WeakThresholdCase::kSimplex), curve[i - 1].rho);
  }
  EXPECT_THROW(weak_threshold(0.0), InvalidInput);
  EXPECT_THROW(weak_threshold(1.5), InvalidInput);
  EXPECT_THROW(weak_threshold(std::nan("")), InvalidInput);
  EXPECT_THROW(weak_threshold(1e-41), InvalidInput);
  EXPECT_GT(weak_threshold(1e-40), 0.0);
  EXPECT_THROW(weak_threshold_curve(1), InvalidInput);
}

}  // namespace
}  // namespace cardinal
