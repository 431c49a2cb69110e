#include "sparse_synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/loss.hpp"

namespace cardinal::bench {

BenchDataset make_sparse_synthetic(const SparseSpec& spec) {
  require(spec.samples >= 1 && spec.features >= 1, "sparse synthetic: empty shape");
  require(spec.density > 0.0 && spec.density <= 1.0, "sparse synthetic: density must be in (0, 1]");
  require(spec.sparsity >= 0 && spec.sparsity <= spec.features,
          "sparse synthetic: sparsity exceeds the number of features");
  std::mt19937_64 engine(spec.seed);
  auto uniform = [&engine] { return (static_cast<double>(engine() >> 11) + 0.5) * 0x1.0p-53; };

  // Stored rows of each column by geometric gaps between successive entries.
  const double log_skip = std::log1p(-std::min(spec.density, 1.0 - 1e-12));
  std::vector<Eigen::Triplet<double, Index>> entries;
  entries.reserve(static_cast<std::size_t>(1.05 * spec.density * static_cast<double>(spec.samples) *
                                           static_cast<double>(spec.features)) +
                  16);
  Eigen::VectorXd row_norm = Eigen::VectorXd::Zero(spec.samples);
  for (Index j = 0; j < spec.features; ++j) {
    double i = -1.0;
    while (true) {
      i += 1.0 + (spec.density >= 1.0 ? 0.0 : std::floor(std::log(uniform()) / log_skip));
      if (i >= static_cast<double>(spec.samples)) break;
      const double value = uniform();
      const auto row = static_cast<Index>(i);
      entries.emplace_back(row, j, value);
      row_norm[row] += value * value;
    }
  }
  for (auto& e : entries) {
    const double norm = std::sqrt(row_norm[e.row()]);
    e = Eigen::Triplet<double, Index>(e.row(), e.col(), e.value() / norm);
  }
  Design::Sparse x(spec.samples, spec.features);
  x.setFromTriplets(entries.begin(), entries.end());

  std::vector<Index> order(static_cast<std::size_t>(spec.features));
  for (Index j = 0; j < spec.features; ++j) order[static_cast<std::size_t>(j)] = j;
  for (Index j = 0; j < spec.sparsity; ++j) {
    const Index pick = j + static_cast<Index>(uniform() * static_cast<double>(spec.features - j));
    std::swap(order[static_cast<std::size_t>(j)], order[static_cast<std::size_t>(pick)]);
  }
  std::vector<Index> planted(order.begin(), order.begin() + spec.sparsity);
  std::sort(planted.begin(), planted.end());
  Eigen::VectorXd w = Eigen::VectorXd::Zero(spec.features);
  for (Index j : planted) w[j] = uniform() < 0.5 ? -1.0 : 1.0;
  // Rows have unit norm and few planted terms each: scale so that X w* is of order one.
  const double gain = std::sqrt(static_cast<double>(spec.features) /
                                std::max<double>(1.0, static_cast<double>(spec.sparsity)));
  Eigen::VectorXd y = gain * (x * w);
  if (spec.logistic)
    for (Index i = 0; i < y.size(); ++i)
      y[i] = uniform() < LogisticLoss::sigmoid(y[i]) ? 1.0 : -1.0;
  return BenchDataset{Design(std::move(x)), std::move(y),
                      spec.logistic ? "logistic" : "least-squares", std::move(planted)};
}

}  // namespace cardinal::bench
