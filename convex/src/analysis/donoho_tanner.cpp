#include "cardinal/convex/analysis/donoho_tanner.hpp"

#include <cmath>
#include <limits>
#include <numbers>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

constexpr double kSmallestDelta = 1e-40;

double kappa(WeakThresholdCase polytope) {
  return polytope == WeakThresholdCase::kCrossPolytope ? 2.0 : 1.0;
}

/// The state-evolution ratio at z; −∞ where it is undefined (the denominator vanishes at z = 0
/// for the cross-polytope).
double ratio(double z, double delta, double k) {
  const double g = (1.0 + z * z) * standard_normal_cdf(-z) - z * standard_normal_pdf(z);
  const double denominator = 1.0 + z * z - k * g;
  const double value = (1.0 - (k / delta) * g) / denominator;
  return denominator > 0.0 && std::isfinite(value) ? value
                                                   : -std::numeric_limits<double>::infinity();
}

struct Maximum {
  double z = 0.0;
  double rho = 0.0;
};

Maximum maximize(double delta, WeakThresholdCase polytope) {
  require(delta > 0.0 && delta <= 1.0,
          "the weak threshold is defined for 0 < delta <= 1 (got " + std::to_string(delta) + ")");
  require(delta >= kSmallestDelta, "the weak threshold is computed for delta >= 1e-40 only");
  if (delta == 1.0) return {0.0, 1.0};
  const double k = kappa(polytope);
  // The maximizer grows like √(2 log(1/δ)) (about 7.1 at δ = 1e-12, 13.3 at 1e-40); the ratio
  // is unimodal in z, so a grid locates the peak and golden-section search refines it inside
  // two grid cells.
  constexpr double kLargest = 16.0;
  constexpr int kGrid = 3200;
  constexpr double kSpacing = kLargest / kGrid;
  int best = 0;
  double best_value = ratio(0.0, delta, k);
  for (int i = 1; i <= kGrid; ++i) {
    const double value = ratio(i * kSpacing, delta, k);
    if (value > best_value) {
      best_value = value;
      best = i;
    }
  }
  double lo = std::max(0, best - 1) * kSpacing, hi = std::min(kGrid, best + 1) * kSpacing;
  const double inverse_golden = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = hi - inverse_golden * (hi - lo), b = lo + inverse_golden * (hi - lo);
  double fa = ratio(a, delta, k), fb = ratio(b, delta, k);
  for (int iteration = 0; iteration < 200 && hi - lo > 1e-13; ++iteration) {
    if (fa < fb) {
      lo = a;
      a = b;
      fa = fb;
      b = lo + inverse_golden * (hi - lo);
      fb = ratio(b, delta, k);
    } else {
      hi = b;
      b = a;
      fb = fa;
      a = hi - inverse_golden * (hi - lo);
      fa = ratio(a, delta, k);
    }
  }
  Maximum m{best * kSpacing, best_value};
  for (double z : {a, b, 0.5 * (lo + hi)}) {
    const double value = ratio(z, delta, k);
    if (value > m.rho) m = {z, value};
  }
  return m;
}

}  // namespace

double standard_normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::numbers::sqrt2);
}

double standard_normal_pdf(double x) {
  return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
}

double weak_threshold(double delta, WeakThresholdCase polytope) {
  return maximize(delta, polytope).rho;
}

double weak_threshold_argmax(double delta, WeakThresholdCase polytope) {
  return maximize(delta, polytope).z;
}

std::vector<WeakThresholdPoint> weak_threshold_curve(Index points, WeakThresholdCase polytope) {
  require(points >= 2, "weak_threshold_curve needs at least 2 points");
  std::vector<WeakThresholdPoint> curve;
  curve.reserve(static_cast<std::size_t>(points));
  for (Index i = 1; i <= points; ++i) {
    const double delta = static_cast<double>(i) / static_cast<double>(points);
    curve.push_back({delta, weak_threshold(delta, polytope)});
  }
  return curve;
}

}  // namespace cardinal
