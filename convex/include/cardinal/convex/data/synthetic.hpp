#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/convex/design.hpp"

namespace cardinal {

/// How a synthetic sparse-recovery instance is drawn.
struct SyntheticSpec {
  Index samples = 200;   ///< n
  Index features = 500;  ///< p
  Index sparsity = 10;   ///< s, the size of the planted support
  /// Correlation ρ of the Toeplitz covariance Σᵢⱼ = ρ^|i−j| of each row (0: i.i.d. Gaussian).
  double correlation = 0.0;
  /// Planted nonzeros are ±signal (random signs); 0 draws them N(0, 1) instead.
  double signal = 1.0;
  /// Standard deviation of the additive Gaussian noise (least squares).
  double noise = 0.0;
  /// Draw labels y ∈ {−1, +1} from the logistic model P(y = 1) = σ(x·w*) instead of y = Xw* + e.
  bool logistic = false;
  /// Scale every column to norm sqrt(n) after drawing.
  bool normalize = false;
  std::uint64_t seed = 1;
};

/// A synthetic instance: design, response, and the planted vector w* with its support.
struct SyntheticInstance {
  Design design;
  Eigen::VectorXd response;
  Eigen::VectorXd planted;
  std::vector<Index> support;  ///< sorted
};

/// Draws an instance. Rows of X are N(0, Σ) with Σ Toeplitz in ρ (generated as the stationary
/// AR(1) process x_j = ρ x_{j−1} + sqrt(1 − ρ²) e_j), the support is uniform among the
/// p-choose-s subsets. Bit-identical for a fixed seed on every platform: the Gaussian variates
/// come from the project's own Box–Muller transform of a std::mt19937_64 stream.
SyntheticInstance make_synthetic(const SyntheticSpec& spec);

}  // namespace cardinal
