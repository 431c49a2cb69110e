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
  /// The files a folder holding the data set has (data_location.hpp), and whether each may be
  /// gzipped (FILE.gz).
  std::vector<std::string> files;
  bool gzip_allowed = false;
  /// A subfolder the files may be in instead (the one the official archive unpacks to), or "".
  std::string archive_folder;
  /// The command that gets the data set onto this machine.
  std::string get_command;
};

/// The names load_dataset accepts: "mnist", "fashion-mnist", "cifar10".
std::vector<std::string> known_datasets();

/// The shape, class count and default folder of a known data set; InvalidInput listing the
/// known names otherwise.
DatasetInfo dataset_info(const std::string& name);

/// Loads split "train" or "test" of data set `name` from the folder `data_dir` (locate_dataset()
/// finds it by the documented rule).
TensorDataset load_dataset(const std::string& name, const std::string& data_dir,
                           const std::string& split);

}  // namespace cardinal
