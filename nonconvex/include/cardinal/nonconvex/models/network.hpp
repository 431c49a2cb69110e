#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <string>
#include <vector>

namespace cardinal {

/// A network the testbed trains and prunes: a torch::nn::Module with a forward pass.
///
/// Pruning acts on the *prunable* tensors: by convention every parameter named "weight" (or
/// ending in ".weight") with at least two dimensions, i.e. linear and convolution kernels.
/// Biases and batch-norm parameters stay dense. Modules are registered in forward order, so the
/// last prunable tensor is the output layer's weight. A model applies its prunable layers through
/// apply_layer (layer_observer.hpp), so that the layer-wise pruners can read each one's inputs.
class Network : public torch::nn::Module {
 public:
  using torch::nn::Module::Module;
  virtual torch::Tensor forward(const torch::Tensor& input) = 0;
};

/// A parameter of a network with its fully-qualified name (e.g. "fc1.weight").
struct NamedTensor {
  std::string name;
  torch::Tensor tensor;
};

/// The prunable tensors of `network`, in registration order (see Network).
std::vector<NamedTensor> prunable_tensors(const torch::nn::Module& network);

}  // namespace cardinal
