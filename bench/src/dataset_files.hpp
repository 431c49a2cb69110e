#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/convex/design.hpp"

namespace cardinal::bench {

/// A problem instance shared by cardinal and the peer programs. On disk it is raw little-endian
/// arrays next to a JSON description, so that numpy.fromfile and R's readBin load it without
/// parsing and neither side's timing includes reading text:
///   PREFIX.json            {"format": "cardinal-bench-dataset", "storage", "rows", "cols", ...}
///   PREFIX.y.f64           the response (n doubles)
///   PREFIX.x.f64           dense storage: X column-major (n·p doubles)
///   PREFIX.indptr.i64      sparse storage: compressed columns, p + 1 offsets
///   PREFIX.indices.i64     sparse storage: row of each stored entry
///   PREFIX.values.f64      sparse storage: value of each stored entry
struct BenchDataset {
  Design design;
  Eigen::VectorXd response;
  /// "least-squares" or "logistic" (labels ±1).
  std::string loss;
  /// The planted support, when the instance is synthetic.
  std::vector<Index> planted;
};

void write_dataset(const std::string& prefix, const BenchDataset& data);

/// Reads what write_dataset wrote. Throws InvalidInput naming the file on a missing or short file.
BenchDataset read_dataset(const std::string& prefix);

}  // namespace cardinal::bench
