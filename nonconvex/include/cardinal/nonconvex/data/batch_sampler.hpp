#pragma once

#include "cardinal/nonconvex/data/tensor_dataset.hpp"

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace cardinal {

/// How BatchSampler cuts an epoch into batches.
struct BatchSamplerOptions {
  int64_t batch_size = 128;
  /// Drop the last batch when it is smaller than batch_size.
  bool drop_last = false;
  /// Visit the examples in a random order (false: in order, e.g. for evaluation).
  bool shuffle = true;
  uint64_t seed = 0;
};

/// Splits the indices 0..N−1 of a data set into batches, one permutation per epoch.
///
/// The permutation of epoch e depends only on (seed, e): it is drawn from a std::mt19937_64
/// seeded with a hash of both, so a run resumed at epoch e sees the same batches as one that
/// never stopped, whatever epochs were drawn before, on any platform and LibTorch version.
class BatchSampler {
 public:
  BatchSampler(int64_t dataset_size, BatchSamplerOptions options);

  int64_t dataset_size() const { return dataset_size_; }
  const BatchSamplerOptions& options() const { return options_; }

  /// Number of batches batches(epoch) returns.
  int64_t batches_per_epoch() const;

  /// The order in which epoch `epoch` (≥ 0) visits the examples: an N int64 tensor.
  torch::Tensor permutation(int64_t epoch) const;

  /// The batches of epoch `epoch`: 1-D int64 index tensors of batch_size indices (the last
  /// one shorter unless drop_last).
  std::vector<torch::Tensor> batches(int64_t epoch) const;

 private:
  int64_t dataset_size_;
  BatchSamplerOptions options_;
};

/// Inputs and labels of one batch.
struct Batch {
  torch::Tensor inputs;
  torch::Tensor labels;
};

/// The examples of `dataset` at `indices`, gathered with index_select on the dataset's device.
Batch select_batch(const TensorDataset& dataset, const torch::Tensor& indices);

}  // namespace cardinal
