#include "cardinal/nonconvex/data/registry.hpp"

#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/nonconvex/data/cifar10.hpp"
#include "cardinal/nonconvex/data/idx.hpp"

namespace cardinal {

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
