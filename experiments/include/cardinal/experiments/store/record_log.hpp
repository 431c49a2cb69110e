#pragma once

#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

namespace cardinal {

/// The completed items of a run stage made of many small items (the phase transition's cells):
/// an append-only file of JSON records, one a line, each written, flushed and fsync'd before
/// append() returns. The resume rule is RunDirectory's (an item is done once its record is on
/// disk; a killed run resumes with the items that have none), but a marker folder per item would
/// cost thousands of files for items of a few milliseconds each, hence one line each.
class RecordLog {
 public:
  /// Reads the records already in `path` (none when there is no file), keeping those that
  /// `keep` accepts and dropping a line torn by a kill or not JSON, rewrites the file
  /// atomically with the kept records (so that the next starts on a line of its own), and opens
  /// it for appending. `keep` may throw nlohmann::json::exception for a record of the wrong
  /// shape: the record is dropped.
  RecordLog(std::filesystem::path path, const std::function<bool(const nlohmann::json&)>& keep);
  ~RecordLog();
  RecordLog(const RecordLog&) = delete;
  RecordLog& operator=(const RecordLog&) = delete;

  /// The records kept when the log was opened, in file order.
  const std::vector<nlohmann::json>& records() const { return records_; }

  /// Appends `record` durably; std::runtime_error when it cannot be written.
  void append(const nlohmann::json& record);

 private:
  std::filesystem::path path_;
  std::vector<nlohmann::json> records_;
  std::FILE* file_ = nullptr;
};

}  // namespace cardinal
