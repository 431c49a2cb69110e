#pragma once

// Random draws that are identical on every platform and LibTorch version: std::mt19937_64 is
// specified bit for bit by the standard, and unlike std::uniform_int_distribution the
// reductions below are too.

#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <utility>
#include <vector>

#include "cardinal/bridge/splitmix64.hpp"

namespace cardinal::detail {

/// A generator for stream `stream` of `seed` (e.g. one stream per epoch).
inline std::mt19937_64 make_engine(uint64_t seed, uint64_t stream) {
  return std::mt19937_64(splitmix64(splitmix64(seed) ^ stream));
}

/// A uniform draw from [0, n), n ≥ 1, by rejection (no modulo bias).
inline uint64_t uniform_below(std::mt19937_64& engine, uint64_t n) {
  constexpr uint64_t max = std::numeric_limits<uint64_t>::max();
  const uint64_t limit = max - max % n;  // the largest multiple of n not above max
  uint64_t x = engine();
  while (x >= limit) x = engine();
  return x % n;
}

/// A uniform draw from [0, 1) with 53 random bits.
inline double uniform_unit(std::mt19937_64& engine) {
  return static_cast<double>(engine() >> 11) * 0x1.0p-53;
}

/// A uniformly random permutation of 0..n−1 (Fisher–Yates).
inline std::vector<int64_t> random_permutation(int64_t n, std::mt19937_64& engine) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t{0});
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(uniform_below(engine, static_cast<uint64_t>(i) + 1));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  return order;
}

}  // namespace cardinal::detail
