// Pruning at initialization: each saliency against a hand computation on a two-layer network,
// exact kept counts, SynFlow without data, and the shared score-pruning rule.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/pruning/magnitude_pruning.hpp"
#include "cardinal/nonconvex/pruning/pruning_at_initialization.hpp"
#include "cardinal/nonconvex/pruning/score_pruning.hpp"
#include "cardinal/nonconvex/pruning/snapshot.hpp"
#include "nonconvex/pruning/tiny_networks.hpp"

namespace cardinal {
namespace {

using testing::TinyMlp;

/// A TinyMlp in double precision with seeded N(0, 0.5²) parameters.
std::shared_ptr<TinyMlp> tiny(std::uint64_t seed) {
  auto network = std::make_shared<TinyMlp>();
  network->to(torch::kFloat64);
  testing::randomize(*network, seed, 0.5);
  return network;
}

Batch batch(std::uint64_t seed) {
  at::Generator gen = testing::generator(seed);
  Batch b;
  b.inputs = testing::normal({12, 20}, gen).to(torch::kFloat64);
  b.labels = at::randint(4, {12}, gen, torch::kInt64);
  return b;
}

/// The loss gradient with respect to (fc1.weight, fc2.weight), written out by hand:
/// z = x W1ᵀ + b1, a = relu(z), logits = (a W2ᵀ + b2) / T, δ = (softmax − onehot) / (N T).
std::pair<torch::Tensor, torch::Tensor> hand_gradient(const TinyMlp& n, const Batch& b,
                                                      double temperature = 1.0) {
  const torch::NoGradGuard no_grad;
  const torch::Tensor z = b.inputs.matmul(n.fc1->weight.t()) + n.fc1->bias;
  const torch::Tensor a = z.clamp_min(0.0);
  const torch::Tensor logits = (a.matmul(n.fc2->weight.t()) + n.fc2->bias) / temperature;
  const torch::Tensor onehot = torch::zeros_like(logits).scatter_(1, b.labels.unsqueeze(1), 1.0);
  const torch::Tensor delta =
      (logits.softmax(1) - onehot) / (static_cast<double>(b.inputs.size(0)) * temperature);
  const torch::Tensor d_w2 = delta.t().matmul(a);
  const torch::Tensor d_z = delta.matmul(n.fc2->weight) * z.gt(0.0).to(torch::kFloat64);
  return {d_z.t().matmul(b.inputs), d_w2};
}

bool same_parameters(const Snapshot& a, const Snapshot& b) {
  for (std::size_t i = 0; i < a.parameters().size(); ++i)
    if (!torch::equal(a.parameters()[i].tensor, b.parameters()[i].tensor)) return false;
  return true;
}

TEST(PruningAtInitialization, SnipIsTheMagnitudeOfWeightTimesGradient) {
  auto n = tiny(1);
  const Batch b = batch(2);
  const auto [g1, g2] = hand_gradient(*n, b);
  const std::vector<torch::Tensor> s = snip_scores(*n, Mask::dense(*n), b);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_TRUE(torch::allclose(s[0], (n->fc1->weight * g1).abs().detach(), 1e-12, 1e-15));
  EXPECT_TRUE(torch::allclose(s[1], (n->fc2->weight * g2).abs().detach(), 1e-12, 1e-15));
}

TEST(PruningAtInitialization, GraspIsWeightTimesHessianGradientProduct) {
  auto n = tiny(3);
  const Batch b = batch(4);
  const double temperature = 2.0;
  const std::vector<torch::Tensor> s = grasp_scores(*n, Mask::dense(*n), b, temperature);
  // Hg by central differences of the hand gradient along g, the weights moved by ±ε g.
  const auto [g1, g2] = hand_gradient(*n, b, temperature);
  const double eps = 1e-6;
  const Snapshot original = take_snapshot(*n);
  auto gradient_at = [&](double step) {
    restore(*n, original);
    const torch::NoGradGuard no_grad;
    n->fc1->weight.add_(g1 * step);
    n->fc2->weight.add_(g2 * step);
    return hand_gradient(*n, b, temperature);
  };
  const auto [p1, p2] = gradient_at(eps);
  const auto [m1, m2] = gradient_at(-eps);
  restore(*n, original);
  const torch::Tensor hg1 = (p1 - m1) / (2 * eps);
  const torch::Tensor hg2 = (p2 - m2) / (2 * eps);
  const torch::Tensor w1 = n->fc1->weight.detach();
  const torch::Tensor w2 = n->fc2->weight.detach();
  const double scale =
      std::max((w1 * hg1).abs().max().item<double>(), (w2 * hg2).abs().max().item<double>());
  EXPECT_LT((s[0] - w1 * hg1).abs().max().item<double>(), 1e-6 * scale);
  EXPECT_LT((s[1] - w2 * hg2).abs().max().item<double>(), 1e-6 * scale);
  EXPECT_GT(scale, 0.0);
}

TEST(PruningAtInitialization, SynFlowIsTheSynapticFlowOfTheAbsoluteNetwork) {
  // With every parameter made positive, ReLU passes everything: R = 1ᵀ(|W2| h + |b2|) with
  // h = |W1| 1 + |b1|, so dR/d|W2|_ki = h_i and dR/d|W1|_ij = Σ_k |W2|_ki.
  auto n = tiny(5);
  const std::vector<torch::Tensor> s = synflow_scores(*n, Mask::dense(*n), {20});
  const torch::Tensor w1 = n->fc1->weight.detach().abs();
  const torch::Tensor w2 = n->fc2->weight.detach().abs();
  const torch::Tensor h = w1.sum(1) + n->fc1->bias.detach().abs();
  EXPECT_TRUE(torch::allclose(s[0], w1 * w2.sum(0).unsqueeze(1), 1e-12, 1e-15));
  EXPECT_TRUE(torch::allclose(s[1], w2 * h.unsqueeze(0), 1e-12, 1e-15));
}

TEST(PruningAtInitialization, ScoresLeaveTheNetworkAsItWas) {
  auto n = std::make_shared<TinyMlp>();  // float, as networks are trained
  testing::randomize(*n, 6, 0.5);
  n->train();
  const Snapshot before = take_snapshot(*n);
  Batch b = batch(7);
  b.inputs = b.inputs.to(torch::kFloat32);
  const Mask half = prune_magnitude(*n, Mask::dense(*n), {.fraction = 0.5});
  snip_scores(*n, half, b);
  grasp_scores(*n, half, b, 200.0);
  synflow_scores(*n, half, {20});
  EXPECT_TRUE(same_parameters(before, take_snapshot(*n)));
  EXPECT_TRUE(n->is_training());
  EXPECT_EQ(n->fc1->weight.scalar_type(), torch::kFloat32);
}

TEST(PruningAtInitialization, EveryCriterionKeepsExactlyTheCountsOfTheSpec) {
  auto n = tiny(8);
  const Batch b = batch(9);
  const Mask dense = Mask::dense(*n);
  for (const PruningSpec& spec :
       {PruningSpec{.fraction = 0.8, .scope = PruningScope::kGlobal},
        PruningSpec{.fraction = 0.7, .output_fraction = 0.3, .scope = PruningScope::kLayerwise}}) {
    const Mask reference = prune_magnitude(*n, dense, spec);
    for (const std::string& name : known_initialization_criteria()) {
      const InitializationCriterion c = parse_initialization_criterion(name);
      const Mask m = prune_at_initialization(*n, dense, spec, c, &b, {20}, {.synflow_rounds = 7});
      EXPECT_EQ(m.remaining(), reference.remaining()) << name;
      if (spec.scope == PruningScope::kLayerwise)
        for (Index i = 0; i < m.size(); ++i)
          EXPECT_EQ(m.keep(i).sum().item<int64_t>(), reference.keep(i).sum().item<int64_t>())
              << name << " tensor " << i;
    }
  }
}

TEST(PruningAtInitialization, SynFlowNeedsNoDataIsDeterministicAndIterative) {
  auto n = tiny(10);
  const Mask dense = Mask::dense(*n);
  const PruningSpec spec{.fraction = 0.9, .scope = PruningScope::kGlobal};
  const Mask a = prune_at_initialization(*n, dense, spec, InitializationCriterion::kSynFlow,
                                         nullptr, {20}, {.synflow_rounds = 10});
  const Mask b = prune_at_initialization(*n, dense, spec, InitializationCriterion::kSynFlow,
                                         nullptr, {20}, {.synflow_rounds = 10});
  for (Index i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a.keep(i), b.keep(i)));
  // One round is the one-shot synflow ranking; iterating changes it (the point of SynFlow).
  const Mask once = prune_at_initialization(*n, dense, spec, InitializationCriterion::kSynFlow,
                                            nullptr, {20}, {.synflow_rounds = 1});
  const Mask one_shot = prune_by_scores(dense, spec, synflow_scores(*n, dense, {20}));
  for (Index i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(once.keep(i), one_shot.keep(i)));
  bool differs = false;
  for (Index i = 0; i < a.size(); ++i) differs = differs || !torch::equal(a.keep(i), once.keep(i));
  EXPECT_TRUE(differs);
}

TEST(PruningAtInitialization, DataCriteriaWithoutABatchAndUnknownNamesAreRejected) {
  auto n = tiny(11);
  const Mask dense = Mask::dense(*n);
  for (auto c : {InitializationCriterion::kSnip, InitializationCriterion::kGraspInit})
    EXPECT_THROW(prune_at_initialization(*n, dense, {.fraction = 0.5}, c, nullptr, {20}),
                 InvalidInput);
  EXPECT_THROW(parse_initialization_criterion("grasp"), InvalidInput);
  EXPECT_TRUE(needs_data(InitializationCriterion::kSnip));
  EXPECT_FALSE(needs_data(InitializationCriterion::kSynFlow));
}

TEST(ScorePruning, RemovesTheLowestScoresNaNLastMinusInfinityFirstTiesByPosition) {
  const Mask dense({"a", "b"}, {torch::ones({4}, torch::kBool), torch::ones({2}, torch::kBool)});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<torch::Tensor> scores = {torch::tensor({nan, 1.0, -inf, 2.0}),
                                             torch::tensor({1.0, 0.5})};
  // Global, 3 of 6: -inf, then 0.5, then the first of the two 1.0s (a[1] before b[0]).
  const Mask m = prune_by_scores(dense, {.fraction = 0.5}, scores);
  EXPECT_TRUE(torch::equal(m.keep(0), torch::tensor({true, false, false, true})));
  EXPECT_TRUE(torch::equal(m.keep(1), torch::tensor({true, false})));
  EXPECT_THROW(prune_by_scores(dense, {.fraction = 0.5}, {scores[0]}), InvalidInput);
  EXPECT_THROW(prune_by_scores(dense, {.fraction = 0.5}, {scores[1], scores[0]}), InvalidInput);
}

}  // namespace
}  // namespace cardinal
