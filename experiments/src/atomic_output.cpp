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

void write_file_atomically(const fs::path& path, std::string_view content) {
  const fs::path temporary = sibling(path, "partial");
  std::FILE* f = std::fopen(temporary.c_str(), "wb");
  if (f == nullptr)
    throw InvalidInput("cannot write " + path.string() + ": " + std::strerror(errno));
  const bool written = std::fwrite(content.data(), 1, content.size(), f) == content.size() &&
                       std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    fs::remove(temporary);
    throw InvalidInput("cannot write " + path.string() + ": " + std::strerror(errno));
  }
  fs::rename(temporary, path);
}

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
