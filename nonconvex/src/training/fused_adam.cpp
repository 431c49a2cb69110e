#include "cardinal/nonconvex/training/fused_adam.hpp"

#include <ATen/core/grad_mode.h>
#include <torch/utils.h>

#include <cmath>
#include <memory>

#include "adam_update.hpp"
#include "cardinal/nonconvex/training/optimizer_state_key.hpp"

namespace cardinal {
namespace {

bool one_pass_applies(const torch::Tensor& p, const torch::Tensor& grad,
                      const torch::optim::AdamParamState& state,
                      const torch::optim::AdamOptions& options) {
  auto cpu_float = [](const torch::Tensor& t) {
    return t.device().is_cpu() && t.scalar_type() == torch::kFloat && t.is_contiguous() &&
           !t.is_sparse();
  };
  return !options.amsgrad() && cpu_float(p) && cpu_float(grad) && cpu_float(state.exp_avg()) &&
         cpu_float(state.exp_avg_sq()) && grad.numel() == p.numel() &&
         state.exp_avg().numel() == p.numel() && state.exp_avg_sq().numel() == p.numel();
}

}  // namespace

bool FusedAdam::one_pass_available() {
  static const bool available = detail::adam_update_supported();
  return available;
}

// The bookkeeping (closure, state creation and keys, bias corrections) is torch::optim::Adam's;
// only the update of a covered parameter is one pass.
torch::Tensor FusedAdam::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss = {};
  if (closure != nullptr) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    auto& options = static_cast<torch::optim::AdamOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      torch::Tensor grad = p.grad();
      TORCH_CHECK(!grad.is_sparse(), "FusedAdam does not support sparse gradients");
      const OptimizerStateKey key = optimizer_state_key(p);
      auto found = state_.find(key);
      if (found == state_.end()) {
        auto fresh = std::make_unique<torch::optim::AdamParamState>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        if (options.amsgrad())
          fresh->max_exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        found = state_.emplace(key, std::move(fresh)).first;
      }
      auto& state = static_cast<torch::optim::AdamParamState&>(*found->second);
      state.step(state.step() + 1);
      const auto [beta1, beta2] = options.betas();
      const double bias_correction1 = 1 - std::pow(beta1, state.step());
      const double bias_correction2 = 1 - std::pow(beta2, state.step());
      const double step_size = options.lr() / bias_correction1;

      if (one_pass_available() && one_pass_applies(p, grad, state, options)) {
        const detail::AdamStepConstants constants{
            .beta1 = static_cast<float>(beta1),
            .one_minus_beta1 = static_cast<float>(1 - beta1),
            .beta2 = static_cast<float>(beta2),
            .one_minus_beta2 = static_cast<float>(1 - beta2),
            .sqrt_bias_correction2 = static_cast<float>(std::sqrt(bias_correction2)),
            .eps = static_cast<float>(options.eps()),
            .minus_step_size = static_cast<float>(-step_size),
            .weight_decay = static_cast<float>(options.weight_decay())};
        detail::adam_update(p.data_ptr<float>(), grad.data_ptr<float>(),
                            state.exp_avg().data_ptr<float>(), state.exp_avg_sq().data_ptr<float>(),
                            p.numel(), constants);
        continue;
      }
      if (options.weight_decay() != 0) grad = grad.add(p, options.weight_decay());
      auto& exp_avg = state.exp_avg();
      auto& exp_avg_sq = state.exp_avg_sq();
      exp_avg.mul_(beta1).add_(grad, 1 - beta1);
      exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
      torch::Tensor denom;
      if (options.amsgrad()) {
        auto& max_exp_avg_sq = state.max_exp_avg_sq();
        torch::max_out(max_exp_avg_sq, exp_avg_sq, max_exp_avg_sq);
        denom = (max_exp_avg_sq.sqrt() / std::sqrt(bias_correction2)).add_(options.eps());
      } else {
        denom = (exp_avg_sq.sqrt() / std::sqrt(bias_correction2)).add_(options.eps());
      }
      p.addcdiv_(exp_avg, denom, -step_size);
    }
  }
  return loss;
}

}  // namespace cardinal
