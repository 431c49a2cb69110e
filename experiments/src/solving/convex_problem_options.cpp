#include "cardinal/experiments/solving/convex_problem_options.hpp"

#include <cmath>
#include <filesystem>
#include <optional>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/memory_limit.hpp"
#include "cardinal/convex/data/csv.hpp"
#include "cardinal/convex/data/libsvm.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/experiments/commands/number_option.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace fs = std::filesystem;

po::options_description problem_options_description(bool with_network) {
  po::options_description problem("Problem");
  problem.add_options()(
      "problem", po::value<std::string>()->required(),
      with_network ? "least-squares | logistic | network" : "least-squares | logistic")(
      "data", po::value<std::string>(), "data file: LIBSVM/SVMlight or CSV")(
      "format", po::value<std::string>()->default_value("auto"),
      "auto (by extension: .csv is CSV, anything else LIBSVM) | libsvm | csv")(
      "label-column", po::value<std::string>(),
      "CSV: name or 0-based index of the label column (default: the last column)")(
      "features", number<Index>({.min = 0})->default_value(0),
      "LIBSVM: number of features (0: the largest index seen)")(
      "synthetic", po::bool_switch(), "draw a synthetic instance instead of reading --data")(
      "samples", number<Index>({.min = 1})->default_value(200), "synthetic: n")(
      "dimension", number<Index>({.min = 1})->default_value(500), "synthetic: p")(
      "planted", number<Index>({.min = 0})->default_value(10),
      "synthetic: size of the planted support")(
      "correlation", number<double>()->default_value(0.0),
      "synthetic: rho of the Toeplitz covariance rho^|i-j|")(
      "signal", number<double>()->default_value(1.0),
      "synthetic: planted nonzeros are +-signal (0: N(0,1))")(
      "noise", number<double>({.min = 0.0})->default_value(0.0),
      "synthetic: noise standard deviation")("sparse-design", po::bool_switch(),
                                             "synthetic: store the design as a sparse matrix")(
      "seed", number<std::uint64_t>()->default_value(1),
      with_network ? "synthetic: random seed; network: seed of the initialization and the batch "
                     "order"
                   : "synthetic: random seed")(
      "ridge", number<double>({.min = 0.0})->default_value(0.0), "ridge term (lambda2/2)||w||^2")(
      "intercept", po::bool_switch(), "fit an unpenalized intercept")(
      "normalize", po::bool_switch(),
      "scale columns to norm sqrt(n); coefficients are reported in the original units")(
      "precision", po::value<std::string>()->default_value("float64"),
      "storage of a dense design: float64 | float32 (entries rounded to float, half the memory "
      "traffic; products still accumulate in double)");
  return problem;
}

namespace {
constexpr NumberRange<double> kFraction{.min = 0.0, .max = 1.0};
}  // namespace

po::options_description solver_options_description(bool with_network) {
  po::options_description solver("Solver");
  solver.add_options()("solver", po::value<std::string>()->required(),
                       ("one of: " + solver_names()).c_str())(
      "sparsity", po::value<std::string>()->required(),
      "nonzeros (integer >= 1) or fraction of features kept (0 < S < 1)")(
      "max-iterations", number<Index>({.min = 1})->default_value(1000),
      "iteration cap (greedy: forward steps; gmp/dpf/acdc: the exact number of steps; lasso: "
      "coordinate-descent sweeps at each lambda)")(
      "step", number<double>({.min = 0.0})->default_value(0.0),
      "iht/htp fixed step size (0: adaptive; iht backtracks, htp line-searches)")(
      "replacement-steps", number<Index>({.min = 0})->default_value(0),
      "fcfgs: replacement steps tried after each fully-corrective step")(
      "max-exchange", number<Index>({.min = 1})->default_value(2),
      "splicing and --splice: most coordinates exchanged in one round")(
      "splice", po::bool_switch(),
      "refine the solver's result by splicing from its support (convex problems)")(
      "debias", po::bool_switch(), "lasso: refit on the selected support")(
      "path-length", number<Index>({.min = 1})->default_value(100),
      "lasso: number of lambda values")(
      "min-ratio",
      number<double>({.min = 0.0, .max = 1.0, .exclusive_min = true})->default_value(1e-3),
      "lasso: lambda_min / lambda_max")(
      "coordinates-per-step", number<Index>({.min = 1})->default_value(1),
      with_network ? "fcfgs: coordinates added per forward step (--problem network: default a "
                     "tenth of the budget)"
                   : "fcfgs: coordinates added per forward step")(
      "no-reselect", po::bool_switch(), "fgs: every step selects a coordinate not selected before")(
      "iht-schedule", po::value<std::string>()->default_value("constant"),
      "iht/niht: budget per iteration, constant | gradual (cubic, from dense at --prune-begin "
      "to k at --prune-end)")("solver-momentum", number<double>()->default_value(0.0),
                              "gmp/dpf/acdc: heavy-ball momentum of the gradient steps")(
      "update-period", number<Index>({.min = 1})->default_value(16),
      "gmp/dpf/rigl/set: steps between mask updates")(
      "prune-begin", number<double>(kFraction)->default_value(0.0),
      "gmp/dpf/gradual iht: fraction of --max-iterations at which pruning starts")(
      "prune-end", number<double>(kFraction)->default_value(0.75),
      "gmp/dpf/gradual iht: fraction of --max-iterations at which the budget is reached; "
      "rigl/set: at which the support stops moving")(
      "drop-fraction", number<double>(kFraction)->default_value(0.3),
      "rigl/set: fraction of the support swapped at the first update, decayed by a cosine to 0 "
      "at --prune-end")("acdc-warmup", number<double>(kFraction)->default_value(0.1),
                        "acdc: dense warm-up, as a fraction of --max-iterations")(
      "acdc-phase", number<double>(kFraction)->default_value(0.05),
      "acdc: length of each compressed and decompressed phase, fraction of --max-iterations")(
      "acdc-final", number<double>(kFraction)->default_value(0.1),
      "acdc: final compressed phase, fraction of --max-iterations");
  add_stopping_criteria_options(solver);
  return solver;
}

void add_stopping_criteria_options(po::options_description& options) {
  options.add_options()("objective-level", number<double>({.min = 0.0})->default_value(1e-10),
                        "fgs/fcfgs/omp: stop once the objective is at most this level")(
      "relative-decrease", number<double>({.min = 0.0})->default_value(1e-10),
      "iht/niht/grasp/cosamp/fgs: stop once an iteration changes the objective by at most this "
      "fraction of it")("step-tolerance", number<double>({.min = 0.0})->default_value(1e-10),
                        "iht/niht: stop once the support repeats and the step is at most this "
                        "fraction of the iterate's norm")(
      "gradient-tolerance", number<double>({.min = 0.0})->default_value(1e-10),
      "lasso: accept a lambda's solution once its KKT violation is at most this fraction of "
      "lambda_max");
}

StoppingCriteria stopping_criteria(const po::variables_map& v) {
  return {.max_iterations = v["max-iterations"].as<Index>(),
          .objective_level = v["objective-level"].as<double>(),
          .relative_decrease = v["relative-decrease"].as<double>(),
          .step_tolerance = v["step-tolerance"].as<double>(),
          .gradient_tolerance = v["gradient-tolerance"].as<double>()};
}

namespace {

Precision precision_option(const std::string& text) {
  const std::optional<Precision> precision = parse_precision(text);
  require(precision.has_value(), "unknown --precision '" + text + "' (known: float64, float32)");
  return *precision;
}

/// Bytes a solver keeps beside the design of an n × p problem: a few vectors of length p
/// (iterate, gradient, column scales, candidates) and of length n (predictions, residuals).
double working_memory(double n, double p) {
  constexpr double kVectors = 8.0;
  return kVectors * (n + p) * sizeof(double);
}

/// The design in the storage --precision asks for; `sparse_origin` says what made it sparse.
Design in_precision(Design design, Precision precision, const std::string& sparse_origin) {
  if (precision == Precision::kFloat64) return design;
  require(!design.is_sparse(), "--precision float32 applies to dense designs only, and " +
                                   sparse_origin + " gives a sparse one");
  return design.with_precision(precision);
}

}  // namespace

bool parse_problem_kind(const po::variables_map& v) {
  const std::string problem = v["problem"].as<std::string>();
  require(problem == "least-squares" || problem == "logistic",
          "unknown --problem '" + problem + "' (known: least-squares, logistic)");
  return problem == "logistic";
}

LoadedData load_problem_data(const po::variables_map& v, bool logistic) {
  const bool synthetic = v["synthetic"].as<bool>();
  require(synthetic != (v.count("data") > 0), "give exactly one of --data FILE and --synthetic");
  const Precision precision = precision_option(v["precision"].as<std::string>());
  if (synthetic) {
    const auto n = static_cast<double>(v["samples"].as<Index>());
    const auto p = static_cast<double>(v["dimension"].as<Index>());
    require_memory(n * p * sizeof(double) + working_memory(n, p),
                   "--synthetic --samples " + std::to_string(v["samples"].as<Index>()) +
                       " --dimension " + std::to_string(v["dimension"].as<Index>()));
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
    return {in_precision(std::move(design), precision, "--sparse-design"), std::move(s.response),
            "synthetic", std::move(planted), std::move(s.planted)};
  }
  const fs::path path = v["data"].as<std::string>();
  std::string format = v["format"].as<std::string>();
  if (format == "auto") format = path.extension() == ".csv" ? "csv" : "libsvm";
  if (format == "csv") {
    CsvOptions options;
    if (v.count("label-column")) {
      const std::string label = v["label-column"].as<std::string>();
      require(!label.empty(), "--label-column is empty: give a column name or a 0-based index");
      if (label.find_first_not_of("0123456789") == std::string::npos)
        options.label_index = parse_option_number<Index>("--label-column", label);
      else
        options.label_column = label;
    }
    Dataset d = read_csv(path, options);
    Design design = in_precision(std::move(d.design), precision, "a CSV file");
    return {std::move(design), std::move(d.response), path.string(), nullptr, {}};
  }
  require(format == "libsvm", "unknown --format '" + format + "' (known: auto, libsvm, csv)");
  Dataset d = read_libsvm(path, {.features = v["features"].as<Index>()});
  require_memory(
      working_memory(static_cast<double>(d.design.rows()), static_cast<double>(d.design.cols())),
      path.string() + ": solving a problem of " + std::to_string(d.design.rows()) + " x " +
          std::to_string(d.design.cols()) + " beside its design");
  Design design = in_precision(std::move(d.design), precision, "a LIBSVM file");
  return {std::move(design), std::move(d.response), path.string(), nullptr, {}};
}

SolverSettings solver_settings(const po::variables_map& v) {
  SolverSettings settings;
  settings.stopping = stopping_criteria(v);
  settings.step = v["step"].as<double>();
  settings.replacement_steps = v["replacement-steps"].as<Index>();
  settings.max_exchange = v["max-exchange"].as<Index>();
  settings.splice = v["splice"].as<bool>();
  settings.debias = v["debias"].as<bool>();
  settings.path_length = v["path-length"].as<Index>();
  settings.min_ratio = v["min-ratio"].as<double>();
  settings.coordinates_per_step = v["coordinates-per-step"].as<Index>();
  settings.reselect = !v["no-reselect"].as<bool>();
  settings.iht_schedule = parse_sparsity_schedule_kind(v["iht-schedule"].as<std::string>());
  settings.momentum = v["solver-momentum"].as<double>();
  settings.update_period = v["update-period"].as<Index>();
  settings.prune_begin = v["prune-begin"].as<double>();
  settings.prune_end = v["prune-end"].as<double>();
  settings.drop_fraction = v["drop-fraction"].as<double>();
  if (v.count("seed")) settings.seed = v["seed"].as<std::uint64_t>();
  settings.acdc_warmup = v["acdc-warmup"].as<double>();
  settings.acdc_phase = v["acdc-phase"].as<double>();
  settings.acdc_final = v["acdc-final"].as<double>();
  require(settings.momentum >= 0.0 && settings.momentum < 1.0,
          "--solver-momentum must be in [0, 1)");
  require(settings.prune_begin <= settings.prune_end, "--prune-begin must not exceed --prune-end");
  return settings;
}

}  // namespace cardinal
