#include "cardinal/nonconvex/pruning/magnitude_pruning.hpp"

#include <torch/nn/module.h>

#include <limits>
#include <utility>
#include <vector>

#include "cardinal/nonconvex/models/network.hpp"
#include "score_pruning.hpp"

namespace cardinal {

Mask prune_magnitude(const torch::nn::Module& network, const Mask& mask, const PruningSpec& spec) {
  mask.check_matches(network);
  std::vector<torch::Tensor> scores;
  for (const auto& [name, weight] : prunable_tensors(network)) {
    // Doubles represent every float/half magnitude exactly, so no ties are created.
    torch::Tensor magnitude = weight.detach().abs().to(torch::kCPU, torch::kFloat64).contiguous();
    const double infinity = std::numeric_limits<double>::infinity();
    magnitude.nan_to_num_(/*nan=*/infinity, /*posinf=*/infinity);
    scores.push_back(std::move(magnitude));
  }
  return detail::prune_by_score<double>(mask, spec, scores);
}

}  // namespace cardinal
