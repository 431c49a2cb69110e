#pragma once

#include <string>
#include <vector>

#include "cardinal/nonconvex/models/network.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"

namespace cardinal {

/// A deep copy of every parameter and buffer of a network (weights, biases, batch-norm running
/// statistics and counters), by fully-qualified name. Taken at initialization it is the reset
/// point of the Lottery Ticket procedure; taken at iteration k it is the rewind point of
/// Frankle et al. (2020).
///
/// The stored tensors are detached clones on the device they were taken from (CPU after
/// load()); they are never modified. Copies of a Snapshot share them.
class Snapshot {
 public:
  Snapshot() = default;
  Snapshot(std::vector<NamedTensor> parameters, std::vector<NamedTensor> buffers);

  const std::vector<NamedTensor>& parameters() const { return parameters_; }
  const std::vector<NamedTensor>& buffers() const { return buffers_; }

  /// Writes the snapshot to `path` atomically (tensor file of kind "snapshot", with checksum).
  void save(const std::string& path) const;

  /// Reads a snapshot written by save(). Throws InvalidInput naming `path` if the file is
  /// missing, truncated, corrupt or not a snapshot.
  static Snapshot load(const std::string& path);

 private:
  std::vector<NamedTensor> parameters_;
  std::vector<NamedTensor> buffers_;
};

/// A deep copy of `network`'s parameters and buffers.
Snapshot take_snapshot(const torch::nn::Module& network);

/// Copies every saved value back into `network` (outside autograd, onto each tensor's device).
/// Throws InvalidInput, before modifying anything, unless the network has exactly the
/// snapshot's parameters and buffers with the same shapes and dtypes.
void restore(torch::nn::Module& network, const Snapshot& snapshot);

/// restore(network, snapshot), then mask.apply(network): unpruned weights get their saved
/// values, pruned ones are exactly zero. Reset to initialization or rewind to iteration k.
void restore(torch::nn::Module& network, const Snapshot& snapshot, const Mask& mask);

}  // namespace cardinal
