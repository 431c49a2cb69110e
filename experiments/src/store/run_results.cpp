#include "cardinal/experiments/store/run_results.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/index.hpp"

namespace cardinal {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(field);
      field.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  fields.push_back(field);
  return fields;
}

/// The first file called `name` under `directory` (in sorted path order).
fs::path find_file(const fs::path& directory, const std::string& name) {
  if (!fs::exists(directory)) return {};
  std::vector<fs::path> found;
  for (const auto& entry : fs::recursive_directory_iterator(directory))
    if (entry.is_regular_file() && entry.path().filename() == name) found.push_back(entry.path());
  std::sort(found.begin(), found.end());
  return found.empty() ? fs::path() : found.front();
}

std::string text_of(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

std::vector<std::map<std::string, std::string>> read_csv_rows(const fs::path& file,
                                                              std::vector<std::string>* header) {
  std::ifstream in(file);
  require(in.good(), "cannot read " + file.string());
  std::string line;
  require(static_cast<bool>(std::getline(in, line)), file.string() + ": empty file");
  const std::vector<std::string> columns = split_csv_line(line);
  if (header) *header = columns;
  std::vector<std::map<std::string, std::string>> rows;
  for (Index number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const auto fields = split_csv_line(line);
    require(fields.size() == columns.size(), file.string() + ":" + std::to_string(number) + ": " +
                                                 std::to_string(fields.size()) + " fields, " +
                                                 std::to_string(columns.size()) + " expected");
    std::map<std::string, std::string> row;
    for (std::size_t c = 0; c < columns.size(); ++c) row[columns[c]] = fields[c];
    rows.push_back(std::move(row));
  }
  return rows;
}

ResultTable collect_results(const fs::path& store, const std::vector<RunRecord>& runs) {
  ResultTable table;
  std::set<std::string> seen;
  auto column = [&](const std::string& name) {
    if (seen.insert(name).second) table.columns.push_back(name);
  };
  for (const char* c :
       {"run_id", "experiment", "version", "variant", "command", "status", "run_seconds"})
    column(c);
  for (const RunRecord& r : runs)
    for (const auto& [key, value] : r.point.items()) column(key);

  for (const RunRecord& r : runs) {
    std::map<std::string, std::string> base = {{"run_id", r.run_id},
                                               {"experiment", r.experiment},
                                               {"version", std::to_string(r.version)},
                                               {"variant", r.variant},
                                               {"command", r.command},
                                               {"status", r.status},
                                               {"run_seconds", nlohmann::json(r.seconds).dump()}};
    for (const auto& [key, value] : r.point.items()) base[key] = text_of(value);

    std::vector<std::map<std::string, std::string>> results;
    std::vector<std::string> header;
    const fs::path output = store / r.directory / "output";
    if (r.status == "done") {
      if (r.command == "lottery") {
        const fs::path file = find_file(output, "summary.csv");
        if (!file.empty()) results = read_csv_rows(file, &header);
      } else if (r.command == "supermask") {
        const fs::path file = find_file(output, "results.csv");
        if (!file.empty()) results = read_csv_rows(file, &header);
      } else if (r.command == "solve" || r.command == "prune") {
        // The scalar fields of the run's JSON result (prune: the settings, accuracies, times).
        const fs::path file = output / (r.command == "solve" ? "solution.json" : "summary.json");
        if (fs::exists(file)) {
          std::ifstream in(file);
          const nlohmann::json solution = nlohmann::json::parse(in);
          std::map<std::string, std::string> row;
          for (const auto& [key, value] : solution.items()) {
            if (value.is_structured()) continue;
            row[key] = text_of(value);
            header.push_back(key);
          }
          results.push_back(std::move(row));
        }
      }
    }
    for (const std::string& h : header) column(h);
    if (results.empty()) {
      table.rows.push_back(base);
      continue;
    }
    // The run's identity wins over a result field of the same name: a sweep axis keeps the value
    // it was given (a solve's `sparsity` is the fraction swept, not the count k the solution
    // reports), and a differing result value moves to result_<name>.
    for (auto& row : results) {
      for (const auto& [key, value] : base) {
        const auto it = row.find(key);
        if (it != row.end() && it->second != value) {
          column("result_" + key);
          row["result_" + key] = it->second;
        }
        row[key] = value;
      }
      table.rows.push_back(std::move(row));
    }
  }
  return table;
}

}  // namespace cardinal
