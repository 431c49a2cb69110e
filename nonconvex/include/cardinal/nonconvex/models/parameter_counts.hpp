#pragma once

#include "cardinal/nonconvex/models/network.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cardinal {

/// The size of one parameter tensor of a network.
struct LayerCount {
  std::string name;
  int64_t parameters = 0;
  /// Whether pruning acts on it (see prunable_tensors).
  bool prunable = false;
};

/// One entry per parameter tensor of `network`, in registration order.
std::vector<LayerCount> parameter_counts(const Network& network);

/// The sum of `counts`, or of its prunable entries only.
int64_t total_parameters(const std::vector<LayerCount>& counts, bool prunable_only = false);

}  // namespace cardinal
