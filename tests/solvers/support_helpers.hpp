#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "cardinal/bridge/index.hpp"

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

}  // namespace cardinal::test_support
