#pragma once

// What every fuzz test shares: a scratch folder, the seed corpus, and the check that a parser
// either succeeds or throws the one documented input error.
#include <gtest/gtest.h>
#include <unistd.h>

#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <typeinfo>

#include "cardinal/bridge/error.hpp"

namespace cardinal::test {

/// Mutated inputs per parser and seed: enough to reach every error path of the small formats,
/// few enough for about a second per parser (several under the sanitizers).
inline constexpr int kFuzzRounds = 500;

/// A scratch folder, `<tmp>/cardinal-fuzz-<name>-<pid>`, removed at the end.
class FuzzFolder {
 public:
  explicit FuzzFolder(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("cardinal-fuzz-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~FuzzFolder() { std::filesystem::remove_all(path_); }
  /// Writes `content` to the file `name` in the folder: its path.
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    const std::filesystem::path file = path_ / name;
    std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
    return file;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// The bytes of a file of the test data.
inline std::string read_test_data(const std::string& relative) {
  std::ifstream in(std::string(CARDINAL_TEST_DATA_DIR) + "/" + relative, std::ios::binary);
  EXPECT_TRUE(in.good()) << relative;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Runs `parse`; true when it succeeded, false when it threw InvalidInput. Any other exception
/// fails the test, naming the round that reproduces it.
template <class F>
bool parses_or_refuses(F parse, const std::string& round) {
  try {
    parse();
    return true;
  } catch (const InvalidInput&) {
    return false;
  } catch (const std::exception& e) {
    ADD_FAILURE() << round << ": " << typeid(e).name() << ": " << e.what();
  }
  return false;
}

}  // namespace cardinal::test
