#include "cardinal/nonconvex/pruning/fisher_model.hpp"

#include <ATen/ops/cross_entropy_loss.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include <Eigen/Core>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/memory_limit.hpp"
#include "nonconvex/pruning/tiny_networks.hpp"

namespace cardinal {
namespace {

using testing::TinyMlp;

struct Examples {
  torch::Tensor inputs;
  torch::Tensor labels;
};

Examples examples(std::uint64_t seed, int64_t n) {
  at::Generator gen = testing::generator(seed);
  return {testing::normal({n, 20}, gen), at::randint(4, {n}, gen)};
}

/// Example i's gradient over fc1.weight then fc2.weight (row-major), by torch::autograd::grad:
/// independent of the accumulated .grad the model builder reads.
Eigen::VectorXd example_gradient(TinyMlp& network, const Examples& data, int64_t i) {
  const torch::Tensor loss = at::cross_entropy_loss(network.forward(data.inputs.slice(0, i, i + 1)),
                                                    data.labels.slice(0, i, i + 1));
  const std::vector<torch::Tensor> grads =
      torch::autograd::grad({loss}, {network.fc1->weight, network.fc2->weight});
  Eigen::VectorXd g(384);
  Index offset = 0;
  for (const torch::Tensor& t : grads) {
    const torch::Tensor flat = t.flatten().to(torch::kFloat).to(torch::kDouble).contiguous();
    for (int64_t j = 0; j < flat.numel(); ++j) g[offset + j] = flat[j].item<double>();
    offset += flat.numel();
  }
  return g;
}

Eigen::VectorXd stacked_weights(TinyMlp& network) {
  Eigen::VectorXd w(384);
  Index offset = 0;
  for (const torch::Tensor& t : {network.fc1->weight, network.fc2->weight}) {
    const torch::Tensor flat = t.detach().flatten().to(torch::kDouble).contiguous();
    for (int64_t j = 0; j < flat.numel(); ++j) w[offset + j] = flat[j].item<double>();
    offset += flat.numel();
  }
  return w;
}

TEST(FisherModel, ObjectiveEqualsItsExplicitFormula) {
  TinyMlp network;
  testing::randomize(network, 1, 0.3);
  const Examples data = examples(2, 6);
  const CenteredRidgeProblem problem = fisher_model(network, data.inputs, data.labels, 0.1);

  std::vector<Eigen::VectorXd> g;
  double trace = 0.0;
  for (int64_t i = 0; i < 6; ++i) {
    g.push_back(example_gradient(network, data, i));
    trace += g.back().squaredNorm();
  }
  const double lambda = 0.1 * trace / (6.0 * 384.0);
  EXPECT_NEAR(problem.ridge(), lambda, 1e-12 * lambda);
  const Eigen::VectorXd center = stacked_weights(network);
  EXPECT_EQ(problem.center(), center);

  at::Generator gen = testing::generator(3);
  for (int trial = 0; trial < 3; ++trial) {
    const torch::Tensor noise = testing::normal({384}, gen).to(torch::kDouble);
    Eigen::VectorXd w = center;
    for (Index j = 0; j < 384; ++j) w[j] += noise[j].item<double>();
    double expected = 0.5 * lambda * (w - center).squaredNorm();
    for (const Eigen::VectorXd& gi : g) expected += gi.dot(w - center) * gi.dot(w - center) / 12.0;
    EXPECT_NEAR(problem.value(w), expected, 1e-6 * expected) << trial;
  }
}

TEST(FisherModel, LeavesTheNetworkAsItWas) {
  TinyMlp network;
  testing::randomize(network, 4, 0.3);
  network.train();
  const Examples data = examples(5, 3);
  const torch::Tensor before = network.fc1->weight.detach().clone();
  fisher_model(network, data.inputs, data.labels, 0.0);
  EXPECT_TRUE(network.is_training());
  EXPECT_TRUE(network.fc1->weight.equal(before));
  for (const torch::Tensor& p : network.parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(FisherModel, NamesAWeightWithoutAGradient) {
  TinyMlp network;
  network.fc2->weight.set_requires_grad(false);
  const Examples data = examples(7, 3);
  try {
    fisher_model(network, data.inputs, data.labels, 0.1);
    ADD_FAILURE() << "no error";
  } catch (const InvalidInput& error) {
    EXPECT_NE(std::string(error.what()).find("no gradient with respect to fc2.weight"),
              std::string::npos)
        << error.what();
  }
}

TEST(FisherModel, RefusesAModelAboveTheMemoryLimitBeforeAllocatingIt) {
  TinyMlp network;
  const Examples data = examples(6, 50);
  const std::uint64_t saved = max_memory();
  set_max_memory(50 * 384 * 4 - 1);
  try {
    fisher_model(network, data.inputs, data.labels, 0.1);
    ADD_FAILURE() << "no error";
  } catch (const InvalidInput& error) {
    EXPECT_NE(std::string(error.what()).find("50 per-example gradients over 384 weights"),
              std::string::npos)
        << error.what();
    EXPECT_NE(std::string(error.what()).find("needs 75.0 KiB"), std::string::npos) << error.what();
  }
  set_max_memory(saved);
  EXPECT_THROW(fisher_model(network, data.inputs, data.labels.slice(0, 0, 10), 0.1), InvalidInput);
}

TEST(FisherModel, MemoryEstimateCountsGradientsAndTheSolversSystems) {
  // G: 4nd; 8 vectors of d doubles; kept columns 8nk; the smaller system 16·min(n, k)²; OMP's
  // factor 8·min(n, k)² (k × k, or n × n through the Woodbury identity once k > n).
  EXPECT_DOUBLE_EQ(fisher_model_bytes(10, 100, 20, false),
                   4.0 * 1000 + 64.0 * 100 + 8.0 * 200 + 16.0 * 100);
  EXPECT_DOUBLE_EQ(fisher_model_bytes(10, 100, 20, true) - fisher_model_bytes(10, 100, 20, false),
                   8.0 * 100);
  EXPECT_DOUBLE_EQ(fisher_model_bytes(10, 100, 4, true) - fisher_model_bytes(10, 100, 4, false),
                   8.0 * 16);
}

}  // namespace
}  // namespace cardinal
