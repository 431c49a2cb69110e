#pragma once

#include <torch/types.h>

#include <optional>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/nonconvex/data/normalization.hpp"
#include "cardinal/nonconvex/data/tensor_dataset.hpp"
#include "cardinal/nonconvex/models/network.hpp"
#include "cardinal/nonconvex/pruning/snapshot.hpp"

namespace cardinal {

/// The number of networks evaluated on the line between two trained networks: α = 0, 1/30, …, 1
/// (Frankle, Dziugaite, Roy & Carbin evaluate 30 points).
inline constexpr Index kInterpolationPoints = 31;

/// One network on the line: weights (1 − α)·a + α·b, evaluated on the test set.
struct InterpolationPoint {
  double alpha = 0.0;
  double test_loss = 0.0;
  double test_accuracy = 0.0;
  friend bool operator==(const InterpolationPoint&, const InterpolationPoint&) = default;
};

/// Linear mode connectivity of two networks: the path and its barriers. The error barrier is
/// Frankle et al.'s *instability*: the largest test error on the path minus the mean of the
/// end points' test errors (error = 1 − accuracy); the loss barrier is the same for the test
/// loss. Both are ≥ 0, since the end points are on the path, and 0 for a network with itself.
struct LinearModeConnectivity {
  std::vector<InterpolationPoint> path;
  double error_barrier = 0.0;
  double loss_barrier = 0.0;
};

/// Loads into `network` the weights at `points` evenly spaced α in [0, 1] between snapshots
/// `a` (α = 0) and `b` (α = 1), computed per entry as torch::lerp does (exactly `a` at α = 0,
/// exactly `b` at α = 1, and exactly `a` wherever a = b: pruned weights stay zero when both
/// networks share a mask), every floating parameter and buffer alike; evaluates each on `data`
/// (eval mode, no gradients). The network is left with `b`'s weights. Throws InvalidInput for
/// fewer than 2 points or snapshots that do not match the network.
LinearModeConnectivity linear_mode_connectivity(Network& network, const Snapshot& a,
                                                const Snapshot& b, const TensorDataset& data,
                                                const std::optional<Normalization>& normalization,
                                                const torch::Device& device,
                                                Index points = kInterpolationPoints,
                                                Index batch_size = 1000);

}  // namespace cardinal
