// TensorDataset, the held-out validation split and the data set registry.
#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/data/cifar10.hpp"
#include "cardinal/nonconvex/data/idx.hpp"
#include "cardinal/nonconvex/data/registry.hpp"
#include "cardinal/nonconvex/data/tensor_dataset.hpp"
#include "cardinal/nonconvex/data/validation_split.hpp"
#include "portable_random.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace cardinal {

int64_t TensorDataset::size() const {
  return labels.defined() ? labels.size(0) : 0;
}

TensorDataset TensorDataset::to(const torch::Device& device) const {
  TensorDataset copy = *this;
  copy.inputs = inputs.to(device);
  copy.labels = labels.to(device);
  return copy;
}

TensorDataset TensorDataset::subset(const torch::Tensor& indices) const {
  require(indices.dim() == 1, name + ": subset indices must be a 1-D tensor");
  torch::Tensor index = indices.to(torch::kInt64);
  if (index.numel() > 0) {
    const int64_t low = index.min().item<int64_t>();
    const int64_t high = index.max().item<int64_t>();
    require(low >= 0 && high < size(), name + ": subset index " +
                                           std::to_string(low < 0 ? low : high) +
                                           " is outside [0, " + std::to_string(size()) + ")");
  }
  TensorDataset part = *this;
  part.inputs = inputs.index_select(0, index.to(inputs.device()));
  part.labels = labels.index_select(0, index.to(labels.device()));
  return part;
}

TensorDataset TensorDataset::subset(const std::vector<int64_t>& indices) const {
  return subset(torch::tensor(indices, torch::kInt64));
}

TrainValidationSplit split_validation(const TensorDataset& dataset, int64_t count, uint64_t seed) {
  require(count > 0 && count < dataset.size(),
          dataset.name + ": the validation split needs 0 < count < " +
              std::to_string(dataset.size()) + " examples; got " + std::to_string(count));
  std::mt19937_64 engine = detail::make_engine(seed, /*stream=*/0);
  std::vector<int64_t> order = detail::random_permutation(dataset.size(), engine);
  std::vector<int64_t> validation(order.begin(), order.begin() + count);
  std::vector<int64_t> train(order.begin() + count, order.end());
  std::sort(validation.begin(), validation.end());
  std::sort(train.begin(), train.end());
  return {dataset.subset(train), dataset.subset(validation)};
}

namespace {

const std::vector<DatasetInfo>& registry() {
  const std::vector<std::string> idx = {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte"};
  static const std::vector<DatasetInfo> datasets = {
      {"mnist", 1, 28, 28, 10, idx, true, "", "scripts/get-data mnist"},
      {"fashion-mnist", 1, 28, 28, 10, idx, true, "", "apt-get install dataset-fashion-mnist"},
      {"cifar10",
       3,
       32,
       32,
       10,
       {"data_batch_1.bin", "test_batch.bin"},
       false,
       "cifar-10-batches-bin",
       "scripts/get-data cifar10"},
  };
  return datasets;
}

std::string joined_names() {
  std::string text;
  for (const DatasetInfo& info : registry()) text += (text.empty() ? "" : ", ") + info.name;
  return text;
}

}  // namespace

std::vector<std::string> known_datasets() {
  std::vector<std::string> names;
  for (const DatasetInfo& info : registry()) names.push_back(info.name);
  return names;
}

DatasetInfo dataset_info(const std::string& name) {
  for (const DatasetInfo& info : registry()) {
    if (info.name == name) return info;
  }
  throw InvalidInput("unknown data set '" + name + "' (known: " + joined_names() + ")");
}

TensorDataset load_dataset(const std::string& name, const std::string& data_dir,
                           const std::string& split) {
  const DatasetInfo info = dataset_info(name);
  const std::string& dir = data_dir;
  require(!dir.empty(), name + ": no data folder given (locate_dataset() finds one)");
  TensorDataset data =
      name == "cifar10" ? load_cifar10(dir, split) : load_mnist_like(dir, split, name);
  require(data.inputs.size(1) == info.channels && data.inputs.size(2) == info.height &&
              data.inputs.size(3) == info.width,
          name + ": the images in " + dir + " are " + std::to_string(data.inputs.size(2)) + "x" +
              std::to_string(data.inputs.size(3)) + ", expected " + std::to_string(info.height) +
              "x" + std::to_string(info.width));
  return data;
}

}  // namespace cardinal
