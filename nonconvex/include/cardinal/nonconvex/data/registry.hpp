#pragma once

#include "cardinal/nonconvex/data/tensor_dataset.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cardinal {

/// What a model needs to know about a data set before loading it.
struct DatasetInfo {
  std::string name;
  int64_t channels = 0;
  int64_t height = 0;
  int64_t width = 0;
  int64_t classes = 0;
  /// Where the data is installed by default (empty when there is no standard location).
  std::string default_dir;
};

/// The names load_dataset accepts: "mnist", "fashion-mnist", "cifar10".
std::vector<std::string> known_datasets();

/// The shape, class count and default folder of a known data set; InvalidInput listing the
/// known names otherwise.
DatasetInfo dataset_info(const std::string& name);

/// Loads split "train" or "test" of data set `name` from `data_dir`. An empty `data_dir` means
/// the default folder (/usr/share/datasets/fashion-mnist, from the Debian package
/// dataset-fashion-mnist, for "fashion-mnist"); data sets without one need a folder.
TensorDataset load_dataset(const std::string& name, const std::string& data_dir,
                           const std::string& split);

}  // namespace cardinal
