#pragma once

#include "cardinal/nonconvex/models/network.hpp"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace cardinal {

/// A basic residual block: 3×3 conv (stride 1 or 2) → BN → ReLU → 3×3 conv → BN, plus the
/// shortcut, then ReLU. When the shape changes the shortcut is a 1×1 convolution with the same
/// stride followed by BN ("shortcut", "shortcut_bn"; He et al.'s option B, as in OpenLTH),
/// otherwise the identity. Convolutions have no bias.
class ResidualBlock : public torch::nn::Module {
 public:
  ResidualBlock(int64_t in_channels, int64_t out_channels, int64_t stride);
  torch::Tensor forward(const torch::Tensor& input);

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, shortcut_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr}, shortcut_bn_{nullptr};
};

/// The CIFAR ResNet of He et al. (2016) as in OpenLTH (cifar_resnet_<depth>): 3×3 conv of
/// `width` filters → BN → ReLU, three stages of n = (depth − 2)/6 residual blocks of width,
/// 2·width and 4·width filters (the first block of stages 2 and 3 halves the resolution), global
/// average pooling and a linear output layer. Modules "conv", "bn", "block1" … "block<3n>",
/// "fc". ResNet-20 has 272,474 parameters. Kaiming-normal initialization.
class CifarResNet : public Network {
 public:
  CifarResNet(int64_t depth, int64_t channels, int64_t classes, int64_t width = 16);
  torch::Tensor forward(const torch::Tensor& input) override;

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
  std::vector<std::shared_ptr<ResidualBlock>> blocks_;
  torch::nn::Linear fc_{nullptr};
};

}  // namespace cardinal
