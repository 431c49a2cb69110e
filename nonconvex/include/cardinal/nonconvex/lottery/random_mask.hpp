#pragma once

#include <cstdint>

#include "cardinal/nonconvex/pruning/mask.hpp"

namespace cardinal {

/// The random-mask control: a mask with the names and shapes of `mask` that keeps exactly
/// `mask.remaining(name)` weights of every tensor, at positions drawn uniformly among all of
/// the tensor's positions (not only those `mask` keeps).
///
/// The positions depend only on (mask shapes and counts, seed): a std::mt19937_64 seeded with
/// `seed` draws, tensor by tensor, a partial Fisher–Yates shuffle by rejection sampling, so
/// the result is the same on every platform and does not touch torch's generator.
Mask random_mask_like(const Mask& mask, std::uint64_t seed);

}  // namespace cardinal
