#pragma once

#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"

namespace torch::nn {
class Module;
}

namespace cardinal {

/// One round of magnitude pruning: a new mask that additionally removes, from each group of
/// tensors (see PruningSpec), the pruned_count(f, r) weights of smallest |w| among the r weights
/// the current mask keeps. Weights the mask already removes stay removed whatever their value.
///
/// Ties in |w| are broken by position: the weight that comes first in (mask tensor order, flat
/// row-major index within the tensor) is removed first. A NaN weight ranks as an infinite one.
///
/// Throws InvalidInput if `mask` does not match `network` or `spec` is invalid for `mask`.
Mask prune_magnitude(const torch::nn::Module& network, const Mask& mask, const PruningSpec& spec);

}  // namespace cardinal
