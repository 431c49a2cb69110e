#pragma once

#include <Eigen/Core>
#include <vector>

#include "cardinal/bridge/index.hpp"

namespace cardinal {

/// Budgets for rows that share one total, from each row's error path: paths[r][k] is row r's
/// error when it keeps k weights (k = 0, …, d_r), scales[r] weighs it. Returns the k_r with
/// Σ k_r = kept that minimize Σ_r scales[r] · paths[r][k_r] over the lower convex hulls of the
/// paths (docs/pruning.md): the weights go, one hull segment at a time, to the rows whose
/// scaled error falls most per weight kept, and the last segment taken may be cut short. Where
/// every path is convex this is the exact minimum of the sum; otherwise it is that of its convex
/// minorant, the classical greedy rule of rate allocation. Ties go to the row listed first.
/// Throws InvalidInput unless paths and scales have the same length, every path has at least
/// one entry and only finite values, every scale is finite and non-negative, and
/// 0 ≤ kept ≤ Σ_r d_r.
std::vector<Index> allocate_along_error_paths(const std::vector<Eigen::VectorXd>& paths,
                                              const std::vector<double>& scales, Index kept);

}  // namespace cardinal
