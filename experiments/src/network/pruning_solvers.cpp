#include "cardinal/experiments/network/pruning_solvers.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/starting_at.hpp"
#include "cardinal/experiments/solving/solver_registry.hpp"

namespace cardinal {

FisherStart parse_fisher_start(const std::string& name) {
  if (name == "zero") return FisherStart::kZero;
  if (name == "magnitude") return FisherStart::kMagnitude;
  throw InvalidInput("--start must be zero or magnitude, got '" + name + "'");
}

void set_pruning_solvers(OneShotPruningOptions& options, const std::string& name,
                         Index max_iterations, bool splice, Index max_exchange,
                         FisherStart fisher_start) {
  const SolverTraits& traits = find_solver(name).traits;
  require(!traits.trains, "--solver " + name +
                              " trains a network; pruning solves convex layer problems (" +
                              solver_names([](const SolverTraits& t) { return !t.trains; }) + ")");
  require(fisher_start == FisherStart::kZero || !traits.greedy,
          "--start magnitude: --solver " + name +
              " is greedy and selects from the empty support (use iht, niht, htp, grasp, "
              "cosamp or splicing)");
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
  options.fisher_solver = [settings, solver, traits, fisher_start](
                              const CenteredRidgeProblem& problem, Index k) {
    SolverSettings s = settings;
    if (traits.greedy) s.stopping.max_iterations = std::max(s.stopping.max_iterations, 4 * k);
    if (fisher_start == FisherStart::kZero) return run_solver(solver, s, problem, k).w;
    const auto& space = problem.space();
    Eigen::VectorXd start = problem.center();
    space.restrict(start, space.largest(start, k));
    return run_solver(solver, s, StartingAt(problem, std::move(start)), k).w;
  };
}

OneShotPruningOptions parse_one_shot_pruning(const boost::program_options::variables_map& v) {
  OneShotPruningOptions options;
  options.sparsity = v["sparsity"].as<double>();
  options.method = parse_one_shot_method(v["method"].as<std::string>());
  options.budget = parse_budget_scope(v["budget"].as<std::string>());
  options.allocation = parse_budget_allocation(v["allocation"].as<std::string>());
  options.inputs = parse_calibration_inputs(v["calibration-inputs"].as<std::string>());
  options.ridge = v["ridge"].as<double>();
  options.max_patches = v["max-patches"].as<Index>();
  const std::string solver = v["solver"].as<std::string>();
  const Index max_iterations = v["max-iterations"].as<Index>();
  require(max_iterations >= 1, "--max-iterations must be at least 1");
  const Index max_exchange = v["max-exchange"].as<Index>();
  require(max_exchange >= 1, "--max-exchange must be at least 1");
  const FisherStart fisher_start = parse_fisher_start(v["start"].as<std::string>());
  require(options.method == OneShotMethod::kFisher || v["start"].defaulted(),
          "--start applies to --method fisher only");
  set_pruning_solvers(options, solver, max_iterations, v["splice"].as<bool>(), max_exchange,
                      fisher_start);
  options.woodfisher_steps = v["woodfisher-steps"].as<Index>();
  options.validate();
  require(options.method == OneShotMethod::kLayerwise || options.method == OneShotMethod::kFisher ||
              v["solver"].defaulted(),
          "--solver applies to --method layerwise and fisher only");
  require(options.method == OneShotMethod::kWoodFisher || v["woodfisher-steps"].defaulted(),
          "--woodfisher-steps applies to --method woodfisher only");
  require(options.method == OneShotMethod::kLayerwise ||
              (!v["splice"].as<bool>() && v["max-exchange"].defaulted()),
          "--splice and --max-exchange apply to --method layerwise only");
  if (options.method == OneShotMethod::kFisher)
    require(solver != "lasso",
            "--solver lasso is not available for --method fisher (the l1 "
            "path runs on the layer problems)");
  require(options.method == OneShotMethod::kLayerwise ||
              options.method == OneShotMethod::kOptimalBrainSurgeon || v["allocation"].defaulted(),
          "--allocation applies to --method obs and layerwise only");
  if (options.method == OneShotMethod::kLayerwise && options.budget == BudgetScope::kLayer)
    require(!find_solver(solver).traits.single_problem_only,
            "--solver " + solver + " solves one row at a time: use --budget row");
  return options;
}

}  // namespace cardinal
