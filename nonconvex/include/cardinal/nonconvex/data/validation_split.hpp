#pragma once

#include "cardinal/nonconvex/data/tensor_dataset.hpp"

#include <cstdint>

namespace cardinal {

/// A training set with `validation` examples held out of it.
struct TrainValidationSplit {
  TensorDataset train;
  TensorDataset validation;
};

/// Holds out `count` examples of `dataset`, drawn uniformly without replacement by a generator
/// seeded with `seed` (the same for every platform and LibTorch version). Both parts keep the
/// original order of their examples. Requires 0 < count < dataset.size().
TrainValidationSplit split_validation(const TensorDataset& dataset, int64_t count, uint64_t seed);

}  // namespace cardinal
