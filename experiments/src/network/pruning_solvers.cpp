#include "cardinal/experiments/network/pruning_solvers.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/starting_at.hpp"
#include "cardinal/experiments/commands/number_option.hpp"
#include "cardinal/experiments/solving/solver_registry.hpp"
#include "cardinal/solvers/support_splicing.hpp"

namespace cardinal {
namespace po = boost::program_options;

FisherStart parse_fisher_start(const std::string& name) {
  if (name == "zero") return FisherStart::kZero;
  if (name == "magnitude") return FisherStart::kMagnitude;
  throw InvalidInput("--start must be zero or magnitude, got '" + name + "'");
}

RowRefinement splicing_refinement(Index max_iterations, Index max_exchange) {
  SupportSplicingOptions splicing;
  splicing.stopping.max_iterations = max_iterations;
  // As after a greedy solver: exchanges go on while one lowers f, whatever the level reached.
  splicing.stopping.objective_level = -std::numeric_limits<double>::infinity();
  splicing.stopping.relative_decrease = -std::numeric_limits<double>::infinity();
  splicing.max_exchange = max_exchange;
  return [splicing](const CovarianceProblem& problem, const Eigen::VectorXd& start, Index k) {
    return SupportSplicing(splicing).minimize_from(problem, start, k).w;
  };
}

void set_pruning_solvers(OneShotPruningOptions& options, const std::string& name,
                         Index max_iterations, bool splice, Index max_exchange,
                         FisherStart fisher_start, const std::string& flag) {
  const SolverTraits& traits = find_solver(name).traits;
  require(!traits.trains, flag + " " + name +
                              " trains a network; pruning solves convex layer problems (" +
                              solver_names([](const SolverTraits& t) { return !t.trains; }) + ")");
  require(fisher_start == FisherStart::kZero || !traits.greedy,
          "--start magnitude: " + flag + " " + name +
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
  // The solvers splice through run_solver (settings.splice); OBS, which is no registry solver, by
  // refining its rows.
  options.refine_row = splice ? splicing_refinement(max_iterations, max_exchange) : RowRefinement();
  const std::string solver = name;
  options.row_solver = [settings, solver, traits](const CovarianceProblem& problem, Index k) {
    SolverSettings s = settings;
    if (traits.greedy) s.stopping.max_iterations = std::max(s.stopping.max_iterations, 4 * k);
    return run_solver(solver, s, problem, k).w;
  };
  options.layer_solver = [settings, solver, traits, flag](const CovarianceRows& problem, Index k) {
    require(!traits.single_problem_only,
            flag + " " + solver + " solves one row at a time: use --budget row");
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
  options.budget = parse_layer_budget_scope(v["budget"].as<std::string>());
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
              options.method == OneShotMethod::kOptimalBrainSurgeon ||
              (!v["splice"].as<bool>() && v["max-exchange"].defaulted()),
          "--splice and --max-exchange apply to --method layerwise and obs only");
  if (options.method == OneShotMethod::kFisher)
    require(solver != "lasso",
            "--solver lasso is not available for --method fisher (the l1 "
            "path runs on the layer problems)");
  require(options.method == OneShotMethod::kLayerwise ||
              options.method == OneShotMethod::kOptimalBrainSurgeon || v["allocation"].defaulted(),
          "--allocation applies to --method obs and layerwise only");
  if (options.method == OneShotMethod::kLayerwise && options.budget == LayerBudgetScope::kLayer)
    require(!find_solver(solver).traits.single_problem_only,
            "--solver " + solver + " solves one row at a time: use --budget row");
  return options;
}

// clang-format off
po::options_description pruning_step_options() {
  po::options_description pruning("Pruning step");
  pruning.add_options()
      ("pruner", po::value<std::string>()->default_value("magnitude"),
       "magnitude | layerwise | obs: what chooses the weights each pruning step keeps")
      ("pruner-solver", po::value<std::string>()->default_value("omp"),
       "--pruner layerwise: omp | fgs | fcfgs | iht | niht | htp | grasp | cosamp | lasso | "
       "splicing")
      ("calibration", number<Index>({.min = 1})->default_value(kDefaultCalibrationExamples),
       "--pruner layerwise, obs: calibration examples (the first N training examples)")
      ("calibration-inputs", po::value<std::string>()->default_value("sequential"),
       "--pruner layerwise, obs: sequential (inputs from the pruned layers before) | parallel")
      ("pruner-ridge", number<double>({.min = 0.0})->default_value(0.01, "0.01"),
       "--pruner layerwise, obs: damping lambda relative to mean(diag X'X/n)")
      ("pruner-iterations", number<Index>({.min = 1})->default_value(1000),
       "--pruner layerwise: iteration cap of the iterative solvers")
      ("pruner-values", po::value<std::string>()->default_value("reconstructed"),
       "--pruner layerwise, obs: reconstructed (the pruner's weights) | kept (the weights the "
       "network had, on the pruner's support)")
      ("pruner-allocation", po::value<std::string>()->default_value("step"),
       "--pruner layerwise, obs: step (each layer keeps the count of the procedure's own "
       "step) | reconstruction (the rows of all the layers share that step's total by their "
       "OBS error paths, as prune --allocation reconstruction)");
  return pruning;
}
// clang-format on

std::pair<std::optional<PruningStep>, nlohmann::json> parse_pruning_step(
    const po::variables_map& v) {
  const std::string name = v["pruner"].as<std::string>();
  require(name == "magnitude" || name == "layerwise" || name == "obs",
          "--pruner must be magnitude, layerwise or obs, got '" + name + "'");
  const bool layerwise = name == "layerwise";
  for (const char* option : {"pruner-solver", "pruner-iterations"})
    require(layerwise || v[option].defaulted(),
            std::string("--") + option + " applies to --pruner layerwise only");
  require(name != "magnitude" || !v["splice"].as<bool>(),
          "--splice applies to --pruner layerwise and obs only");
  for (const char* option :
       {"calibration", "calibration-inputs", "pruner-ridge", "pruner-values", "pruner-allocation"})
    require(name != "magnitude" || v[option].defaulted(),
            std::string("--") + option + " applies to --pruner layerwise and obs only");
  if (name == "magnitude") return {std::nullopt, nullptr};

  PruningStep step;
  OneShotPruningOptions& options = step.options;
  options.method = parse_one_shot_method(name);
  options.inputs = parse_calibration_inputs(v["calibration-inputs"].as<std::string>());
  options.ridge = v["pruner-ridge"].as<double>();
  step.calibration = v["calibration"].as<Index>();
  step.values = parse_pruned_values(v["pruner-values"].as<std::string>());
  nlohmann::json settings = {{"method", name},
                             {"calibration", step.calibration},
                             {"calibration_inputs", to_string(options.inputs)},
                             {"ridge", options.ridge}};
  // Only where used: the other runs keep their settings.
  if (step.values != PrunedValues::kReconstructed) settings["values"] = to_string(step.values);
  const std::string allocation = v["pruner-allocation"].as<std::string>();
  require(allocation == "step" || allocation == "reconstruction",
          "--pruner-allocation must be one of step, reconstruction, got '" + allocation + "'");
  if (allocation == "reconstruction") {
    options.allocation = BudgetAllocation::kReconstruction;
    settings["allocation"] = allocation;
  }
  if (layerwise) {
    const std::string solver = v["pruner-solver"].as<std::string>();
    const Index max_iterations = v["pruner-iterations"].as<Index>();
    const bool splice = v["splice"].as<bool>();
    const Index max_exchange = v["max-exchange"].as<Index>();
    set_pruning_solvers(options, solver, max_iterations, splice, max_exchange, FisherStart::kZero,
                        "--pruner-solver");
    settings["solver"] = solver;
    settings["max_iterations"] = max_iterations;
    // Only where used: the other runs keep their settings.
    if (splice) settings["splice"] = true;
    if (splice || solver == "splicing") settings["max_exchange"] = max_exchange;
  } else if (v["splice"].as<bool>()) {
    const Index max_exchange = v["max-exchange"].as<Index>();
    options.refine_row = splicing_refinement(v["pruner-iterations"].as<Index>(), max_exchange);
    settings["splice"] = true;
    settings["max_exchange"] = max_exchange;
  }
  step.validate();
  return {std::move(step), std::move(settings)};
}

}  // namespace cardinal
