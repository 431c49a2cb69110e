#pragma once

#include <filesystem>

#include "cardinal/bridge/index.hpp"
#include "cardinal/convex/data/dataset.hpp"

namespace cardinal {

/// How read_libsvm interprets a file.
struct LibsvmOptions {
  /// Number of features p. 0 (default): inferred as the largest index in the file; otherwise the
  /// design has exactly p columns and an index beyond p is an error.
  Index features = 0;
  /// Indices start at 0 instead of the usual 1.
  bool zero_based = false;
};

/// Reads a LIBSVM / SVMlight file (`label idx:val idx:val ... [# comment]`, one sample a line)
/// into a sparse design. Blank lines and comments are skipped, a `qid:N` token after the label is
/// ignored, labels are any finite real number. Throws InvalidInput naming the file, the line and
/// the offending token on any malformed input; see docs/data.md.
Dataset read_libsvm(const std::filesystem::path& path, const LibsvmOptions& options = {});

/// Writes `data` in LIBSVM format with 1-based indices: the stored entries of a sparse design
/// (explicit zeros included), the nonzeros of a dense one, every number in its shortest
/// round-trip form, so read_libsvm(path, {.features = data.design.cols()}) gives back the same
/// values bit for bit. The file is written to a temporary sibling and renamed over `path`, so a
/// reader never sees a partial file. Throws InvalidInput on non-finite labels, a response of the
/// wrong size, or a file that cannot be written.
void write_libsvm(const std::filesystem::path& path, const Dataset& data);

}  // namespace cardinal
