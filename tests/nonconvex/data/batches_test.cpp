// Batching, the validation split, normalization and augmentation of in-memory tensors.
#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/data/augmentation.hpp"
#include "cardinal/nonconvex/data/batch_sampler.hpp"
#include "cardinal/nonconvex/data/normalization.hpp"
#include "cardinal/nonconvex/data/validation_split.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <vector>

namespace cardinal {
namespace {

std::vector<int64_t> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kInt64).contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

std::vector<int64_t> range(int64_t n) {
  std::vector<int64_t> out(n);
  for (int64_t i = 0; i < n; ++i) out[i] = i;
  return out;
}

/// N examples whose label is their index, so that every example can be told apart.
TensorDataset numbered_dataset(int64_t n) {
  TensorDataset data;
  data.inputs = torch::arange(n * 2 * 3 * 3, torch::kFloat32).reshape({n, 2, 3, 3});
  data.labels = torch::arange(n, torch::kInt64);
  data.classes = n;
  data.name = "numbered";
  return data;
}

TEST(BatchSampler, EveryIndexOncePerEpochInBatchesOfTheRightSize) {
  const BatchSampler sampler(37, {.batch_size = 8, .seed = 5});
  EXPECT_EQ(sampler.batches_per_epoch(), 5);
  for (int64_t epoch = 0; epoch < 4; ++epoch) {
    const auto batches = sampler.batches(epoch);
    ASSERT_EQ(batches.size(), 5u);
    std::vector<int64_t> seen;
    for (size_t b = 0; b < batches.size(); ++b) {
      EXPECT_EQ(batches[b].numel(), b < 4 ? 8 : 5);
      EXPECT_EQ(batches[b].scalar_type(), torch::kInt64);
      const auto part = to_vector(batches[b]);
      seen.insert(seen.end(), part.begin(), part.end());
    }
    EXPECT_EQ(seen, to_vector(sampler.permutation(epoch)));
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, range(37)) << "epoch " << epoch;
  }
}

TEST(BatchSampler, DropLastKeepsOnlyFullBatches) {
  const BatchSampler sampler(37, {.batch_size = 8, .drop_last = true, .seed = 5});
  EXPECT_EQ(sampler.batches_per_epoch(), 4);
  std::set<int64_t> seen;
  for (const auto& batch : sampler.batches(2)) {
    EXPECT_EQ(batch.numel(), 8);
    for (int64_t i : to_vector(batch)) EXPECT_TRUE(seen.insert(i).second) << "repeated " << i;
  }
  EXPECT_EQ(seen.size(), 32u);
  EXPECT_EQ(BatchSampler(32, {.batch_size = 8, .drop_last = true}).batches_per_epoch(), 4);
  EXPECT_EQ(BatchSampler(0, {.batch_size = 8}).batches(0).size(), 0u);
}

TEST(BatchSampler, DeterministicInSeedAndEpochAlone) {
  const BatchSampler first(1000, {.batch_size = 64, .seed = 17});
  const BatchSampler second(1000, {.batch_size = 64, .seed = 17});
  // `second` draws epochs in another order and skips some: a resumed run.
  const std::vector<int64_t> order_first{0, 1, 2, 3, 4, 5};
  const std::vector<int64_t> order_second{5, 3, 0, 4};
  std::vector<torch::Tensor> a, b(6);
  for (int64_t e : order_first) a.push_back(first.permutation(e));
  for (int64_t e : order_second) b[e] = second.permutation(e);
  for (int64_t e : order_second) EXPECT_TRUE(torch::equal(a[e], b[e])) << "epoch " << e;
  for (int64_t e = 1; e < 6; ++e) EXPECT_FALSE(torch::equal(a[0], a[e])) << "epoch " << e;
  EXPECT_FALSE(torch::equal(a[0], BatchSampler(1000, {.seed = 18}).permutation(0)));
  EXPECT_FALSE(torch::equal(a[0], torch::arange(1000, torch::kInt64)));
}

TEST(BatchSampler, FirstPositionIsRoughlyUniform) {
  const BatchSampler sampler(4, {.batch_size = 4, .seed = 3});
  std::vector<int> counts(4);
  for (int64_t epoch = 0; epoch < 2000; ++epoch)
    ++counts[sampler.permutation(epoch)[0].item<int64_t>()];
  for (int c : counts) {
    EXPECT_GT(c, 400);  // expectation 500, standard deviation ≈ 19
    EXPECT_LT(c, 600);
  }
}

TEST(BatchSampler, SequentialWithoutShuffleAndValidatesOptions) {
  const BatchSampler sampler(10, {.batch_size = 4, .shuffle = false});
  EXPECT_EQ(to_vector(sampler.permutation(3)), range(10));
  EXPECT_EQ(to_vector(sampler.batches(0).back()), (std::vector<int64_t>{8, 9}));
  EXPECT_THROW(BatchSampler(10, {.batch_size = 0}), InvalidInput);
  EXPECT_THROW(sampler.permutation(-1), InvalidInput);
}

TEST(BatchSampler, SelectBatchGathersInputsAndLabels) {
  const TensorDataset data = numbered_dataset(12);
  const torch::Tensor indices = torch::tensor({7, 2, 11}, torch::kInt64);
  const Batch batch = select_batch(data, indices);
  EXPECT_EQ(to_vector(batch.labels), (std::vector<int64_t>{7, 2, 11}));
  ASSERT_EQ(batch.inputs.sizes(), (std::vector<int64_t>{3, 2, 3, 3}));
  EXPECT_TRUE(torch::equal(batch.inputs[1], data.inputs[2]));
  EXPECT_EQ(batch.inputs[2][0][0][0].item<float>(), 11.0f * 18.0f);
}

TEST(TensorDataset, SubsetAndToKeepMetadata) {
  const TensorDataset data = numbered_dataset(6);
  const TensorDataset part = data.subset(std::vector<int64_t>{4, 0});
  EXPECT_EQ(part.size(), 2);
  EXPECT_EQ(part.name, "numbered");
  EXPECT_EQ(part.classes, 6);
  EXPECT_EQ(to_vector(part.labels), (std::vector<int64_t>{4, 0}));
  EXPECT_THROW(data.subset(std::vector<int64_t>{6}), InvalidInput);
  EXPECT_THROW(data.subset(std::vector<int64_t>{-1}), InvalidInput);
  const TensorDataset copy = data.to(torch::kCPU);
  EXPECT_TRUE(torch::equal(copy.inputs, data.inputs));
  EXPECT_EQ(copy.name, data.name);
}

TEST(ValidationSplit, DisjointCompleteOrderedAndSeeded) {
  const TensorDataset data = numbered_dataset(50);
  const TrainValidationSplit split = split_validation(data, 12, 99);
  EXPECT_EQ(split.validation.size(), 12);
  EXPECT_EQ(split.train.size(), 38);
  auto train = to_vector(split.train.labels);
  auto validation = to_vector(split.validation.labels);
  EXPECT_TRUE(std::is_sorted(train.begin(), train.end()));
  EXPECT_TRUE(std::is_sorted(validation.begin(), validation.end()));
  for (int64_t i = 0; i < 12; ++i) {
    EXPECT_TRUE(torch::equal(split.validation.inputs[i], data.inputs[validation[i]]));
  }
  std::vector<int64_t> all = train;
  all.insert(all.end(), validation.begin(), validation.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, range(50));

  EXPECT_EQ(to_vector(split_validation(data, 12, 99).validation.labels), validation);
  EXPECT_NE(to_vector(split_validation(data, 12, 100).validation.labels), validation);
  EXPECT_NE(validation, range(12));
  EXPECT_THROW(split_validation(data, 0, 1), InvalidInput);
  EXPECT_THROW(split_validation(data, 50, 1), InvalidInput);
}

TEST(Normalization, ComputesAndAppliesPerChannelStatistics) {
  // Channel 0 alternates 0 and 1 (mean 0.5, std 0.5); channel 1 is constant 0.25 plus 0.75 on
  // a quarter of the pixels (mean 0.4375, std 0.75·√(3/16)).
  torch::Tensor inputs = torch::zeros({2, 2, 2, 2});
  inputs.select(1, 0).copy_(
      torch::tensor({1.0f, 0.0f, 1.0f, 0.0f, 1.0f, 0.0f, 1.0f, 0.0f}).view({2, 2, 2}));
  inputs.select(1, 1).fill_(0.25f);
  inputs[0][1][0][0] = 1.0f;
  inputs[1][1][1][1] = 1.0f;
  const Normalization stats = compute_normalization(inputs);
  ASSERT_EQ(stats.mean.size(), 2u);
  EXPECT_NEAR(stats.mean[0], 0.5, 1e-12);
  EXPECT_NEAR(stats.std[0], 0.5, 1e-12);
  EXPECT_NEAR(stats.mean[1], 0.4375, 1e-12);
  EXPECT_NEAR(stats.std[1], 0.75 * std::sqrt(3.0 / 16.0), 1e-7);

  const torch::Tensor normalized = normalize(inputs, stats);
  EXPECT_EQ(normalized.sizes(), inputs.sizes());
  EXPECT_NEAR(normalized[0][0][0][0].item<float>(), 1.0f, 1e-6);  // (1 − 0.5) / 0.5
  const Normalization after = compute_normalization(normalized);
  for (int c = 0; c < 2; ++c) {
    EXPECT_NEAR(after.mean[c], 0.0, 1e-6);
    EXPECT_NEAR(after.std[c], 1.0, 1e-6);
  }
  EXPECT_EQ(standard_normalization("cifar10").mean.size(), 3u);
  EXPECT_DOUBLE_EQ(standard_normalization("fashion-mnist").std[0], 0.3530);
  EXPECT_THROW(standard_normalization("svhn"), InvalidInput);
  EXPECT_THROW(normalize(inputs, standard_normalization("cifar10")), InvalidInput);
}

torch::Tensor image(std::vector<std::vector<float>> rows) {
  const auto h = static_cast<int64_t>(rows.size()), w = static_cast<int64_t>(rows[0].size());
  torch::Tensor out = torch::empty({h, w});
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) out[y][x] = rows[y][x];
  return out;
}

TEST(Augmentation, CropAndFlipOnAHandMadeImage) {
  // Two images of 2 channels; channel 1 is ten times channel 0.
  const torch::Tensor base = image({{1, 2, 3}, {4, 5, 6}, {7, 8, 9}});
  const torch::Tensor one = torch::stack({base, base * 10});
  const torch::Tensor images = torch::stack({one, one + 100});
  const auto run = [&](int64_t top, int64_t left, bool flip) {
    return crop_and_flip(images, 1, {top, 1}, {left, 1}, {flip, false});
  };
  EXPECT_TRUE(torch::equal(run(0, 0, false)[0][0], image({{0, 0, 0}, {0, 1, 2}, {0, 4, 5}})));
  EXPECT_TRUE(torch::equal(run(2, 2, false)[0][0], image({{5, 6, 0}, {8, 9, 0}, {0, 0, 0}})));
  EXPECT_TRUE(torch::equal(run(1, 1, true)[0][0], image({{3, 2, 1}, {6, 5, 4}, {9, 8, 7}})));
  EXPECT_TRUE(torch::equal(run(0, 2, true)[0][0], image({{0, 0, 0}, {0, 3, 2}, {0, 6, 5}})));
  EXPECT_TRUE(torch::equal(run(0, 2, true)[0][1], image({{0, 0, 0}, {0, 30, 20}, {0, 60, 50}})));
  // The second image, centred and not flipped, is unchanged whatever the first one does.
  EXPECT_TRUE(torch::equal(run(0, 2, true)[1], images[1]));
  EXPECT_THROW(crop_and_flip(images, 1, {3, 0}, {0, 0}, {false, false}), InvalidInput);
}

TEST(Augmentation, ReproducibleShapePreservingAndAlwaysAValidCrop) {
  torch::manual_seed(0);
  const torch::Tensor images = torch::rand({6, 3, 8, 8});
  const CropFlipAugmentation augment(42);
  const torch::Tensor a = augment(images, 3, 7);
  EXPECT_EQ(a.sizes(), images.sizes());
  EXPECT_TRUE(torch::equal(a, augment(images, 3, 7)));
  EXPECT_TRUE(torch::equal(a, CropFlipAugmentation(42)(images, 3, 7)));
  EXPECT_FALSE(torch::equal(a, augment(images, 3, 8)));
  EXPECT_FALSE(torch::equal(a, augment(images, 4, 7)));
  EXPECT_FALSE(torch::equal(a, CropFlipAugmentation(43)(images, 3, 7)));

  // Every augmented image is one of the 9·9·2 crops of its original.
  for (int64_t n = 0; n < images.size(0); ++n) {
    bool found = false;
    for (int64_t top = 0; top <= 8 && !found; ++top)
      for (int64_t left = 0; left <= 8 && !found; ++left)
        for (bool flip : {false, true})
          found = found || torch::equal(a[n], crop_and_flip(images.slice(0, n, n + 1), 4, {top},
                                                            {left}, {flip})[0]);
    EXPECT_TRUE(found) << "image " << n;
  }
  EXPECT_TRUE(torch::equal(CropFlipAugmentation(1, 0, 0.0)(images, 0, 0), images));
  EXPECT_TRUE(torch::equal(CropFlipAugmentation(1, 0, 1.0)(images, 0, 0), images.flip({3})));
}

TEST(Augmentation, FlipsAboutHalfTheImages) {
  // With no padding an image is either unchanged or mirrored.
  torch::manual_seed(1);
  const torch::Tensor images = torch::rand({400, 1, 4, 4});
  const torch::Tensor out = CropFlipAugmentation(9, 0)(images, 0, 0);
  int flipped = 0;
  for (int64_t n = 0; n < 400; ++n) flipped += torch::equal(out[n], images[n].flip({2})) ? 1 : 0;
  EXPECT_GT(flipped, 160);  // expectation 200, standard deviation 10
  EXPECT_LT(flipped, 240);
}

}  // namespace
}  // namespace cardinal
