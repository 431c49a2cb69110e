#pragma once

#include <chrono>
#include <ostream>
#include <string_view>
#include <vector>

#include "cardinal/bridge/index.hpp"

namespace cardinal {

/// One row of a solver trace. The same schema is written for convex and network problems.
struct TraceRow {
  Index iteration = 0;
  double objective = 0.0;
  Index support_size = 0;          ///< constrained coordinates in the current support
  double gradient_norm_on = 0.0;   ///< ‖∇f(w)‖ restricted to the support
  double gradient_norm_off = 0.0;  ///< ‖∇f(w)‖ restricted to its complement
  double seconds = 0.0;            ///< wall time since the solver started
};

/// Why a solver stopped.
enum class StopReason {
  kBudgetReached,   ///< the support reached the sparsity budget (greedy solvers)
  kConverged,       ///< a tolerance was met
  kIterationLimit,  ///< the iteration cap was hit
  kStalled,         ///< no further progress was possible (e.g. zero gradient off the support)
};

inline std::string_view to_string(StopReason r) {
  switch (r) {
    case StopReason::kBudgetReached:
      return "budget_reached";
    case StopReason::kConverged:
      return "converged";
    case StopReason::kIterationLimit:
      return "iteration_limit";
    case StopReason::kStalled:
      return "stalled";
  }
  return "unknown";
}

/// The per-iteration record of a run. Row 0 describes the starting point.
struct Trace {
  std::vector<TraceRow> rows;

  static constexpr std::string_view kCsvHeader =
      "iteration,objective,support_size,gradient_norm_on,gradient_norm_off,seconds";

  void write_csv(std::ostream& out) const {
    out << kCsvHeader << '\n';
    out.precision(17);
    for (const TraceRow& r : rows) {
      out << r.iteration << ',' << r.objective << ',' << r.support_size << ',' << r.gradient_norm_on
          << ',' << r.gradient_norm_off << ',' << r.seconds << '\n';
    }
  }
};

/// A wall clock started at construction.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace cardinal
