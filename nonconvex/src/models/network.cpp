#include "cardinal/nonconvex/models/network.hpp"

namespace cardinal {

std::vector<NamedTensor> prunable_tensors(const torch::nn::Module& network) {
  std::vector<NamedTensor> out;
  for (const auto& item : network.named_parameters(/*recurse=*/true)) {
    const std::string& name = item.key();
    const bool is_weight =
        name == "weight" || (name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0);
    if (is_weight && item.value().dim() >= 2) out.push_back({name, item.value()});
  }
  return out;
}

}  // namespace cardinal
