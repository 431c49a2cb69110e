#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/memory_limit.hpp"

namespace cardinal {

/// A file given as input, opened for reading. Only a regular file is accepted: a directory, a
/// FIFO, a device (`/dev/zero`) or a socket is refused before a byte is read, and opening never
/// blocks. Its size is known on opening, so a reader can check it against max_memory() before
/// allocating. The one way every data, config and definition file is read.
class InputFile {
 public:
  /// Throws InvalidInput naming the file when it is missing, not a regular file or unreadable.
  explicit InputFile(const std::filesystem::path& path) : name_(path.string()) {
    descriptor_ = ::open(name_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (descriptor_ < 0) {
      require(errno != ENOENT, name_ + ": no such file");
      throw InvalidInput(name_ + ": cannot open for reading (" + std::strerror(errno) + ")");
    }
    struct stat status {};
    const bool stated = ::fstat(descriptor_, &status) == 0;
    if (!stated || !S_ISREG(status.st_mode)) {
      ::close(descriptor_);
      require(stated, name_ + ": cannot read its status");
      require(!S_ISDIR(status.st_mode), name_ + ": is a directory, not a file");
      throw InvalidInput(name_ + ": not a regular file (a device, FIFO or socket); give a file");
    }
    size_ = static_cast<std::uint64_t>(status.st_size);
  }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile() { ::close(descriptor_); }

  const std::string& name() const { return name_; }
  /// The size in bytes when the file was opened.
  std::uint64_t size() const { return size_; }

  /// Reads up to `count` bytes into `buffer`: how many were read, 0 at the end of the file.
  std::size_t read_some(void* buffer, std::size_t count) {
    while (true) {
      const ssize_t got = ::read(descriptor_, buffer, count);
      if (got >= 0) return static_cast<std::size_t>(got);
      require(errno == EINTR, name_ + ": read error (" + std::strerror(errno) + ")");
    }
  }

  /// The rest of the file. Throws InvalidInput when it exceeds max_memory().
  std::string read_all() {
    require_memory(static_cast<double>(size_), "reading " + name_);
    std::string text;
    text.reserve(static_cast<std::size_t>(size_));
    char buffer[1 << 16];
    // Up to the end, not just size() bytes: a file may grow, and some report size 0 (/proc).
    for (std::size_t got = 0; (got = read_some(buffer, sizeof buffer)) > 0;) {
      text.append(buffer, got);
      if (text.size() > size_) require_memory(static_cast<double>(text.size()), "reading " + name_);
    }
    return text;
  }

 private:
  std::string name_;
  int descriptor_ = -1;
  std::uint64_t size_ = 0;
};

/// The whole content of the regular file `path` (see InputFile).
inline std::string read_input_file(const std::filesystem::path& path) {
  return InputFile(path).read_all();
}

}  // namespace cardinal
