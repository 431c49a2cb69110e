// The network code on a CUDA device gives the CPU's results: every operation a solver or a
// lottery run performs on a GPU is checked against the same operation on the CPU. Skipped where
// LibTorch sees no GPU (Debian's LibTorch is the CPU build); docs/gpu.md builds against a CUDA
// LibTorch.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/nn/modules/linear.h>

#include <Eigen/Core>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/nonconvex/data/normalization.hpp"
#include "cardinal/nonconvex/data/registry.hpp"
#include "cardinal/nonconvex/lottery/lottery_archive.hpp"
#include "cardinal/nonconvex/lottery/lottery_run.hpp"
#include "cardinal/nonconvex/models/lenet.hpp"
#include "cardinal/nonconvex/problem/network_problem.hpp"
#include "cardinal/nonconvex/problem/tensor_space.hpp"
#include "cardinal/nonconvex/pruning/network_pruner.hpp"
#include "cardinal/solvers/iterative_hard_thresholding.hpp"
#include "nonconvex/fixtures.hpp"
#include "nonconvex/pruning/tiny_networks.hpp"

namespace cardinal {
namespace {

const torch::Device kCuda(torch::kCUDA);

#define CARDINAL_REQUIRE_CUDA() \
  if (!torch::cuda::is_available()) GTEST_SKIP() << "LibTorch sees no CUDA device"

TensorList on(const TensorList& x, const torch::Device& device) {
  std::vector<torch::Tensor> out;
  for (const torch::Tensor& t : x.tensors()) out.push_back(t.to(device));
  return TensorList(std::move(out));
}

bool same_mask(const Mask& a, const Mask& b) {
  if (a.names() != b.names()) return false;
  for (const std::string& name : a.names())
    if (!torch::equal(a.keep(name).cpu(), b.keep(name).cpu())) return false;
  return true;
}

double max_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.cpu().to(torch::kDouble) - b.cpu().to(torch::kDouble)).abs().max().item<double>();
}

TEST(Cuda, TensorSpaceOperationsEqualTheCpus) {
  CARDINAL_REQUIRE_CUDA();
  testing::TinyMlp cpu_net;
  cpu_net.to(torch::kDouble);
  testing::TinyMlp cuda_net;
  cuda_net.to(torch::kDouble);
  cuda_net.to(kCuda);
  const TensorSpace cpu(cpu_net);
  const TensorSpace cuda(cuda_net);
  ASSERT_TRUE(cuda.zeros()[0].is_cuda());

  torch::manual_seed(5);
  TensorList x = cpu.zeros();
  for (std::size_t b = 0; b < x.size(); ++b) x[b] = torch::randn(x[b].sizes(), x[b].options());
  const TensorList y = on(x, kCuda);
  for (const Index k : {Index{1}, Index{37}, Index{200}, Index{384}}) {
    const TensorSupport a = cpu.largest(x, k);
    const TensorSupport b = cuda.largest(y, k);
    ASSERT_TRUE(same_mask(cpu.to_mask(a), cuda.to_mask(b))) << k;
    EXPECT_EQ(cuda.size(b), k);
    EXPECT_NEAR(cuda.norm_on(y, b), cpu.norm_on(x, a), 1e-12 * cpu.norm_on(x, a));
    EXPECT_NEAR(cuda.norm_off(y, b), cpu.norm_off(x, a), 1e-12 * (1.0 + cpu.norm_off(x, a)));
    TensorList rx = x, ry = y;
    cpu.restrict(rx, a);
    cuda.restrict(ry, b);
    for (std::size_t i = 0; i < rx.size(); ++i) EXPECT_TRUE(torch::equal(rx[i], ry[i].cpu()));
  }
}

torch::Tensor to_tensor(const Eigen::MatrixXd& m) {
  return torch::from_blob(const_cast<double*>(m.data()), {m.cols(), m.rows()}, torch::kDouble)
      .t()
      .clone();
}

using testing::LinearLayer;

// The lift's central claim (tests/nonconvex/problem/lift_test.cpp), with the network on the GPU:
// IHT's iterates on one linear layer under squared error are those of IHT on least squares.
TEST(Cuda, IhtOnALinearNetworkOnTheGpuFollowsLeastSquares) {
  CARDINAL_REQUIRE_CUDA();
  const Index n = 80, p = 40, s = 4;
  const SyntheticInstance instance =
      make_synthetic({.samples = n, .features = p, .sparsity = s, .seed = 11});
  std::vector<Index> all(static_cast<std::size_t>(p));
  for (Index j = 0; j < p; ++j) all[static_cast<std::size_t>(j)] = j;
  const Eigen::MatrixXd x = instance.design.dense_columns(all);
  Eigen::VectorXd response = instance.response;
  const TensorDataset data{
      to_tensor(x), torch::from_blob(response.data(), {n}, torch::kDouble).clone(), 0, "synthetic"};
  auto layer = std::make_shared<LinearLayer>(p);
  layer->to(kCuda);
  const NetworkProblem network(layer, data, data,
                               {.loss = NetworkLoss::kSquaredError, .gradient_batch_size = 0});
  const LeastSquaresProblem convex(instance.design, instance.response);

  const auto iht = [](Index iterations) {
    return IterativeHardThresholding({.stopping = {.max_iterations = iterations,
                                                   .relative_decrease = 0.0,
                                                   .step_tolerance = 0.0},
                                      .step = 0.5});
  };
  const auto a = iht(60).minimize(convex, s);
  const auto b = iht(60).minimize(network, s);
  ASSERT_TRUE(b.w[0].is_cuda());
  ASSERT_EQ(a.trace.rows.size(), b.trace.rows.size());
  for (std::size_t t = 0; t < a.trace.rows.size(); ++t) {
    EXPECT_NEAR(a.trace.rows[t].objective, b.trace.rows[t].objective, 1e-9) << t;
    EXPECT_EQ(a.trace.rows[t].support_size, b.trace.rows[t].support_size) << t;
  }
  const auto as_eigen = [](const TensorList& w) {
    const torch::Tensor flat = w[0].reshape(-1).cpu().contiguous();
    return Eigen::VectorXd(
        Eigen::Map<const Eigen::VectorXd>(flat.data_ptr<double>(), flat.numel()));
  };
  EXPECT_LT((as_eigen(b.w) - a.w).lpNorm<Eigen::Infinity>(), 1e-6);
  // Run longer, IHT on the GPU recovers the planted vector.
  const Eigen::VectorXd wb = as_eigen(iht(300).minimize(network, s).w);
  EXPECT_LT((wb - instance.planted).lpNorm<Eigen::Infinity>(), 1e-6);
}

// The convex pruners read the network's weights and calibration activations off the device:
// on the GPU (double precision) they choose the CPU's masks and weights.
TEST(Cuda, OneShotPruningOnTheGpuChoosesTheCpusMasks) {
  CARDINAL_REQUIRE_CUDA();
  for (const OneShotMethod method : {OneShotMethod::kLayerwise, OneShotMethod::kOptimalBrainSurgeon,
                                     OneShotMethod::kMagnitudeGlobal}) {
    SCOPED_TRACE(to_string(method));
    torch::manual_seed(3);
    MultilayerPerceptron cpu_net(8, {6}, 3);
    cpu_net.to(torch::kDouble);
    torch::manual_seed(3);
    MultilayerPerceptron cuda_net(8, {6}, 3);
    cuda_net.to(torch::kDouble);
    cuda_net.to(kCuda);
    const torch::Tensor calibration = torch::randn({40, 8}, torch::kDouble);

    OneShotPruningOptions options;
    options.sparsity = 0.6;
    options.method = method;
    options.ridge = 0.01;
    options.row_solver = testing::exact_budget_omp_rows();
    const OneShotPruning a = prune_one_shot(cpu_net, calibration, options);
    const OneShotPruning b = prune_one_shot(cuda_net, calibration.to(kCuda), options);
    EXPECT_TRUE(same_mask(a.mask, b.mask));
    ASSERT_EQ(a.layers.size(), b.layers.size());
    for (std::size_t l = 0; l < a.layers.size(); ++l) {
      EXPECT_EQ(a.layers[l].kept, b.layers[l].kept);
      EXPECT_NEAR(a.layers[l].error, b.layers[l].error, 1e-9 * (1.0 + a.layers[l].error));
      EXPECT_LT(max_difference(cpu_net.layers()[l]->weight, cuda_net.layers()[l]->weight), 1e-9);
      EXPECT_TRUE(cuda_net.layers()[l]->weight.is_cuda());
    }
  }
}

// Two levels of IMP with rewinding, on the GPU and on the CPU, from the same seed: the float
// kernels differ in rounding only, so the counts are exact, the masks agree but for weights
// tied at the threshold to rounding, pruned weights stay exactly zero on the device, and the
// trained weights agree to rounding.
TEST(Cuda, ImpOnTheGpuFollowsTheCpu) {
  CARDINAL_REQUIRE_CUDA();
  const LotterySpec spec = testing::small_lottery_spec(LotteryMethod::kImpRewind);

  LotteryOptions options;
  options.levels = 2;
  InMemoryLotteryArchive cpu_archive, cuda_archive;
  const LotteryResult a = run_lottery(spec, testing::fashion_mnist("train"),
                                      testing::fashion_mnist("test"), cpu_archive, options);
  options.device = kCuda;
  const LotteryResult b = run_lottery(spec, testing::fashion_mnist("train"),
                                      testing::fashion_mnist("test"), cuda_archive, options);

  ASSERT_EQ(a.tickets.size(), b.tickets.size());
  for (std::size_t level = 0; level < a.tickets.size(); ++level) {
    const std::string stage = a.tickets[level].stage;
    EXPECT_EQ(a.tickets[level].weights_remaining, b.tickets[level].weights_remaining);
    const Mask ma = cpu_archive.mask(stage), mb = cuda_archive.mask(stage);
    const Snapshot ea = cpu_archive.snapshot(stage, SnapshotRole::kEnd);
    const Snapshot eb = cuda_archive.snapshot(stage, SnapshotRole::kEnd);
    ASSERT_EQ(ea.parameters().size(), eb.parameters().size());
    for (std::size_t i = 0; i < ea.parameters().size(); ++i) {
      const std::string& name = ea.parameters()[i].name;
      const torch::Tensor wa = ea.parameters()[i].tensor, wb = eb.parameters()[i].tensor;
      EXPECT_LT(max_difference(wa, wb), 1e-3) << stage << " " << name;
      if (!mb.contains(name)) continue;
      const torch::Tensor ka = ma.keep(name).cpu(), kb = mb.keep(name).cpu();
      const double disagree = ka.ne(kb).sum().item<double>();
      EXPECT_LE(disagree, 1e-3 * static_cast<double>(ka.numel())) << stage << " " << name;
      EXPECT_TRUE(wb.cpu().masked_select(kb.logical_not()).eq(0.0).all().item<bool>())
          << stage << " " << name;
    }
  }
}

}  // namespace
}  // namespace cardinal
