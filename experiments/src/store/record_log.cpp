#include "cardinal/experiments/store/record_log.hpp"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"

namespace cardinal {
namespace fs = std::filesystem;

RecordLog::RecordLog(fs::path path, const std::function<bool(const nlohmann::json&)>& keep)
    : path_(std::move(path)) {
  std::string kept;
  if (std::ifstream file(path_); file) {
    const std::string text((std::istreambuf_iterator<char>(file)),
                           std::istreambuf_iterator<char>());
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t end = text.find('\n', start);
      if (end == std::string::npos) break;  // torn last line
      const std::string line = text.substr(start, end - start);
      start = end + 1;
      try {
        nlohmann::json record = nlohmann::json::parse(line);
        if (!keep(record)) continue;
        records_.push_back(std::move(record));
        kept += line + "\n";
      } catch (const nlohmann::json::exception&) {
        continue;
      }
    }
  }
  write_file_atomically(path_, kept);
  file_ = std::fopen(path_.c_str(), "ab");
  require(file_ != nullptr, "cannot append to " + path_.string());
}

RecordLog::~RecordLog() {
  std::fclose(file_);
}

void RecordLog::append(const nlohmann::json& record) {
  const std::string line = record.dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0 ||
      ::fsync(::fileno(file_)) != 0)
    throw std::runtime_error("cannot append to " + path_.string());
}

}  // namespace cardinal
