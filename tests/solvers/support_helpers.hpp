#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/convex/coordinate_space.hpp"
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

struct BestSubset {
  CoordinateSpace::Support support;
  double objective = std::numeric_limits<double>::infinity();
};

/// Exhaustive search over all C(p, k) supports with the exact restricted solve.
template <class Problem>
BestSubset best_subset(const Problem& problem, Index k) {
  const CoordinateSpace& space = problem.space();
  const Index p = space.dimension();
  BestSubset best;
  std::vector<Index> combination(static_cast<std::size_t>(k));
  for (Index i = 0; i < k; ++i) combination[static_cast<std::size_t>(i)] = i;
  while (true) {
    const CoordinateSpace::Support support = space.unite(combination, space.empty_support());
    const double value = problem.value(problem.minimize_on(support, space.zeros()));
    if (value < best.objective) best = {support, value};
    Index i = k - 1;  // next combination in lexicographic order
    while (i >= 0 && combination[static_cast<std::size_t>(i)] == p - k + i) --i;
    if (i < 0) return best;
    ++combination[static_cast<std::size_t>(i)];
    for (Index m = i + 1; m < k; ++m)
      combination[static_cast<std::size_t>(m)] = combination[static_cast<std::size_t>(m - 1)] + 1;
  }
}

}  // namespace cardinal::test_support
