#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"

namespace cardinal::test_support {

/// The indices of the nonzero entries among the first `constrained` coordinates of w.
inline std::vector<Index> nonzeros(const Eigen::VectorXd& w, Index constrained) {
  std::vector<Index> s;
  for (Index i = 0; i < constrained; ++i)
    if (w[i] != 0.0) s.push_back(i);
  return s;
}

/// The k largest entries of v in magnitude, ties to the lower index, in increasing order.
inline std::vector<Index> top_k(const Eigen::VectorXd& v, Index k) {
  std::vector<Index> idx(static_cast<std::size_t>(v.size()));
  std::iota(idx.begin(), idx.end(), Index{0});
  std::stable_sort(idx.begin(), idx.end(),
                   [&v](Index a, Index b) { return std::abs(v[a]) > std::abs(v[b]); });
  idx.resize(static_cast<std::size_t>(std::min<Index>(k, v.size())));
  std::sort(idx.begin(), idx.end());
  return idx;
}

/// Sparse logistic recovery as in the hard-thresholding literature: X i.i.d. N(0, 1) (n × p), a
/// planted support of size s with coefficients ±1, ±2, ±3 (magnitudes in turn, random signs), and
/// labels y ∈ {−1, +1} with P(y = 1) = σ(x·β). Returns the problem (no intercept) and β.
struct LogisticRecoveryInstance {
  LogisticProblem problem;
  Eigen::VectorXd planted;
  std::vector<Index> support;
};

inline LogisticRecoveryInstance logistic_recovery_instance(Index n, Index p, Index s,
                                                           std::uint64_t seed) {
  SyntheticInstance inst =
      make_synthetic({.samples = n, .features = p, .sparsity = s, .seed = seed});
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(p);
  for (std::size_t i = 0; i < inst.support.size(); ++i) {
    const Index j = inst.support[i];
    beta[j] = (inst.planted[j] > 0 ? 1.0 : -1.0) * static_cast<double>(1 + i % 3);
  }
  std::vector<Index> columns(static_cast<std::size_t>(p));
  std::iota(columns.begin(), columns.end(), Index{0});
  const Eigen::VectorXd z = inst.design.dense_columns(columns) * beta;
  std::mt19937_64 rng(seed ^ 0x5DEECE66DULL);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Eigen::VectorXd y(n);
  for (Index i = 0; i < n; ++i) y[i] = uniform(rng) < 1.0 / (1.0 + std::exp(-z[i])) ? 1.0 : -1.0;
  return {LogisticProblem(std::move(inst.design), y), beta, inst.support};
}

/// The smallest count of successes among `trials` independent trials of success probability
/// `rate` that is not significantly low at level `alpha`: the largest c with P(X < c) ≤ alpha for
/// X ~ Binomial(trials, rate). A count below it rejects "the success rate is at least `rate`"
/// (one-sided binomial test), so a recovery-rate test asserting count ≥ c on fixed seeds fails
/// when the rate has fallen below `rate`, not when the seeds were merely unlucky.
inline int binomial_lower_bound(int trials, double rate, double alpha) {
  double below = 0.0;  // P(X < c)
  for (int c = 0; c < trials; ++c) {
    const double log_pmf = std::lgamma(trials + 1.0) - std::lgamma(c + 1.0) -
                           std::lgamma(trials - c + 1.0) + c * std::log(rate) +
                           (trials - c) * std::log1p(-rate);
    if (below + std::exp(log_pmf) > alpha) return c;
    below += std::exp(log_pmf);
  }
  return trials;
}

}  // namespace cardinal::test_support
