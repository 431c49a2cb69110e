#pragma once

#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "cardinal/bridge/index.hpp"
#include "cardinal/bridge/stopping_criteria.hpp"
#include "cardinal/bridge/trace.hpp"

namespace cardinal {

/// Where a greedy solver (FGS, FCFGS, OMP) stands before a forward step.
struct GreedyState {
  Index selected = 0;  ///< constrained coordinates in the support
  Index budget = 0;    ///< the sparsity budget k
  Index iteration = 0;
  double objective = 0.0;
  /// f before the last step; NaN where a solver does not test the relative decrease (FCFGS,
  /// OMP) and before the first step.
  double previous_objective = std::numeric_limits<double>::quiet_NaN();
  /// ‖∇f‖ over the coordinates a step could still enter.
  double gradient_off = 0.0;
};

struct GreedyStop {
  StopReason reason = StopReason::kIterationLimit;
  std::string message;
};

/// The stop test every greedy solver makes before each forward step, in this order: the budget
/// is full (kBudgetReached); f ≤ objective_level, or the last step lowered f by at most
/// relative_decrease · |f| (kConverged; an increase, possible only on a stochastic objective such
/// as a network's minibatch loss, says nothing about convergence and does not count); no
/// coordinate can enter, ∇f is exactly zero off the support (kStalled); max_iterations forward
/// steps were taken (kIterationLimit). Empty: take the next step.
inline std::optional<GreedyStop> greedy_stop(const StoppingCriteria& stopping,
                                             const GreedyState& state) {
  if (state.selected >= state.budget)
    return GreedyStop{StopReason::kBudgetReached, "the support holds " +
                                                      std::to_string(state.selected) +
                                                      " coordinates, the sparsity budget"};
  if (state.objective <= stopping.objective_level)
    return GreedyStop{
        StopReason::kConverged,
        criterion_met("objective", state.objective, "objective_level", stopping.objective_level)};
  const double decrease = state.previous_objective - state.objective;
  if (decrease >= 0.0 &&
      decrease <= stopping.relative_decrease * std::abs(state.previous_objective))
    return GreedyStop{
        StopReason::kConverged,
        criterion_met("relative decrease", decrease / std::abs(state.previous_objective),
                      "relative_decrease", stopping.relative_decrease)};
  if (state.gradient_off == 0.0)
    return GreedyStop{StopReason::kStalled,
                      "the gradient is zero on every coordinate that could enter"};
  if (state.iteration >= stopping.max_iterations)
    return GreedyStop{StopReason::kIterationLimit,
                      std::to_string(state.iteration) + " forward steps, max_iterations"};
  return std::nullopt;
}

}  // namespace cardinal
