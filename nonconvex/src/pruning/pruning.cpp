// Pruning specs, the count rule, and magnitude and random pruning.
#include <torch/nn/module.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/models/network.hpp"
#include "cardinal/nonconvex/pruning/magnitude_pruning.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"
#include "cardinal/nonconvex/pruning/random_pruning.hpp"
#include "cardinal/nonconvex/pruning/score_pruning.hpp"

namespace cardinal {
namespace {

void require_fraction(double f, const std::string& what) {
  require(std::isfinite(f) && f >= 0.0 && f <= 1.0,
          "pruning " + what + " must be in [0, 1], got " + std::to_string(f));
}

/// Tensors pruned together: they share one ranking and remove `fraction` of their pooled
/// remaining weights.
struct Group {
  std::vector<Index> tensors;
  double fraction = 0.0;
};

/// The groups a spec splits a mask into (see PruningSpec). Dense tensors are in no group.
std::vector<Group> groups_of(const Mask& mask, const PruningSpec& spec) {
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

}  // namespace

void PruningSpec::validate(const Mask& mask) const {
  require_fraction(fraction, "fraction");
  if (output_fraction) require_fraction(*output_fraction, "output_fraction");
  for (const auto& [name, f] : layer_fraction) {
    require(mask.contains(name),
            "pruning layer_fraction names " + name + ", which is not a prunable tensor");
    require_fraction(f, "layer_fraction for " + name);
    require(!dense_layers.contains(name),
            "pruning layer " + name + " is both dense and given a layer_fraction");
  }
  for (const auto& name : dense_layers)
    require(mask.contains(name),
            "pruning dense_layers names " + name + ", which is not a prunable tensor");
}

PruningSpec compound_pruning(const PruningSpec& per_round, double rounds) {
  require(std::isfinite(rounds) && rounds >= 0.0,
          "compound pruning: rounds must be >= 0, got " + std::to_string(rounds));
  auto compound = [rounds](double f) { return 1.0 - std::pow(1.0 - f, rounds); };
  PruningSpec out = per_round;
  out.fraction = compound(per_round.fraction);
  if (per_round.output_fraction) out.output_fraction = compound(*per_round.output_fraction);
  for (auto& [name, f] : out.layer_fraction) f = compound(f);
  return out;
}

Index pruned_count(double fraction, Index remaining) {
  require_fraction(fraction, "fraction");
  require(remaining >= 0, "pruned_count: negative remaining count");
  const long long count = std::llround(fraction * static_cast<double>(remaining));
  return std::clamp<Index>(static_cast<Index>(count), 0, remaining);
}

Mask prune_by_scores(const Mask& mask, const PruningSpec& spec,
                     const std::vector<torch::Tensor>& scores) {
  require(static_cast<Index>(scores.size()) == mask.size(),
          "prune_by_scores: " + std::to_string(scores.size()) + " score tensors for a mask of " +
              std::to_string(mask.size()));
  std::vector<torch::Tensor> ranked;
  for (Index i = 0; i < mask.size(); ++i) {
    const torch::Tensor& score = scores[static_cast<std::size_t>(i)];
    require(score.sizes() == mask.keep(i).sizes(), "prune_by_scores: the scores of " +
                                                       mask.names()[static_cast<std::size_t>(i)] +
                                                       " do not have its shape");
    // Doubles represent every float/half score exactly, so no ties are created.
    torch::Tensor s = score.detach().to(torch::kCPU, torch::kFloat64).contiguous().clone();
    const double infinity = std::numeric_limits<double>::infinity();
    s.nan_to_num_(/*nan=*/infinity, /*posinf=*/infinity, /*neginf=*/-infinity);
    ranked.push_back(std::move(s));
  }
  return prune_by_score<double>(mask, spec, ranked);
}

Mask prune_magnitude(const torch::nn::Module& network, const Mask& mask, const PruningSpec& spec) {
  mask.check_matches(network);
  std::vector<torch::Tensor> scores;
  for (const auto& [name, weight] : prunable_tensors(network))
    scores.push_back(weight.detach().abs());
  return prune_by_scores(mask, spec, scores);
}

Mask prune_random(const Mask& mask, const PruningSpec& spec, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::vector<torch::Tensor> scores;
  for (Index i = 0; i < mask.size(); ++i) {
    const torch::Tensor& keep = mask.keep(i);
    torch::Tensor key = torch::zeros(keep.sizes(), torch::TensorOptions().dtype(torch::kInt64));
    const bool* kept = keep.data_ptr<bool>();
    std::int64_t* k = key.data_ptr<std::int64_t>();
    // Non-negative 63-bit keys; only the kept entries draw, in flat order.
    for (Index j = 0; j < keep.numel(); ++j)
      if (kept[j]) k[j] = static_cast<std::int64_t>(engine() >> 1);
    scores.push_back(std::move(key));
  }
  return prune_by_score<std::int64_t>(mask, spec, scores);
}

}  // namespace cardinal
