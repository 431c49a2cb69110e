#pragma once

// Data, specifications and networks shared by the network tests.

#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <string>

#include "cardinal/nonconvex/data/normalization.hpp"
#include "cardinal/nonconvex/data/registry.hpp"
#include "cardinal/nonconvex/lottery/lottery_spec.hpp"
#include "cardinal/nonconvex/models/network.hpp"

namespace cardinal::testing {

/// The 32-image Fashion-MNIST fixture (tests/data/nonconvex/fashion-mnist-gz), loaded once.
inline const TensorDataset& fashion_mnist(const std::string& split) {
  static const TensorDataset train =
      load_dataset("fashion-mnist", CARDINAL_TEST_DATA_DIR "/nonconvex/fashion-mnist-gz", "train");
  static const TensorDataset test =
      load_dataset("fashion-mnist", CARDINAL_TEST_DATA_DIR "/nonconvex/fashion-mnist-gz", "test");
  return split == "train" ? train : test;
}

/// LeNet-300-100 on that fixture: batches of 8, T = 8 iterations (2 epochs), the learning rate
/// dropping tenfold at iteration 4, k = 2 where a method rewinds.
inline LotterySpec small_lottery_spec(LotteryMethod method) {
  LotterySpec spec;
  spec.model = "lenet300";
  spec.input = {.channels = 1, .height = 28, .width = 28, .classes = 10};
  spec.training.length = TrainingLength::epochs(2);
  spec.training.batch_size = 8;
  spec.training.optimizer = {.kind = OptimizerKind::kSgd, .momentum = 0.9};
  spec.training.schedule = {
      .kind = ScheduleKind::kStep, .base_lr = 0.05, .milestones = {4}, .gamma = 0.1};
  spec.training.evaluate_every = 4;
  spec.training.data_seed = 3;
  spec.training.normalization = standard_normalization("fashion-mnist");
  spec.method = method;
  spec.rewind = TrainingLength::iterations(method == LotteryMethod::kImpReset ? 0 : 2);
  spec.seed = 17;
  return spec;
}

/// x ↦ w·x: one linear layer without bias, in double precision, starting at w = 0.
struct LinearLayer : Network {
  explicit LinearLayer(int64_t p)
      : fc(register_module("fc", torch::nn::Linear(torch::nn::LinearOptions(p, 1).bias(false)))) {
    to(torch::kDouble);
    torch::NoGradGuard no_grad;
    fc->weight.zero_();
  }
  torch::Tensor forward(const torch::Tensor& x) override { return fc(x.flatten(1)); }
  torch::nn::Linear fc;
};

}  // namespace cardinal::testing
