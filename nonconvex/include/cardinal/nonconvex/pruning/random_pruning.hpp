#pragma once

#include <cstdint>

#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"

namespace cardinal {

/// The random-pruning control: removes exactly as many weights from each group as
/// prune_magnitude would with the same mask and spec, chosen uniformly at random among the
/// weights the mask keeps. Only the mask's shapes matter, so no network is needed.
///
/// The choice depends only on (mask, spec, seed): every kept weight, in (tensor, flat index)
/// order, draws a key from a std::mt19937_64 seeded with `seed` (whose output sequence the C++
/// standard fixes), and the smallest keys are removed. Same inputs, same mask, on any platform.
Mask prune_random(const Mask& mask, const PruningSpec& spec, std::uint64_t seed);

}  // namespace cardinal
