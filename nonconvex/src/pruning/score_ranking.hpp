#pragma once

// Internal: ranking by a score, the mechanism behind prune_by_scores and random pruning.

#include <torch/types.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"

namespace cardinal::detail {

/// Tensors pruned together: they share one ranking and remove `fraction` of their pooled
/// remaining weights.
struct Group {
  std::vector<Index> tensors;
  double fraction = 0.0;
};

/// The groups a spec splits a mask into (see PruningSpec). Dense tensors are in no group.
inline std::vector<Group> groups_of(const Mask& mask, const PruningSpec& spec) {
  spec.validate(mask);
  Group global{{}, spec.fraction};
  std::vector<Group> groups;
  for (Index i = 0; i < mask.size(); ++i) {
    const std::string& name = mask.names()[static_cast<std::size_t>(i)];
    if (spec.dense_layers.contains(name)) continue;
    std::optional<double> own;
    if (const auto it = spec.layer_fraction.find(name); it != spec.layer_fraction.end())
      own = it->second;
    else if (spec.output_fraction && i == mask.size() - 1)
      own = spec.output_fraction;
    if (own)
      groups.push_back({{i}, *own});
    else if (spec.scope == PruningScope::kLayerwise)
      groups.push_back({{i}, spec.fraction});
    else
      global.tensors.push_back(i);
  }
  if (!global.tensors.empty()) groups.push_back(std::move(global));
  return groups;
}

/// Clears, in `keep` (one bool array per tensor of `group`), the pruned_count(fraction, r)
/// kept entries of smallest score, r being the number kept; ties go to the earlier (tensor,
/// flat index). `scores[t]` has one score per entry of tensor t (entries not kept are ignored).
template <typename Score>
void remove_smallest(const std::vector<const Score*>& scores, const std::vector<bool*>& keep,
                     const std::vector<Index>& sizes, double fraction) {
  std::vector<Score> pool;
  for (std::size_t t = 0; t < scores.size(); ++t)
    for (Index j = 0; j < sizes[t]; ++j)
      if (keep[t][j]) pool.push_back(scores[t][j]);
  Index to_remove = pruned_count(fraction, static_cast<Index>(pool.size()));
  if (to_remove == 0) return;
  // The to_remove-th smallest score; everything below it goes, then ties in position order.
  std::nth_element(pool.begin(), pool.begin() + (to_remove - 1), pool.end());
  const Score threshold = pool[static_cast<std::size_t>(to_remove - 1)];
  Index ties =
      to_remove - std::count_if(pool.begin(), pool.end(), [&](Score s) { return s < threshold; });
  for (std::size_t t = 0; t < scores.size(); ++t) {
    for (Index j = 0; j < sizes[t]; ++j) {
      if (!keep[t][j]) continue;
      if (scores[t][j] < threshold) {
        keep[t][j] = false;
      } else if (scores[t][j] == threshold && ties > 0) {
        keep[t][j] = false;
        --ties;
      }
    }
  }
}

/// Applies remove_smallest to every group; `scores[i]` is a contiguous CPU tensor of scalar
/// type Score with the shape of mask tensor i.
template <typename Score>
Mask prune_by_score(const Mask& mask, const PruningSpec& spec,
                    const std::vector<torch::Tensor>& scores) {
  std::vector<torch::Tensor> keep;
  for (Index i = 0; i < mask.size(); ++i) keep.push_back(mask.keep(i).clone());
  for (const Group& group : groups_of(mask, spec)) {
    std::vector<const Score*> group_scores;
    std::vector<bool*> group_keep;
    std::vector<Index> sizes;
    for (const Index i : group.tensors) {
      const auto k = static_cast<std::size_t>(i);
      group_scores.push_back(scores[k].data_ptr<Score>());
      group_keep.push_back(keep[k].data_ptr<bool>());
      sizes.push_back(keep[k].numel());
    }
    remove_smallest(group_scores, group_keep, sizes, group.fraction);
  }
  return Mask(mask.names(), std::move(keep));
}

}  // namespace cardinal::detail
