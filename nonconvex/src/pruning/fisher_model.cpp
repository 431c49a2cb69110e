#include "cardinal/nonconvex/pruning/fisher_model.hpp"

#include <ATen/ops/cross_entropy_loss.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/memory_limit.hpp"
#include "cardinal/nonconvex/models/network.hpp"

namespace cardinal {

double fisher_model_bytes(Index examples, Index weights, Index kept, bool incremental_factor) {
  const double n = static_cast<double>(examples), d = static_cast<double>(weights),
               k = static_cast<double>(kept);
  const double system = std::min(n, k);
  return 4.0 * n * d + 8.0 * d * 8.0 + 8.0 * n * k + 16.0 * system * system +
         (incremental_factor ? 8.0 * system * system : 0.0);
}

CenteredRidgeProblem fisher_model(Network& network, const torch::Tensor& inputs,
                                  const torch::Tensor& labels, double relative_ridge) {
  require(std::isfinite(relative_ridge) && relative_ridge >= 0.0,
          "the ridge must be finite and non-negative, got " + std::to_string(relative_ridge));
  require(inputs.dim() >= 1 && inputs.size(0) > 0, "Fisher model: no examples");
  require(labels.dim() == 1 && labels.size(0) == inputs.size(0),
          "Fisher model: " + std::to_string(inputs.size(0)) + " examples but " +
              std::to_string(labels.dim() == 1 ? labels.size(0) : -1) + " labels");
  const std::vector<NamedTensor> prunable = prunable_tensors(network);
  Index d = 0;
  for (const NamedTensor& t : prunable) d += t.tensor.numel();
  const Index n = inputs.size(0);
  require_memory(4.0 * static_cast<double>(n) * static_cast<double>(d),
                 "the Fisher model (" + std::to_string(n) + " per-example gradients over " +
                     std::to_string(d) + " weights, in float)");

  Eigen::MatrixXf g(n, d);
  Eigen::VectorXd center(d);
  {
    const torch::AutoGradMode grad_mode(true);
    const bool training = network.is_training();
    network.eval();
    std::vector<torch::Tensor> parameters = network.parameters(), saved_grads;
    for (const torch::Tensor& p : parameters)
      saved_grads.push_back(p.grad().defined() ? p.grad().clone() : torch::Tensor());
    Index offset = 0;
    for (const NamedTensor& t : prunable) {
      const torch::Tensor values = t.tensor.detach().to(torch::kCPU, torch::kDouble).flatten();
      std::copy_n(values.data_ptr<double>(), values.numel(), center.data() + offset);
      offset += values.numel();
    }
    for (Index i = 0; i < n; ++i) {
      for (torch::Tensor& p : parameters)
        if (p.grad().defined()) p.mutable_grad().zero_();
      const torch::Tensor loss =
          at::cross_entropy_loss(network.forward(inputs.slice(0, i, i + 1)),
                                 labels.slice(0, i, i + 1).to(inputs.device()));
      loss.backward();
      offset = 0;
      for (const NamedTensor& t : prunable) {
        require(t.tensor.grad().defined(),
                "Fisher model: the loss has no gradient with respect to " + t.name +
                    " (a weight that does not require gradients, or a layer the forward pass "
                    "does not use)");
        const torch::Tensor grad =
            t.tensor.grad().detach().to(torch::kCPU, torch::kFloat).flatten();
        const float* values = grad.data_ptr<float>();
        for (Index j = 0; j < grad.numel(); ++j) g(i, offset + j) = values[j];
        offset += grad.numel();
      }
    }
    for (std::size_t l = 0; l < parameters.size(); ++l)
      parameters[l].mutable_grad() = saved_grads[l];
    network.train(training);
  }
  double trace = 0.0;  // of GᵀG, accumulated in double without a double copy of G
  for (Index j = 0; j < d; ++j) trace += g.col(j).cast<double>().squaredNorm();
  const double mean_diagonal = trace / (static_cast<double>(n) * static_cast<double>(d));
  return CenteredRidgeProblem(Design(std::move(g)), std::move(center),
                              relative_ridge * mean_diagonal);
}

}  // namespace cardinal
