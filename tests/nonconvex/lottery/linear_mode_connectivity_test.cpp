// Linear mode connectivity: exact end points, zero barriers for a network with itself.
#include <gtest/gtest.h>

#include <memory>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/data/registry.hpp"
#include "cardinal/nonconvex/lottery/linear_mode_connectivity.hpp"
#include "cardinal/nonconvex/models/factory.hpp"
#include "cardinal/nonconvex/training/trainer.hpp"

namespace cardinal {
namespace {

const torch::Device kCpu(torch::kCPU);

const TensorDataset& test_set() {
  static const TensorDataset test =
      load_dataset("fashion-mnist", CARDINAL_TEST_DATA_DIR "/nonconvex/fashion-mnist-gz", "test");
  return test;
}

std::shared_ptr<Network> lenet(std::uint64_t seed) {
  at::manual_seed(seed);
  return make_model("lenet300", {.channels = 1, .height = 28, .width = 28, .classes = 10});
}

TEST(LinearModeConnectivity, EndPointsAreTheTwoNetworksExactly) {
  auto network = lenet(1);
  const Snapshot a = take_snapshot(*network);
  const Snapshot b = take_snapshot(*lenet(2));
  const auto normalization = standard_normalization("fashion-mnist");
  const LinearModeConnectivity lmc =
      linear_mode_connectivity(*network, a, b, test_set(), normalization, kCpu, 5, 7);
  ASSERT_EQ(lmc.path.size(), 5u);
  EXPECT_EQ(lmc.path[0].alpha, 0.0);
  EXPECT_EQ(lmc.path[2].alpha, 0.5);
  EXPECT_EQ(lmc.path[4].alpha, 1.0);
  auto other = lenet(3);
  restore(*other, a);
  const Evaluation at_a = evaluate(*other, test_set(), 7, normalization, kCpu);
  restore(*other, b);
  const Evaluation at_b = evaluate(*other, test_set(), 7, normalization, kCpu);
  EXPECT_EQ(lmc.path[0].test_loss, at_a.loss);
  EXPECT_EQ(lmc.path[0].test_accuracy, at_a.accuracy);
  EXPECT_EQ(lmc.path[4].test_loss, at_b.loss);
  EXPECT_EQ(lmc.path[4].test_accuracy, at_b.accuracy);
  double worst = 0.0;
  for (const auto& p : lmc.path) worst = std::max(worst, 1.0 - p.test_accuracy);
  EXPECT_EQ(lmc.error_barrier, worst - ((1 - at_a.accuracy) + (1 - at_b.accuracy)) / 2);
  EXPECT_GE(lmc.error_barrier, 0.0);
  EXPECT_GE(lmc.loss_barrier, 0.0);
}

TEST(LinearModeConnectivity, ANetworkWithItselfHasZeroBarriers) {
  auto network = lenet(4);
  const Snapshot a = take_snapshot(*network);
  const LinearModeConnectivity lmc =
      linear_mode_connectivity(*network, a, a, test_set(), std::nullopt, kCpu);
  ASSERT_EQ(lmc.path.size(), static_cast<std::size_t>(kInterpolationPoints));
  for (const auto& p : lmc.path) EXPECT_EQ(p.test_loss, lmc.path.front().test_loss);
  EXPECT_EQ(lmc.error_barrier, 0.0);
  EXPECT_EQ(lmc.loss_barrier, 0.0);
  EXPECT_THROW(linear_mode_connectivity(*network, a, a, test_set(), std::nullopt, kCpu, 1),
               InvalidInput);
}

}  // namespace
}  // namespace cardinal
