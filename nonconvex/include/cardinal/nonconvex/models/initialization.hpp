#pragma once

#include <torch/nn/module.h>

namespace cardinal {

/// The initialization every model of the zoo applies at construction, as OpenLTH's
/// kaiming_normal: each Conv2d and Linear weight ~ N(0, 2/fan_in) (Kaiming normal, fan-in,
/// ReLU gain); biases keep LibTorch's default U(−1/√fan_in, 1/√fan_in); batch-norm weights 1
/// and biases 0. Draws come from torch's global generator, in module registration order, so
/// torch::manual_seed(s) before construction makes the weights bit-identical on CPU.
void initialize_kaiming_normal(torch::nn::Module& network);

}  // namespace cardinal
