#pragma once

#include "cardinal/nonconvex/models/network.hpp"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <vector>

namespace cardinal {

/// Conv-2, Conv-4 and Conv-6 of Frankle & Carbin (2018): `blocks` (1, 2 or 3) blocks of two
/// 3×3 "same" convolutions with ReLU followed by a 2×2 max pool, of 64, 128, 256 filters, then
/// fully connected 256 → ReLU → 256 → ReLU → classes. No batch norm. Layers "conv1" …
/// "conv<2·blocks>", "fc1", "fc2", then the output layer "fc". Kaiming-normal initialization.
class ConvNet : public Network {
 public:
  ConvNet(int64_t blocks, int64_t channels, int64_t height, int64_t width, int64_t classes);
  torch::Tensor forward(const torch::Tensor& input) override;

 private:
  std::vector<torch::nn::Conv2d> convs_;
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr}, fc_{nullptr};
};

/// A CIFAR VGG as in OpenLTH (cifar_vgg): 3×3 convolutions (with bias) each followed by batch
/// norm and ReLU, 2×2 max pools, then a 2×2 average pool and a single linear output layer from
/// 512 features. `plan` lists the filters of each convolution, 0 standing for a max pool.
/// Layers "conv<i>" and "bn<i>" in order, then "fc". Kaiming-normal initialization.
class Vgg : public Network {
 public:
  Vgg(const std::vector<int64_t>& plan, int64_t channels, int64_t height, int64_t width,
      int64_t classes);
  torch::Tensor forward(const torch::Tensor& input) override;

  /// The plans of VGG-11, -13, -16 and -19 (0 = max pool); InvalidInput for other depths.
  static std::vector<int64_t> plan(int depth);

 private:
  std::vector<int64_t> plan_;
  std::vector<torch::nn::Conv2d> convs_;
  std::vector<torch::nn::BatchNorm2d> norms_;
  torch::nn::Linear fc_{nullptr};
};

}  // namespace cardinal
