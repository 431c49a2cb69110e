#include "training_step.hpp"

#include <ATen/Parallel.h>
#include <ATen/ops/cross_entropy_loss.h>
#include <torch/torch.h>

#include <chrono>

#include "cardinal/nonconvex/models/factory.hpp"
#include "cardinal/nonconvex/models/network.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"
#include "cardinal/nonconvex/pruning/random_pruning.hpp"
#include "cardinal/nonconvex/training/masked_optimizer.hpp"
#include "cardinal/nonconvex/training/optimizer.hpp"

namespace cardinal::bench {

struct TrainingStep::State {
  std::shared_ptr<Network> network;
  torch::Tensor inputs, labels;
  std::unique_ptr<torch::optim::Optimizer> plain;
  std::unique_ptr<MaskedOptimizer> masked;
  double flops = 0.0;
};

TrainingStep::TrainingStep(const std::string& model, std::int64_t batch, double density,
                           std::uint64_t seed, const std::string& optimizer)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  torch::manual_seed(seed);
  s.network = make_model(model, ModelInput{});
  s.network->train();
  s.inputs = torch::rand({batch, 1, 28, 28});
  s.labels = torch::randint(0, 10, {batch}, torch::kLong);
  const OptimizerKind kind = parse_optimizer_kind(optimizer);
  const OptimizerSpec spec{.kind = kind, .lr = kind == OptimizerKind::kAdam ? 1.2e-3 : 0.1};
  if (density >= 1.0) {
    s.plain = make_optimizer(s.network->parameters(), spec);
  } else {
    PruningSpec prune;
    prune.fraction = 1.0 - density;
    prune.scope = PruningScope::kLayerwise;
    s.masked = std::make_unique<MaskedOptimizer>(
        *s.network, prune_random(Mask::dense(*s.network), prune, seed), spec);
  }
  // Σ over layers of in·out, and the first layer's in·out (whose input gradient is not needed).
  double sum = 0.0, first = 0.0;
  for (const NamedTensor& w : prunable_tensors(*s.network)) {
    const double size = static_cast<double>(w.tensor.numel());
    if (sum == 0.0) first = size;
    sum += size;
  }
  s.flops = 2.0 * static_cast<double>(batch) * (3.0 * sum - first);
}

TrainingStep::~TrainingStep() = default;

double TrainingStep::linear_flops() const {
  return state_->flops;
}

void TrainingStep::run() {
  State& s = *state_;
  if (s.plain) {
    s.plain->zero_grad();
  } else {
    s.masked->zero_grad();
  }
  const torch::Tensor loss = at::cross_entropy_loss(s.network->forward(s.inputs), s.labels);
  loss.backward();
  if (s.plain) {
    s.plain->step();
  } else {
    s.masked->step();
  }
}

std::vector<double> time_sgemm(std::int64_t m, std::int64_t k, std::int64_t n, int repeats) {
  using Clock = std::chrono::steady_clock;
  const torch::Tensor a = torch::rand({m, k}), b = torch::rand({k, n});
  torch::Tensor c = torch::mm(a, b);
  const double flops =
      2.0 * static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
  const int calls = std::max(1, static_cast<int>(2e9 / flops));
  std::vector<double> seconds;
  for (int r = 0; r < repeats; ++r) {
    const auto start = Clock::now();
    for (int i = 0; i < calls; ++i) torch::mm_out(c, a, b);
    seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count() / calls);
  }
  return seconds;
}

void set_torch_threads(int threads) {
  at::set_num_threads(threads);
}

std::string torch_version() {
  return TORCH_VERSION;
}

}  // namespace cardinal::bench
