// The count rule, magnitude pruning (global, layer-wise, overrides, dense layers), random pruning.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/pruning/magnitude_pruning.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"
#include "cardinal/nonconvex/pruning/random_pruning.hpp"
#include "nonconvex/pruning/tiny_networks.hpp"

namespace cardinal {
namespace {

using testing::TinyConvNet;
using testing::TinyMlp;

/// Random weights rounded to multiples of 1/8, so that many magnitudes tie (including ±x).
void quantized_weights(torch::nn::Module& net, std::uint64_t seed) {
  testing::randomize(net, seed);
  const torch::NoGradGuard no_grad;
  for (auto& p : net.parameters()) p.copy_(torch::round(p * 8.0) / 8.0);
}

/// Reference pruning, written independently of the library: among the kept entries of the
/// tensors named in `group`, sort (|w|, tensor position, flat index) ascending with std::sort and
/// remove the first `count`.
Mask reference_prune(const torch::nn::Module& net, const Mask& mask,
                     const std::vector<std::string>& group, Index count) {
  const std::vector<NamedTensor> weights = prunable_tensors(net);
  std::vector<torch::Tensor> keep;
  for (Index i = 0; i < mask.size(); ++i) keep.push_back(mask.keep(i).clone());
  std::vector<std::tuple<double, std::size_t, Index>> entries;
  for (std::size_t t = 0; t < weights.size(); ++t) {
    if (std::find(group.begin(), group.end(), weights[t].name) == group.end()) continue;
    const torch::Tensor w = weights[t].tensor.detach().contiguous().flatten();
    const torch::Tensor k = keep[t].flatten();
    for (Index j = 0; j < w.numel(); ++j)
      if (k[j].item<bool>()) entries.emplace_back(std::abs(w[j].item<double>()), t, j);
  }
  EXPECT_LE(count, static_cast<Index>(entries.size()));
  std::sort(entries.begin(), entries.end());
  for (Index n = 0; n < count; ++n) {
    const auto& [magnitude, t, j] = entries[static_cast<std::size_t>(n)];
    keep[t].view({-1})[j] = false;
  }
  return Mask(mask.names(), keep);
}

/// Every entry `after` keeps was kept by `before`.
bool is_subset(const Mask& after, const Mask& before) {
  return after.intersect(before) == after;
}

TEST(PrunedCount, RoundsToNearestWithTiesAwayFromZero) {
  EXPECT_EQ(pruned_count(0.2, 384), 77);   // 76.8
  EXPECT_EQ(pruned_count(0.2, 307), 61);   // 61.4
  EXPECT_EQ(pruned_count(0.5, 307), 154);  // 153.5
  EXPECT_EQ(pruned_count(0.1, 64), 6);     // 6.4
  EXPECT_EQ(pruned_count(0.1, 58), 6);     // 5.8
  EXPECT_EQ(pruned_count(0.29, 100), 29);  // 28.999999999999996 in double
  EXPECT_EQ(pruned_count(0.5, 1), 1);
  EXPECT_EQ(pruned_count(0.4, 1), 0);
  EXPECT_EQ(pruned_count(0.0, 1000), 0);
  EXPECT_EQ(pruned_count(1.0, 1000), 1000);
  EXPECT_EQ(pruned_count(0.3, 0), 0);
  EXPECT_THROW(pruned_count(1.5, 10), InvalidInput);
  EXPECT_THROW(pruned_count(-0.1, 10), InvalidInput);
  EXPECT_THROW(pruned_count(std::nan(""), 10), InvalidInput);
}

TEST(MagnitudePruning, TiesGoToTheEarlierTensorAndFlatIndex) {
  TinyMlp net;
  {
    const torch::NoGradGuard no_grad;
    for (auto& p : net.parameters()) p.fill_(-1.0);
  }
  const Mask global = prune_magnitude(net, Mask::dense(net), PruningSpec{.fraction = 0.2});
  // 77 of 384 go: the first 77 entries of fc1 in row-major order.
  const torch::Tensor fc1 = global.keep("fc1.weight").flatten();
  EXPECT_FALSE(fc1.slice(0, 0, 77).any().item<bool>());
  EXPECT_TRUE(fc1.slice(0, 77).all().item<bool>());
  EXPECT_TRUE(global.keep("fc2.weight").all().item<bool>());

  const Mask layerwise =
      prune_magnitude(net, Mask::dense(net),
                      {.fraction = 0.2, .output_fraction = 0.1, .scope = PruningScope::kLayerwise});
  EXPECT_FALSE(layerwise.keep("fc1.weight").flatten().slice(0, 0, 64).any().item<bool>());
  EXPECT_TRUE(layerwise.keep("fc1.weight").flatten().slice(0, 64).all().item<bool>());
  EXPECT_FALSE(layerwise.keep("fc2.weight").flatten().slice(0, 0, 6).any().item<bool>());
  EXPECT_TRUE(layerwise.keep("fc2.weight").flatten().slice(0, 6).all().item<bool>());
}

TEST(MagnitudePruning, GlobalRemovesExactlyTheSmallestRemainingWeights) {
  TinyMlp net;
  quantized_weights(net, 21);
  const std::vector<std::string> all{"fc1.weight", "fc2.weight"};

  const Mask round1 = prune_magnitude(net, Mask::dense(net), {.fraction = 0.2});
  EXPECT_EQ(round1.remaining(), 384 - 77);
  EXPECT_TRUE(round1 == reference_prune(net, Mask::dense(net), all, 77));

  // Pruned weights are no candidates, whatever their value: zero (as after apply) ...
  round1.apply(net);
  const Mask round2 = prune_magnitude(net, round1, {.fraction = 0.5});
  EXPECT_EQ(round2.remaining(), 307 - 154);
  EXPECT_TRUE(round2 == reference_prune(net, round1, all, 154));
  EXPECT_TRUE(is_subset(round2, round1));
  // ... or huge.
  {
    const torch::NoGradGuard no_grad;
    for (const auto& [name, w] : prunable_tensors(net))
      w.masked_fill_(round1.keep(name).logical_not(), 1e6);
  }
  EXPECT_TRUE(prune_magnitude(net, round1, {.fraction = 0.5}) == round2);
}

TEST(MagnitudePruning, LayerwiseUsesPerLayerCountsAndTheOutputFraction) {
  TinyMlp net;
  quantized_weights(net, 22);
  const PruningSpec spec{
      .fraction = 0.2, .output_fraction = 0.1, .scope = PruningScope::kLayerwise};

  const Mask round1 = prune_magnitude(net, Mask::dense(net), spec);
  EXPECT_EQ(round1.remaining("fc1.weight"), 320 - 64);
  EXPECT_EQ(round1.remaining("fc2.weight"), 64 - 6);
  Mask expected = reference_prune(net, Mask::dense(net), {"fc1.weight"}, 64);
  expected = reference_prune(net, expected, {"fc2.weight"}, 6);
  EXPECT_TRUE(round1 == expected);

  quantized_weights(net, 23);  // training moved the weights; pruned ones are still pruned
  const Mask round2 = prune_magnitude(net, round1, spec);
  EXPECT_EQ(round2.remaining("fc1.weight"), 256 - 51);  // 51.2
  EXPECT_EQ(round2.remaining("fc2.weight"), 58 - 6);    // 5.8
  expected = reference_prune(net, round1, {"fc1.weight"}, 51);
  expected = reference_prune(net, expected, {"fc2.weight"}, 6);
  EXPECT_TRUE(round2 == expected);
  EXPECT_TRUE(is_subset(round2, round1));
}

TEST(MagnitudePruning, GlobalWithOverridesPrunesOverriddenLayersAlone) {
  TinyConvNet net;
  quantized_weights(net, 24);
  const Mask dense = Mask::dense(net);

  // conv1 by its own 0.5, fc2 (output) by 0.1; conv2 and fc1 share one ranking at 0.2.
  const Mask mask = prune_magnitude(
      net, dense,
      {.fraction = 0.2, .output_fraction = 0.1, .layer_fraction = {{"conv1.weight", 0.5}}});
  Mask expected = reference_prune(net, dense, {"conv1.weight"}, 18);
  expected = reference_prune(net, expected, {"fc2.weight"}, 3);
  expected = reference_prune(net, expected, {"conv2.weight", "fc1.weight"}, 122);  // 121.6
  EXPECT_TRUE(mask == expected);
  EXPECT_EQ(mask.remaining(), 674 - 18 - 3 - 122);

  // Dense layers are left alone; the rest of the global group shares the threshold.
  const Mask with_dense = prune_magnitude(
      net, dense, {.fraction = 0.2, .output_fraction = 0.1, .dense_layers = {"conv2.weight"}});
  expected = reference_prune(net, dense, {"fc2.weight"}, 3);
  expected = reference_prune(net, expected, {"conv1.weight", "fc1.weight"}, 71);  // 71.2
  EXPECT_TRUE(with_dense == expected);
  EXPECT_EQ(with_dense.remaining("conv2.weight"), 288);

  // An explicit layer fraction for the output layer beats output_fraction.
  const Mask output_override = prune_magnitude(
      net, dense,
      {.fraction = 0.2, .output_fraction = 0.1, .layer_fraction = {{"fc2.weight", 0.5}}});
  EXPECT_EQ(output_override.remaining("fc2.weight"), 15);

  // Layer-wise scope with a dense layer and no output fraction.
  const Mask layerwise = prune_magnitude(
      net, dense,
      {.fraction = 0.2, .dense_layers = {"conv1.weight"}, .scope = PruningScope::kLayerwise});
  EXPECT_EQ(layerwise.remaining("conv1.weight"), 36);
  EXPECT_EQ(layerwise.remaining("conv2.weight"), 288 - 58);  // 57.6
  EXPECT_EQ(layerwise.remaining("fc1.weight"), 320 - 64);
  EXPECT_EQ(layerwise.remaining("fc2.weight"), 30 - 6);
}

TEST(MagnitudePruning, RepeatedRoundsNeverReviveWeights) {
  TinyConvNet net;
  const PruningSpec spec{.fraction = 0.3, .output_fraction = 0.1};
  Mask mask = Mask::dense(net);
  for (int round = 0; round < 6; ++round) {
    quantized_weights(net, 100 + round);  // pruned entries get fresh, often large, values
    const Mask next = prune_magnitude(net, mask, spec);
    EXPECT_TRUE(is_subset(next, mask)) << "round " << round;
    const Index output_before = mask.remaining("fc2.weight");
    const Index hidden_before = mask.remaining() - output_before;
    EXPECT_EQ(next.remaining("fc2.weight"),
              output_before - std::llround(0.1 * static_cast<double>(output_before)));
    EXPECT_EQ(next.remaining() - next.remaining("fc2.weight"),
              hidden_before - std::llround(0.3 * static_cast<double>(hidden_before)));
    mask = next;
  }
  EXPECT_LT(mask.density(), 0.2);
  EXPECT_TRUE(prune_magnitude(net, mask, {.fraction = 0.0}) == mask);
  const Mask emptied = prune_magnitude(net, mask, {.fraction = 1.0});
  EXPECT_EQ(emptied.remaining(), 0);
}

TEST(MagnitudePruning, InvalidSpecsAndMismatchedMasksAreRejected) {
  TinyMlp net;
  const Mask dense = Mask::dense(net);
  const auto message = [&](const PruningSpec& spec) -> std::string {
    try {
      prune_magnitude(net, dense, spec);
    } catch (const InvalidInput& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(message({.layer_fraction = {{"fc9.weight", 0.5}}}).find("fc9.weight"),
            std::string::npos);
  EXPECT_NE(message({.dense_layers = {"fc1.bias"}}).find("fc1.bias"), std::string::npos);
  EXPECT_NE(message({.fraction = 1.5}).find("fraction"), std::string::npos);
  EXPECT_NE(message({.output_fraction = -0.1}).find("output_fraction"), std::string::npos);
  EXPECT_NE(message({.layer_fraction = {{"fc1.weight", 0.5}}, .dense_layers = {"fc1.weight"}})
                .find("fc1.weight"),
            std::string::npos);
  TinyConvNet other;
  EXPECT_THROW(prune_magnitude(other, dense, {}), InvalidInput);
}

TEST(RandomPruning, RemovesTheSameCountsReproduciblyFromRemainingWeights) {
  TinyConvNet net;
  quantized_weights(net, 30);
  const Mask dense = Mask::dense(net);
  const PruningSpec layerwise{.fraction = 0.2,
                              .output_fraction = 0.1,
                              .dense_layers = {"conv1.weight"},
                              .scope = PruningScope::kLayerwise};
  const Mask magnitude = prune_magnitude(net, dense, layerwise);
  const Mask random = prune_random(dense, layerwise, 7);
  for (const auto& name : dense.names())
    EXPECT_EQ(random.remaining(name), magnitude.remaining(name)) << name;
  EXPECT_TRUE(random.keep("conv1.weight").all().item<bool>());
  EXPECT_FALSE(random == magnitude);

  EXPECT_TRUE(prune_random(dense, layerwise, 7) == random);
  EXPECT_FALSE(prune_random(dense, layerwise, 8) == random);

  // Global: the same total, spread over the group at random; iterated rounds stay subsets.
  const PruningSpec global{.fraction = 0.3, .output_fraction = 0.1};
  Mask mask = dense;
  Mask magnitude_mask = dense;
  for (int round = 0; round < 4; ++round) {
    const Mask next = prune_random(mask, global, 1000 + round);
    magnitude_mask = prune_magnitude(net, magnitude_mask, global);
    EXPECT_TRUE(is_subset(next, mask));
    EXPECT_EQ(next.remaining(), magnitude_mask.remaining());
    EXPECT_EQ(next.remaining("fc2.weight"), magnitude_mask.remaining("fc2.weight"));
    mask = next;
  }
  // Every hidden layer lost weights (a global random draw is spread over the group).
  for (const auto* name : {"conv1.weight", "conv2.weight", "fc1.weight"})
    EXPECT_LT(mask.remaining(name), dense.remaining(name)) << name;
}

}  // namespace
}  // namespace cardinal
