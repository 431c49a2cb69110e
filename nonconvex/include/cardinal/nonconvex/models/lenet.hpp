#pragma once

#include "cardinal/nonconvex/models/network.hpp"

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <vector>

namespace cardinal {

/// A fully connected ReLU network on the flattened image; LeNet-300-100 is
/// MultilayerPerceptron(784, {300, 100}, 10) (266,610 parameters), and MLPNet, the network
/// WoodFisher and CHITA prune, MultilayerPerceptron(784, {40, 20}, 10, false) (32,360 parameters,
/// no biases). Layers "fc1", "fc2", …, then the output layer "fc". Kaiming-normal initialization.
class MultilayerPerceptron : public Network {
 public:
  MultilayerPerceptron(int64_t inputs, const std::vector<int64_t>& hidden, int64_t classes,
                       bool bias = true);
  torch::Tensor forward(const torch::Tensor& input) override;

  /// The linear layers in forward order: the hidden ones, then the output layer. Layer l + 1
  /// reads relu(layer l's output); layer 0 reads the flattened input.
  std::vector<torch::nn::Linear> layers() const;

 private:
  std::vector<torch::nn::Linear> hidden_;
  torch::nn::Linear fc_{nullptr};
};

/// LeNet-5 as used in the lottery-ticket literature (ReLU and max pooling rather than the
/// original tanh, average pooling and partial connections):
/// conv1 6@5×5 pad 2 → ReLU → max-pool 2 → conv2 16@5×5 → ReLU → max-pool 2 →
/// fc1 120 → ReLU → fc2 84 → ReLU → fc. On 1×28×28 inputs the flattened features are 16·5·5
/// and the network has 61,706 parameters. Kaiming-normal initialization.
class LeNet5 : public Network {
 public:
  LeNet5(int64_t channels, int64_t height, int64_t width, int64_t classes);
  torch::Tensor forward(const torch::Tensor& input) override;

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr}, fc_{nullptr};
};

}  // namespace cardinal
