#pragma once

#include <filesystem>
#include <string_view>

#include "cardinal/convex/data/atomic_file.hpp"  // write_file_atomically, AtomicFile

namespace cardinal {

/// An output directory that appears all at once. Files are written into a hidden staging
/// sibling, `.<name>.staging-<host>-<pid>`; `commit()` renames it to the final name. If the
/// program fails (or throws) before `commit()`, or is interrupted (SIGINT, SIGTERM), the staging
/// directory is removed and no partial results are left behind; the staging directories of a
/// killed process (SIGKILL) are removed by the next StagedDirectory of the same destination on
/// the same host. The one mechanism behind every command's --output.
class StagedDirectory {
 public:
  /// `destination` may end in a separator ("out/" is "out"). Throws InvalidInput if it names no
  /// directory (".", "/"), exists and is not a directory, or exists and `overwrite` is false.
  StagedDirectory(std::filesystem::path destination, bool overwrite);
  ~StagedDirectory();
  StagedDirectory(const StagedDirectory&) = delete;
  StagedDirectory& operator=(const StagedDirectory&) = delete;

  /// Where to write file `name` before the commit.
  std::filesystem::path file(std::string_view name) const { return staging_ / name; }
  const std::filesystem::path& destination() const { return destination_; }

  /// Moves the staged files into place (replacing an existing destination directory when
  /// allowed).
  void commit();

 private:
  std::filesystem::path destination_;
  std::filesystem::path staging_;
  bool overwrite_;
  bool committed_ = false;
};

}  // namespace cardinal
