#include "cardinal/nonconvex/pruning/sparsity_report.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "cardinal/convex/data/atomic_file.hpp"
#include "tensor_file.hpp"

namespace cardinal {
namespace {

std::string fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

/// `s` right-aligned in a column of 14 characters (at least two spaces before it).
std::string right(const std::string& s) {
  constexpr std::size_t kColumn = 14;
  return std::string(s.size() + 2 < kColumn ? kColumn - s.size() : 2, ' ') + s;
}

}  // namespace

double LayerSparsity::fraction_remaining() const {
  return total == 0 ? 1.0 : static_cast<double>(remaining) / static_cast<double>(total);
}

SparsityReport sparsity_report(const Mask& mask) {
  SparsityReport report;
  for (const auto& name : mask.names()) {
    report.layers.push_back({name, mask.total(name), mask.remaining(name)});
    report.overall.total += report.layers.back().total;
    report.overall.remaining += report.layers.back().remaining;
  }
  return report;
}

std::string SparsityReport::table() const {
  std::size_t width = overall.name.size();
  for (const auto& layer : layers) width = std::max(width, layer.name.size());
  std::ostringstream out;
  const auto row = [&](const std::string& name, const std::string& total,
                       const std::string& remaining, const std::string& fraction) {
    out << name << std::string(width - name.size(), ' ') << right(total) << right(remaining)
        << right(fraction) << '\n';
  };
  row("layer", "total", "remaining", "remaining %");
  for (const auto& layer : layers)
    row(layer.name, std::to_string(layer.total), std::to_string(layer.remaining),
        fixed(100.0 * layer.fraction_remaining(), 2));
  row(overall.name, std::to_string(overall.total), std::to_string(overall.remaining),
      fixed(100.0 * overall.fraction_remaining(), 2));
  return out.str();
}

void SparsityReport::write_csv(const std::string& path) const {
  std::ostringstream out;
  out << "layer,total,remaining,fraction_remaining\n";
  // 17 significant digits: the fraction reads back as the same double.
  const auto row = [&](const LayerSparsity& layer) {
    char fraction[64];
    std::snprintf(fraction, sizeof fraction, "%.17g", layer.fraction_remaining());
    out << layer.name << ',' << layer.total << ',' << layer.remaining << ',' << fraction << '\n';
  };
  for (const auto& layer : layers) row(layer);
  row(overall);
  write_file_atomically(path, out.str());
}

std::ostream& operator<<(std::ostream& out, const SparsityReport& report) {
  return out << report.table();
}

}  // namespace cardinal
