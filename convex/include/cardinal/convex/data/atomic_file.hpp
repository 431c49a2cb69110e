#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>

#include "cardinal/bridge/error.hpp"

namespace cardinal {

/// A file that appears complete or not at all: written under a unique hidden sibling name
/// (`.<name>.partial-<random>`, created exclusively, so concurrent writers never share one),
/// flushed to disk and renamed over the target on commit(). Destroyed uncommitted (an error, an
/// exception), it removes the temporary and leaves any existing target untouched. The one
/// mechanism behind every result, checkpoint, mask and data file cardinal writes.
class AtomicFile {
 public:
  /// Creates the temporary. Throws InvalidInput naming the target if its folder is not
  /// writable.
  explicit AtomicFile(std::filesystem::path target) : target_(std::filesystem::absolute(target)) {
    std::random_device entropy;
    for (int attempt = 0; attempt < 64 && file_ == nullptr; ++attempt) {
      const std::uint64_t tag = (std::uint64_t{entropy()} << 32) ^ entropy();
      char suffix[17] = {};
      std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(tag));
      std::string name = ".";
      name += target_.filename().string();
      name += ".partial-";
      name += suffix;
      temporary_ = target_.parent_path() / name;
      file_ = std::fopen(temporary_.c_str(), "wbx");  // fails if the name is taken
      if (file_ == nullptr && errno != EEXIST) break;
    }
    require(file_ != nullptr, "cannot write " + target_.string() + ": " + std::strerror(errno));
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile() {
    if (file_ != nullptr) std::fclose(file_);
    if (!committed_) {
      std::error_code ignored;
      std::filesystem::remove(temporary_, ignored);
    }
  }

  void write(std::string_view bytes) {
    require(std::fwrite(bytes.data(), 1, bytes.size(), file_) == bytes.size(),
            "cannot write " + target_.string() + ": " + std::strerror(errno));
  }

  /// Flushes, syncs and renames the temporary over the target.
  void commit() {
    const bool flushed = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
    const int error = errno;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    require(flushed && closed, "cannot write " + target_.string() + ": " + std::strerror(error));
    std::error_code ec;
    std::filesystem::rename(temporary_, target_, ec);
    require(!ec, "cannot replace " + target_.string() + ": " + ec.message());
    committed_ = true;
  }

 private:
  std::filesystem::path target_;
  std::filesystem::path temporary_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

/// Writes `content` to `path` through an AtomicFile.
inline void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  AtomicFile file(path);
  file.write(content);
  file.commit();
}

}  // namespace cardinal
