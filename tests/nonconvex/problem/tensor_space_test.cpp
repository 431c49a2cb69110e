#include "cardinal/nonconvex/problem/tensor_space.hpp"

#include <gtest/gtest.h>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/parameter_space.hpp"
#include "cardinal/solvers/dynamic_sparse_training.hpp"
#include "nonconvex/pruning/tiny_networks.hpp"

namespace cardinal {
namespace {

static_assert(ParameterSpace<TensorSpace>);
static_assert(BlockedParameterSpace<TensorSpace>);
static_assert(RandomParameterSpace<TensorSpace>);

using testing::TinyConvNet;
using testing::TinyMlp;

/// A vector of TinyMlp's shape whose constrained entries are given by `fill(block, flat)`.
TensorList vector_of(const TensorSpace& space, double (*fill)(std::size_t, int64_t)) {
  TensorList x = space.zeros();
  for (std::size_t b = 0; b < x.size(); ++b) {
    auto flat = x[b].view(-1);
    for (int64_t i = 0; i < flat.numel(); ++i) flat[i] = fill(b, i);
  }
  return x;
}

std::vector<int64_t> kept_positions(const torch::Tensor& active) {
  std::vector<int64_t> out;
  const auto flat = active.reshape(-1);
  for (int64_t i = 0; i < flat.numel(); ++i)
    if (flat[i].item<bool>()) out.push_back(i);
  return out;
}

TEST(TensorSpace, BlocksAreTheParametersAndOnlyKernelsAreConstrained) {
  TinyMlp net;
  const TensorSpace space(net);
  EXPECT_EQ(space.names(),
            (std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));
  EXPECT_EQ(space.dimension(), 320 + 64);
  EXPECT_TRUE(space.is_constrained(0));
  EXPECT_FALSE(space.is_constrained(1));
  EXPECT_EQ(space.block_dimensions(), (std::vector<Index>{320, 64}));

  const TensorSpace neurons(net, {.granularity = Granularity::kNeurons});
  EXPECT_EQ(neurons.dimension(), 16 + 4);
  const TensorSpace dense_output(net, {.dense_layers = {"fc2.weight"}});
  EXPECT_EQ(dense_output.dimension(), 320);
  EXPECT_THROW(TensorSpace(net, {.dense_layers = {"fc1.bias"}}), InvalidInput);
}

TEST(TensorSpace, LargestKeepsTheGlobalTopKWithTiesToTheEarlierCoordinate) {
  TinyMlp net;
  const TensorSpace space(net);
  // fc1.weight entries i have |x| = i mod 7 (many ties), fc2.weight entries 10 + i mod 3, biases
  // 1000 (free: never ranked).
  const TensorList x = vector_of(space, [](std::size_t b, int64_t i) -> double {
    if (b == 0) return (i % 2 ? -1.0 : 1.0) * static_cast<double>(i % 7);
    if (b == 2) return 10.0 + static_cast<double>(i % 3);
    return 1000.0;
  });
  // Top 70: all 64 of fc2 (≥ 10), then the six earliest fc1 entries with |x| = 6.
  const TensorSupport top = space.largest(x, 70);
  EXPECT_EQ(space.size(top), 70);
  EXPECT_EQ(kept_positions(top[0]), (std::vector<int64_t>{6, 13, 20, 27, 34, 41}));
  EXPECT_EQ(kept_positions(top[1]).size(), 64u);

  TensorList y = x;
  space.restrict(y, top);
  EXPECT_EQ(y[1].equal(x[1]), true) << "free blocks are never thresholded";
  EXPECT_EQ(y[0].count_nonzero().item<int64_t>(), 6);
  EXPECT_DOUBLE_EQ(space.norm_off(x, top) * space.norm_off(x, top) +
                       space.norm_on(x, top) * space.norm_on(x, top),
                   space.dot(x, x));
  // A copy is deep: restricting y left x alone.
  EXPECT_EQ(x[0].count_nonzero().item<int64_t>(), 320 - 320 / 7 - 1);
}

TEST(TensorSpace, PerBlockBudgetsSplitInProportionToTheLayers) {
  TinyMlp net;
  const TensorSpace space(net, {.scope = BudgetScope::kPerBlock});
  const TensorList x = vector_of(space, [](std::size_t b, int64_t i) -> double {
    return b == 2 ? 100.0 + static_cast<double>(i) : static_cast<double>(i);
  });
  // 48 of 384: 320·48/384 = 40 and 64·48/384 = 8, although fc2 dominates globally.
  const TensorSupport top = space.largest(x, 48);
  EXPECT_EQ(top[0].sum().item<int64_t>(), 40);
  EXPECT_EQ(top[1].sum().item<int64_t>(), 8);
  EXPECT_EQ(kept_positions(top[0]).front(), 280);  // the 40 largest of fc1 are its last 40
  EXPECT_EQ(split_budget(7, {3, 3, 1}), (std::vector<Index>{3, 3, 1}));
  EXPECT_EQ(split_budget(2, {3, 3, 1}), (std::vector<Index>{1, 1, 0}));
  EXPECT_EQ(split_budget(3, {1, 1, 1}), (std::vector<Index>{1, 1, 1}));
}

TEST(TensorSpace, ErdosRenyiKernelDensitiesFollowTheLayersShapes) {
  TinyMlp mlp;
  const TensorSpace space(
      mlp, {.scope = BudgetScope::kPerBlock, .layer_density = LayerDensity::kErdosRenyiKernel});
  // Densities ∝ (16 + 20)/320 and (4 + 16)/64: ε · (36 + 20) = 48, budgets 30.86 and 17.14.
  EXPECT_EQ(space.block_budgets(48), (std::vector<Index>{31, 17}));
  const TensorList x =
      vector_of(space, [](std::size_t, int64_t i) -> double { return static_cast<double>(i); });
  const TensorSupport top = space.largest(x, 48);
  EXPECT_EQ(top[0].sum().item<int64_t>(), 31);
  EXPECT_EQ(top[1].sum().item<int64_t>(), 17);

  // Convolutions count their kernel dimensions: (n_out + n_in + k_h + k_w)/(n_out n_in k_h k_w).
  TinyConvNet conv;
  const TensorSpace conv_space(
      conv, {.scope = BudgetScope::kPerBlock, .layer_density = LayerDensity::kErdosRenyiKernel});
  EXPECT_EQ(conv_space.block_budgets(100),
            split_budget(100, {36, 288, 320, 30},
                         {11.0 / 36.0, 18.0 / 288.0, 42.0 / 320.0, 13.0 / 30.0}));
  const TensorSpace uniform(conv, {.scope = BudgetScope::kPerBlock});
  EXPECT_EQ(uniform.block_budgets(100), split_budget(100, {36, 288, 320, 30}));
  EXPECT_THROW(TensorSpace(conv, {.scope = BudgetScope::kPerBlock,
                                  .layer_density = LayerDensity::kErdosRenyiKernel,
                                  .granularity = Granularity::kNeurons}),
               InvalidInput);
}

TEST(TensorSpace, UniformIsSeededOnTheConstrainedTensorsAndZeroElsewhere) {
  TinyMlp net;
  const TensorSpace space(net);
  const TensorList u = space.uniform(5);
  for (std::size_t b = 0; b < u.size(); ++b) {
    if (space.is_constrained(b)) {
      EXPECT_GE(u[b].min().item<double>(), 0.0);
      EXPECT_LT(u[b].max().item<double>(), 1.0);
      EXPECT_GT(u[b].std().item<double>(), 0.2);
    } else {
      EXPECT_EQ(u[b].abs().max().item<double>(), 0.0) << space.names()[b];
    }
    EXPECT_TRUE(torch::equal(u[b], space.uniform(5)[b]));
  }
  EXPECT_FALSE(torch::equal(u[0], space.uniform(6)[0]));
  EXPECT_FALSE(torch::equal(u[0].view(-1).narrow(0, 0, 64), u[2].view(-1)));
}

TEST(TensorSpace, PerBlockSwapsKeepEveryLayersCountExactly) {
  TinyMlp net;
  const TensorSpace space(net, {.scope = BudgetScope::kPerBlock});
  TensorList w = vector_of(space, [](std::size_t b, int64_t i) -> double {
    return b == 2 ? 100.0 + static_cast<double>(i) : static_cast<double>(i);
  });
  const TensorSupport mask = space.largest(w, 48);  // fc1: 280..319, fc2: 56..63
  space.restrict(w, mask);
  // Growth scores that a global ranking would spend on fc2 alone.
  const TensorList score = vector_of(space, [](std::size_t b, int64_t i) -> double {
    return b == 2 ? 1000.0 : 319.0 - static_cast<double>(i);
  });
  EXPECT_EQ(space.size_in_block(mask, 0), 40);
  EXPECT_EQ(space.size_in_block(mask, 1), 8);
  const TensorSupport swapped = swap_support_per_block(space, w, score, mask, {10, 2});
  EXPECT_EQ(space.size_in_block(swapped, 0), 40);
  EXPECT_EQ(space.size_in_block(swapped, 1), 8);
  std::vector<int64_t> fc1;
  for (int64_t i = 0; i < 10; ++i) fc1.push_back(i);     // grown: largest scores of fc1
  for (int64_t i = 290; i < 320; ++i) fc1.push_back(i);  // kept: the 30 largest weights
  EXPECT_EQ(kept_positions(swapped[0]), fc1);
  EXPECT_EQ(kept_positions(swapped[1]), (std::vector<int64_t>{0, 1, 58, 59, 60, 61, 62, 63}));
  // Dropped weights are zero, grown ones start at zero, kept ones keep their values.
  EXPECT_EQ(w[0].view(-1)[285].item<double>(), 0.0);
  EXPECT_EQ(w[0].view(-1)[5].item<double>(), 0.0);
  EXPECT_EQ(w[0].view(-1)[300].item<double>(), 300.0);
  EXPECT_EQ(w[2].view(-1)[56].item<double>(), 0.0);
  // A global swap of the same 12 moves the layers' counts: it drops fc2's 8 (its weights, below
  // 164, are the smallest of the support) and grows 12 there, where the scores are largest.
  TensorList v = vector_of(space, [](std::size_t b, int64_t i) -> double {
    return b == 2 ? 100.0 + static_cast<double>(i) : static_cast<double>(i);
  });
  space.restrict(v, mask);
  const TensorSupport global = swap_support(space, v, score, mask, 12);
  EXPECT_EQ(space.size_in_block(global, 1), 12);
  EXPECT_EQ(space.size_in_block(global, 0), 36);
  EXPECT_THROW(swap_support_per_block(space, w, score, mask, {41, 0}), InvalidInput);
}

TEST(TensorSpace, NeuronGranularitySelectsWholeRowsByTheirNorm) {
  TinyMlp net;
  const TensorSpace space(net, {.granularity = Granularity::kNeurons});
  // Row r of fc1.weight (20 entries) has entries r/10, so its norm grows with r; fc2's rows
  // are small.
  const TensorList x = vector_of(space, [](std::size_t b, int64_t i) -> double {
    if (b == 0) return static_cast<double>(i / 20) / 10.0;
    return b == 2 ? 0.01 : 0.0;
  });
  const TensorSupport top = space.largest(x, 3);
  EXPECT_EQ(space.size(top), 3);
  EXPECT_EQ(top[0].sum().item<int64_t>(), 3 * 20);
  EXPECT_TRUE(top[0][13].all().item<bool>() && top[0][14].all().item<bool>() &&
              top[0][15].all().item<bool>());
  EXPECT_EQ(top[1].sum().item<int64_t>(), 0);

  const TensorSupport grown = space.unite(top, space.largest_outside(x, top, 2));
  EXPECT_EQ(space.size(grown), 5);
  EXPECT_TRUE(grown[0][11].all().item<bool>() && grown[0][12].all().item<bool>());
  const TensorSupport kept = space.largest_in(x, grown, 1);
  EXPECT_EQ(space.size(kept), 1);
  EXPECT_TRUE(kept[0][15].all().item<bool>());

  // A mask with a partial row is not a neuron support.
  Mask partial = space.to_mask(top);
  std::vector<torch::Tensor> keep = {partial.keep(0).clone(), partial.keep(1).clone()};
  keep[0][13][0] = false;
  EXPECT_THROW(space.from_mask(Mask(partial.names(), keep)), InvalidInput);
  EXPECT_TRUE(same_support(space, space.from_mask(partial), top));
}

TEST(TensorSpace, SupportOfAndMasksRoundTrip) {
  TinyMlp net;
  testing::randomize(net, 3);
  const TensorSpace space(net, {.dense_layers = {"fc2.weight"}});
  TensorList w = space.read(net);
  const TensorSupport top = space.largest(w, 100);
  space.restrict(w, top);
  EXPECT_TRUE(same_support(space, space.support_of(w), top));
  const Mask mask = space.to_mask(top);
  EXPECT_EQ(mask.remaining("fc1.weight"), 100);
  EXPECT_EQ(mask.remaining("fc2.weight"), 64) << "a dense layer is all kept";
  EXPECT_TRUE(same_support(space, space.from_mask(mask), top));

  space.write(w, net);
  const TensorList back = space.read(net);
  for (std::size_t b = 0; b < w.size(); ++b) EXPECT_TRUE(back[b].equal(w[b]));
}

TEST(TensorSpace, NanRanksAsTheLargestMagnitude) {
  TinyMlp net;
  const TensorSpace space(net);
  TensorList x = space.zeros();
  x[0].view(-1)[5] = std::numeric_limits<double>::quiet_NaN();
  x[2].view(-1)[0] = 1e30;
  const TensorSupport top = space.largest(x, 1);
  EXPECT_EQ(kept_positions(top[0]), (std::vector<int64_t>{5}));
}

/// restrict, norm_on, norm_off and size against their definitions, element by element in double,
/// with NaN and ±∞ off the support (they must neither survive restrict nor count in norm_on), on
/// contiguous float and double tensors and on non-contiguous views (another code path).
TEST(TensorSpace, RestrictNormsAndSizeFollowTheirDefinitionsOnEveryLayout) {
  for (const torch::Dtype dtype : {torch::kFloat, torch::kDouble}) {
    for (const bool contiguous : {true, false}) {
      SCOPED_TRACE(std::string(dtype == torch::kFloat ? "float" : "double") +
                   (contiguous ? ", contiguous" : ", strided"));
      TinyMlp net;
      net.to(dtype);
      const TensorSpace space(net);
      torch::manual_seed(3);
      TensorList x = space.zeros();
      for (std::size_t b = 0; b < x.size(); ++b) {
        torch::Tensor values = torch::randn(x[b].sizes(), x[b].options());
        // A strided tensor of the same shape and values: the transpose of a contiguous one.
        if (!contiguous && values.dim() == 2) values = values.t().contiguous().t();
        x[b] = values;
      }
      ASSERT_EQ(x[0].is_contiguous(), contiguous);
      const TensorSupport a = space.from_mask(space.to_mask(space.largest(x, 100)));
      const TensorList clean = x;
      const double nan = std::numeric_limits<double>::quiet_NaN();
      const double inf = std::numeric_limits<double>::infinity();
      int64_t planted = 0;
      for (const std::size_t b : {std::size_t{0}, std::size_t{2}}) {
        const torch::Tensor flat_active = a[b == 0 ? 0 : 1].reshape(-1);
        for (int64_t i = 0; i < flat_active.numel() && planted < 6; ++i) {
          if (flat_active[i].item<bool>()) continue;
          const int64_t row = i / x[b].size(1), column = i % x[b].size(1);
          x[b][row][column] = planted % 3 == 0 ? nan : (planted % 3 == 1 ? inf : -inf);
          ++planted;
        }
      }
      ASSERT_EQ(planted, 6);

      double on = 0.0, off = 0.0;
      Index kept = 0;
      for (std::size_t b = 0; b < x.size(); ++b) {
        const torch::Tensor values = clean[b].to(torch::kDouble).contiguous().reshape(-1);
        const bool constrained = space.is_constrained(b);
        const torch::Tensor active = constrained ? a[b == 0 ? 0 : 1].reshape(-1) : torch::Tensor();
        for (int64_t i = 0; i < values.numel(); ++i) {
          const double v = values[i].item<double>();
          const bool in = !constrained || active[i].item<bool>();
          (in ? on : off) += v * v;
          kept += constrained && in;
        }
      }
      EXPECT_EQ(space.size(a), kept);
      EXPECT_EQ(kept, 100);
      EXPECT_NEAR(space.norm_on(x, a), std::sqrt(on), 1e-12 * std::sqrt(on));
      EXPECT_NEAR(space.norm_off(clean, a), std::sqrt(off), 1e-12 * std::sqrt(off));
      EXPECT_TRUE(std::isnan(space.norm_off(x, a))) << "NaN off the support counts off it";

      TensorList y = x;
      space.restrict(y, a);
      for (std::size_t b = 0; b < x.size(); ++b) {
        if (!space.is_constrained(b)) {
          EXPECT_TRUE(y[b].equal(x[b]));
          continue;
        }
        const torch::Tensor active = a[b == 0 ? 0 : 1];
        EXPECT_TRUE(y[b].masked_select(active).equal(x[b].masked_select(active)));
        const torch::Tensor pruned = y[b].masked_select(active.logical_not());
        EXPECT_TRUE(pruned.eq(0).all().item<bool>());
        EXPECT_FALSE(pruned.signbit().any().item<bool>()) << "pruned entries are +0";
      }
    }
  }
}

}  // namespace
}  // namespace cardinal
