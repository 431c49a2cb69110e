#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <functional>

#include "cardinal/nonconvex/models/network.hpp"

namespace cardinal {

/// Called with a prunable layer (a Linear or Conv2d module) and the input it is about to read.
using LayerInputObserver =
    std::function<void(const torch::nn::Module& layer, const torch::Tensor& input)>;

/// Shows `input` to the observer that forward_observing installed on this thread, if any.
void notify_layer_input(const torch::nn::Module& layer, const torch::Tensor& input);

/// Applies a prunable layer to `input`, first showing the input to the observer. Every model of
/// the zoo applies its Linear and Conv2d layers through this, residual blocks included, so that a
/// pruner reads each layer's inputs in any architecture with one mechanism (forward_observing)
/// rather than one forward pass per model.
template <class LayerHolder>
torch::Tensor apply_layer(LayerHolder& layer, const torch::Tensor& input) {
  notify_layer_input(*layer, input);
  return layer->forward(input);
}

/// network.forward(input) with `observer` called on each prunable layer's input, in forward
/// order, on this thread. The observer may end the pass early by throwing; the previous observer
/// (observations nest) is restored however the pass ends.
torch::Tensor forward_observing(Network& network, const torch::Tensor& input,
                                const LayerInputObserver& observer);

}  // namespace cardinal
