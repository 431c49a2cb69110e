#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace cardinal {

/// Where a data set is looked for when no folder is given, in this order (docs/data.md):
///   1. $CARDINAL_DATA_DIR/<name>
///   2. /usr/share/datasets/<name>          (Debian's data set packages, e.g.
///   dataset-fashion-mnist)
///   3. $XDG_DATA_HOME/cardinal/<name>      (default ~/.local/share/cardinal/<name>: where
///                                           scripts/get-data writes)
/// The library never reads the environment: programs build this with from_environment().
struct DataSearchPath {
  std::string cardinal_data_dir;  ///< $CARDINAL_DATA_DIR; empty when unset
  std::string xdg_data_home;      ///< $XDG_DATA_HOME; empty when unset
  std::string home;               ///< $HOME; empty when unset
  std::filesystem::path system_folder = "/usr/share/datasets";

  /// The three variables of this process's environment.
  static DataSearchPath from_environment();

  /// The candidate folders for data set `name`, in search order.
  std::vector<std::filesystem::path> folders(const std::string& name) const;

  /// The user's data folder for `name` (3. above); empty when neither $XDG_DATA_HOME nor $HOME
  /// is set.
  std::filesystem::path user_folder(const std::string& name) const;
};

/// Whether `folder` holds the files of data set `name` (its training and test images, raw or
/// gzipped for the IDX sets).
bool holds_dataset(const std::filesystem::path& folder, const std::string& name);

/// The folder to read data set `name` from: `data_dir` when it is given (InvalidInput unless it
/// is a directory), else the first folder of `search` that holds the data set. InvalidInput when
/// none does, naming every place looked and the command that gets the data.
std::filesystem::path locate_dataset(const std::string& name, const std::string& data_dir,
                                     const DataSearchPath& search);

}  // namespace cardinal
