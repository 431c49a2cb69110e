#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <random>

#include "cardinal/bridge/index.hpp"

namespace cardinal::test_support {

/// A rows × cols matrix of independent N(0, 1) entries from a fixed seed, drawn column by column:
/// the same matrix on every machine and in every run.
inline Eigen::MatrixXd gaussian_matrix(Index rows, Index cols, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd m(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) m(i, j) = normal(engine);
  return m;
}

}  // namespace cardinal::test_support
