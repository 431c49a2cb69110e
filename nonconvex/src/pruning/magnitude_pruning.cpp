#include "cardinal/nonconvex/pruning/magnitude_pruning.hpp"

#include <torch/nn/module.h>

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/models/network.hpp"
#include "cardinal/nonconvex/pruning/score_pruning.hpp"
#include "score_ranking.hpp"

namespace cardinal {

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
  return detail::prune_by_score<double>(mask, spec, ranked);
}

Mask prune_magnitude(const torch::nn::Module& network, const Mask& mask, const PruningSpec& spec) {
  mask.check_matches(network);
  std::vector<torch::Tensor> scores;
  for (const auto& [name, weight] : prunable_tensors(network))
    scores.push_back(weight.detach().abs());
  return prune_by_scores(mask, spec, scores);
}

}  // namespace cardinal
