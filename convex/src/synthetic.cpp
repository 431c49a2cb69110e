#include "cardinal/convex/data/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <string>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/loss.hpp"

namespace cardinal {
namespace {

/// A portable standard-normal stream (std::normal_distribution is implementation-defined).
class GaussianStream {
 public:
  explicit GaussianStream(std::uint64_t seed) : engine_(seed) {}

  double uniform() {  // in (0, 1)
    return (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53;
  }
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    const double t = 2.0 * std::numbers::pi * uniform();
    spare_ = r * std::sin(t);
    has_spare_ = true;
    return r * std::cos(t);
  }
  /// Uniform integer in [0, n).
  Index below(Index n) { return static_cast<Index>(uniform() * static_cast<double>(n)); }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace

SyntheticInstance make_synthetic(const SyntheticSpec& spec) {
  const Index n = spec.samples, p = spec.features, s = spec.sparsity;
  require(n >= 1, "synthetic: samples must be positive");
  require(p >= 1, "synthetic: features must be positive");
  require(s >= 0 && s <= p, "synthetic: sparsity " + std::to_string(s) +
                                " must lie between 0 and the number of features " +
                                std::to_string(p));
  require(std::abs(spec.correlation) < 1.0, "synthetic: correlation must lie in (-1, 1)");
  require(spec.noise >= 0.0 && std::isfinite(spec.noise), "synthetic: noise must be >= 0");

  GaussianStream rng(spec.seed);
  Eigen::MatrixXd x(n, p);
  const double rho = spec.correlation, innovation = std::sqrt(1.0 - rho * rho);
  for (Index i = 0; i < n; ++i) {
    x(i, 0) = rng.normal();
    for (Index j = 1; j < p; ++j) x(i, j) = rho * x(i, j - 1) + innovation * rng.normal();
  }

  // Support: partial Fisher–Yates shuffle of 0..p−1.
  std::vector<Index> perm(static_cast<std::size_t>(p));
  for (Index j = 0; j < p; ++j) perm[static_cast<std::size_t>(j)] = j;
  for (Index j = 0; j < s; ++j) {
    const Index pick = j + rng.below(p - j);
    std::swap(perm[static_cast<std::size_t>(j)], perm[static_cast<std::size_t>(pick)]);
  }
  std::vector<Index> support(perm.begin(), perm.begin() + s);
  std::sort(support.begin(), support.end());

  Eigen::VectorXd w = Eigen::VectorXd::Zero(p);
  for (Index j : support)
    w[j] = spec.signal > 0.0 ? (rng.uniform() < 0.5 ? -spec.signal : spec.signal) : rng.normal();

  Design design(std::move(x));
  if (spec.normalize) {
    const Eigen::VectorXd scale = design.normalize_columns();
    w = w.cwiseProduct(scale);  // keeps X w* unchanged in the new units
  }
  Eigen::VectorXd z = design.multiply(w);
  Eigen::VectorXd y(n);
  for (Index i = 0; i < n; ++i) {
    if (spec.logistic) {
      y[i] = rng.uniform() < LogisticLoss::sigmoid(z[i]) ? 1.0 : -1.0;
    } else {
      y[i] = z[i] + spec.noise * rng.normal();
    }
  }
  return SyntheticInstance{std::move(design), std::move(y), std::move(w), std::move(support)};
}

}  // namespace cardinal
