// Fully connected networks and LeNet-5.
#include "cardinal/nonconvex/models/lenet.hpp"
#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/models/initialization.hpp"
#include "cardinal/nonconvex/models/layer_observer.hpp"

#include <string>

namespace cardinal {

MultilayerPerceptron::MultilayerPerceptron(int64_t inputs, const std::vector<int64_t>& hidden,
                                           int64_t classes, bool bias) {
  require(inputs > 0 && classes > 0, "multilayer perceptron: inputs and classes must be positive");
  int64_t width = inputs;
  for (size_t i = 0; i < hidden.size(); ++i) {
    require(hidden[i] > 0, "multilayer perceptron: hidden widths must be positive");
    hidden_.push_back(
        register_module("fc" + std::to_string(i + 1),
                        torch::nn::Linear(torch::nn::LinearOptions(width, hidden[i]).bias(bias))));
    width = hidden[i];
  }
  fc_ =
      register_module("fc", torch::nn::Linear(torch::nn::LinearOptions(width, classes).bias(bias)));
  initialize_kaiming_normal(*this);
}

torch::Tensor MultilayerPerceptron::forward(const torch::Tensor& input) {
  torch::Tensor x = input.flatten(1);
  for (auto& layer : hidden_) x = apply_layer(layer, x).relu();
  return apply_layer(fc_, x);
}

std::vector<torch::nn::Linear> MultilayerPerceptron::layers() const {
  std::vector<torch::nn::Linear> all = hidden_;
  all.push_back(fc_);
  return all;
}

LeNet5::LeNet5(int64_t channels, int64_t height, int64_t width, int64_t classes) {
  // Spatial size after conv1 (same) → pool → conv2 (valid 5×5) → pool.
  const int64_t rows = (height / 2 - 4) / 2, cols = (width / 2 - 4) / 2;
  require(channels > 0 && classes > 0 && height / 2 > 4 && width / 2 > 4,
          "lenet5: inputs must be at least 10x10; got " + std::to_string(height) + "x" +
              std::to_string(width));
  conv1_ = register_module("conv1",
                           torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, 6, 5).padding(2)));
  conv2_ = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(6, 16, 5)));
  fc1_ = register_module("fc1", torch::nn::Linear(16 * rows * cols, 120));
  fc2_ = register_module("fc2", torch::nn::Linear(120, 84));
  fc_ = register_module("fc", torch::nn::Linear(84, classes));
  initialize_kaiming_normal(*this);
}

torch::Tensor LeNet5::forward(const torch::Tensor& input) {
  torch::Tensor x = torch::max_pool2d(apply_layer(conv1_, input).relu(), 2);
  x = torch::max_pool2d(apply_layer(conv2_, x).relu(), 2).flatten(1);
  x = apply_layer(fc1_, x).relu();
  x = apply_layer(fc2_, x).relu();
  return apply_layer(fc_, x);
}

}  // namespace cardinal
