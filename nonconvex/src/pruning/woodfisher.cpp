#include "cardinal/nonconvex/pruning/woodfisher.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

/// Columns of G per block: bounds the double copy of G_S to n × 4096.
constexpr Index kBlockColumns = 4096;

CoordinateSpace::Support block_of(const CoordinateSpace::Support& s, Index begin) {
  const auto first = s.begin() + begin;
  const auto last =
      s.begin() + std::min<Index>(begin + kBlockColumns, static_cast<Index>(s.size()));
  return CoordinateSpace::Support(first, last);
}

}  // namespace

Eigen::VectorXd restricted_inverse_diagonal(const CenteredRidgeProblem& problem,
                                            const CoordinateSpace::Support& s) {
  const double ridge = problem.ridge();
  require(ridge > 0.0, "woodfisher: the Fisher model needs a positive ridge (--ridge)");
  const Index n = problem.samples(), size = static_cast<Index>(s.size());
  Eigen::MatrixXd inner = Eigen::MatrixXd::Zero(n, n);
  for (Index begin = 0; begin < size; begin += kBlockColumns)
    inner.selfadjointView<Eigen::Lower>().rankUpdate(
        problem.design().dense_columns(block_of(s, begin)));
  inner.diagonal().array() += static_cast<double>(n) * ridge;
  const Eigen::LLT<Eigen::MatrixXd> llt(inner.selfadjointView<Eigen::Lower>());
  require(llt.info() == Eigen::Success, "woodfisher: the Woodbury system is not positive definite");
  Eigen::VectorXd diagonal(size);
  for (Index begin = 0; begin < size; begin += kBlockColumns) {
    Eigen::MatrixXd columns = problem.design().dense_columns(block_of(s, begin));
    llt.matrixL().solveInPlace(columns);
    diagonal.segment(begin, columns.cols()) =
        (1.0 - columns.colwise().squaredNorm().array()).transpose() / ridge;
  }
  return diagonal;
}

WoodFisherResult woodfisher(const CenteredRidgeProblem& problem, Index kept, Index steps) {
  const Index d = problem.features();
  require(kept >= 0 && kept <= d,
          "woodfisher: a budget of " + std::to_string(kept) + " weights of " + std::to_string(d));
  require(steps >= 1, "woodfisher: at least one pruning step, got " + std::to_string(steps));
  require(problem.ridge() > 0.0, "woodfisher: the Fisher model needs a positive ridge (--ridge)");
  WoodFisherResult result{problem.center(), CoordinateSpace::Support(static_cast<std::size_t>(d))};
  std::iota(result.support.begin(), result.support.end(), Index{0});
  for (Index t = 1; t <= steps && static_cast<Index>(result.support.size()) > kept; ++t) {
    const Index target =
        d - static_cast<Index>(std::llround(static_cast<double>(d - kept) * static_cast<double>(t) /
                                            static_cast<double>(steps)));
    const Index size = static_cast<Index>(result.support.size());
    if (target >= size) continue;
    const Eigen::VectorXd diagonal = restricted_inverse_diagonal(problem, result.support);
    std::vector<Index> order(static_cast<std::size_t>(size));
    std::iota(order.begin(), order.end(), Index{0});
    auto saliency = [&](Index i) {
      const double w = result.w[result.support[static_cast<std::size_t>(i)]];
      return w * w / (2.0 * diagonal[i]);
    };
    // Positions in the support are in index order, so the stable sort breaks ties by index.
    std::stable_sort(order.begin(), order.end(),
                     [&](Index a, Index b) { return saliency(a) < saliency(b); });
    std::vector<bool> removed(static_cast<std::size_t>(size), false);
    for (Index i = 0; i < size - target; ++i) removed[static_cast<std::size_t>(order[i])] = true;
    CoordinateSpace::Support remaining;
    for (Index i = 0; i < size; ++i)
      if (!removed[static_cast<std::size_t>(i)])
        remaining.push_back(result.support[static_cast<std::size_t>(i)]);
    result.support = std::move(remaining);
    result.w = problem.minimize_on(result.support, result.w);
  }
  return result;
}

}  // namespace cardinal
