// OptimizerSpec, make_optimizer and MaskedOptimizer.
#include "cardinal/nonconvex/training/optimizer.hpp"

#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include <cmath>
#include <string>
#include <utility>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/models/network.hpp"
#include "cardinal/nonconvex/pruning/apply_mask.hpp"
#include "cardinal/nonconvex/training/fused_adam.hpp"
#include "cardinal/nonconvex/training/masked_optimizer.hpp"
#include "cardinal/nonconvex/training/optimizer_state_key.hpp"

namespace cardinal {
namespace {

void require_in(double value, double low, double high, bool high_open, const std::string& name) {
  const bool ok =
      std::isfinite(value) && value >= low && (high_open ? value < high : value <= high);
  require(ok, "optimizer " + name + " must be in [" + std::to_string(low) + ", " +
                  std::to_string(high) + (high_open ? ")" : "]") + ", got " +
                  std::to_string(value));
}

constexpr double kUnbounded = 1e300;

/// The optimizer's state under `key`, or nullptr before the first step.
torch::optim::OptimizerParamState* state_at(torch::optim::Optimizer& optimizer,
                                            const OptimizerStateKey& key) {
  auto& state = optimizer.state();
  const auto it = state.find(key);
  return it == state.end() ? nullptr : it->second.get();
}

}  // namespace

OptimizerKind parse_optimizer_kind(std::string_view text) {
  if (text == "sgd") return OptimizerKind::kSgd;
  if (text == "adam") return OptimizerKind::kAdam;
  throw InvalidInput("optimizer must be \"sgd\" or \"adam\", got \"" + std::string(text) + "\"");
}

void OptimizerSpec::validate() const {
  require_in(lr, 0.0, kUnbounded, false, "lr");
  require_in(weight_decay, 0.0, kUnbounded, false, "weight_decay");
  if (kind == OptimizerKind::kSgd) {
    require_in(momentum, 0.0, 1.0, true, "momentum");
    require(!nesterov || momentum > 0.0, "optimizer nesterov requires momentum > 0");
  } else {
    require_in(beta1, 0.0, 1.0, true, "beta1");
    require_in(beta2, 0.0, 1.0, true, "beta2");
    require(std::isfinite(eps) && eps > 0.0, "optimizer eps must be > 0");
  }
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(std::vector<torch::Tensor> parameters,
                                                        const OptimizerSpec& spec) {
  spec.validate();
  if (spec.kind == OptimizerKind::kSgd) {
    return std::make_unique<torch::optim::SGD>(std::move(parameters),
                                               torch::optim::SGDOptions(spec.lr)
                                                   .momentum(spec.momentum)
                                                   .nesterov(spec.nesterov)
                                                   .weight_decay(spec.weight_decay));
  }
  return std::make_unique<FusedAdam>(std::move(parameters), torch::optim::AdamOptions(spec.lr)
                                                                .betas({spec.beta1, spec.beta2})
                                                                .eps(spec.eps)
                                                                .weight_decay(spec.weight_decay));
}

MaskedOptimizer::MaskedOptimizer(torch::nn::Module& network, Mask mask, const OptimizerSpec& spec)
    : MaskedOptimizer(network, std::move(mask), make_optimizer(network.parameters(), spec)) {}

MaskedOptimizer::MaskedOptimizer(torch::nn::Module& network, Mask mask,
                                 std::unique_ptr<torch::optim::Optimizer> optimizer)
    : network_(&network), optimizer_(std::move(optimizer)) {
  require(optimizer_ != nullptr, "MaskedOptimizer: no optimizer given");
  require(dynamic_cast<torch::optim::SGD*>(optimizer_.get()) != nullptr ||
              dynamic_cast<torch::optim::Adam*>(optimizer_.get()) != nullptr,
          "MaskedOptimizer supports torch::optim::SGD and torch::optim::Adam only");
  for (auto& [name, weight] : prunable_tensors(network)) {
    weights_.push_back(weight);
    state_keys_.push_back(optimizer_state_key(weight));
  }
  set_mask(std::move(mask));
}

void MaskedOptimizer::set_mask(Mask mask) {
  mask.check_matches(*network_);
  mask_ = std::move(mask);
  std::vector<KeepMask> keep;
  for (std::size_t i = 0; i < weights_.size(); ++i)
    keep.emplace_back(mask_.keep(static_cast<Index>(i)), weights_[i].device());
  keep_ = std::move(keep);
  enforce();
}

void MaskedOptimizer::step() {
  for (std::size_t i = 0; i < weights_.size(); ++i) keep_[i].zero_pruned(weights_[i].grad());
  optimizer_->step();
  enforce();
}

// The whole enforcement runs after every step, although for SGD and Adam a pruned entry whose
// weight, gradient and state were all zero before the step stays zero: anything may have written
// to the weights or the state in between (a rewind, a checkpoint load, optimizer()).
void MaskedOptimizer::enforce() {
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    const KeepMask& keep = keep_[i];
    if (keep.keeps_all()) continue;
    keep.zero_pruned(weights_[i]);
    torch::optim::OptimizerParamState* state = state_at(*optimizer_, state_keys_[i]);
    if (state == nullptr) continue;
    if (auto* sgd = dynamic_cast<torch::optim::SGDParamState*>(state)) {
      keep.zero_pruned(sgd->momentum_buffer());
    } else if (auto* adam = dynamic_cast<torch::optim::AdamParamState*>(state)) {
      keep.zero_pruned(adam->exp_avg());
      keep.zero_pruned(adam->exp_avg_sq());
      keep.zero_pruned(adam->max_exp_avg_sq());
    }
  }
}

}  // namespace cardinal
