// Pruning at initialization: SNIP, GraSP, SynFlow and their magnitude and random controls.
#include "cardinal/nonconvex/pruning/pruning_at_initialization.hpp"

#include <ATen/ops/cross_entropy_loss.h>
#include <torch/autograd.h>
#include <torch/nn/module.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/pruning/magnitude_pruning.hpp"
#include "cardinal/nonconvex/pruning/random_pruning.hpp"
#include "cardinal/nonconvex/pruning/score_pruning.hpp"
#include "cardinal/nonconvex/pruning/snapshot.hpp"

namespace cardinal {
namespace {

const std::vector<std::pair<InitializationCriterion, std::string>>& criterion_names() {
  static const std::vector<std::pair<InitializationCriterion, std::string>> names = {
      {InitializationCriterion::kSnip, "snip"},
      {InitializationCriterion::kGraspInit, "grasp-init"},
      {InitializationCriterion::kSynFlow, "synflow"},
      {InitializationCriterion::kMagnitude, "magnitude-init"},
      {InitializationCriterion::kRandom, "random-init"}};
  return names;
}

std::vector<torch::Tensor> weights_of(const Network& network) {
  std::vector<torch::Tensor> weights;
  for (const NamedTensor& t : prunable_tensors(network)) weights.push_back(t.tensor);
  return weights;
}

std::vector<torch::Tensor> on_cpu_as_double(const std::vector<torch::Tensor>& scores) {
  std::vector<torch::Tensor> out;
  for (const torch::Tensor& s : scores)
    out.push_back(s.detach().to(torch::kCPU, torch::kFloat64).contiguous());
  return out;
}

/// Restores a network's weights, parameter type and training mode when a score computation
/// leaves, however it leaves; the masked (or absolute, double) weights it works on are a
/// temporary state.
class WeightsRestorer {
 public:
  explicit WeightsRestorer(Network& network)
      : network_(network),
        saved_(take_snapshot(network)),
        dtype_(network.parameters().front().scalar_type()),
        training_(network.is_training()) {}
  ~WeightsRestorer() {
    network_.to(dtype_);
    restore(network_, saved_);
    network_.train(training_);
  }
  WeightsRestorer(const WeightsRestorer&) = delete;
  WeightsRestorer& operator=(const WeightsRestorer&) = delete;

 private:
  Network& network_;
  Snapshot saved_;
  torch::ScalarType dtype_;
  bool training_;
};

torch::Tensor mean_cross_entropy(Network& network, const Batch& batch, double temperature) {
  torch::Tensor logits = network.forward(batch.inputs);
  if (temperature != 1.0) logits = logits / temperature;
  return at::cross_entropy_loss(logits, batch.labels);
}

void check_batch(const Batch* batch, InitializationCriterion criterion) {
  require(batch != nullptr && batch->inputs.defined() && batch->inputs.size(0) > 0,
          to_string(criterion) + " needs a batch of training data");
}

}  // namespace

std::vector<std::string> known_initialization_criteria() {
  std::vector<std::string> names;
  for (const auto& [criterion, name] : criterion_names()) names.push_back(name);
  return names;
}

InitializationCriterion parse_initialization_criterion(std::string_view text) {
  for (const auto& [criterion, name] : criterion_names())
    if (name == text) return criterion;
  std::string known;
  for (const auto& [criterion, name] : criterion_names())
    known += (known.empty() ? "" : ", ") + name;
  throw InvalidInput("unknown pruning-at-initialization criterion '" + std::string(text) +
                     "' (known: " + known + ")");
}

std::string to_string(InitializationCriterion criterion) {
  for (const auto& [c, name] : criterion_names())
    if (c == criterion) return name;
  return "unknown";
}

bool needs_data(InitializationCriterion criterion) {
  return criterion == InitializationCriterion::kSnip ||
         criterion == InitializationCriterion::kGraspInit;
}

std::vector<torch::Tensor> snip_scores(Network& network, const Mask& mask, const Batch& batch) {
  mask.check_matches(network);
  const WeightsRestorer restorer(network);
  mask.apply(network);
  network.eval();
  const std::vector<torch::Tensor> weights = weights_of(network);
  const torch::Tensor loss = mean_cross_entropy(network, batch, 1.0);
  const std::vector<torch::Tensor> gradients = torch::autograd::grad({loss}, weights);
  std::vector<torch::Tensor> scores;
  for (std::size_t i = 0; i < weights.size(); ++i)
    scores.push_back((weights[i].detach() * gradients[i]).abs());
  return on_cpu_as_double(scores);
}

std::vector<torch::Tensor> grasp_scores(Network& network, const Mask& mask, const Batch& batch,
                                        double temperature) {
  require(temperature > 0.0, "grasp-init: the temperature must be > 0");
  mask.check_matches(network);
  const WeightsRestorer restorer(network);
  mask.apply(network);
  network.eval();
  const std::vector<torch::Tensor> weights = weights_of(network);
  // g = ∇L, a constant of the second pass; then Hg = ∇(gᵀ∇L) by double backpropagation.
  std::vector<torch::Tensor> g =
      torch::autograd::grad({mean_cross_entropy(network, batch, temperature)}, weights);
  const std::vector<torch::Tensor> gradients = torch::autograd::grad(
      {mean_cross_entropy(network, batch, temperature)}, weights, {}, /*retain_graph=*/true,
      /*create_graph=*/true);
  torch::Tensor z = torch::zeros({}, gradients.front().options());
  for (std::size_t i = 0; i < weights.size(); ++i) z = z + (gradients[i] * g[i].detach()).sum();
  const std::vector<torch::Tensor> hg = torch::autograd::grad({z}, weights);
  std::vector<torch::Tensor> scores;
  for (std::size_t i = 0; i < weights.size(); ++i) scores.push_back(weights[i].detach() * hg[i]);
  return on_cpu_as_double(scores);
}

std::vector<torch::Tensor> synflow_scores(Network& network, const Mask& mask,
                                          const std::vector<int64_t>& input_shape) {
  mask.check_matches(network);
  const WeightsRestorer restorer(network);
  const torch::Tensor first = network.parameters().front();
  // In double precision: the product of |W_l| over the layers outgrows a float's range quickly.
  network.to(torch::kFloat64);
  {
    const torch::NoGradGuard no_grad;
    for (torch::Tensor& p : network.parameters()) p.abs_();
    for (torch::Tensor& b : network.buffers())
      if (b.is_floating_point()) b.abs_();
  }
  mask.apply(network);
  network.eval();
  std::vector<int64_t> shape = {1};
  shape.insert(shape.end(), input_shape.begin(), input_shape.end());
  const torch::Tensor ones =
      torch::ones(shape, torch::TensorOptions().dtype(torch::kFloat64).device(first.device()));
  const std::vector<torch::Tensor> weights = weights_of(network);
  const torch::Tensor r = network.forward(ones).sum();
  const std::vector<torch::Tensor> gradients = torch::autograd::grad({r}, weights);
  std::vector<torch::Tensor> scores;
  for (std::size_t i = 0; i < weights.size(); ++i)
    scores.push_back((weights[i].detach() * gradients[i]).abs());
  return on_cpu_as_double(scores);
}

Mask prune_at_initialization(Network& network, const Mask& mask, const PruningSpec& spec,
                             InitializationCriterion criterion, const Batch* batch,
                             const std::vector<int64_t>& input_shape,
                             const InitializationPruningOptions& options) {
  mask.check_matches(network);
  spec.validate(mask);
  switch (criterion) {
    case InitializationCriterion::kSnip:
      check_batch(batch, criterion);
      return prune_by_scores(mask, spec, snip_scores(network, mask, *batch));
    case InitializationCriterion::kGraspInit:
      check_batch(batch, criterion);
      return prune_by_scores(mask, spec,
                             grasp_scores(network, mask, *batch, options.grasp_temperature));
    case InitializationCriterion::kMagnitude:
      return prune_magnitude(network, mask, spec);
    case InitializationCriterion::kRandom:
      return prune_random(mask, spec, options.seed);
    case InitializationCriterion::kSynFlow: {
      require(options.synflow_rounds >= 1, "synflow: rounds must be >= 1");
      const auto rounds = static_cast<double>(options.synflow_rounds);
      Mask current = mask;
      for (Index round = 1; round <= options.synflow_rounds; ++round) {
        std::vector<torch::Tensor> scores = synflow_scores(network, current, input_shape);
        // Weights removed in earlier rounds go first, so that each round's mask lies inside the
        // previous one and the last round removes exactly what `spec` removes from `mask`.
        for (Index i = 0; i < current.size(); ++i) {
          const auto k = static_cast<std::size_t>(i);
          scores[k].masked_fill_(current.keep(i).logical_not(),
                                 -std::numeric_limits<double>::infinity());
        }
        // The last round prunes by `spec` itself: 1 − (1 − f)^1 need not round back to f.
        current = prune_by_scores(mask,
                                  round == options.synflow_rounds
                                      ? spec
                                      : compound_pruning(spec, static_cast<double>(round) / rounds),
                                  scores);
      }
      return current;
    }
  }
  throw InvalidInput("unknown pruning-at-initialization criterion");
}

}  // namespace cardinal
