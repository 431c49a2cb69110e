#pragma once

#include "cardinal/nonconvex/data/tensor_dataset.hpp"

#include <torch/types.h>

#include <cstdint>
#include <string>

namespace cardinal {

/// Reads an IDX image file (magic 0x00000803, the MNIST format), raw or gzip-compressed
/// (detected from the content). Returns the pixels as stored: an N×H×W uint8 tensor.
/// Throws InvalidInput naming the file when it is missing, has the wrong magic number, zero
/// dimensions, is truncated or has trailing bytes.
torch::Tensor load_idx_images(const std::string& path);

/// Reads an IDX label file (magic 0x00000801), raw or gzip-compressed. Returns an N int64
/// tensor. Throws InvalidInput naming the file when it is malformed or a label is not in
/// [0, classes).
torch::Tensor load_idx_labels(const std::string& path, int64_t classes = 10);

/// Loads one split ("train" or "test") of an MNIST-format data set (MNIST, Fashion-MNIST) from
/// `dir`, which holds `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
/// `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each optionally ending in `.gz`.
/// The result has inputs N×1×H×W in [0, 1], 10 classes and the given `name`.
TensorDataset load_mnist_like(const std::string& dir, const std::string& split,
                              const std::string& name);

}  // namespace cardinal
