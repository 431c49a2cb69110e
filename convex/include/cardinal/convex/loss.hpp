#pragma once

#include <cmath>
#include <string_view>

namespace cardinal {

/// Per-sample losses ℓ(z, y) of a generalized linear model, with z = x·w + b the linear
/// predictor. Each provides the value, the first and second derivatives in z, and a bound on the
/// second derivative (used for step sizes and coordinate-descent majorization).

/// ℓ(z, y) = (z − y)² / 2: least squares, f(w) = ‖Xw − y‖² / (2n).
struct SquaredLoss {
  static constexpr std::string_view kName = "least-squares";
  static constexpr bool kQuadratic = true;
  static constexpr double kCurvatureBound = 1.0;

  static double value(double z, double y) { return 0.5 * (z - y) * (z - y); }
  static double derivative(double z, double y) { return z - y; }
  static double curvature(double, double) { return 1.0; }
};

/// ℓ(z, y) = log(1 + exp(−y z)) with y ∈ {−1, +1}: logistic regression.
struct LogisticLoss {
  static constexpr std::string_view kName = "logistic";
  static constexpr bool kQuadratic = false;
  static constexpr double kCurvatureBound = 0.25;

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
  static double sigmoid(double t) {
    if (t >= 0) return 1.0 / (1.0 + std::exp(-t));
    const double e = std::exp(t);
    return e / (1.0 + e);
  }
};

}  // namespace cardinal
