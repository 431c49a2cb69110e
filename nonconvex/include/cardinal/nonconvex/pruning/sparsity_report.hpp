#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"

namespace cardinal {

/// How many weights of one tensor (or of the whole network) a mask keeps.
struct LayerSparsity {
  std::string name;
  Index total = 0;
  Index remaining = 0;
  /// remaining / total (1 when total is 0).
  double fraction_remaining() const;
};

/// Per-tensor and overall counts of a mask, in mask order.
struct SparsityReport {
  std::vector<LayerSparsity> layers;
  LayerSparsity overall{"overall", 0, 0};

  /// A fixed-width table: one row per layer, then the overall row.
  std::string table() const;
  /// CSV with header `layer,total,remaining,fraction_remaining`, one row per layer, then a row
  /// named "overall". Written atomically; throws InvalidInput naming `path` on failure.
  void write_csv(const std::string& path) const;
};

/// The report of `mask`.
SparsityReport sparsity_report(const Mask& mask);

/// Prints report.table().
std::ostream& operator<<(std::ostream& out, const SparsityReport& report);

}  // namespace cardinal
