#include "cardinal/nonconvex/pruning/row_budget_allocation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

/// A piece of a row's lower convex hull: keeping `end` instead of `start` weights lowers the
/// scaled error by `gain` per weight.
struct Segment {
  double gain;
  Index row;
  Index start;
  Index end;
};

/// The vertices of the lower convex hull of the points (k, y[k]), k = 0, …, size − 1 (Andrew's
/// monotone chain); collinear points are dropped, so the slopes strictly increase.
std::vector<Index> lower_hull(const Eigen::VectorXd& y) {
  std::vector<Index> hull;
  for (Index k = 0; k < y.size(); ++k) {
    while (hull.size() >= 2) {
      const Index a = hull[hull.size() - 2], b = hull.back();
      // b lies on or above the chord from a to k.
      if ((y[b] - y[a]) * static_cast<double>(k - a) >= (y[k] - y[a]) * static_cast<double>(b - a))
        hull.pop_back();
      else
        break;
    }
    hull.push_back(k);
  }
  return hull;
}

}  // namespace

std::vector<Index> allocate_along_error_paths(const std::vector<Eigen::VectorXd>& paths,
                                              const std::vector<double>& scales, Index kept) {
  require(paths.size() == scales.size(), "allocation: " + std::to_string(paths.size()) +
                                             " error paths but " + std::to_string(scales.size()) +
                                             " scales");
  Index capacity = 0;
  std::vector<Segment> segments;
  for (std::size_t r = 0; r < paths.size(); ++r) {
    const Eigen::VectorXd& path = paths[r];
    require(path.size() >= 1, "allocation: row " + std::to_string(r) + " has an empty error path");
    require(path.allFinite(),
            "allocation: row " + std::to_string(r) + "'s error path is not finite");
    require(std::isfinite(scales[r]) && scales[r] >= 0.0,
            "allocation: row " + std::to_string(r) + "'s scale must be finite and non-negative");
    capacity += path.size() - 1;
    const Eigen::VectorXd scaled = scales[r] * path;
    const std::vector<Index> hull = lower_hull(scaled);
    double previous = std::numeric_limits<double>::infinity();
    for (std::size_t v = 1; v < hull.size(); ++v) {
      const Index start = hull[v - 1], end = hull[v];
      // The hull's gains decrease; min() keeps rounding in the division from reordering them.
      previous =
          std::min(previous, (scaled[start] - scaled[end]) / static_cast<double>(end - start));
      segments.push_back({previous, static_cast<Index>(r), start, end});
    }
  }
  require(kept >= 0 && kept <= capacity, "allocation: " + std::to_string(kept) +
                                             " weights to keep, outside [0, " +
                                             std::to_string(capacity) + "]");
  // A row's gains decrease along its hull, so taking segments by decreasing gain gives each row
  // a prefix of its own.
  std::stable_sort(segments.begin(), segments.end(), [](const Segment& a, const Segment& b) {
    if (a.gain != b.gain) return a.gain > b.gain;
    if (a.row != b.row) return a.row < b.row;
    return a.start < b.start;
  });
  std::vector<Index> budgets(paths.size(), 0);
  Index left = kept;
  for (const Segment& s : segments) {
    if (left == 0) break;
    const Index take = std::min(left, s.end - s.start);
    budgets[static_cast<std::size_t>(s.row)] = s.start + take;
    left -= take;
  }
  return budgets;
}

}  // namespace cardinal
