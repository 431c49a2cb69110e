// Conv-2/4/6 (Frankle & Carbin 2018) and the CIFAR VGGs (OpenLTH).
#include "cardinal/nonconvex/models/convnet.hpp"
#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/models/initialization.hpp"
#include "cardinal/nonconvex/models/layer_observer.hpp"

#include <string>

namespace cardinal {
namespace {

torch::nn::Conv2d conv3x3(int64_t in, int64_t out) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1));
}

std::string size_text(int64_t height, int64_t width) {
  return std::to_string(height) + "x" + std::to_string(width);
}

}  // namespace

ConvNet::ConvNet(int64_t blocks, int64_t channels, int64_t height, int64_t width, int64_t classes) {
  require(blocks >= 1 && blocks <= 3, "conv network: 1, 2 or 3 blocks (Conv-2/4/6)");
  const int64_t rows = height >> blocks, cols = width >> blocks;
  require(channels > 0 && classes > 0 && rows > 0 && cols > 0,
          "conv" + std::to_string(2 * blocks) + ": inputs must be at least " +
              size_text(1 << blocks, 1 << blocks) + "; got " + size_text(height, width));
  int64_t in = channels;
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t filters = 64 << b;
    for (int64_t k = 0; k < 2; ++k) {
      const std::string name = "conv" + std::to_string(convs_.size() + 1);
      convs_.push_back(register_module(name, conv3x3(in, filters)));
      in = filters;
    }
  }
  fc1_ = register_module("fc1", torch::nn::Linear(in * rows * cols, 256));
  fc2_ = register_module("fc2", torch::nn::Linear(256, 256));
  fc_ = register_module("fc", torch::nn::Linear(256, classes));
  initialize_kaiming_normal(*this);
}

torch::Tensor ConvNet::forward(const torch::Tensor& input) {
  torch::Tensor x = input;
  for (size_t i = 0; i < convs_.size(); i += 2) {
    x = apply_layer(convs_[i], x).relu();
    x = torch::max_pool2d(apply_layer(convs_[i + 1], x).relu(), 2);
  }
  x = apply_layer(fc1_, x.flatten(1)).relu();
  x = apply_layer(fc2_, x).relu();
  return apply_layer(fc_, x);
}

std::vector<int64_t> Vgg::plan(int depth) {
  switch (depth) {
    case 11:
      return {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512};
    case 13:
      return {64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512};
    case 16:
      return {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512};
    case 19:
      return {64, 64,  0,   128, 128, 0, 256, 256, 256, 256,
              0,  512, 512, 512, 512, 0, 512, 512, 512, 512};
    default:
      throw InvalidInput("vgg: unknown depth " + std::to_string(depth) + " (11, 13, 16 or 19)");
  }
}

Vgg::Vgg(const std::vector<int64_t>& plan, int64_t channels, int64_t height, int64_t width,
         int64_t classes)
    : plan_(plan) {
  int64_t in = channels, rows = height, cols = width;
  for (int64_t filters : plan) {
    if (filters == 0) {
      rows /= 2;
      cols /= 2;
      continue;
    }
    const std::string index = std::to_string(convs_.size() + 1);
    convs_.push_back(register_module("conv" + index, conv3x3(in, filters)));
    norms_.push_back(register_module("bn" + index, torch::nn::BatchNorm2d(filters)));
    in = filters;
  }
  require(!convs_.empty() && channels > 0 && classes > 0, "vgg: empty plan");
  // The final 2×2 average pool must leave at least one pixel.
  require(rows / 2 > 0 && cols / 2 > 0,
          "vgg: inputs must be at least 32x32; got " + size_text(height, width));
  fc_ = register_module("fc", torch::nn::Linear(in * (rows / 2) * (cols / 2), classes));
  initialize_kaiming_normal(*this);
}

torch::Tensor Vgg::forward(const torch::Tensor& input) {
  torch::Tensor x = input;
  size_t layer = 0;
  for (int64_t filters : plan_) {
    if (filters == 0) {
      x = torch::max_pool2d(x, 2);
    } else {
      x = norms_[layer]->forward(apply_layer(convs_[layer], x)).relu();
      ++layer;
    }
  }
  return apply_layer(fc_, torch::avg_pool2d(x, 2).flatten(1));
}

}  // namespace cardinal
