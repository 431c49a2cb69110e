// OptimizerSpec, make_optimizer and MaskedOptimizer: pruned weights stay exactly zero.
#include <gtest/gtest.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/pruning/apply_mask.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"
#include "cardinal/nonconvex/pruning/random_pruning.hpp"
#include "cardinal/nonconvex/training/masked_optimizer.hpp"
#include "cardinal/nonconvex/training/optimizer.hpp"
#include "cardinal/nonconvex/training/optimizer_state_key.hpp"
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
  const auto it = optimizer.state().find(optimizer_state_key(weight));
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

/// The optimizer state tensors of `weight` that are defined, Adam's max_exp_avg_sq included.
std::vector<torch::Tensor> all_state_tensors(torch::optim::Optimizer& optimizer,
                                             const torch::Tensor& weight) {
  std::vector<torch::Tensor> out = state_tensors(optimizer, weight);
  const auto it = optimizer.state().find(optimizer_state_key(weight));
  if (it != optimizer.state().end()) {
    if (auto* adam = dynamic_cast<torch::optim::AdamParamState*>(it->second.get()))
      if (adam->max_exp_avg_sq().defined()) out.push_back(adam->max_exp_avg_sq());
  }
  return out;
}

/// Same shape, dtype and bytes (so +0.0 ≠ −0.0 and NaN payloads count).
bool same_bits(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.sizes() != b.sizes() || a.scalar_type() != b.scalar_type()) return false;
  const torch::Tensor ca = a.detach().contiguous(), cb = b.detach().contiguous();
  return std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.nbytes()) == 0;
}

std::unique_ptr<torch::optim::Optimizer> amsgrad(std::vector<torch::Tensor> parameters) {
  return std::make_unique<torch::optim::Adam>(
      std::move(parameters), torch::optim::AdamOptions(1e-3).weight_decay(1e-3).amsgrad(true));
}

TEST(MaskedOptimizer, NonFiniteGradientsAtPrunedEntriesLeaveZerosAndTheReferenceUpdate) {
  // The masked optimizer gets gradients holding NaN, +Inf and −Inf at pruned entries; an unmasked
  // reference optimizer on a copy of the network gets the same gradients with those entries
  // zeroed. Pruned weights and state must stay exactly +0.0, everything else must match the
  // reference bit for bit.
  using Factory = std::unique_ptr<torch::optim::Optimizer> (*)(std::vector<torch::Tensor>);
  const std::vector<Factory> factories = {
      [](std::vector<torch::Tensor> p) { return make_optimizer(std::move(p), kSgd); },
      [](std::vector<torch::Tensor> p) { return make_optimizer(std::move(p), kAdam); }, &amsgrad};
  const float poison[] = {std::numeric_limits<float>::quiet_NaN(),
                          std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity()};
  for (const Factory factory : factories) {
    TinyMlp net;
    TinyMlp reference;
    testing::randomize(net, 1, 0.3);
    const Mask mask = half_random(net, 2);
    MaskedOptimizer optimizer(net, mask, factory(net.parameters()));
    {
      const torch::NoGradGuard no_grad;
      for (std::size_t i = 0; i < net.parameters().size(); ++i)
        reference.parameters()[i].copy_(net.parameters()[i]);
    }
    auto plain = factory(reference.parameters());
    const std::vector<NamedTensor> weights = prunable_tensors(net);
    const std::vector<NamedTensor> reference_weights = prunable_tensors(reference);
    for (int step = 0; step < 4; ++step) {
      const auto [x, y] = batch(false, 70 + step);
      optimizer.zero_grad();
      plain->zero_grad();
      torch::mse_loss(net.forward(x), y).backward();
      torch::mse_loss(reference.forward(x), y).backward();
      {
        const torch::NoGradGuard no_grad;
        for (std::size_t i = 0; i < weights.size(); ++i) {
          const torch::Tensor pruned = mask.keep(weights[i].name).logical_not();
          reference_weights[i].tensor.mutable_grad().masked_fill_(pruned, 0);
          torch::Tensor grad = weights[i].tensor.mutable_grad();
          const torch::Tensor flat_pruned = pruned.flatten().nonzero().flatten();
          for (std::int64_t k = 0; k < flat_pruned.numel(); ++k)
            grad.view(-1)[flat_pruned[k].item<std::int64_t>()] = poison[(k + step) % 3];
        }
      }
      optimizer.step();
      plain->step();
      for (std::size_t i = 0; i < weights.size(); ++i) {
        const std::string& name = weights[i].name;
        const torch::Tensor pruned = mask.keep(name).logical_not();
        const torch::Tensor& parameter = weights[i].tensor;
        const torch::Tensor& expected = reference_weights[i].tensor;
        EXPECT_TRUE(all_zero(parameter.detach(), pruned)) << name << " step " << step;
        EXPECT_FALSE(parameter.detach().signbit().masked_select(pruned).any().item<bool>())
            << name << ": a pruned weight is −0.0";
        EXPECT_TRUE(all_zero(parameter.grad(), pruned)) << name << " step " << step;
        EXPECT_TRUE(same_bits(parameter, expected)) << name << " step " << step;
        const auto state = all_state_tensors(optimizer.optimizer(), parameter);
        const auto expected_state = all_state_tensors(*plain, expected);
        ASSERT_EQ(state.size(), expected_state.size()) << name;
        for (std::size_t s = 0; s < state.size(); ++s) {
          EXPECT_TRUE(all_zero(state[s], pruned)) << name << " state " << s << " step " << step;
          EXPECT_TRUE(same_bits(state[s], expected_state[s]))
              << name << " state " << s << " step " << step;
        }
      }
      for (std::size_t i = 0; i < net.parameters().size(); ++i)  // the biases too
        EXPECT_TRUE(same_bits(net.parameters()[i], reference.parameters()[i])) << i;
    }
  }
}

/// A tensor of `sizes` holding, in turn, NaN, +Inf, −Inf, −0.0 and N(0, 1) samples.
torch::Tensor awkward_values(torch::IntArrayRef sizes, torch::ScalarType dtype,
                             std::uint64_t seed) {
  at::Generator gen = testing::generator(seed);
  torch::Tensor t = at::randn(sizes, gen).to(dtype);
  torch::Tensor flat = t.view(-1);
  const double specials[] = {std::nan(""), INFINITY, -INFINITY, -0.0};
  for (std::int64_t i = 0; i < flat.numel(); i += 5) flat[i] = specials[(i / 5) % 4];
  return t;
}

TEST(KeepMask, ZeroPrunedEqualsMaskedFillBitForBit) {
  // 300 × 200 = 60000 entries: more than one at::parallel_for chunk.
  at::Generator gen = testing::generator(11);
  const torch::Tensor keep = at::rand({300, 200}, gen).lt(0.3);
  const KeepMask mask(keep, torch::kCPU);
  EXPECT_FALSE(mask.keeps_all());
  for (const torch::ScalarType dtype : {torch::kFloat, torch::kDouble, torch::kHalf}) {
    const torch::Tensor original = awkward_values({300, 200}, dtype, 12);
    const torch::Tensor expected = original.masked_fill(keep.logical_not(), 0);
    torch::Tensor t = original.clone();
    const auto version = t._version();
    mask.zero_pruned(t);
    EXPECT_TRUE(same_bits(t, expected)) << dtype;
    EXPECT_GT(t._version(), version) << dtype;
    EXPECT_FALSE(t.signbit().masked_select(keep.logical_not()).any().item<bool>()) << dtype;
    // Kept entries are untouched, NaN and −0.0 included.
    EXPECT_TRUE(same_bits(t.masked_select(keep), original.masked_select(keep))) << dtype;
  }
  // A non-contiguous tensor (the transpose of a [200, 300] one) takes the general path.
  const torch::Tensor transposed = awkward_values({200, 300}, torch::kFloat, 13).t();
  ASSERT_FALSE(transposed.is_contiguous());
  const torch::Tensor expected = transposed.masked_fill(keep.logical_not(), 0);
  mask.zero_pruned(transposed);
  EXPECT_TRUE(same_bits(transposed, expected));
  // So does an integer tensor.
  torch::Tensor counts = torch::arange(60000, torch::kLong).view({300, 200});
  mask.zero_pruned(counts);
  EXPECT_TRUE(counts.equal(torch::arange(60000, torch::kLong).view({300, 200}) * keep));
}

TEST(KeepMask, AcceptsZeroOneTensorsSkipsAllKeptAndChecksTheShape) {
  const KeepMask from_floats(torch::tensor({1.0, 0.0, 1.0, 0.0}), torch::kCPU);
  torch::Tensor t = torch::tensor({1.5F, NAN, -INFINITY, 2.5F});
  from_floats.zero_pruned(t);
  EXPECT_TRUE(same_bits(t, torch::tensor({1.5F, 0.0F, -INFINITY, 0.0F})));

  const KeepMask all(torch::ones({2, 3}, torch::kBool), torch::kCPU);
  EXPECT_TRUE(all.keeps_all());
  torch::Tensor untouched = torch::full({2, 3}, NAN);
  all.zero_pruned(untouched);
  EXPECT_TRUE(untouched.isnan().all().item<bool>());

  torch::Tensor undefined;
  EXPECT_NO_THROW(from_floats.zero_pruned(undefined));
  torch::Tensor wrong_shape = torch::ones({2, 2});
  EXPECT_THROW(from_floats.zero_pruned(wrong_shape), InvalidInput);
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
