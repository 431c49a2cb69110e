// OptimizerSpec, make_optimizer and MaskedOptimizer.
#include "cardinal/nonconvex/training/optimizer.hpp"

#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include <cmath>
#include <string>
#include <utility>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/models/network.hpp"
#include "cardinal/nonconvex/training/masked_optimizer.hpp"

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

/// The optimizer's state for `weight`, or nullptr before its first step.
torch::optim::OptimizerParamState* state_of(torch::optim::Optimizer& optimizer,
                                            const torch::Tensor& weight) {
  // torch::optim keys per-parameter state by the address of the TensorImpl.
  auto& state = optimizer.state();
  const auto it = state.find(c10::guts::to_string(weight.unsafeGetTensorImpl()));
  return it == state.end() ? nullptr : it->second.get();
}

void zero_where(torch::Tensor& tensor, const torch::Tensor& pruned) {
  if (tensor.defined()) tensor.masked_fill_(pruned, 0);
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
  return std::make_unique<torch::optim::Adam>(std::move(parameters),
                                              torch::optim::AdamOptions(spec.lr)
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
  for (auto& [name, weight] : prunable_tensors(network)) weights_.push_back(weight);
  set_mask(std::move(mask));
}

void MaskedOptimizer::set_mask(Mask mask) {
  mask.check_matches(*network_);
  mask_ = std::move(mask);
  pruned_.clear();
  for (std::size_t i = 0; i < weights_.size(); ++i)
    pruned_.push_back(mask_.keep(static_cast<Index>(i)).logical_not().to(weights_[i].device()));
  enforce();
}

void MaskedOptimizer::step() {
  {
    const torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < weights_.size(); ++i) {
      torch::Tensor& grad = weights_[i].mutable_grad();
      zero_where(grad, pruned_[i]);
    }
  }
  optimizer_->step();
  enforce();
}

void MaskedOptimizer::enforce() {
  const torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    const torch::Tensor& pruned = pruned_[i];
    weights_[i].masked_fill_(pruned, 0);
    torch::optim::OptimizerParamState* state = state_of(*optimizer_, weights_[i]);
    if (state == nullptr) continue;
    if (auto* sgd = dynamic_cast<torch::optim::SGDParamState*>(state)) {
      zero_where(sgd->momentum_buffer(), pruned);
    } else if (auto* adam = dynamic_cast<torch::optim::AdamParamState*>(state)) {
      zero_where(adam->exp_avg(), pruned);
      zero_where(adam->exp_avg_sq(), pruned);
      zero_where(adam->max_exp_avg_sq(), pruned);
    }
  }
}

}  // namespace cardinal
