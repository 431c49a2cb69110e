#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>
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

/// The per-block budgets of a total budget k when block b's *density* is proportional to
/// `relative_density[b]` > 0 rather than equal for all blocks (Erdős–Rényi allocations, as RigL
/// assigns layer densities): density d_b = min(1, ε · ρ_b), with ε chosen so that Σ d_b n_b = k;
/// blocks whose density would exceed 1 are kept whole and ε is solved again over the others
/// (Evci et al. 2020, appendix). The real budgets d_b n_b are rounded down and the coordinates
/// left over go one each to the blocks with the largest fractional parts (ties: the earlier
/// block), never above n_b. Then Σ k_b = k and k_b ≤ n_b; equal densities give split_budget's
/// budgets exactly. Requires 0 ≤ k ≤ n = Σ n_b and one finite ρ_b > 0 per block.
inline std::vector<Index> split_budget(Index k, const std::vector<Index>& sizes,
                                       const std::vector<double>& relative_density) {
  require(relative_density.size() == sizes.size(),
          "split_budget: one relative density per block needed");
  for (double rho : relative_density)
    require(std::isfinite(rho) && rho > 0.0,
            "split_budget: relative densities must be finite and > 0, got " + std::to_string(rho));
  if (std::adjacent_find(relative_density.begin(), relative_density.end(), std::not_equal_to<>()) ==
      relative_density.end())
    return split_budget(k, sizes);
  const Index n = std::accumulate(sizes.begin(), sizes.end(), Index{0});
  require(k >= 0 && k <= n,
          "budget " + std::to_string(k) + " is outside [0, " + std::to_string(n) + "]");
  const std::size_t blocks = sizes.size();
  std::vector<bool> whole(blocks, false);
  double epsilon = 0.0;
  for (bool changed = true; changed;) {
    changed = false;
    double rest = static_cast<double>(k), weight = 0.0;
    for (std::size_t b = 0; b < blocks; ++b) {
      if (whole[b]) {
        rest -= static_cast<double>(sizes[b]);
      } else {
        weight += relative_density[b] * static_cast<double>(sizes[b]);
      }
    }
    epsilon = weight > 0.0 ? std::max(0.0, rest) / weight : 0.0;
    for (std::size_t b = 0; b < blocks; ++b) {
      if (!whole[b] && sizes[b] > 0 && epsilon * relative_density[b] >= 1.0) {
        whole[b] = true;
        changed = true;
      }
    }
  }
  std::vector<Index> budget(blocks, 0);
  std::vector<double> fraction(blocks, 0.0);
  Index assigned = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    const double real = whole[b] ? static_cast<double>(sizes[b])
                                 : epsilon * relative_density[b] * static_cast<double>(sizes[b]);
    budget[b] = std::min(sizes[b], static_cast<Index>(std::floor(real)));
    fraction[b] = real - static_cast<double>(budget[b]);
    assigned += budget[b];
  }
  std::vector<std::size_t> order(blocks);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return fraction[a] > fraction[b]; });
  // Σ ⌊d_b n_b⌋ ≤ k: hand out the rest by the largest fractional parts, within n_b.
  for (std::size_t i = 0; assigned < k; i = (i + 1) % blocks) {
    const std::size_t b = order[i];
    if (budget[b] < sizes[b]) {
      ++budget[b];
      ++assigned;
    }
  }
  return budget;
}

}  // namespace cardinal
