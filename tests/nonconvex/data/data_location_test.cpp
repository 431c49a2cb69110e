#include "cardinal/nonconvex/data/data_location.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {
namespace fs = std::filesystem;

/// A scratch tree standing for the three places of the search path.
class DataLocation : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("cardinal-data-location-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    search_.cardinal_data_dir = (root_ / "env").string();
    search_.xdg_data_home = (root_ / "xdg").string();
    search_.home = (root_ / "home").string();
    search_.system_folder = root_ / "system";
  }
  void TearDown() override { fs::remove_all(root_); }

  /// Writes empty stand-ins for MNIST's image files into `folder` (`suffix` ".gz" or "").
  static fs::path fake_mnist(const fs::path& folder, const std::string& suffix) {
    fs::create_directories(folder);
    for (const char* file : {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte"})
      std::ofstream(folder / (file + suffix)) << "x";
    return folder;
  }

  std::string located(const std::string& data_dir = "") const {
    return locate_dataset("mnist", data_dir, search_).string();
  }

  fs::path root_;
  DataSearchPath search_;
};

TEST_F(DataLocation, SearchesTheEnvironmentThenTheSystemThenTheUsersFolder) {
  EXPECT_EQ(search_.folders("mnist"),
            (std::vector<fs::path>{root_ / "env" / "mnist", root_ / "system" / "mnist",
                                   root_ / "xdg" / "cardinal" / "mnist"}));
  const fs::path user = fake_mnist(root_ / "xdg" / "cardinal" / "mnist", ".gz");
  EXPECT_EQ(located(), user.string());
  const fs::path system = fake_mnist(root_ / "system" / "mnist", "");
  EXPECT_EQ(located(), system.string());
  const fs::path env = fake_mnist(root_ / "env" / "mnist", ".gz");
  EXPECT_EQ(located(), env.string());
}

TEST_F(DataLocation, AFolderWithoutTheFilesIsPassedOver) {
  fs::create_directories(root_ / "env" / "mnist");  // empty
  fs::create_directories(root_ / "system" / "mnist");
  std::ofstream(root_ / "system" / "mnist" / "train-images-idx3-ubyte") << "x";  // half of it
  const fs::path user = fake_mnist(root_ / "xdg" / "cardinal" / "mnist", "");
  EXPECT_EQ(located(), user.string());
}

TEST_F(DataLocation, CifarMayBeInTheFolderItsArchiveUnpacksTo) {
  const fs::path unpacked = root_ / "system" / "cifar10" / "cifar-10-batches-bin";
  fs::create_directories(unpacked);
  for (const char* file : {"data_batch_1.bin", "test_batch.bin"}) std::ofstream(unpacked / file);
  EXPECT_EQ(locate_dataset("cifar10", "", search_), root_ / "system" / "cifar10");
  // The IDX sets may be gzipped; CIFAR's records may not.
  fs::create_directories(root_ / "env" / "cifar10");
  for (const char* file : {"data_batch_1.bin.gz", "test_batch.bin.gz"})
    std::ofstream(root_ / "env" / "cifar10" / file);
  EXPECT_EQ(locate_dataset("cifar10", "", search_), root_ / "system" / "cifar10");
}

TEST_F(DataLocation, WithoutXdgDataHomeTheUsersFolderIsUnderHome) {
  search_.xdg_data_home.clear();
  EXPECT_EQ(search_.user_folder("cifar10"),
            root_ / "home" / ".local" / "share" / "cardinal" / "cifar10");
  search_.home.clear();
  EXPECT_TRUE(search_.user_folder("cifar10").empty());
  search_.cardinal_data_dir.clear();
  EXPECT_EQ(search_.folders("cifar10"), std::vector<fs::path>{root_ / "system" / "cifar10"});
}

TEST_F(DataLocation, AGivenFolderWinsAndMustExist) {
  fake_mnist(root_ / "env" / "mnist", "");
  const fs::path mine = fake_mnist(root_ / "mine", "");
  EXPECT_EQ(located(mine.string()), mine.string());
  try {
    located((root_ / "nowhere").string());
    FAIL() << "a missing --data-dir was accepted";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("nowhere: no such directory"), std::string::npos);
  }
}

TEST_F(DataLocation, NothingFoundNamesEveryPlaceLookedAndTheCommandThatGetsTheData) {
  try {
    located();
    FAIL() << "no data, yet a folder was returned";
  } catch (const InvalidInput& e) {
    const std::string message = e.what();
    for (const fs::path& folder : search_.folders("mnist"))
      EXPECT_NE(message.find(folder.string()), std::string::npos) << message;
    EXPECT_NE(message.find("scripts/get-data mnist"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace cardinal
