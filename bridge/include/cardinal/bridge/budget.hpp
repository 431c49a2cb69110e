#pragma once

#include <algorithm>
#include <numeric>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/index.hpp"

namespace cardinal {

/// Whether a sparsity budget is one pool for all coordinates or split across blocks (the layers
/// of a network): hard thresholding to k keeps the k largest entries overall, or the k_b largest
/// of every block b with Σ k_b = k.
enum class BudgetScope { kGlobal, kPerBlock };

/// The per-block budgets of a total budget k over blocks of the given sizes, proportional to the
/// sizes: k_b = ⌊k · n_b / n⌋, and the k − Σ k_b coordinates left over go one each to the blocks
/// with the largest remainders k · n_b mod n (ties: the earlier block). Then Σ k_b = k and
/// k_b ≤ n_b. Requires 0 ≤ k ≤ n = Σ n_b.
inline std::vector<Index> split_budget(Index k, const std::vector<Index>& sizes) {
  const Index n = std::accumulate(sizes.begin(), sizes.end(), Index{0});
  require(k >= 0 && k <= n,
          "budget " + std::to_string(k) + " is outside [0, " + std::to_string(n) + "]");
  std::vector<Index> budget(sizes.size(), 0);
  if (n == 0) return budget;
  std::vector<std::size_t> order(sizes.size());
  std::vector<Index> remainder(sizes.size());
  Index assigned = 0;
  for (std::size_t b = 0; b < sizes.size(); ++b) {
    // k · n_b can exceed 2^63 for large blocks; form it in 128 bits.
    const __int128 product = static_cast<__int128>(k) * sizes[b];
    budget[b] = static_cast<Index>(product / n);
    remainder[b] = static_cast<Index>(product % n);
    assigned += budget[b];
    order[b] = b;
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  for (std::size_t i = 0; assigned < k; ++i, ++assigned) ++budget[order[i]];
  return budget;
}

}  // namespace cardinal
