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
#include "cardinal/experiments/atomic_output.hpp"
#include "cardinal/experiments/command_line.hpp"
#include "cardinal/experiments/commands.hpp"
#include "cardinal/experiments/solver_registry.hpp"
#include "cardinal/experiments/sparsity_level.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace {

constexpr const char* kUsage =
    "Usage: cardinal solve --problem {least-squares,logistic} (--data FILE | --synthetic ...)\n"
    "                      --solver NAME --sparsity S [options]\n\n"
    "Runs a sparsity-constrained solver, prints a summary, and writes trace.csv (one row per\n"
    "iteration) and solution.json into the output directory, which appears only once complete.\n"
    "S >= 1 is a number of nonzeros; 0 < S < 1 is the fraction of features kept.";

po::options_description solve_options() {
  po::options_description problem("Problem");
  problem.add_options()("problem", po::value<std::string>()->required(),
                        "least-squares | logistic")("data", po::value<std::string>(),
                                                    "data file: LIBSVM/SVMlight or CSV")(
      "format", po::value<std::string>()->default_value("auto"),
      "auto (by extension: .csv is CSV, anything else LIBSVM) | libsvm | csv")(
      "label-column", po::value<std::string>(),
      "CSV: name or 0-based index of the label column (default: the last column)")(
      "features", po::value<Index>()->default_value(0),
      "LIBSVM: number of features (0: the largest index seen)")(
      "synthetic", po::bool_switch(), "draw a synthetic instance instead of reading --data")(
      "samples", po::value<Index>()->default_value(200), "synthetic: n")(
      "dimension", po::value<Index>()->default_value(500), "synthetic: p")(
      "planted", po::value<Index>()->default_value(10), "synthetic: size of the planted support")(
      "correlation", po::value<double>()->default_value(0.0),
      "synthetic: rho of the Toeplitz covariance rho^|i-j|")(
      "signal", po::value<double>()->default_value(1.0),
      "synthetic: planted nonzeros are +-signal (0: N(0,1))")(
      "noise", po::value<double>()->default_value(0.0), "synthetic: noise standard deviation")(
      "sparse-design", po::bool_switch(), "synthetic: store the design as a sparse matrix")(
      "seed", po::value<std::uint64_t>()->default_value(1), "synthetic: random seed")(
      "ridge", po::value<double>()->default_value(0.0), "ridge term (lambda2/2)||w||^2")(
      "intercept", po::bool_switch(), "fit an unpenalized intercept")(
      "normalize", po::bool_switch(),
      "scale columns to norm sqrt(n); coefficients are reported in the original units");

  po::options_description solver("Solver");
  solver.add_options()("solver", po::value<std::string>()->required(),
                       ("one of: " + solver_names()).c_str())(
      "sparsity", po::value<std::string>()->required(),
      "nonzeros (integer >= 1) or fraction of features kept (0 < S < 1)")(
      "max-iterations", po::value<Index>()->default_value(1000), "iteration cap")(
      "tolerance", po::value<double>()->default_value(1e-10),
      "relative objective decrease at which iterative solvers stop")(
      "step", po::value<double>()->default_value(0.0),
      "iht/htp step size (0: 1/L with L estimated)")(
      "replacement-steps", po::value<Index>()->default_value(0),
      "fcfgs: replacement steps tried after each fully-corrective step")(
      "debias", po::bool_switch(), "lasso: refit on the selected support")(
      "path-length", po::value<Index>()->default_value(100), "lasso: number of lambda values")(
      "min-ratio", po::value<double>()->default_value(1e-3), "lasso: lambda_min / lambda_max");

  po::options_description output("Output");
  output.add_options()("output,o", po::value<std::string>()->default_value("cardinal-solve"),
                       "output directory")("overwrite", po::bool_switch(),
                                           "replace an existing output directory")(
      "quiet,q", po::bool_switch(), "print nothing on success");

  po::options_description all;
  all.add(problem).add(solver).add(output);
  return all;
}

struct LoadedData {
  Design design;
  Eigen::VectorXd response;
  std::string source;
  nlohmann::json planted;  // synthetic instances only
};

LoadedData load_data(const po::variables_map& v, bool logistic) {
  const bool synthetic = v["synthetic"].as<bool>();
  require(synthetic != (v.count("data") > 0), "give exactly one of --data FILE and --synthetic");
  if (synthetic) {
    SyntheticSpec spec{.samples = v["samples"].as<Index>(),
                       .features = v["dimension"].as<Index>(),
                       .sparsity = v["planted"].as<Index>(),
                       .correlation = v["correlation"].as<double>(),
                       .signal = v["signal"].as<double>(),
                       .noise = v["noise"].as<double>(),
                       .logistic = logistic,
                       .seed = v["seed"].as<std::uint64_t>()};
    SyntheticInstance s = make_synthetic(spec);
    nlohmann::json planted = {{"support", s.support}, {"seed", spec.seed}};
    std::vector<double> values;
    for (Index j : s.support) values.push_back(s.planted[j]);
    planted["values"] = values;
    Design design =
        v["sparse-design"].as<bool>()
            ? Design(Design::Sparse(std::get<Design::Dense>(s.design.storage()).sparseView()))
            : std::move(s.design);
    return {std::move(design), std::move(s.response), "synthetic", std::move(planted)};
  }
  const fs::path path = v["data"].as<std::string>();
  std::string format = v["format"].as<std::string>();
  if (format == "auto") format = path.extension() == ".csv" ? "csv" : "libsvm";
  if (format == "csv") {
    CsvOptions options;
    if (v.count("label-column")) {
      const std::string label = v["label-column"].as<std::string>();
      const bool numeric =
          !label.empty() && label.find_first_not_of("0123456789") == std::string::npos;
      if (numeric)
        options.label_index = std::stoll(label);
      else
        options.label_column = label;
    }
    Dataset d = read_csv(path, options);
    return {std::move(d.design), std::move(d.response), path.string(), nullptr};
  }
  require(format == "libsvm", "unknown --format '" + format + "' (known: auto, libsvm, csv)");
  Dataset d = read_libsvm(path, {.features = v["features"].as<Index>()});
  return {std::move(d.design), std::move(d.response), path.string(), nullptr};
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

  SolverSettings settings;
  settings.stopping = {.max_iterations = v["max-iterations"].as<Index>(),
                       .tolerance = v["tolerance"].as<double>()};
  settings.step = v["step"].as<double>();
  settings.replacement_steps = v["replacement-steps"].as<Index>();
  settings.debias = v["debias"].as<bool>();
  settings.path_length = v["path-length"].as<Index>();
  settings.min_ratio = v["min-ratio"].as<double>();
  require(settings.stopping.max_iterations >= 1, "--max-iterations must be at least 1");
  require(settings.stopping.tolerance >= 0.0, "--tolerance must be non-negative");

  StagedDirectory out(v["output"].as<std::string>(), v["overwrite"].as<bool>());
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
      {"objective", result.objective},
      {"iterations", result.iterations},
      {"stop_reason", std::string(to_string(result.reason))},
      {"seconds", result.trace.rows.empty() ? 0.0 : result.trace.rows.back().seconds},
      {"nonzeros", support.size()},
      {"support", support},
      {"coefficients", coefficients},
  };
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
    s << summary_line("stopped", std::string(to_string(result.reason)));
    if (solution.contains("support_recovered"))
      s << summary_line("recovered", solution["support_recovered"].get<bool>() ? "yes" : "no");
    s << summary_line("output", out.destination().string());
    std::cout << s.str();
  }
  return 0;
}

int solve_main(const std::vector<std::string>& args) {
  const auto values = parse_command_line(kUsage, solve_options(), args, std::cout);
  if (!values) return 0;
  const po::variables_map& v = *values;
  const std::string problem = v["problem"].as<std::string>();
  require(problem == "least-squares" || problem == "logistic",
          "unknown --problem '" + problem + "' (known: least-squares, logistic)");
  const bool logistic = problem == "logistic";
  find_solver(v["solver"].as<std::string>());  // fail before loading a large file
  LoadedData data = load_data(v, logistic);
  return logistic ? solve<LogisticLoss>(v, std::move(data))
                  : solve<SquaredLoss>(v, std::move(data));
}

}  // namespace

int solve_command(const std::vector<std::string>& args) {
  return run_reporting_errors("cardinal solve", solve_main, args);
}

}  // namespace cardinal
