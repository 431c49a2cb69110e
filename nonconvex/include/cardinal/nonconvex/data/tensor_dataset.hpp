#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace cardinal {

/// A labelled image data set held in memory as two tensors.
///
/// `inputs` is N×C×H×W float32 with pixel values scaled to [0, 1] (not normalized: see
/// normalization.hpp); `labels` is N int64 with values in [0, classes). Both live on the same
/// device.
struct TensorDataset {
  torch::Tensor inputs;
  torch::Tensor labels;
  int64_t classes = 0;
  std::string name;

  /// Number of examples N.
  int64_t size() const;

  /// A copy with both tensors on `device` (e.g. CUDA for training there).
  TensorDataset to(const torch::Device& device) const;

  /// The examples at `indices` (1-D integer tensor or list), in that order.
  /// Throws InvalidInput when an index is outside [0, size()).
  TensorDataset subset(const torch::Tensor& indices) const;
  TensorDataset subset(const std::vector<int64_t>& indices) const;
};

}  // namespace cardinal
