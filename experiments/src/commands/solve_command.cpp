#include <Eigen/Core>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/data/csv.hpp"
#include "cardinal/convex/data/libsvm.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/experiments/commands/command_line.hpp"
#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/network_module.hpp"
#include "cardinal/experiments/solving/convex_problem_options.hpp"
#include "cardinal/experiments/solving/solver_registry.hpp"
#include "cardinal/experiments/solving/solver_summary.hpp"
#include "cardinal/experiments/solving/sparsity_level.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"
#include "cardinal/experiments/sweeps/experiment.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace {

constexpr const char* kUsage =
    "Usage: cardinal solve --problem {least-squares,logistic} (--data FILE | --synthetic ...)\n"
    "                      --solver NAME --sparsity S [options]\n"
    "       cardinal solve --problem network [--model NAME] [--dataset NAME]\n"
    "                      --solver NAME --sparsity S [options]\n\n"
    "Runs a sparsity-constrained solver, prints a summary, and writes trace.csv (one row per\n"
    "iteration) and solution.json into the output directory, which appears only once complete.\n"
    "S >= 1 is a number of nonzeros; 0 < S < 1 is the fraction of features kept.\n\n"
    "The solvers are written once against the bridge concepts: --problem network runs the same\n"
    "code on a network, whose coordinates are its prunable weights (or neurons), whose gradient\n"
    "is a minibatch gradient, and whose restricted solve trains on the support (\"Training\"\n"
    "options). It also writes mask.mask and weights.snapshot. See docs/bridge.md.";

po::options_description solve_options() {
  po::options_description output("Output");
  output.add_options()("output,o", po::value<std::string>()->default_value("cardinal-solve"),
                       "output directory (default: cardinal-solve/PROBLEM-SOLVER-HASH, named by "
                       "the options given)")("overwrite", po::bool_switch(),
                                             "replace an existing output directory")(
      "quiet,q", po::bool_switch(), "print nothing on success");

  po::options_description all;
  all.add(problem_options_description(/*with_network=*/true))
      .add(solver_options_description(/*with_network=*/true));
  all.add(network_problem_options());
  all.add(output);
  return all;
}

/// The --problem that `args` ask for, from the command line or the --config file, read
/// leniently (every other option is ignored; a malformed request is left to the full parse).
std::string requested_problem(const std::vector<std::string>& args) {
  po::options_description wanted;
  wanted.add_options()("problem", po::value<std::string>())("config", po::value<std::string>());
  po::variables_map v;
  try {
    po::store(po::command_line_parser(args).options(wanted).allow_unregistered().run(), v);
    if (!v.count("problem") && v.count("config")) {
      std::ifstream file(v["config"].as<std::string>());
      if (file) po::store(po::parse_config_file(file, wanted, /*allow_unregistered=*/true), v);
    }
  } catch (const po::error&) {
    return {};
  }
  return v.count("problem") ? v["problem"].as<std::string>() : std::string();
}

std::string summary_line(const char* key, const std::string& value) {
  std::ostringstream s;
  s << "  " << std::left << std::setw(16) << key << value << '\n';
  return s.str();
}

template <class Loss>
int solve(const po::variables_map& v, LoadedData data) {
  Eigen::VectorXd scale = Eigen::VectorXd::Ones(data.design.cols());
  if (v["normalize"].as<bool>()) scale = data.design.normalize_columns();
  const GlmOptions glm{.ridge = v["ridge"].as<double>(), .intercept = v["intercept"].as<bool>()};
  const GlmProblem<Loss> problem(std::move(data.design), std::move(data.response), glm);
  const Index p = problem.features();
  const Index k = parse_sparsity(v["sparsity"].as<std::string>(), p);
  const std::string solver = v["solver"].as<std::string>();
  find_solver(solver);

  const SolverSettings settings = solver_settings(v);

  StagedDirectory out(default_solve_output(v), v["overwrite"].as<bool>());
  const SolverResult<GlmProblem<Loss>> result = run_solver(solver, settings, problem, k);

  std::ostringstream trace;
  result.trace.write_csv(trace);
  write_file_atomically(out.file("trace.csv"), trace.str());

  nlohmann::json coefficients = nlohmann::json::array();
  std::vector<Index> support;
  for (Index j = 0; j < p; ++j) {
    if (result.w[j] == 0.0) continue;
    support.push_back(j);
    coefficients.push_back({{"index", j}, {"value", result.w[j] / scale[j]}});
  }
  nlohmann::json solution = {
      {"problem", std::string(Loss::kName)},
      {"solver", solver},
      {"data", data.source},
      {"samples", problem.samples()},
      {"features", p},
      {"sparsity", k},
      {"ridge", glm.ridge},
      {"normalized", v["normalize"].as<bool>()},
      {"precision", to_string(problem.design().precision())},
      {"objective", result.objective},
      {"iterations", result.iterations},
      {"seconds", result.trace.rows.empty() ? 0.0 : result.trace.rows.back().seconds},
      {"nonzeros", support.size()},
      {"support", support},
      {"coefficients", coefficients},
  };
  add_run_summary(solution, result);
  if (glm.intercept) solution["intercept"] = result.w[p];
  if (!data.planted.is_null()) {
    solution["planted"] = data.planted;
    solution["support_recovered"] = data.planted["support"].get<std::vector<Index>>() == support;
  }
  write_file_atomically(out.file("solution.json"), solution.dump(2) + "\n");
  out.commit();

  if (!v["quiet"].as<bool>()) {
    std::ostringstream s;
    s << "cardinal solve: " << solver << " on " << Loss::kName << " (" << problem.samples() << " x "
      << p << ", " << data.source << ")\n";
    s << summary_line("sparsity", std::to_string(k));
    s << summary_line("nonzeros", std::to_string(support.size()));
    std::ostringstream objective;
    objective << std::setprecision(10) << result.objective;
    s << summary_line("objective", objective.str());
    s << summary_line("iterations", std::to_string(result.iterations));
    s << summary_line("stopped", std::string(to_string(result.reason)) + ": " + result.message);
    s << summary_line("evaluations", evaluations_line(result.evaluations));
    if (solution.contains("support_recovered"))
      s << summary_line("recovered", solution["support_recovered"].get<bool>() ? "yes" : "no");
    s << summary_line("output", out.destination().string());
    std::cout << s.str();
  }
  return 0;
}

int solve_main(const std::vector<std::string>& args) {
  // Without the network module the network options are unknown here: the request is handed on
  // before parsing, and the network program parses (and judges) it whole.
  if (!network_module_linked() && requested_problem(args) == "network")
    return solve_network({}, args);
  const auto values = parse_command_line(kUsage, solve_options(), args, std::cout);
  if (!values) return 0;
  const po::variables_map& v = *values;
  if (v["problem"].as<std::string>() == "network") {
    require(v["precision"].defaulted(),
            "--precision applies to convex designs; a network trains in its parameters' dtype");
    return solve_network(v, args);
  }
  const bool logistic = parse_problem_kind(v);
  find_solver(v["solver"].as<std::string>());  // fail before loading a large file
  LoadedData data = load_problem_data(v, logistic);
  return logistic ? solve<LogisticLoss>(v, std::move(data))
                  : solve<SquaredLoss>(v, std::move(data));
}

}  // namespace

int solve_command(const std::vector<std::string>& args) {
  return run_reporting_errors("cardinal solve", solve_main, args);
}

po::options_description solve_command_options() {
  return solve_options();
}

}  // namespace cardinal
