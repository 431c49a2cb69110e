// FusedAdam: the same bits as torch::optim::Adam, step after step, through the one-pass update and
// through the tensor operations it falls back to.
#include "cardinal/nonconvex/training/fused_adam.hpp"

#include <gtest/gtest.h>
#include <torch/optim/adam.h>

#include <cstdint>
#include <vector>

#include "nonconvex/pruning/tiny_networks.hpp"

#include "cardinal/nonconvex/training/optimizer_state_key.hpp"

namespace cardinal {
namespace {

/// Parameters of LeNet-300-100's shapes (vector lengths not multiples of any SIMD width among
/// them), and one non-contiguous view-backed parameter, which the one pass does not cover.
std::vector<torch::Tensor> parameters(std::uint64_t seed, bool with_strided) {
  at::Generator gen = testing::generator(seed);
  std::vector<torch::Tensor> out;
  for (std::vector<std::int64_t> shape :
       {std::vector<std::int64_t>{300, 784}, {300}, {100, 300}, {100}, {10, 100}, {10}, {37}})
    out.push_back(at::randn(shape, gen).requires_grad_(true));
  if (with_strided) out.push_back(at::randn({13, 7}, gen).t().requires_grad_(true));
  return out;
}

void expect_same_trajectory(const torch::optim::AdamOptions& options, bool with_strided) {
  std::vector<torch::Tensor> a = parameters(1, with_strided), b = parameters(1, with_strided);
  torch::optim::Adam reference(a, options);
  FusedAdam fused(b, options);
  at::Generator gen = testing::generator(2);
  for (int step = 1; step <= 60; ++step) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      // Gradients spanning many magnitudes, with exact zeros (pruned entries) among them.
      const torch::Tensor g = at::randn(a[i].sizes(), gen) *
                              at::exp(at::randn(a[i].sizes(), gen) * 3.0) *
                              (at::rand(a[i].sizes(), gen) > 0.2);
      a[i].mutable_grad() = g.clone();
      b[i].mutable_grad() = with_strided && i + 1 == a.size() ? g.t().contiguous().t() : g.clone();
    }
    reference.step();
    fused.step();
    for (std::size_t i = 0; i < a.size(); ++i)
      ASSERT_TRUE(torch::equal(a[i], b[i])) << "parameter " << i << " after step " << step;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const OptimizerStateKey key = optimizer_state_key(b[i]);
    const auto& s = static_cast<torch::optim::AdamParamState&>(*fused.state().at(key));
    const OptimizerStateKey ref_key = optimizer_state_key(a[i]);
    const auto& r = static_cast<torch::optim::AdamParamState&>(*reference.state().at(ref_key));
    EXPECT_EQ(s.step(), r.step());
    EXPECT_TRUE(torch::equal(s.exp_avg(), r.exp_avg()));
    EXPECT_TRUE(torch::equal(s.exp_avg_sq(), r.exp_avg_sq()));
  }
}

TEST(FusedAdam, BitIdenticalToTorchAdam) {
  expect_same_trajectory(torch::optim::AdamOptions(1.2e-3), false);
}

TEST(FusedAdam, BitIdenticalWithWeightDecayAndOtherBetas) {
  expect_same_trajectory(
      torch::optim::AdamOptions(3e-2).betas({0.8, 0.95}).eps(1e-6).weight_decay(5e-4), false);
}

TEST(FusedAdam, NonContiguousAndAmsgradParametersTakeTheTensorOperations) {
  expect_same_trajectory(torch::optim::AdamOptions(1e-3).weight_decay(1e-3), true);
  expect_same_trajectory(torch::optim::AdamOptions(1e-3).amsgrad(true), false);
}

#if defined(__x86_64__)
TEST(FusedAdam, OnePassRunsOnThisMachineWhereTheCpuHasFma) {
  // Not a speed claim: that the fast path is the one taken here, so that the tests above compare
  // it (and not the fallback) with torch::optim::Adam.
  if (!__builtin_cpu_supports("fma") || !__builtin_cpu_supports("avx2"))
    GTEST_SKIP() << "this CPU has no AVX2/FMA: only the tensor operations run";
  EXPECT_TRUE(FusedAdam::one_pass_available());
}
#endif

}  // namespace
}  // namespace cardinal
