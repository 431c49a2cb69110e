#include "cardinal/experiments/network/pruning_solvers.hpp"

#include <algorithm>
#include <limits>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/solving/solver_registry.hpp"

namespace cardinal {

void set_pruning_solvers(OneShotPruningOptions& options, const std::string& name,
                         Index max_iterations, bool splice, Index max_exchange) {
  const SolverTraits& traits = find_solver(name).traits;
  require(!traits.trains, "--solver " + name +
                              " trains a network; pruning solves convex layer problems (" +
                              solver_names([](const SolverTraits& t) { return !t.trains; }) + ")");
  SolverSettings settings;
  settings.stopping.max_iterations = max_iterations;
  settings.splice = splice;
  settings.max_exchange = max_exchange;
  if (traits.greedy) {
    settings.stopping.objective_level = -std::numeric_limits<double>::infinity();
    settings.stopping.relative_decrease = -std::numeric_limits<double>::infinity();
  }
  const std::string solver = name;
  options.row_solver = [settings, solver, traits](const CovarianceProblem& problem, Index k) {
    SolverSettings s = settings;
    if (traits.greedy) s.stopping.max_iterations = std::max(s.stopping.max_iterations, 4 * k);
    return run_solver(solver, s, problem, k).w;
  };
  options.layer_solver = [settings, solver, traits](const CovarianceRows& problem, Index k) {
    require(!traits.single_problem_only,
            "--solver " + solver + " solves one row at a time: use --budget row");
    SolverSettings s = settings;
    if (traits.greedy) s.stopping.max_iterations = std::max(s.stopping.max_iterations, 4 * k);
    return run_solver(solver, s, problem, k).w;
  };
  options.fisher_solver = [settings, solver](const CenteredRidgeProblem& problem, Index k) {
    SolverSettings s = settings;
    if (solver == "omp" || solver == "fgs" || solver == "fcfgs")
      s.stopping.max_iterations = std::max(s.stopping.max_iterations, 4 * k);
    return run_solver(solver, s, problem, k).w;
  };
}

}  // namespace cardinal
