#pragma once

#include "cardinal/nonconvex/data/tensor_dataset.hpp"

#include <torch/types.h>

#include <string>
#include <vector>

namespace cardinal {

/// Per-channel mean and standard deviation of pixel values in [0, 1].
struct Normalization {
  std::vector<double> mean;
  std::vector<double> std;
};

/// The statistics of the full training set of a known data set, per channel:
/// mnist (0.1307; 0.3081), fashion-mnist (0.2860; 0.3530),
/// cifar10 (0.4914, 0.4822, 0.4465; 0.2470, 0.2435, 0.2616).
/// InvalidInput for other names.
Normalization standard_normalization(const std::string& dataset);

/// The mean and (population) standard deviation of each channel of N×C×H×W `inputs`,
/// e.g. of a training set that has no standard constants.
Normalization compute_normalization(const torch::Tensor& inputs);

/// (inputs − mean) / std, channel by channel, on the inputs' device.
torch::Tensor normalize(const torch::Tensor& inputs, const Normalization& normalization);

}  // namespace cardinal
