// The CIFAR ResNets of He et al. (2016), as in OpenLTH.
#include "cardinal/nonconvex/models/resnet.hpp"
#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/models/initialization.hpp"
#include "cardinal/nonconvex/models/layer_observer.hpp"

#include <string>

namespace cardinal {
namespace {

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
}

}  // namespace

ResidualBlock::ResidualBlock(int64_t in_channels, int64_t out_channels, int64_t stride) {
  conv1_ = register_module("conv1", conv(in_channels, out_channels, 3, stride));
  bn1_ = register_module("bn1", torch::nn::BatchNorm2d(out_channels));
  conv2_ = register_module("conv2", conv(out_channels, out_channels, 3, 1));
  bn2_ = register_module("bn2", torch::nn::BatchNorm2d(out_channels));
  if (stride != 1 || in_channels != out_channels) {
    shortcut_ = register_module("shortcut", conv(in_channels, out_channels, 1, stride));
    shortcut_bn_ = register_module("shortcut_bn", torch::nn::BatchNorm2d(out_channels));
  }
}

torch::Tensor ResidualBlock::forward(const torch::Tensor& input) {
  torch::Tensor out = bn1_->forward(apply_layer(conv1_, input)).relu();
  out = bn2_->forward(apply_layer(conv2_, out));
  out += shortcut_ ? shortcut_bn_->forward(apply_layer(shortcut_, input)) : input;
  return out.relu();
}

CifarResNet::CifarResNet(int64_t depth, int64_t channels, int64_t classes, int64_t width) {
  require(depth >= 8 && (depth - 2) % 6 == 0,
          "resnet: depth must be 6n + 2 with n >= 1; got " + std::to_string(depth));
  require(channels > 0 && classes > 0 && width > 0, "resnet: sizes must be positive");
  const int64_t blocks_per_stage = (depth - 2) / 6;
  conv_ = register_module("conv", conv(channels, width, 3, 1));
  bn_ = register_module("bn", torch::nn::BatchNorm2d(width));
  int64_t in = width;
  for (int64_t stage = 0; stage < 3; ++stage) {
    const int64_t filters = width << stage;
    for (int64_t b = 0; b < blocks_per_stage; ++b) {
      const int64_t stride = stage > 0 && b == 0 ? 2 : 1;
      const std::string name = "block" + std::to_string(blocks_.size() + 1);
      blocks_.push_back(
          register_module(name, std::make_shared<ResidualBlock>(in, filters, stride)));
      in = filters;
    }
  }
  fc_ = register_module("fc", torch::nn::Linear(in, classes));
  initialize_kaiming_normal(*this);
}

torch::Tensor CifarResNet::forward(const torch::Tensor& input) {
  torch::Tensor x = bn_->forward(apply_layer(conv_, input)).relu();
  for (auto& block : blocks_) x = block->forward(x);
  return apply_layer(fc_, x.mean({2, 3}));
}

}  // namespace cardinal
