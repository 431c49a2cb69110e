#pragma once

#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <memory>
#include <string_view>
#include <vector>

namespace cardinal {

/// The optimizers the testbed trains with.
enum class OptimizerKind { kSgd, kAdam };

/// "sgd" or "adam"; throws InvalidInput naming the option otherwise.
OptimizerKind parse_optimizer_kind(std::string_view text);

/// Hyper-parameters of an optimizer. SGD reads lr, momentum, nesterov and weight_decay (no
/// dampening); Adam reads lr, betas, eps and weight_decay (L2 added to the gradient, as
/// torch::optim::Adam does).
struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::kSgd;
  double lr = 0.1;
  double momentum = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;

  /// Throws InvalidInput naming the option unless lr ≥ 0, 0 ≤ momentum < 1, weight_decay ≥ 0,
  /// 0 ≤ betas < 1, eps > 0, and nesterov only with momentum > 0.
  void validate() const;
};

/// A torch::optim::SGD or a FusedAdam (torch::optim::Adam's results, one pass per parameter)
/// over `parameters` (one parameter group).
std::unique_ptr<torch::optim::Optimizer> make_optimizer(std::vector<torch::Tensor> parameters,
                                                        const OptimizerSpec& spec);

}  // namespace cardinal
