#include "cardinal/experiments/atomic_output.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace fs = std::filesystem;
namespace {

fs::path sibling(const fs::path& path, std::string_view tag) {
  const fs::path absolute = fs::absolute(path);
  return absolute.parent_path() / ("." + absolute.filename().string() + "." + std::string(tag) +
                                   "-" + std::to_string(::getpid()));
}

}  // namespace

StagedDirectory::StagedDirectory(fs::path destination, bool overwrite)
    : destination_(std::move(destination)),
      staging_(sibling(destination_, "staging")),
      overwrite_(overwrite) {
  require(overwrite_ || !fs::exists(destination_),
          "output directory " + destination_.string() +
              " already exists (choose another --output or pass --overwrite)");
  if (!destination_.parent_path().empty()) fs::create_directories(destination_.parent_path());
  fs::remove_all(staging_);
  fs::create_directories(staging_);
}

StagedDirectory::~StagedDirectory() {
  if (!committed_) {
    std::error_code ignored;
    fs::remove_all(staging_, ignored);
  }
}

void StagedDirectory::commit() {
  if (fs::exists(destination_)) {
    const fs::path retired = sibling(destination_, "retired");
    fs::remove_all(retired);
    fs::rename(destination_, retired);
    fs::rename(staging_, destination_);
    fs::remove_all(retired);
  } else {
    fs::rename(staging_, destination_);
  }
  committed_ = true;
}

}  // namespace cardinal
