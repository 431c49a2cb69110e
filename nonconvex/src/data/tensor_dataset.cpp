#include "cardinal/nonconvex/data/tensor_dataset.hpp"

#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"

namespace cardinal {

int64_t TensorDataset::size() const {
  return labels.defined() ? labels.size(0) : 0;
}

TensorDataset TensorDataset::to(const torch::Device& device) const {
  TensorDataset copy = *this;
  copy.inputs = inputs.to(device);
  copy.labels = labels.to(device);
  return copy;
}

TensorDataset TensorDataset::subset(const torch::Tensor& indices) const {
  require(indices.dim() == 1, name + ": subset indices must be a 1-D tensor");
  torch::Tensor index = indices.to(torch::kInt64);
  if (index.numel() > 0) {
    const int64_t low = index.min().item<int64_t>();
    const int64_t high = index.max().item<int64_t>();
    require(low >= 0 && high < size(), name + ": subset index " +
                                           std::to_string(low < 0 ? low : high) +
                                           " is outside [0, " + std::to_string(size()) + ")");
  }
  TensorDataset part = *this;
  part.inputs = inputs.index_select(0, index.to(inputs.device()));
  part.labels = labels.index_select(0, index.to(labels.device()));
  return part;
}

TensorDataset TensorDataset::subset(const std::vector<int64_t>& indices) const {
  return subset(torch::tensor(indices, torch::kInt64));
}

}  // namespace cardinal
