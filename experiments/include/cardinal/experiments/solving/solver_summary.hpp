#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cardinal/bridge/solver_result.hpp"

namespace cardinal {

/// Writes what a run did into a result's JSON as flat scalars (so that `cardinal runs` tables
/// them): stop_reason, message, value_evaluations, gradient_evaluations, restricted_solves and
/// line_searches.
template <DifferentiableProblem P>
void add_run_summary(nlohmann::json& out, const SolverResult<P>& result) {
  out["stop_reason"] = std::string(to_string(result.reason));
  out["message"] = result.message;
  out["value_evaluations"] = result.evaluations.values;
  out["gradient_evaluations"] = result.evaluations.gradients;
  out["restricted_solves"] = result.evaluations.restricted_solves;
  out["line_searches"] = result.evaluations.line_searches;
}

/// The evaluation counts in words, for a printed summary.
inline std::string evaluations_line(const EvaluationCounts& e) {
  return std::to_string(e.gradients) + " gradients, " + std::to_string(e.values) + " values, " +
         std::to_string(e.restricted_solves) + " restricted solves, " +
         std::to_string(e.line_searches) + " line searches";
}

}  // namespace cardinal
