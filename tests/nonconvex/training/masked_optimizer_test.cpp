// OptimizerSpec, make_optimizer and MaskedOptimizer: pruned weights stay exactly zero.
#include <gtest/gtest.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <memory>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"
#include "cardinal/nonconvex/pruning/random_pruning.hpp"
#include "cardinal/nonconvex/training/masked_optimizer.hpp"
#include "cardinal/nonconvex/training/optimizer.hpp"
#include "nonconvex/pruning/tiny_networks.hpp"

namespace cardinal {
namespace {

using testing::TinyConvNet;
using testing::TinyMlp;

const OptimizerSpec kSgd{.kind = OptimizerKind::kSgd,
                         .lr = 0.05,
                         .momentum = 0.9,
                         .nesterov = true,
                         .weight_decay = 1e-3};
const OptimizerSpec kAdam{.kind = OptimizerKind::kAdam, .lr = 1e-3, .weight_decay = 1e-3};

/// A random regression batch for `net` (MLP: 20 → 4; conv net: 1×8×8 → 3).
std::pair<torch::Tensor, torch::Tensor> batch(bool conv, std::uint64_t seed) {
  at::Generator gen = testing::generator(seed);
  if (conv) return {at::randn({6, 1, 8, 8}, gen), at::randn({6, 3}, gen)};
  return {at::randn({16, 20}, gen), at::randn({16, 4}, gen)};
}

/// The optimizer state tensors of `weight` (momentum buffer, or Adam's moments).
std::vector<torch::Tensor> state_tensors(torch::optim::Optimizer& optimizer,
                                         const torch::Tensor& weight) {
  const auto it = optimizer.state().find(c10::guts::to_string(weight.unsafeGetTensorImpl()));
  if (it == optimizer.state().end()) return {};
  if (auto* sgd = dynamic_cast<torch::optim::SGDParamState*>(it->second.get()))
    return {sgd->momentum_buffer()};
  auto& adam = dynamic_cast<torch::optim::AdamParamState&>(*it->second);
  return {adam.exp_avg(), adam.exp_avg_sq()};
}

bool all_zero(const torch::Tensor& t, const torch::Tensor& where) {
  return t.masked_select(where).eq(0.0).all().item<bool>();
}

/// Trains `net` for `steps` steps under `mask` with a MaskedOptimizer and checks, after every
/// step: masked weights == 0.0, their gradients and optimizer state == 0, and every kept weight
/// moved. Returns the final parameters.
std::vector<torch::Tensor> train_and_check(Network& net, bool conv, const Mask& mask,
                                           const OptimizerSpec& spec, int steps) {
  MaskedOptimizer optimizer(net, mask, spec);
  const std::vector<NamedTensor> weights = prunable_tensors(net);
  for (std::size_t i = 0; i < weights.size(); ++i)  // the constructor enforces the mask
    EXPECT_TRUE(all_zero(weights[i].tensor, mask.keep(weights[i].name).logical_not()));
  for (int step = 0; step < steps; ++step) {
    std::vector<torch::Tensor> before;
    for (const auto& w : weights) before.push_back(w.tensor.detach().clone());
    const auto [x, y] = batch(conv, 50 + step);
    optimizer.zero_grad();
    torch::mse_loss(net.forward(x), y).backward();
    optimizer.step();
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const std::string& name = weights[i].name;
      const torch::Tensor kept = mask.keep(name);
      const torch::Tensor pruned = kept.logical_not();
      const torch::Tensor& parameter = weights[i].tensor;  // optimizer state is keyed by it
      const torch::Tensor w = parameter.detach();
      EXPECT_TRUE(all_zero(w, pruned)) << name << " step " << step;
      EXPECT_TRUE(all_zero(parameter.grad(), pruned)) << name << " step " << step;
      const std::vector<torch::Tensor> state = state_tensors(optimizer.optimizer(), parameter);
      EXPECT_FALSE(state.empty()) << name;
      for (const auto& s : state) EXPECT_TRUE(all_zero(s, pruned)) << name << " step " << step;
      EXPECT_TRUE(w.masked_select(kept).ne(before[i].masked_select(kept)).all().item<bool>())
          << name << " step " << step << ": a kept weight did not move";
    }
  }
  std::vector<torch::Tensor> final_values;
  for (const auto& p : net.parameters()) final_values.push_back(p.detach().clone());
  return final_values;
}

Mask half_random(const torch::nn::Module& net, std::uint64_t seed) {
  return prune_random(Mask::dense(net), {.fraction = 0.5}, seed);
}

TEST(MaskedOptimizer, SgdNesterovMomentumWeightDecayKeepsPrunedWeightsZero) {
  TinyMlp mlp;
  testing::randomize(mlp, 1, 0.3);
  train_and_check(mlp, false, half_random(mlp, 2), kSgd, 6);
  TinyConvNet conv;
  testing::randomize(conv, 3, 0.3);
  train_and_check(conv, true, half_random(conv, 4), kSgd, 6);
}

TEST(MaskedOptimizer, AdamKeepsPrunedWeightsAndMomentsZero) {
  TinyMlp mlp;
  testing::randomize(mlp, 1, 0.3);
  train_and_check(mlp, false, half_random(mlp, 2), kAdam, 6);
  TinyConvNet conv;
  testing::randomize(conv, 3, 0.3);
  train_and_check(conv, true, half_random(conv, 4), kAdam, 6);
}

TEST(MaskedOptimizer, RunsAreBitIdentical) {
  for (const OptimizerSpec& spec : {kSgd, kAdam}) {
    TinyConvNet a;
    TinyConvNet b;
    testing::randomize(a, 9, 0.3);
    testing::randomize(b, 9, 0.3);
    const auto pa = train_and_check(a, true, half_random(a, 5), spec, 3);
    const auto pb = train_and_check(b, true, half_random(b, 5), spec, 3);
    for (std::size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(pa[i].equal(pb[i]));
  }
}

TEST(MaskedOptimizer, WithoutTheWrapperPrunedWeightsRevive) {
  // The control: masking once and stepping a plain optimizer does not keep weights at zero.
  TinyMlp net;
  testing::randomize(net, 1, 0.3);
  const Mask mask = half_random(net, 2);
  mask.apply(net);
  auto optimizer = make_optimizer(net.parameters(), kSgd);
  const auto [x, y] = batch(false, 50);
  optimizer->zero_grad();
  torch::mse_loss(net.forward(x), y).backward();
  optimizer->step();
  EXPECT_FALSE(all_zero(net.fc1->weight.detach(), mask.keep("fc1.weight").logical_not()));
}

TEST(MaskedOptimizer, SetMaskZeroesNewlyPrunedWeightsAndState) {
  for (const OptimizerSpec& spec : {kSgd, kAdam}) {
    TinyMlp net;
    testing::randomize(net, 1, 0.3);
    const Mask first = half_random(net, 2);
    MaskedOptimizer optimizer(net, first, spec);
    for (int step = 0; step < 3; ++step) {
      const auto [x, y] = batch(false, 60 + step);
      optimizer.zero_grad();
      torch::mse_loss(net.forward(x), y).backward();
      optimizer.step();
    }
    const Mask second = prune_random(first, {.fraction = 0.5}, 3);
    const torch::Tensor newly_pruned =
        first.keep("fc1.weight").logical_and(second.keep("fc1.weight").logical_not());
    const torch::Tensor w = net.fc1->weight.detach();
    ASSERT_FALSE(all_zero(w, newly_pruned));
    for (const auto& s : state_tensors(optimizer.optimizer(), net.fc1->weight))
      ASSERT_FALSE(all_zero(s, newly_pruned));
    optimizer.set_mask(second);
    EXPECT_TRUE(optimizer.mask() == second);
    EXPECT_TRUE(all_zero(w, second.keep("fc1.weight").logical_not()));
    for (const auto& s : state_tensors(optimizer.optimizer(), net.fc1->weight))
      EXPECT_TRUE(all_zero(s, second.keep("fc1.weight").logical_not()));
  }
}

TEST(MaskedOptimizer, WrapsExistingSgdOrAdamOnly) {
  TinyMlp net;
  const Mask mask = half_random(net, 2);
  EXPECT_NO_THROW((MaskedOptimizer{net, mask, make_optimizer(net.parameters(), kAdam)}));
  EXPECT_NO_THROW((MaskedOptimizer{
      net, mask,
      std::make_unique<torch::optim::SGD>(net.parameters(), torch::optim::SGDOptions(0.1))}));
  EXPECT_THROW(
      (MaskedOptimizer{net, mask, std::make_unique<torch::optim::AdamW>(net.parameters())}),
      InvalidInput);
  TinyConvNet other;
  EXPECT_THROW((MaskedOptimizer{other, mask, kSgd}), InvalidInput);
}

TEST(OptimizerSpec, FactoryPassesTheHyperParameters) {
  TinyMlp net;
  auto sgd = make_optimizer(net.parameters(), kSgd);
  const auto& sgd_options = static_cast<const torch::optim::SGDOptions&>(sgd->defaults());
  EXPECT_EQ(sgd_options.lr(), 0.05);
  EXPECT_EQ(sgd_options.momentum(), 0.9);
  EXPECT_TRUE(sgd_options.nesterov());
  EXPECT_EQ(sgd_options.weight_decay(), 1e-3);
  EXPECT_EQ(sgd_options.dampening(), 0.0);

  OptimizerSpec adam_spec = kAdam;
  adam_spec.beta1 = 0.8;
  adam_spec.beta2 = 0.99;
  adam_spec.eps = 1e-6;
  auto adam = make_optimizer(net.parameters(), adam_spec);
  const auto& adam_options = static_cast<const torch::optim::AdamOptions&>(adam->defaults());
  EXPECT_NE(dynamic_cast<torch::optim::Adam*>(adam.get()), nullptr);
  EXPECT_EQ(adam_options.lr(), 1e-3);
  EXPECT_EQ(std::get<0>(adam_options.betas()), 0.8);
  EXPECT_EQ(std::get<1>(adam_options.betas()), 0.99);
  EXPECT_EQ(adam_options.eps(), 1e-6);
  EXPECT_EQ(adam_options.weight_decay(), 1e-3);
}

TEST(OptimizerSpec, InvalidOptionsAreNamed) {
  const auto message = [](const OptimizerSpec& spec) -> std::string {
    try {
      spec.validate();
    } catch (const InvalidInput& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(message({.lr = -1.0}).find("lr"), std::string::npos);
  EXPECT_NE(message({.momentum = 1.0}).find("momentum"), std::string::npos);
  EXPECT_NE(message({.nesterov = true}).find("nesterov"), std::string::npos);
  EXPECT_NE(message({.weight_decay = -1.0}).find("weight_decay"), std::string::npos);
  EXPECT_NE(message({.kind = OptimizerKind::kAdam, .beta2 = 1.0}).find("beta2"), std::string::npos);
  EXPECT_NE(message({.kind = OptimizerKind::kAdam, .eps = 0.0}).find("eps"), std::string::npos);
  EXPECT_EQ(parse_optimizer_kind("sgd"), OptimizerKind::kSgd);
  EXPECT_EQ(parse_optimizer_kind("adam"), OptimizerKind::kAdam);
  EXPECT_THROW(parse_optimizer_kind("rmsprop"), InvalidInput);
}

}  // namespace
}  // namespace cardinal
