#pragma once

#include <torch/types.h>

#include <vector>

#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"

namespace cardinal {

/// One round of pruning by scores: a new mask that additionally removes, from each group of
/// tensors (see PruningSpec), the pruned_count(f, r) weights of *smallest* score among the r
/// weights the current mask keeps. `scores[i]` holds one score per entry of mask tensor i (any
/// floating type and device; compared as doubles). Ties are broken by position, the earlier
/// (tensor, flat row-major index) first; a NaN score ranks as +∞ (never removed before a
/// number), −∞ ranks first.
///
/// This is the one selection rule of every score-based pruner: magnitude pruning is
/// prune_by_scores with |w|, the pruning-at-initialization criteria with their saliencies.
/// Throws InvalidInput if a score tensor does not match its mask tensor's shape.
Mask prune_by_scores(const Mask& mask, const PruningSpec& spec,
                     const std::vector<torch::Tensor>& scores);

}  // namespace cardinal
