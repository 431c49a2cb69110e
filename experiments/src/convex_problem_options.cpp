#include "cardinal/experiments/convex_problem_options.hpp"

#include <cmath>
#include <filesystem>
#include <optional>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/data/csv.hpp"
#include "cardinal/convex/data/libsvm.hpp"
#include "cardinal/convex/data/synthetic.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace fs = std::filesystem;

po::options_description problem_options_description() {
  po::options_description problem("Problem");
  problem.add_options()("problem", po::value<std::string>()->required(),
                        "least-squares | logistic | network")("data", po::value<std::string>(),
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
      "seed", po::value<std::uint64_t>()->default_value(1),
      "synthetic: random seed; network: seed of the initialization and the batch order")(
      "ridge", po::value<double>()->default_value(0.0), "ridge term (lambda2/2)||w||^2")(
      "intercept", po::bool_switch(), "fit an unpenalized intercept")(
      "normalize", po::bool_switch(),
      "scale columns to norm sqrt(n); coefficients are reported in the original units")(
      "precision", po::value<std::string>()->default_value("float64"),
      "storage of a dense design: float64 | float32 (entries rounded to float, half the memory "
      "traffic; products still accumulate in double)");
  return problem;
}

po::options_description solver_options_description() {
  po::options_description solver("Solver");
  solver.add_options()("solver", po::value<std::string>()->required(),
                       ("one of: " + solver_names()).c_str())(
      "sparsity", po::value<std::string>()->required(),
      "nonzeros (integer >= 1) or fraction of features kept (0 < S < 1)")(
      "max-iterations", po::value<Index>()->default_value(1000), "iteration cap")(
      "tolerance", po::value<double>()->default_value(1e-10),
      "relative objective decrease at which iterative solvers stop")(
      "step", po::value<double>()->default_value(0.0),
      "iht/htp fixed step size (0: adaptive; iht backtracks, htp line-searches)")(
      "replacement-steps", po::value<Index>()->default_value(0),
      "fcfgs: replacement steps tried after each fully-corrective step")(
      "debias", po::bool_switch(), "lasso: refit on the selected support")(
      "path-length", po::value<Index>()->default_value(100), "lasso: number of lambda values")(
      "min-ratio", po::value<double>()->default_value(1e-3), "lasso: lambda_min / lambda_max")(
      "coordinates-per-step", po::value<Index>()->default_value(1),
      "fcfgs: coordinates added per forward step (--problem network: default a tenth of "
      "the budget)")("no-reselect", po::bool_switch(),
                     "fgs: every step selects a coordinate not selected before")(
      "iht-schedule", po::value<std::string>()->default_value("constant"),
      "iht/niht: budget per iteration, constant | gradual (cubic, from dense at --prune-begin "
      "to k at --prune-end)")("solver-momentum", po::value<double>()->default_value(0.0),
                              "gmp/dpf/acdc: heavy-ball momentum of the gradient steps")(
      "update-period", po::value<Index>()->default_value(16),
      "gmp/dpf: steps between mask updates")(
      "prune-begin", po::value<double>()->default_value(0.0),
      "gmp/dpf/gradual iht: fraction of --max-iterations at which pruning starts")(
      "prune-end", po::value<double>()->default_value(0.75),
      "gmp/dpf/gradual iht: fraction of --max-iterations at which the budget is reached")(
      "acdc-warmup", po::value<double>()->default_value(0.1),
      "acdc: dense warm-up, as a fraction of --max-iterations")(
      "acdc-phase", po::value<double>()->default_value(0.05),
      "acdc: length of each compressed and decompressed phase, fraction of --max-iterations")(
      "acdc-final", po::value<double>()->default_value(0.1),
      "acdc: final compressed phase, fraction of --max-iterations");
  return solver;
}

namespace {

Precision precision_option(const std::string& text) {
  const std::optional<Precision> precision = parse_precision(text);
  require(precision.has_value(), "unknown --precision '" + text + "' (known: float64, float32)");
  return *precision;
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
      const bool numeric =
          !label.empty() && label.find_first_not_of("0123456789") == std::string::npos;
      if (numeric)
        options.label_index = std::stoll(label);
      else
        options.label_column = label;
    }
    Dataset d = read_csv(path, options);
    Design design = in_precision(std::move(d.design), precision, "a CSV file");
    return {std::move(design), std::move(d.response), path.string(), nullptr, {}};
  }
  require(format == "libsvm", "unknown --format '" + format + "' (known: auto, libsvm, csv)");
  Dataset d = read_libsvm(path, {.features = v["features"].as<Index>()});
  Design design = in_precision(std::move(d.design), precision, "a LIBSVM file");
  return {std::move(design), std::move(d.response), path.string(), nullptr, {}};
}

SolverSettings solver_settings(const po::variables_map& v) {
  SolverSettings settings;
  settings.stopping = {.max_iterations = v["max-iterations"].as<Index>(),
                       .tolerance = v["tolerance"].as<double>()};
  settings.step = v["step"].as<double>();
  settings.replacement_steps = v["replacement-steps"].as<Index>();
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
  settings.acdc_warmup = v["acdc-warmup"].as<double>();
  settings.acdc_phase = v["acdc-phase"].as<double>();
  settings.acdc_final = v["acdc-final"].as<double>();
  require(settings.stopping.max_iterations >= 1, "--max-iterations must be at least 1");
  require(settings.coordinates_per_step >= 1, "--coordinates-per-step must be at least 1");
  require(settings.momentum >= 0.0 && settings.momentum < 1.0,
          "--solver-momentum must be in [0, 1)");
  require(settings.update_period >= 1, "--update-period must be at least 1");
  for (const char* name : {"prune-begin", "prune-end", "acdc-warmup", "acdc-phase", "acdc-final"}) {
    const double f = v[name].as<double>();
    require(std::isfinite(f) && f >= 0.0 && f <= 1.0,
            std::string("--") + name + " must be a fraction in [0, 1]");
  }
  require(settings.prune_begin <= settings.prune_end, "--prune-begin must not exceed --prune-end");
  require(settings.stopping.tolerance >= 0.0, "--tolerance must be non-negative");
  return settings;
}

}  // namespace cardinal
