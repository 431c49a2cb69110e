#include "cardinal/nonconvex/pruning/calibration_gram.hpp"

#include <gtest/gtest.h>
#include <torch/nn/modules/batchnorm.h>

#include <Eigen/Core>
#include <algorithm>
#include <set>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/models/resnet.hpp"
#include "nonconvex/pruning/conv_layers.hpp"
#include "nonconvex/pruning/tiny_networks.hpp"

namespace cardinal {
namespace {

using testing::explicit_patches;
using testing::SmallConvNet;

Eigen::MatrixXd gram_of(const Eigen::MatrixXd& x) {
  return x.transpose() * x / static_cast<double>(x.rows());
}

struct Fixture {
  SmallConvNet network;
  torch::Tensor calibration;
  Fixture() {
    testing::randomize(network, 11);
    at::Generator gen = testing::generator(12);
    calibration = testing::normal({5, 2, 7, 6}, gen);
  }
  /// conv2's input: relu(conv1(x)).
  torch::Tensor second_input() {
    torch::NoGradGuard no_grad;
    return network.conv1->forward(calibration).relu();
  }
};

TEST(LayerInputRows, ConvolutionRowsAreTheUnfoldedPatchesInTheWeightsOrder) {
  Fixture f;
  const torch::Tensor rows = layer_input_rows(*f.network.conv1, f.calibration);
  const Eigen::MatrixXd expected = explicit_patches(f.calibration, 3, 2, 2, 1, 1, 0, 1, 2);
  // 7 + 2 − 2 − 1 → 4 rows of outputs (stride 2), 6 − 2 − 1 + 1 → 4 columns: 16 per example.
  ASSERT_EQ(rows.size(0), 5 * 16);
  ASSERT_EQ(expected.rows(), 5 * 16);
  EXPECT_LE((testing::to_eigen(rows) - expected).lpNorm<Eigen::Infinity>(), 0.0);
  // The convolution is W (C_out × C_in·kh·kw) times each patch.
  const torch::Tensor out = f.network.conv1->forward(f.calibration).detach();  // [5, 3, 4, 4]
  const Eigen::MatrixXd w = weight_matrix(f.network.conv1->weight);
  const Eigen::RowVectorXd bias = testing::to_eigen(f.network.conv1->bias.unsqueeze(0));
  const Eigen::MatrixXd by_patches = (expected * w.transpose()).rowwise() + bias;
  const Eigen::MatrixXd direct = testing::to_eigen(out.permute({0, 2, 3, 1}).reshape({-1, 3}));
  EXPECT_LE((by_patches - direct).lpNorm<Eigen::Infinity>(), 1e-5);
  // A linear layer's rows are its inputs.
  const torch::Tensor features = torch::ones({4, 36});
  EXPECT_TRUE(torch::equal(layer_input_rows(*f.network.fc, features), features));
}

TEST(CalibrationGram, IsTheMeanOuterProductOfEveryPatchOfTheLayersInput) {
  Fixture f;
  const CalibrationGram first =
      calibration_gram(f.network, f.network.conv1->weight, f.calibration, 1000, 0);
  const Eigen::MatrixXd x1 = explicit_patches(f.calibration, 3, 2, 2, 1, 1, 0, 1, 2);
  EXPECT_EQ(first.rows, 80);
  EXPECT_EQ(first.available, 80);
  EXPECT_FALSE(first.subsampled());
  EXPECT_LE((first.gram - gram_of(x1)).lpNorm<Eigen::Infinity>(), 1e-12);
  // conv2 reads relu(conv1(x)) (3 channels, 4 × 4): 3 × 3 positions of a 2 × 2 kernel.
  const CalibrationGram second =
      calibration_gram(f.network, f.network.conv2->weight, f.calibration, 1000, 0);
  const Eigen::MatrixXd x2 = explicit_patches(f.second_input(), 2, 2, 1, 1, 0, 0, 1, 1);
  EXPECT_EQ(second.rows, 45);
  EXPECT_LE((second.gram - gram_of(x2)).lpNorm<Eigen::Infinity>(), 1e-10);
}

TEST(CalibrationGram, PatchesAboveTheCapAreTheSeededSample) {
  Fixture f;
  const Eigen::MatrixXd x = explicit_patches(f.calibration, 3, 2, 2, 1, 1, 0, 1, 2);
  const CalibrationGram sampled =
      calibration_gram(f.network, f.network.conv1->weight, f.calibration, 30, 7);
  EXPECT_EQ(sampled.rows, 30);
  EXPECT_EQ(sampled.available, 80);
  EXPECT_TRUE(sampled.subsampled());
  const std::vector<Index> chosen = sample_rows(80, 30, 7);
  Eigen::MatrixXd rows(30, x.cols());
  for (std::size_t r = 0; r < chosen.size(); ++r)
    rows.row(static_cast<Index>(r)) = x.row(chosen[r]);
  EXPECT_LE((sampled.gram - gram_of(rows)).lpNorm<Eigen::Infinity>(), 1e-12);
  // The same seed gives the same matrix bit for bit; another seed another sample.
  const CalibrationGram again =
      calibration_gram(f.network, f.network.conv1->weight, f.calibration, 30, 7);
  EXPECT_TRUE(again.gram == sampled.gram);
  const CalibrationGram other =
      calibration_gram(f.network, f.network.conv1->weight, f.calibration, 30, 8);
  EXPECT_FALSE(other.gram == sampled.gram);
  // The cap applies to patches only: a linear layer keeps every example.
  const CalibrationGram linear =
      calibration_gram(f.network, f.network.fc->weight, f.calibration, 2, 7);
  EXPECT_EQ(linear.rows, 5);
  EXPECT_FALSE(linear.subsampled());
}

TEST(SampleRows, ExactlyTheCountInIncreasingOrderUniformly) {
  for (Index count : {0, 1, 17, 99, 100, 150}) {
    const std::vector<Index> rows = sample_rows(100, count, 3);
    ASSERT_EQ(static_cast<Index>(rows.size()), std::min<Index>(count, 100));
    EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end()));
    EXPECT_EQ(std::set<Index>(rows.begin(), rows.end()).size(), rows.size());
    if (!rows.empty()) {
      EXPECT_GE(rows.front(), 0);
      EXPECT_LT(rows.back(), 100);
    }
  }
  EXPECT_EQ(sample_rows(100, 17, 3), sample_rows(100, 17, 3));
  EXPECT_NE(sample_rows(100, 17, 3), sample_rows(100, 17, 4));
  // Every row is kept with probability 10/40: over 4000 seeds each count is 1000 ± 5σ (σ ≈ 27).
  std::vector<int> hits(40, 0);
  for (std::uint64_t seed = 0; seed < 4000; ++seed)
    for (Index r : sample_rows(40, 10, seed)) ++hits[static_cast<std::size_t>(r)];
  for (int h : hits) EXPECT_NEAR(h, 1000, 137);
}

TEST(CalibrationGram, ReadsInEvaluationModeAndLeavesTheNetworkAsItWas) {
  torch::manual_seed(4);
  CifarResNet network(8, 1, 3, 4);
  at::Generator gen = testing::generator(5);
  const torch::Tensor x = testing::normal({3, 1, 8, 8}, gen);
  network.train();
  const std::vector<NamedTensor> prunable = prunable_tensors(network);
  std::vector<torch::Tensor> buffers;
  for (const auto& b : network.buffers()) buffers.push_back(b.clone());
  for (const NamedTensor& t : prunable) {
    const CalibrationGram g = calibration_gram(network, t.tensor, x, 50'000, 0);
    EXPECT_EQ(g.gram.rows(), t.tensor[0].numel()) << t.name;
    EXPECT_TRUE(g.gram.allFinite()) << t.name;
  }
  EXPECT_TRUE(network.is_training());
  // Batch-norm running statistics untouched: the inputs were read in evaluation mode.
  std::size_t i = 0;
  for (const auto& b : network.buffers()) EXPECT_TRUE(torch::equal(b, buffers[i++]));
}

TEST(CalibrationGram, RefusesWhatItCannotRead) {
  Fixture f;
  EXPECT_THROW(
      calibration_gram(f.network, f.network.conv1->weight, torch::zeros({2, 3, 7, 6}), 100, 0),
      InvalidInput);          // 3 channels for a 2-channel layer
  testing::TinyConvNet tiny;  // applies its layers directly, not through apply_layer
  EXPECT_THROW(calibration_gram(tiny, tiny.conv1->weight, torch::zeros({2, 1, 8, 8}), 100, 0),
               InvalidInput);
  torch::nn::Conv2d grouped(torch::nn::Conv2dOptions(4, 4, 3).groups(2));
  EXPECT_THROW(layer_input_rows(*grouped, torch::zeros({1, 4, 5, 5})), InvalidInput);
  EXPECT_THROW(calibration_gram(f.network, f.network.conv1->weight, f.calibration, 0, 0),
               InvalidInput);
}

}  // namespace
}  // namespace cardinal
