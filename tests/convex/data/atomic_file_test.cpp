#include "cardinal/convex/data/atomic_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {
namespace fs = std::filesystem;

class AtomicFileTest : public testing::Test {
 protected:
  AtomicFileTest()
      : folder_(fs::temp_directory_path() /
                ("cardinal-atomic-file-" + std::to_string(::getpid()))) {
    fs::remove_all(folder_);
    fs::create_directories(folder_);
  }
  ~AtomicFileTest() override { fs::remove_all(folder_); }

  fs::path path(const std::string& name) const { return folder_ / name; }
  std::string read(const std::string& name) const {
    std::ifstream in(path(name));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  /// The names in the folder, temporaries included.
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(folder_), {}));
  }

 private:
  fs::path folder_;
};

TEST_F(AtomicFileTest, TheTargetAppearsOnlyOnCommit) {
  AtomicFile file(path("result.json"));
  file.write("{}\n");
  EXPECT_FALSE(fs::exists(path("result.json")));
  EXPECT_EQ(entries(), 1u) << "the hidden temporary";
  file.commit();
  EXPECT_EQ(read("result.json"), "{}\n");
  EXPECT_EQ(entries(), 1u) << "the temporary was renamed, not copied";
}

TEST_F(AtomicFileTest, UncommittedItLeavesTheOldTargetAndNoTemporary) {
  write_file_atomically(path("mask"), "old");
  {
    AtomicFile file(path("mask"));
    file.write("new, but the writer failed");
  }
  EXPECT_EQ(read("mask"), "old");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, ReplacesAnExistingTarget) {
  write_file_atomically(path("trace.csv"), "first");
  write_file_atomically(path("trace.csv"), "second");
  EXPECT_EQ(read("trace.csv"), "second");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, AMissingFolderIsRefusedWithItsName) {
  try {
    AtomicFile file(path("no-such-folder") / "x");
    ADD_FAILURE() << "accepted";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-folder"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cardinal
