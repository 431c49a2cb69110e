// InputFile: regular files only, never blocking, never reading more than max_memory().
#include "cardinal/bridge/input_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cardinal/bridge/memory_limit.hpp"

namespace cardinal {
namespace {
namespace fs = std::filesystem;

class InputFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cardinal-input-file-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    set_max_memory(saved_limit_);
    fs::remove_all(dir_);
  }
  /// The message of the InvalidInput that reading `path` throws ("" if it reads).
  static std::string refusal(const fs::path& path) {
    try {
      read_input_file(path);
    } catch (const InvalidInput& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
  std::uint64_t saved_limit_ = max_memory();
};

TEST_F(InputFileTest, ReadsARegularFileWhole) {
  const std::string content("bytes\0with a NUL\n", 17);
  std::ofstream(dir_ / "file", std::ios::binary) << content;
  InputFile file(dir_ / "file");
  EXPECT_EQ(file.size(), content.size());
  EXPECT_EQ(file.read_all(), content);
  EXPECT_EQ(read_input_file(dir_ / "file"), content);
}

TEST_F(InputFileTest, RefusesWhatIsNotARegularFileWithoutBlocking) {
  EXPECT_EQ(refusal(dir_ / "absent"), (dir_ / "absent").string() + ": no such file");
  EXPECT_EQ(refusal(dir_), dir_.string() + ": is a directory, not a file");
  EXPECT_NE(refusal("/dev/zero").find("/dev/zero: not a regular file"), std::string::npos);
  ASSERT_EQ(::mkfifo((dir_ / "fifo").c_str(), 0600), 0);  // no writer: a blocking open would hang
  EXPECT_NE(refusal(dir_ / "fifo").find("not a regular file"), std::string::npos);
}

TEST_F(InputFileTest, RefusesAFileLargerThanTheMemoryLimitNamingBothSizes) {
  std::ofstream(dir_ / "file") << std::string(3000, 'x');
  set_max_memory(2048);
  EXPECT_EQ(refusal(dir_ / "file"), "reading " + (dir_ / "file").string() +
                                        " needs 2.9 KiB of memory, above the limit of 2.0 KiB "
                                        "(--max-memory)");
  set_max_memory(3000);
  EXPECT_EQ(read_input_file(dir_ / "file").size(), 3000u);
}

TEST(MemoryLimit, DefaultsToThePhysicalMemory) {
  EXPECT_GT(physical_memory(), 0u);
  EXPECT_EQ(max_memory(), physical_memory());
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(3.0 * 1024 * 1024 * 1024), "3.0 GiB");
}

}  // namespace
}  // namespace cardinal
