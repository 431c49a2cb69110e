#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "cardinal/bridge/index.hpp"
#include "cardinal/convex/data/dataset.hpp"

namespace cardinal {

/// How read_csv interprets a file.
struct CsvOptions {
  /// Name of the label column (requires a header row). Empty: use label_index.
  std::string label_column;
  /// Zero-based index of the label column; -1 (default) means the last column. Setting both
  /// this and label_column is an error.
  Index label_index = -1;
  /// Whether the first row holds column names. Unset (default): auto-detect, i.e. the first row
  /// is a header when one of its cells is not a number.
  std::optional<bool> header;
  /// Cell separator. ' ' means "any run of spaces and tabs" (whitespace-separated files).
  char delimiter = ',';
  /// Store the design as a sparse matrix (exact zeros dropped) instead of a dense one.
  bool sparse = false;
};

/// Reads a delimited text file of numbers, one sample a row, one column of which is the label.
/// Only uncompressed files are read (gzip input is detected and rejected). Throws InvalidInput
/// naming the file, line and column on ragged rows, non-numeric or non-finite cells, an empty
/// file or an unknown label column; see docs/data.md.
Dataset read_csv(const std::filesystem::path& path, const CsvOptions& options = {});

}  // namespace cardinal
