// Zhou et al.'s mask criteria: hand-computed masks, counts, ties, the same-sign rule, the
// seeded random criterion, a sorting reference, and the untrained supermask network.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/pruning/snapshot.hpp"
#include "cardinal/nonconvex/supermask/mask_criterion.hpp"
#include "nonconvex/pruning/tiny_networks.hpp"

namespace cardinal {
namespace {

using testing::TinyMlp;

torch::Tensor floats(const std::vector<float>& values, std::vector<int64_t> shape) {
  return torch::tensor(values, torch::kFloat32).reshape(shape);
}

// One 2×4 layer "a" (positions 0..7 in row-major order); every value is a dyadic fraction, so
// every score below is exact.
//            position:  0      1      2       3      4      5        6       7
const std::vector<float> kInit = {0.5f, -0.25f, 0.125f, -0.75f, 0.375f, 0.0625f, -0.5f, 0.25f};
const std::vector<float> kFinal = {0.75f, 0.5f, -0.125f, -0.25f, 1.0f, -0.875f, -0.625f, 0.25f};
// Signs change at 1, 2 and 5.

Snapshot snapshot(const std::vector<NamedTensor>& parameters) {
  return Snapshot(parameters, {});
}

Mask dense_like(const std::vector<NamedTensor>& parameters) {
  std::vector<std::string> names;
  std::vector<torch::Tensor> keep;
  for (const auto& [name, t] : parameters) {
    names.push_back(name);
    keep.push_back(torch::ones(t.sizes(), torch::kBool));
  }
  return Mask(names, keep);
}

/// The kept flat positions of mask tensor `name`.
std::set<int64_t> kept(const Mask& mask, const std::string& name) {
  std::set<int64_t> out;
  const torch::Tensor k = mask.keep(name).flatten();
  for (int64_t j = 0; j < k.numel(); ++j)
    if (k[j].item<bool>()) out.insert(j);
  return out;
}

std::set<int64_t> one_layer(MaskCriterion criterion, double keep_fraction) {
  const std::vector<NamedTensor> init{{"a", floats(kInit, {2, 4})}};
  const std::vector<NamedTensor> final{{"a", floats(kFinal, {2, 4})}};
  const Mask mask = criterion_mask(snapshot(init), snapshot(final), dense_like(init), criterion,
                                   keep_fraction, PruningScope::kLayerwise);
  return kept(mask, "a");
}

TEST(MaskCriterion, NamesRoundTripAndUnknownNamesAreRejected) {
  const std::vector<std::string> names = known_mask_criteria();
  ASSERT_EQ(names.size(), 17u);
  ASSERT_EQ(all_mask_criteria().size(), 17u);
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(to_string(parse_mask_criterion(names[i])), names[i]);
    EXPECT_EQ(parse_mask_criterion(names[i]), all_mask_criteria()[i]);
    EXPECT_FALSE(describe(all_mask_criteria()[i]).empty());
    EXPECT_EQ(is_same_sign(all_mask_criteria()[i]), names[i].ends_with("_same_sign")) << names[i];
  }
  EXPECT_EQ(parse_mask_criterion("large_final_same_sign"), MaskCriterion::kLargeFinalSameSign);
  EXPECT_EQ(parse_mask_criterion("magnitude_increase_same_sign"),
            MaskCriterion::kMagnitudeIncreaseSameSign);
  try {
    parse_mask_criterion("largest_final");
    FAIL() << "no exception";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("unknown mask criterion 'largest_final'"),
              std::string::npos);
    EXPECT_NE(std::string(e.what()).find("large_final_same_sign"), std::string::npos);
  }
  EXPECT_EQ(parse_kept_weights("signed-constant"), KeptWeights::kSignedConstant);
  EXPECT_EQ(to_string(KeptWeights::kInitial), "initial");
  EXPECT_THROW(parse_kept_weights("constant"), InvalidInput);
}

TEST(MaskCriterion, ScoresFollowTheFormulas) {
  const torch::Tensor wi = floats({0.5f, -0.25f, 0.0f}, {3});
  const torch::Tensor wf = floats({-0.75f, -0.5f, 0.25f}, {3});
  auto scores = [&](MaskCriterion c) {
    const torch::Tensor s = criterion_scores(c, wi, wf);
    EXPECT_EQ(s.scalar_type(), torch::kFloat64);
    return std::vector<double>(s.data_ptr<double>(), s.data_ptr<double>() + 3);
  };
  const double inf = std::numeric_limits<double>::infinity();
  using V = std::vector<double>;
  EXPECT_EQ(scores(MaskCriterion::kLargeFinal), (V{0.75, 0.5, 0.25}));
  EXPECT_EQ(scores(MaskCriterion::kSmallFinal), (V{-0.75, -0.5, -0.25}));
  EXPECT_EQ(scores(MaskCriterion::kLargeInit), (V{0.5, 0.25, 0.0}));
  EXPECT_EQ(scores(MaskCriterion::kSmallInit), (V{-0.5, -0.25, -0.0}));
  EXPECT_EQ(scores(MaskCriterion::kLargeInitLargeFinal), (V{0.5, 0.25, 0.0}));
  EXPECT_EQ(scores(MaskCriterion::kSmallInitSmallFinal), (V{-0.75, -0.5, -0.25}));
  EXPECT_EQ(scores(MaskCriterion::kMagnitudeIncrease), (V{0.25, 0.25, 0.25}));
  EXPECT_EQ(scores(MaskCriterion::kMovement), (V{1.25, 0.25, 0.25}));
  // Same sign: 0 flips, 1 keeps its sign, 2 starts at zero (w_i · w_f = 0: excluded).
  EXPECT_EQ(scores(MaskCriterion::kLargeFinalSameSign), (V{-inf, 0.5, -inf}));
  EXPECT_EQ(scores(MaskCriterion::kMovementSameSign), (V{-inf, 0.25, -inf}));
  EXPECT_THROW(criterion_scores(MaskCriterion::kRandom, wi, wf), InvalidInput);
  EXPECT_THROW(criterion_scores(MaskCriterion::kLargeFinal, wi, floats({1, 2}, {2})), InvalidInput);
  EXPECT_THROW(criterion_scores(MaskCriterion::kLargeFinal, wi,
                                floats({1, std::numeric_limits<float>::quiet_NaN(), 0}, {3})),
               InvalidInput);
}

TEST(MaskCriterion, EachCriterionKeepsTheHandComputedPositions) {
  using S = std::set<int64_t>;
  // Keep 4 of 8.
  EXPECT_EQ(one_layer(MaskCriterion::kLargeFinal, 0.5), (S{0, 4, 5, 6}));
  EXPECT_EQ(one_layer(MaskCriterion::kSmallFinal, 0.5), (S{1, 2, 3, 7}));
  EXPECT_EQ(one_layer(MaskCriterion::kLargeInit, 0.5), (S{0, 3, 4, 6}));
  EXPECT_EQ(one_layer(MaskCriterion::kSmallInit, 0.5), (S{1, 2, 5, 7}));
  // min(|w_i|, |w_f|) = .5 .25 .125 .25 .375 .0625 .5 .25: three tie at .25 for the last place;
  // the earlier ones (1, 3) are removed first, so 7 stays.
  EXPECT_EQ(one_layer(MaskCriterion::kLargeInitLargeFinal, 0.5), (S{0, 4, 6, 7}));
  EXPECT_EQ(one_layer(MaskCriterion::kSmallInitSmallFinal, 0.5), (S{1, 2, 6, 7}));
  // |w_f| − |w_i| = .25 .25 0 −.5 .625 .8125 .125 0
  EXPECT_EQ(one_layer(MaskCriterion::kMagnitudeIncrease, 0.5), (S{0, 1, 4, 5}));
  // |w_f − w_i| = .25 .75 .25 .5 .625 .9375 .125 0
  EXPECT_EQ(one_layer(MaskCriterion::kMovement, 0.5), (S{1, 3, 4, 5}));

  // Same sign: 1, 2 and 5 are never kept.
  EXPECT_EQ(one_layer(MaskCriterion::kLargeFinalSameSign, 0.5), (S{0, 4, 6, 7}));
  EXPECT_EQ(one_layer(MaskCriterion::kMagnitudeIncreaseSameSign, 0.5), (S{0, 4, 6, 7}));
  EXPECT_EQ(one_layer(MaskCriterion::kMagnitudeIncreaseSameSign, 0.25), (S{0, 4}));
  EXPECT_EQ(one_layer(MaskCriterion::kMovementSameSign, 0.5), (S{0, 3, 4, 6}));
  EXPECT_EQ(one_layer(MaskCriterion::kSmallFinalSameSign, 0.25), (S{3, 7}));
  // Asked for 6 (or all 8), but only 5 kept their sign: those 5 are kept.
  EXPECT_EQ(one_layer(MaskCriterion::kLargeFinalSameSign, 0.75), (S{0, 3, 4, 6, 7}));
  EXPECT_EQ(one_layer(MaskCriterion::kSmallInitSameSign, 1.0), (S{0, 3, 4, 6, 7}));
  EXPECT_EQ(one_layer(MaskCriterion::kLargeFinal, 1.0), (S{0, 1, 2, 3, 4, 5, 6, 7}));

  // Counts: round(0.3 · 8) = 2, round(0.6 · 8) = 5 (4.8).
  EXPECT_EQ(one_layer(MaskCriterion::kLargeFinal, 0.3), (S{4, 5}));
  EXPECT_EQ(one_layer(MaskCriterion::kLargeFinal, 0.6), (S{0, 1, 4, 5, 6}));
}

TEST(MaskCriterion, LayerwiseAndGlobalCountsAndRankings) {
  // Layer "b" (1×4) has larger final weights than layer "a".
  const std::vector<NamedTensor> init{{"a", floats(kInit, {2, 4})},
                                      {"b", floats({1, 1, 1, 1}, {1, 4})}};
  const std::vector<NamedTensor> final{{"a", floats(kFinal, {2, 4})},
                                       {"b", floats({2, 3, 0.0625f, 4}, {1, 4})}};
  const Mask dense = dense_like(init);
  const Mask layerwise = criterion_mask(snapshot(init), snapshot(final), dense,
                                        MaskCriterion::kLargeFinal, 0.5, PruningScope::kLayerwise);
  EXPECT_EQ(kept(layerwise, "a"), (std::set<int64_t>{0, 4, 5, 6}));
  EXPECT_EQ(kept(layerwise, "b"), (std::set<int64_t>{1, 3}));
  const Mask global = criterion_mask(snapshot(init), snapshot(final), dense,
                                     MaskCriterion::kLargeFinal, 0.5, PruningScope::kGlobal);
  // The 6 largest of 12: 4, 3, 2 in b, then 1.0, .875, .75 in a.
  EXPECT_EQ(kept(global, "a"), (std::set<int64_t>{0, 4, 5}));
  EXPECT_EQ(kept(global, "b"), (std::set<int64_t>{0, 1, 3}));
  EXPECT_EQ(global.remaining(), 6);

  // round(0.3 · 8) + round(0.3 · 4) = 2 + 1 layer-wise; round(0.3 · 12) = 4 (3.6) globally.
  const Mask small_layerwise =
      criterion_mask(snapshot(init), snapshot(final), dense, MaskCriterion::kSmallInit, 0.3,
                     PruningScope::kLayerwise);
  EXPECT_EQ(small_layerwise.remaining("a"), 2);
  EXPECT_EQ(small_layerwise.remaining("b"), 1);
  EXPECT_EQ(kept(small_layerwise, "b"), (std::set<int64_t>{3}));  // all tie: the last stays
  const Mask small_global = criterion_mask(snapshot(init), snapshot(final), dense,
                                           MaskCriterion::kSmallInit, 0.3, PruningScope::kGlobal);
  EXPECT_EQ(small_global.remaining(), 4);
  // |w_i| ascending: .0625 (a5), .125 (a2), .25 (a1, a7), then .375, .5 … and b's 1s.
  EXPECT_EQ(kept(small_global, "a"), (std::set<int64_t>{1, 2, 5, 7}));
  EXPECT_EQ(small_global.remaining("b"), 0);
}

TEST(MaskCriterion, TiesRemoveTheEarlierTensorAndPositionFirst) {
  const std::vector<NamedTensor> same{{"a", torch::full({2, 4}, 0.5f)},
                                      {"b", torch::full({1, 4}, 0.5f)}};
  const Mask dense = dense_like(same);
  const Mask global = criterion_mask(snapshot(same), snapshot(same), dense,
                                     MaskCriterion::kLargeFinal, 0.5, PruningScope::kGlobal);
  EXPECT_EQ(kept(global, "a"), (std::set<int64_t>{6, 7}));
  EXPECT_EQ(kept(global, "b"), (std::set<int64_t>{0, 1, 2, 3}));
  const Mask layerwise = criterion_mask(snapshot(same), snapshot(same), dense,
                                        MaskCriterion::kMovement, 0.25, PruningScope::kLayerwise);
  EXPECT_EQ(kept(layerwise, "a"), (std::set<int64_t>{6, 7}));
  EXPECT_EQ(kept(layerwise, "b"), (std::set<int64_t>{3}));
}

TEST(MaskCriterion, WeightsTheCandidateMaskRemovesStayRemoved) {
  const std::vector<NamedTensor> init{{"a", floats(kInit, {2, 4})}};
  const std::vector<NamedTensor> final{{"a", floats(kFinal, {2, 4})}};
  torch::Tensor keep = torch::ones({2, 4}, torch::kBool);
  keep.view({-1})[4] = false;
  keep.view({-1})[5] = false;
  const Mask candidates({"a"}, {keep});
  // 3 of the 6 candidates by |w_f|: .75 (0), .625 (6), .5 (1).
  const Mask mask = criterion_mask(snapshot(init), snapshot(final), candidates,
                                   MaskCriterion::kLargeFinal, 0.5, PruningScope::kLayerwise);
  EXPECT_EQ(kept(mask, "a"), (std::set<int64_t>{0, 1, 6}));
}

TEST(MaskCriterion, RandomIsSeededReproducibleAndIgnoresTheWeights) {
  TinyMlp a, b;
  testing::randomize(a, 1);
  testing::randomize(b, 2);
  const Snapshot sa = take_snapshot(a), sb = take_snapshot(b);
  const Mask dense = Mask::dense(a);
  auto random = [&](const Snapshot& i, const Snapshot& f, PruningScope scope, std::uint64_t seed) {
    return criterion_mask(i, f, dense, MaskCriterion::kRandom, 0.25, scope, seed);
  };
  const Mask first = random(sa, sb, PruningScope::kLayerwise, 7);
  EXPECT_EQ(first.remaining("fc1.weight"), 80);
  EXPECT_EQ(first.remaining("fc2.weight"), 16);
  EXPECT_TRUE(first == random(sa, sb, PruningScope::kLayerwise, 7));
  EXPECT_TRUE(first == random(sb, sa, PruningScope::kLayerwise, 7));  // weights play no part
  const Mask other = random(sa, sb, PruningScope::kLayerwise, 8);
  EXPECT_EQ(other.remaining(), 96);
  EXPECT_FALSE(first == other);
  // Different seeds overlap about as independent draws do (a quarter of a quarter).
  EXPECT_LT(first.intersect(other).remaining(), 40);

  const Mask global = random(sa, sb, PruningScope::kGlobal, 7);
  EXPECT_EQ(global.remaining(), 96);  // round(0.25 · 384)
  EXPECT_TRUE(global == random(sa, sb, PruningScope::kGlobal, 7));
  EXPECT_FALSE(global == random(sa, sb, PruningScope::kGlobal, 9));
  // Non-random criteria ignore the seed.
  EXPECT_TRUE(
      criterion_mask(sa, sb, dense, MaskCriterion::kMovement, 0.25, PruningScope::kGlobal, 1) ==
      criterion_mask(sa, sb, dense, MaskCriterion::kMovement, 0.25, PruningScope::kGlobal, 2));
}

/// Reference, written independently: per group, sort (score, tensor, index) ascending with
/// std::sort and remove the first max(n − round(f·n), #excluded).
Mask reference_mask(const Snapshot& initial, const Snapshot& final, const Mask& dense,
                    MaskCriterion criterion, double f, PruningScope scope) {
  std::vector<torch::Tensor> keep;
  std::vector<std::vector<std::tuple<double, std::size_t, int64_t>>> groups(
      scope == PruningScope::kGlobal ? 1 : dense.size());
  for (std::size_t t = 0; t < static_cast<std::size_t>(dense.size()); ++t) {
    keep.push_back(dense.keep(static_cast<Index>(t)).clone());
    const torch::Tensor wi = initial.parameters()[2 * t].tensor.flatten();  // weight, bias order
    const torch::Tensor wf = final.parameters()[2 * t].tensor.flatten();
    for (int64_t j = 0; j < wi.numel(); ++j) {
      const double i = wi[j].item<float>(), w = wf[j].item<float>();
      double s = 0;
      switch (criterion) {
        case MaskCriterion::kLargeFinal:
          s = std::fabs(w);
          break;
        case MaskCriterion::kSmallInitSmallFinal:
          s = -std::max(std::fabs(i), std::fabs(w));
          break;
        case MaskCriterion::kMagnitudeIncrease:
          s = std::fabs(w) - std::fabs(i);
          break;
        case MaskCriterion::kLargeFinalSameSign:
          s = i * w > 0 ? std::fabs(w) : -std::numeric_limits<double>::infinity();
          break;
        default:
          ADD_FAILURE() << "no reference for " << to_string(criterion);
      }
      groups[scope == PruningScope::kGlobal ? 0 : t].emplace_back(s, t, j);
    }
  }
  for (auto& group : groups) {
    std::sort(group.begin(), group.end());
    const auto n = static_cast<int64_t>(group.size());
    int64_t remove = n - std::llround(f * static_cast<double>(n));
    const auto excluded = std::count_if(group.begin(), group.end(),
                                        [](const auto& e) { return std::isinf(std::get<0>(e)); });
    remove = std::max<int64_t>(remove, excluded);
    for (int64_t r = 0; r < remove; ++r) {
      const auto& [s, t, j] = group[static_cast<std::size_t>(r)];
      keep[t].view({-1})[j] = false;
    }
  }
  return Mask(dense.names(), keep);
}

TEST(MaskCriterion, AgreesWithASortingReferenceOnQuantizedWeights) {
  TinyMlp init_net, final_net;
  testing::randomize(init_net, 31);
  testing::randomize(final_net, 32);
  {
    // Multiples of 1/4: many ties and sign changes, some zeros.
    const torch::NoGradGuard no_grad;
    for (auto* net : {&init_net, &final_net})
      for (auto& p : net->parameters()) p.copy_(torch::round(p * 4.0) / 4.0);
  }
  const Snapshot initial = take_snapshot(init_net), final = take_snapshot(final_net);
  const Mask dense = Mask::dense(init_net);
  for (const MaskCriterion c :
       {MaskCriterion::kLargeFinal, MaskCriterion::kSmallInitSmallFinal,
        MaskCriterion::kMagnitudeIncrease, MaskCriterion::kLargeFinalSameSign}) {
    for (const PruningScope scope : {PruningScope::kLayerwise, PruningScope::kGlobal}) {
      for (const double f : {0.1, 0.35, 0.5, 0.9}) {
        const Mask mask = criterion_mask(initial, final, dense, c, f, scope);
        EXPECT_TRUE(mask == reference_mask(initial, final, dense, c, f, scope))
            << to_string(c) << " f=" << f << " global=" << (scope == PruningScope::kGlobal);
      }
    }
  }
}

TEST(MaskCriterion, RejectsBadFractionsAndMismatchedSnapshots) {
  const std::vector<NamedTensor> init{{"a", floats(kInit, {2, 4})}};
  const Mask dense = dense_like(init);
  for (const double f : {0.0, -0.1, 1.5, std::nan("")})
    EXPECT_THROW(criterion_mask(snapshot(init), snapshot(init), dense, MaskCriterion::kLargeFinal,
                                f, PruningScope::kGlobal),
                 InvalidInput)
        << f;
  const std::vector<NamedTensor> other{{"b", floats(kInit, {2, 4})}};
  EXPECT_THROW(criterion_mask(snapshot(other), snapshot(init), dense, MaskCriterion::kLargeFinal,
                              0.5, PruningScope::kGlobal),
               InvalidInput);
  const std::vector<NamedTensor> reshaped{{"a", floats(kInit, {4, 2})}};
  EXPECT_THROW(criterion_mask(snapshot(init), snapshot(reshaped), dense, MaskCriterion::kRandom,
                              0.5, PruningScope::kGlobal),
               InvalidInput);
  const std::vector<NamedTensor> infinite{
      {"a", floats({1, 2, 3, 4, 5, 6, 7, std::numeric_limits<float>::infinity()}, {2, 4})}};
  EXPECT_THROW(criterion_mask(snapshot(init), snapshot(infinite), dense, MaskCriterion::kLargeInit,
                              0.5, PruningScope::kGlobal),
               InvalidInput);
}

TEST(SupermaskNetwork, KeepsInitialWeightsOrSignedConstantsAndZeroesTheRest) {
  TinyMlp net;
  testing::randomize(net, 41, 0.3);
  const Snapshot initial = take_snapshot(net);
  TinyMlp trained;
  testing::randomize(trained, 42, 0.3);
  const Mask mask =
      criterion_mask(initial, take_snapshot(trained), Mask::dense(net),
                     MaskCriterion::kLargeFinalSameSign, 0.3, PruningScope::kLayerwise);
  testing::randomize(net, 43);  // whatever the network holds is replaced

  load_supermask_network(net, initial, mask);
  for (std::size_t i = 0; i < initial.parameters().size(); ++i) {
    const auto& [name, value] = initial.parameters()[i];
    const torch::Tensor now = net.named_parameters()[name];
    const torch::Tensor expected =
        mask.contains(name) ? value.masked_fill(mask.keep(name).logical_not(), 0) : value;
    EXPECT_TRUE(torch::equal(now, expected)) << name;
  }

  load_supermask_network(net, initial, mask, KeptWeights::kSignedConstant);
  for (const std::string name : {"fc1.weight", "fc2.weight"}) {
    const torch::Tensor wi = initial.parameters()[name == "fc1.weight" ? 0 : 2].tensor;
    ASSERT_EQ(initial.parameters()[name == "fc1.weight" ? 0 : 2].name, name);
    // Population standard deviation of all initial weights of the layer, by hand.
    const torch::Tensor flat = wi.flatten().to(torch::kFloat64);
    double mean = 0, square = 0;
    for (int64_t j = 0; j < flat.numel(); ++j) mean += flat[j].item<double>();
    mean /= static_cast<double>(flat.numel());
    for (int64_t j = 0; j < flat.numel(); ++j) square += std::pow(flat[j].item<double>() - mean, 2);
    const double sigma = std::sqrt(square / static_cast<double>(flat.numel()));
    const torch::Tensor now = net.named_parameters()[name].flatten();
    const torch::Tensor keep = mask.keep(name).flatten();
    for (int64_t j = 0; j < now.numel(); ++j) {
      const double w = now[j].item<float>();
      if (!keep[j].item<bool>()) {
        EXPECT_EQ(w, 0.0);
      } else {
        EXPECT_NEAR(std::fabs(w), sigma, 1e-6 * sigma) << name << ' ' << j;
        EXPECT_EQ(w > 0, wi.flatten()[j].item<float>() > 0) << name << ' ' << j;
      }
    }
    // One constant per layer: all kept magnitudes are the same float.
    const torch::Tensor magnitudes = now.abs().masked_select(keep);
    EXPECT_TRUE(torch::all(magnitudes == magnitudes[0]).item<bool>());
  }
  // Biases keep their initial values.
  EXPECT_TRUE(torch::equal(net.fc1->bias, initial.parameters()[1].tensor));

  // A mask for another network is rejected before anything changes.
  const Snapshot before = take_snapshot(net);
  testing::TinyConvNet conv;
  EXPECT_THROW(load_supermask_network(net, initial, Mask::dense(conv)), InvalidInput);
  EXPECT_TRUE(torch::equal(net.fc1->weight, before.parameters()[0].tensor));
}

}  // namespace
}  // namespace cardinal
