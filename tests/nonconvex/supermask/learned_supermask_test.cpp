// Learned supermasks: frozen weights, the straight-through score update, learning a separable
// task with the mask alone, and bit-identical reruns.
#include <ATen/ops/cross_entropy_loss.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/pruning/snapshot.hpp"
#include "cardinal/nonconvex/supermask/learned_supermask.hpp"
#include "nonconvex/pruning/tiny_networks.hpp"

namespace cardinal {
namespace {

using testing::TinyMlp;

const torch::Device kCpu(torch::kCPU);

/// Two classes in R^20 split by a hyperplane through the origin: label = [x · v > 0].
TensorDataset separable(int64_t n, std::uint64_t seed) {
  at::Generator gen = testing::generator(seed);
  const torch::Tensor x = at::randn({n, 20}, gen);
  const torch::Tensor v = torch::linspace(-1.0, 1.0, 20) + 0.3;
  return {x, x.matmul(v).gt(0).to(torch::kInt64), 2, "separable"};
}

const TensorDataset& train_set() {
  static const TensorDataset data = separable(256, 1);
  return data;
}
const TensorDataset& test_set() {
  static const TensorDataset data = separable(200, 2);
  return data;
}

SupermaskSpec small_spec() {
  SupermaskSpec spec;
  spec.training.length = TrainingLength::iterations(240);
  spec.training.batch_size = 32;
  spec.training.optimizer = {.kind = OptimizerKind::kAdam};
  spec.training.schedule = {.base_lr = 0.05};
  spec.training.evaluate_every = 80;
  spec.training.data_seed = 3;
  spec.sample_seed = 4;
  return spec;
}

bool same_parameters(const torch::nn::Module& network, const Snapshot& snapshot) {
  const auto now = network.named_parameters();
  if (now.size() != snapshot.parameters().size()) return false;
  for (const auto& [name, value] : snapshot.parameters())
    if (!torch::equal(now[name], value)) return false;
  return true;
}

TEST(LearnedSupermask, WeightsNeverChangeWhileTheMaskLearnsASeparableTask) {
  TinyMlp net;
  testing::randomize(net, 11, 0.5);
  const Snapshot before = take_snapshot(net);

  const LearnedSupermask learned =
      learn_supermask(net, train_set(), test_set(), small_spec(), kCpu);

  // Every parameter — weights and biases — is bit-identical to the initialization, and the
  // network is left as it was found: gradients cleared, flags and mode unchanged.
  EXPECT_TRUE(same_parameters(net, before));
  for (const auto& p : net.parameters()) {
    EXPECT_FALSE(p.grad().defined());
    EXPECT_TRUE(p.requires_grad());
  }
  EXPECT_TRUE(net.is_training());

  // The scores moved away from s₀ = logit(0.5) = 0.
  ASSERT_EQ(learned.names, (std::vector<std::string>{"fc1.weight", "fc2.weight"}));
  ASSERT_EQ(learned.scores.size(), 2u);
  EXPECT_EQ(learned.scores[0].sizes(), torch::IntArrayRef({16, 20}));
  EXPECT_GT(learned.scores[0].abs().max().item<float>(), 0.5f);
  EXPECT_FALSE(torch::equal(learned.scores[1], torch::zeros({4, 16})));

  // Rows at 0, 80, 160, 240. The expected mask starts empty (σ(0) = 0.5 is not > 0.5): the
  // network outputs its biases only, one class for every input.
  const SupermaskCurve& curve = learned.curve;
  ASSERT_EQ(curve.rows.size(), 4u);
  EXPECT_EQ(curve.rows[0].iteration, 0);
  EXPECT_EQ(curve.rows[3].iteration, 240);
  EXPECT_DOUBLE_EQ(curve.rows[3].epoch, 30.0);  // 8 batches per epoch
  EXPECT_EQ(curve.rows[0].mask_density, 0.0);
  EXPECT_TRUE(std::isnan(curve.rows[0].train_loss));
  EXPECT_FALSE(std::isnan(curve.rows[1].train_loss));

  // With only a mask on frozen random weights, the task is learned far above chance (0.5).
  const Mask mask = learned.expected_mask();
  // (0.845 here; the empty mask of row 0 scores 0.505.)
  EXPECT_GT(curve.rows[3].test_accuracy, 0.75) << curve.to_csv();
  EXPECT_LT(curve.rows[3].test_loss, 0.6 * curve.rows[0].test_loss);
  EXPECT_LT(curve.rows[3].train_loss, curve.rows[1].train_loss);
  EXPECT_GT(mask.density(), 0.05);
  EXPECT_LT(mask.density(), 0.95);
  EXPECT_DOUBLE_EQ(curve.rows[3].mask_density, mask.density());

  // The last row is the network with the expected mask, as evaluate_masked computes it.
  const Evaluation e = evaluate_masked(net, mask, test_set(), 1000, std::nullopt, kCpu);
  EXPECT_EQ(e.accuracy, curve.rows[3].test_accuracy);
  EXPECT_EQ(e.loss, curve.rows[3].test_loss);
  EXPECT_TRUE(same_parameters(net, before));

  // A sampled mask keeps about what σ(s) says and is reproducible.
  const Mask sampled = learned.sampled_mask(5);
  EXPECT_TRUE(sampled == learned.sampled_mask(5));
  EXPECT_FALSE(sampled == learned.sampled_mask(6));
  double expected_kept = 0;
  for (const torch::Tensor& s : learned.scores)
    expected_kept += torch::sigmoid(s.to(torch::kFloat64)).sum().item<double>();
  EXPECT_NEAR(static_cast<double>(sampled.remaining()), expected_kept, 40.0);

  const std::string csv = curve.to_csv();
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "iteration,epoch,train_loss,test_loss,test_accuracy,mask_density");
  EXPECT_NE(csv.find("\n0,0,nan,"), std::string::npos) << csv;
}

TEST(LearnedSupermask, OneStepFollowsTheStraightThroughRule) {
  // With σ(s₀) = 0.9999 every weight is sampled (u < σ(s₀) for all 384 draws of this seed), so
  // the first step sees the dense network: one SGD step with rate η on the whole training set
  // changes the scores by −η · g ⊙ w ⊙ σ(s₀)(1 − σ(s₀)), g = ∂L/∂w at the frozen weights.
  TinyMlp net;
  testing::randomize(net, 12, 0.5);
  SupermaskSpec spec;
  spec.training.length = TrainingLength::iterations(1);
  spec.training.batch_size = train_set().size();
  spec.training.optimizer = {.kind = OptimizerKind::kSgd};
  spec.training.schedule = {.base_lr = 1e5};
  spec.initial_probability = 0.9999;
  spec.sample_seed = 1;
  const LearnedSupermask learned = learn_supermask(net, train_set(), test_set(), spec, kCpu);

  TinyMlp reference;
  {
    const torch::NoGradGuard no_grad;
    const auto from = net.named_parameters();
    for (auto& item : reference.named_parameters()) item.value().copy_(from[item.key()]);
  }
  at::cross_entropy_loss(reference.forward(train_set().inputs), train_set().labels).backward();
  const double s0 = std::log(0.9999 / 0.0001);
  const double slope = 0.9999 * 0.0001;  // σ'(s₀) = σ(s₀)(1 − σ(s₀))
  const std::vector<torch::Tensor> weights{reference.fc1->weight, reference.fc2->weight};
  for (std::size_t i = 0; i < 2; ++i) {
    const torch::Tensor step = learned.scores[i].to(torch::kFloat64) - static_cast<float>(s0);
    const torch::Tensor expected =
        (-1e5 * slope) * (weights[i].grad() * weights[i].detach()).to(torch::kFloat64);
    // Float32 rounding of σ(s₀) near 1 limits the agreement to about 1e-3 relative.
    EXPECT_TRUE(torch::allclose(step, expected, 1e-2, 1e-4))
        << (step - expected).abs().max().item<double>();
    EXPECT_GT(step.abs().max().item<double>(), 1e-2);  // not trivially zero
  }
}

TEST(LearnedSupermask, RerunsAreBitIdenticalAndTheSampleSeedMatters) {
  auto run = [](std::uint64_t sample_seed) {
    TinyMlp net;
    testing::randomize(net, 13, 0.5);
    SupermaskSpec spec = small_spec();
    spec.training.length = TrainingLength::iterations(40);
    spec.training.optimizer = {.kind = OptimizerKind::kSgd, .momentum = 0.9};
    spec.training.schedule = {.base_lr = 2.0};
    spec.training.evaluate_every = 10;
    spec.initial_probability = 0.7;
    spec.sample_seed = sample_seed;
    return learn_supermask(net, train_set(), test_set(), spec, kCpu);
  };
  const LearnedSupermask a = run(21), b = run(21), c = run(22);
  ASSERT_EQ(a.scores.size(), b.scores.size());
  for (std::size_t i = 0; i < a.scores.size(); ++i)
    EXPECT_TRUE(torch::equal(a.scores[i], b.scores[i]));
  EXPECT_EQ(a.curve.to_csv(), b.curve.to_csv());  // 17 digits: every bit of every double
  ASSERT_EQ(a.curve.rows.size(), 5u);
  for (std::size_t r = 1; r < a.curve.rows.size(); ++r)  // row 0's train loss is NaN
    EXPECT_EQ(a.curve.rows[r], b.curve.rows[r]) << r;
  EXPECT_FALSE(torch::equal(a.scores[0], c.scores[0]));
  // σ(s₀) = 0.7 > 0.5: the expected mask starts dense.
  EXPECT_EQ(a.curve.rows[0].mask_density, 1.0);
}

TEST(LearnedSupermask, RejectsBadSpecsAndNetworksOffTheDevice) {
  TinyMlp net;
  SupermaskSpec spec = small_spec();
  for (const double p : {0.0, 1.0, -0.5, std::nan("")}) {
    spec.initial_probability = p;
    EXPECT_THROW(learn_supermask(net, train_set(), test_set(), spec, kCpu), InvalidInput) << p;
  }
  spec = small_spec();
  spec.training.batch_size = 0;
  EXPECT_THROW(learn_supermask(net, train_set(), test_set(), spec, kCpu), InvalidInput);
  spec = small_spec();
  TensorDataset empty = train_set().subset(std::vector<int64_t>{});
  EXPECT_THROW(learn_supermask(net, empty, test_set(), spec, kCpu), InvalidInput);
  testing::TinyConvNet conv;
  EXPECT_THROW(evaluate_masked(net, Mask::dense(conv), test_set(), 10, std::nullopt, kCpu),
               InvalidInput);
}

}  // namespace
}  // namespace cardinal
