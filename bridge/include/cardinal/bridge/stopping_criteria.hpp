#pragma once

#include <sstream>
#include <string>
#include <string_view>

#include "cardinal/bridge/index.hpp"

namespace cardinal {

/// When a solver stops early. Each criterion bounds one named quantity, as Ceres'
/// Solver::Options names function_tolerance, gradient_tolerance and parameter_tolerance; every
/// options struct holds the same criteria, and a solver reads those that apply to it (its page
/// lists them) and stops at whichever is met first. A criterion a solver does not read has no
/// effect on it.
///
/// | criterion            | read by                 | stop once                                  |
/// |----------------------|-------------------------|--------------------------------------------|
/// | `max_iterations`     | every solver            | that many iterations ran (see below)       |
/// | `objective_level`    | fgs, fcfgs, omp         | f(w) ≤ objective_level                     |
/// | `relative_decrease`  | iht, niht, grasp,       | |f_t − f_{t−1}| ≤ relative_decrease ·      |
/// |                      | cosamp, fgs             | max(|f_t|, |f_{t−1}|) (fgs: a step lowered |
/// |                      |                         | f by at most relative_decrease · |f_{t−1}|)|
/// | `step_tolerance`     | iht, niht               | the support repeats and ‖w_t − w_{t−1}‖ ≤  |
/// |                      |                         | step_tolerance · ‖w_t‖                     |
/// | `gradient_tolerance` | the ℓ1 path             | the KKT violation at a λ is at most        |
/// |                      |                         | gradient_tolerance · λ_max                 |
///
/// An iteration is a forward step (greedy solvers), a selection (iterative solvers), a gradient
/// step (dynamic thresholding, which always runs exactly max_iterations of them) or a
/// coordinate-descent sweep at one λ (the ℓ1 path). HTP reads max_iterations only: it stops when
/// its support repeats. A negative level or tolerance disables that criterion.
struct StoppingCriteria {
  Index max_iterations = 1000;
  double objective_level = 1e-10;
  double relative_decrease = 1e-10;
  double step_tolerance = 1e-10;
  double gradient_tolerance = 1e-10;
};

/// The one-line message of a criterion that was met: "<quantity> <value> <= <criterion> <bound>",
/// e.g. "relative decrease 3.1e-12 <= relative_decrease 1e-10".
inline std::string criterion_met(std::string_view quantity, double value,
                                 std::string_view criterion, double bound) {
  std::ostringstream out;
  out.precision(3);
  out << quantity << ' ' << value << " <= " << criterion << ' ' << bound;
  return out.str();
}

}  // namespace cardinal
