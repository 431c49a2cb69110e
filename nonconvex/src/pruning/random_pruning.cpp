#include "cardinal/nonconvex/pruning/random_pruning.hpp"

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "score_ranking.hpp"

namespace cardinal {

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
  return detail::prune_by_score<std::int64_t>(mask, spec, scores);
}

}  // namespace cardinal
