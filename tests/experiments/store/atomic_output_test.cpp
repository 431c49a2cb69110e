#include "cardinal/experiments/store/atomic_output.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {
namespace fs = std::filesystem;

class StagedDirectoryTest : public testing::Test {
 protected:
  StagedDirectoryTest()
      : folder_(fs::temp_directory_path() / ("cardinal-staged-" + std::to_string(::getpid()))) {
    fs::remove_all(folder_);
    fs::create_directories(folder_);
  }
  ~StagedDirectoryTest() override { fs::remove_all(folder_); }

  fs::path path(const std::string& name) const { return folder_ / name; }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(folder_), {}));
  }

 private:
  fs::path folder_;
};

TEST_F(StagedDirectoryTest, TheDirectoryAppearsWholeOnCommit) {
  StagedDirectory out(path("run"), false);
  write_file_atomically(out.file("trace.csv"), "iteration\n");
  write_file_atomically(out.file("solution.json"), "{}\n");
  EXPECT_FALSE(fs::exists(path("run")));
  out.commit();
  EXPECT_TRUE(fs::exists(path("run") / "trace.csv"));
  EXPECT_TRUE(fs::exists(path("run") / "solution.json"));
  EXPECT_EQ(entries(), 1u) << "the staging directory became the destination";
}

TEST_F(StagedDirectoryTest, UncommittedItLeavesNothing) {
  {
    StagedDirectory out(path("run"), false);
    write_file_atomically(out.file("trace.csv"), "partial");
  }
  EXPECT_EQ(entries(), 0u);
}

TEST_F(StagedDirectoryTest, AnExistingDestinationNeedsOverwriteAndIsReplacedWhole) {
  fs::create_directories(path("run"));
  std::ofstream(path("run") / "stale.txt") << "from an earlier run";
  EXPECT_THROW(StagedDirectory(path("run"), false), InvalidInput);
  StagedDirectory out(path("run"), true);
  write_file_atomically(out.file("fresh.txt"), "new");
  EXPECT_TRUE(fs::exists(path("run") / "stale.txt")) << "untouched until the commit";
  out.commit();
  EXPECT_TRUE(fs::exists(path("run") / "fresh.txt"));
  EXPECT_FALSE(fs::exists(path("run") / "stale.txt"));
  EXPECT_EQ(entries(), 1u);
}

TEST_F(StagedDirectoryTest, RefusesWhatNamesNoDirectoryOrAFile) {
  EXPECT_THROW(StagedDirectory(".", true), InvalidInput);
  EXPECT_THROW(StagedDirectory("/", true), InvalidInput);
  std::ofstream(path("file")) << "x";
  EXPECT_THROW(StagedDirectory(path("file"), true), InvalidInput);
}

}  // namespace
}  // namespace cardinal
