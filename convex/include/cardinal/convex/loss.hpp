#pragma once

#include <cmath>
#include <string_view>

namespace cardinal {

/// Per-sample losses ℓ(z, y) of a generalized linear model, with z = x·w + b the linear
/// predictor. Each provides the value, the first and second derivatives in z, and a bound on the
/// second derivative (used for step sizes and coordinate-descent majorization), and the change
/// ℓ(z + dz, y) − ℓ(z, y) computed accurately.

/// ℓ(z, y) = (z − y)² / 2: least squares, f(w) = ‖Xw − y‖² / (2n).
struct SquaredLoss {
  static constexpr std::string_view kName = "least-squares";
  static constexpr bool kQuadratic = true;
  static constexpr double kCurvatureBound = 1.0;

  static double value(double z, double y) { return 0.5 * (z - y) * (z - y); }
  static double derivative(double z, double y) { return z - y; }
  static double curvature(double, double) { return 1.0; }
  /// ℓ(z + dz, y) − ℓ(z, y), without the cancellation of subtracting the two values.
  static double change(double z, double dz, double y) { return dz * (z - y + 0.5 * dz); }
};

/// ψ(x) = (eˣ − x − 1)/x² for x ≥ 0, increasing from ψ(0) = 1/2: the factor of the
/// self-concordance bound above.
inline double self_concordance_factor(double x) {
  if (x < 1e-3) return 0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x / 120.0));  // eˣ − x − 1 cancels
  return (std::expm1(x) - x) / (x * x);
}

/// ℓ(z, y) = log(1 + exp(−y z)) with y ∈ {−1, +1}: logistic regression.
struct LogisticLoss {
  static constexpr std::string_view kName = "logistic";
  static constexpr bool kQuadratic = false;
  static constexpr double kCurvatureBound = 0.25;
  /// |ℓ'''(z)| ≤ R ℓ''(z) with R = 1 (ℓ''' = ∓ℓ''·(1 − 2σ)): the loss is generalized
  /// self-concordant (Bach 2010), so ℓ(z + δ) − ℓ(z) − ℓ'(z)δ ≤ ℓ''(z) δ² ψ(R|δ|) with
  /// ψ(x) = (eˣ − x − 1)/x², a bound on a step's change that costs no transcendental per sample.
  static constexpr double kSelfConcordance = 1.0;

  static double value(double z, double y) {
    const double m = -y * z;  // log(1 + e^m), evaluated without overflow
    return m > 0 ? m + std::log1p(std::exp(-m)) : std::log1p(std::exp(m));
  }
  /// dℓ/dz = −y σ(−y z).
  static double derivative(double z, double y) { return -y * sigmoid(-y * z); }
  static double curvature(double z, double) {
    const double s = sigmoid(z);
    return s * (1.0 - s);
  }
  /// ℓ(z + dz, y) − ℓ(z, y) = log(1 + σ(m)(e^dm − 1)), m = −y z, dm = −y dz: accurate to a few
  /// ulps of the change itself when |dm| ≤ 1, where subtracting two values of ℓ would lose up to
  /// all the digits of a small change (a line search near the optimum compares such changes).
  static double change(double z, double dz, double y) {
    return change_given(margin_sigmoid(z, y), z, dz, y);
  }
  /// change() with σ(−y z) already at hand (one exponential fewer per sample in a line search).
  static double change_given(double margin_sigmoid, double z, double dz, double y) {
    const double dm = -y * dz;
    if (std::abs(dm) > 1.0) return value(z + dz, y) - value(z, y);
    return std::log1p(margin_sigmoid * std::expm1(dm));
  }
  /// σ(−y z), the probability of the other label: ℓ'(z) = −y σ(−y z) and, for y = ±1,
  /// ℓ''(z) = σ(−y z)(1 − σ(−y z)), so one exponential gives both.
  static double margin_sigmoid(double z, double y) { return sigmoid(-y * z); }
  static double sigmoid(double t) {
    if (t >= 0) return 1.0 / (1.0 + std::exp(-t));
    const double e = std::exp(t);
    return e / (1.0 + e);
  }
};

}  // namespace cardinal
