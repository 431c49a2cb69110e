#pragma once

#include <torch/optim/optimizer.h>

#include <memory>
#include <string>
#include <vector>

#include "cardinal/nonconvex/pruning/apply_mask.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/training/optimizer.hpp"
#include "cardinal/nonconvex/training/optimizer_state_key.hpp"

namespace cardinal {

/// An SGD or Adam optimizer that keeps pruned weights exactly zero. step():
///   1. zeroes the gradient of every masked entry (so neither weight decay nor momentum sees it),
///   2. runs the wrapped optimizer's step,
///   3. sets every masked weight to 0.0 and zeroes its optimizer state (SGD momentum_buffer;
///      Adam exp_avg, exp_avg_sq and, with amsgrad, max_exp_avg_sq).
/// After construction, after set_mask() and after every step(), masked weights and their state
/// are exactly zero. Parameters outside the mask (biases, batch norm) are optimized normally.
///
/// The network must outlive the wrapper; its prunable tensors must match the mask.
class MaskedOptimizer {
 public:
  /// Wraps make_optimizer(network.parameters(), spec).
  MaskedOptimizer(torch::nn::Module& network, Mask mask, const OptimizerSpec& spec);

  /// Wraps an existing torch::optim::SGD or torch::optim::Adam (any other type throws
  /// InvalidInput) whose parameter groups include the network's prunable tensors.
  MaskedOptimizer(torch::nn::Module& network, Mask mask,
                  std::unique_ptr<torch::optim::Optimizer> optimizer);

  MaskedOptimizer(const MaskedOptimizer&) = delete;
  MaskedOptimizer& operator=(const MaskedOptimizer&) = delete;
  MaskedOptimizer(MaskedOptimizer&&) noexcept = default;
  MaskedOptimizer& operator=(MaskedOptimizer&&) noexcept = default;
  ~MaskedOptimizer() = default;

  void zero_grad() { optimizer_->zero_grad(); }
  /// Steps 1–3 above. Call after backward().
  void step();

  /// Replaces the mask (e.g. after a pruning round) and enforces it at once on the weights and
  /// the optimizer state.
  void set_mask(Mask mask);
  const Mask& mask() const { return mask_; }

  /// The wrapped optimizer (e.g. for LearningRateSchedule::apply or its state).
  torch::optim::Optimizer& optimizer() { return *optimizer_; }
  const torch::optim::Optimizer& optimizer() const { return *optimizer_; }

 private:
  void enforce();

  torch::nn::Module* network_;
  Mask mask_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::vector<torch::Tensor> weights_;         // the prunable tensors, in mask order
  std::vector<OptimizerStateKey> state_keys_;  // where optimizer_->state() keeps each one's state
  std::vector<KeepMask> keep_;                 // mask_, on each weight's device
};

}  // namespace cardinal
