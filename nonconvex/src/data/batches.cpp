// Batching, normalization and augmentation of in-memory tensors.
#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/data/augmentation.hpp"
#include "cardinal/nonconvex/data/batch_sampler.hpp"
#include "cardinal/nonconvex/data/normalization.hpp"
#include "portable_random.hpp"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

namespace cardinal {

BatchSampler::BatchSampler(int64_t dataset_size, BatchSamplerOptions options)
    : dataset_size_(dataset_size), options_(options) {
  require(dataset_size >= 0, "batch sampler: negative data set size");
  require(options.batch_size > 0,
          "batch sampler: batch size must be positive; got " + std::to_string(options.batch_size));
}

int64_t BatchSampler::batches_per_epoch() const {
  const int64_t full = dataset_size_ / options_.batch_size;
  const bool partial = dataset_size_ % options_.batch_size != 0;
  return full + (partial && !options_.drop_last ? 1 : 0);
}

torch::Tensor BatchSampler::permutation(int64_t epoch) const {
  require(epoch >= 0, "batch sampler: negative epoch " + std::to_string(epoch));
  std::vector<int64_t> order;
  if (options_.shuffle) {
    std::mt19937_64 engine = detail::make_engine(options_.seed, static_cast<uint64_t>(epoch));
    order = detail::random_permutation(dataset_size_, engine);
  } else {
    order.resize(static_cast<size_t>(dataset_size_));
    std::iota(order.begin(), order.end(), int64_t{0});
  }
  return torch::tensor(order, torch::kInt64);
}

std::vector<torch::Tensor> BatchSampler::batches(int64_t epoch) const {
  const torch::Tensor order = permutation(epoch);
  std::vector<torch::Tensor> out;
  const int64_t count = batches_per_epoch();
  out.reserve(static_cast<size_t>(count));
  for (int64_t b = 0; b < count; ++b) {
    const int64_t begin = b * options_.batch_size;
    const int64_t end = std::min(begin + options_.batch_size, dataset_size_);
    out.push_back(order.slice(0, begin, end));
  }
  return out;
}

Batch select_batch(const TensorDataset& dataset, const torch::Tensor& indices) {
  return {dataset.inputs.index_select(0, indices.to(dataset.inputs.device())),
          dataset.labels.index_select(0, indices.to(dataset.labels.device()))};
}

Normalization standard_normalization(const std::string& dataset) {
  // Computed over each full training set (fashion-mnist checked against the Debian copy).
  if (dataset == "mnist") return {{0.1307}, {0.3081}};
  if (dataset == "fashion-mnist") return {{0.2860}, {0.3530}};
  if (dataset == "cifar10") return {{0.4914, 0.4822, 0.4465}, {0.2470, 0.2435, 0.2616}};
  throw InvalidInput("no standard normalization for data set '" + dataset +
                     "' (known: mnist, fashion-mnist, cifar10)");
}

Normalization compute_normalization(const torch::Tensor& inputs) {
  require(inputs.dim() == 4, "compute_normalization: inputs must be N×C×H×W");
  const torch::Tensor values =
      inputs.to(torch::kFloat64).transpose(0, 1).reshape({inputs.size(1), -1});
  const torch::Tensor mean = values.mean(1).cpu();
  const torch::Tensor std = values.std(1, /*unbiased=*/false).cpu();
  Normalization result;
  for (int64_t c = 0; c < inputs.size(1); ++c) {
    result.mean.push_back(mean[c].item<double>());
    result.std.push_back(std[c].item<double>());
  }
  return result;
}

torch::Tensor normalize(const torch::Tensor& inputs, const Normalization& normalization) {
  const auto channels = static_cast<int64_t>(normalization.mean.size());
  require(inputs.dim() == 4 && inputs.size(1) == channels &&
              normalization.std.size() == normalization.mean.size(),
          "normalize: inputs have " + std::to_string(inputs.dim() == 4 ? inputs.size(1) : -1) +
              " channels but the normalization has " + std::to_string(channels));
  const auto options = torch::TensorOptions().dtype(inputs.scalar_type()).device(inputs.device());
  const torch::Tensor mean =
      torch::tensor(normalization.mean, torch::kFloat64).to(options).view({1, channels, 1, 1});
  const torch::Tensor std =
      torch::tensor(normalization.std, torch::kFloat64).to(options).view({1, channels, 1, 1});
  return (inputs - mean) / std;
}

CropFlipAugmentation::CropFlipAugmentation(uint64_t seed, int64_t padding, double flip_probability)
    : seed_(seed), padding_(padding), flip_probability_(flip_probability) {
  require(padding >= 0, "augmentation: padding must be non-negative");
  require(flip_probability >= 0 && flip_probability <= 1,
          "augmentation: flip probability must be in [0, 1]");
}

torch::Tensor CropFlipAugmentation::operator()(const torch::Tensor& images, int64_t epoch,
                                               int64_t batch) const {
  const uint64_t stream = splitmix64(static_cast<uint64_t>(epoch)) ^ static_cast<uint64_t>(batch);
  std::mt19937_64 engine = detail::make_engine(seed_, stream);
  const int64_t count = images.size(0);
  std::vector<int64_t> top(count), left(count);
  std::vector<bool> flip(count);
  const auto offsets = static_cast<uint64_t>(2 * padding_ + 1);
  for (int64_t n = 0; n < count; ++n) {
    top[n] = static_cast<int64_t>(detail::uniform_below(engine, offsets));
    left[n] = static_cast<int64_t>(detail::uniform_below(engine, offsets));
    flip[n] = detail::uniform_unit(engine) < flip_probability_;
  }
  return crop_and_flip(images, padding_, top, left, flip);
}

torch::Tensor crop_and_flip(const torch::Tensor& images, int64_t padding,
                            const std::vector<int64_t>& top, const std::vector<int64_t>& left,
                            const std::vector<bool>& flip) {
  require(images.dim() == 4, "crop_and_flip: images must be N×C×H×W");
  const int64_t count = images.size(0), channels = images.size(1);
  const int64_t height = images.size(2), width = images.size(3);
  require(static_cast<int64_t>(top.size()) == count && static_cast<int64_t>(left.size()) == count &&
              static_cast<int64_t>(flip.size()) == count,
          "crop_and_flip: one offset and flip flag per image needed");
  // Gather rows, then columns, of the zero-padded batch: two kernels for the whole batch on
  // any device. Row index of output (n, i): top[n] + i; column of (n, j): left[n] + j, or
  // left[n] + W − 1 − j when flipped.
  std::vector<int64_t> rows(count * height), cols(count * width);
  for (int64_t n = 0; n < count; ++n) {
    require(top[n] >= 0 && top[n] <= 2 * padding && left[n] >= 0 && left[n] <= 2 * padding,
            "crop_and_flip: crop offset outside [0, 2*padding]");
    for (int64_t i = 0; i < height; ++i) rows[n * height + i] = top[n] + i;
    for (int64_t j = 0; j < width; ++j) {
      cols[n * width + j] = left[n] + (flip[n] ? width - 1 - j : j);
    }
  }
  const auto device = images.device();
  const torch::Tensor padded = torch::constant_pad_nd(images, {padding, padding, padding, padding});
  const torch::Tensor row_index = torch::tensor(rows, torch::kInt64)
                                      .to(device)
                                      .view({count, 1, height, 1})
                                      .expand({count, channels, height, width + 2 * padding});
  const torch::Tensor col_index = torch::tensor(cols, torch::kInt64)
                                      .to(device)
                                      .view({count, 1, 1, width})
                                      .expand({count, channels, height, width});
  return padded.gather(2, row_index).gather(3, col_index);
}

}  // namespace cardinal
