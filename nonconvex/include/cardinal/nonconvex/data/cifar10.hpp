#pragma once

#include "cardinal/nonconvex/data/tensor_dataset.hpp"

#include <string>

namespace cardinal {

/// Loads one split of CIFAR-10 in its binary format from `dir` (or from
/// `dir/cifar-10-batches-bin`, the folder the official archive unpacks to): "train" reads
/// data_batch_1.bin … data_batch_5.bin (all five are required), "test" reads test_batch.bin.
/// Each record is 1 label byte followed by 3072 pixel bytes: the 32×32 red plane, then green,
/// then blue, each row-major. The result has inputs N×3×32×32 in [0, 1] and 10 classes.
/// Throws InvalidInput naming the file when one is missing, empty, not a whole number of
/// 3073-byte records or holds a label ≥ 10.
TensorDataset load_cifar10(const std::string& dir, const std::string& split);

}  // namespace cardinal
