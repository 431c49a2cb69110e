#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cardinal/experiments/store/run_index.hpp"

namespace cardinal {

/// Results of many runs as one table of strings: the union of the columns, rows in run order.
struct ResultTable {
  std::vector<std::string> columns;
  std::vector<std::map<std::string, std::string>> rows;
};

/// One row per result row of each run (a `cardinal lottery` run's summary.csv levels, a
/// `cardinal supermask` run's results.csv rows, a `cardinal solve` run's solution.json scalars),
/// preceded by run_id, experiment, version, variant, command, status, seconds and the sweep
/// point's coordinates. A run without results (not done) gives one row of run columns only.
ResultTable collect_results(const std::filesystem::path& store, const std::vector<RunRecord>& runs);

/// The rows of a CSV file with a header line (quoted fields allowed); InvalidInput naming the
/// file if it cannot be read.
std::vector<std::map<std::string, std::string>> read_csv_rows(const std::filesystem::path& file,
                                                              std::vector<std::string>* header);

}  // namespace cardinal
