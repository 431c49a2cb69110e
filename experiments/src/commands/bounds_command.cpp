#include <Eigen/Core>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/smoothness.hpp"
#include "cardinal/convex/analysis/bound_check.hpp"
#include "cardinal/experiments/commands/command_line.hpp"
#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/commands/number_option.hpp"
#include "cardinal/experiments/plots/bounds_figure.hpp"
#include "cardinal/experiments/solving/convex_problem_options.hpp"
#include "cardinal/experiments/solving/solver_summary.hpp"
#include "cardinal/experiments/solving/sparsity_level.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace {

/// Exit status when a bound whose assumptions hold is violated.
constexpr int kExitViolation = 3;

constexpr const char* kUsage =
    "Usage: cardinal bounds --problem {least-squares,logistic} (--data FILE | --synthetic ...)\n"
    "                       --solver NAME --sparsity S [--constants exact|certified|auto] "
    "[options]\n\n"
    "Runs a solver like `cardinal solve`, computes the restricted constants that the convergence\n"
    "theorems for that solver need (docs/theory.md), evaluates every applicable bound at every\n"
    "iteration, and writes bounds.csv, summary.json, trace.csv and a plot (bounds.png/.svg via\n"
    "gnuplot) into the output directory. A bound whose assumptions are proved (exact or certified\n"
    "constants) and that the run exceeds is printed as VIOLATION on stderr, and the exit status\n"
    "is 3. Bounds whose assumptions fail or cannot be verified are reported as not applicable.";

po::options_description bounds_options() {
  po::options_description bounds("Bounds");
  bounds.add_options()(
      "constants", po::value<std::string>()->default_value("auto"),
      "exact (enumerate all supports; refused when too many) | certified (Gershgorin, "
      "interlacing, trace) | auto (exact where feasible)")(
      "max-subsets",
      number<Index>({.min = 0})->default_value(RestrictedConstantsOptions{}.max_subsets),
      "largest C(p, k) enumerated for exact constants")(
      "tracked-iterations", number<Index>({.min = 1})->default_value(100),
      "distance bounds compare the first N iterates (re-computed by re-running the solver with "
      "an iteration cap, O(N^2) iterations) and the last");

  po::options_description output("Output");
  output.add_options()("output,o", po::value<std::string>()->default_value("cardinal-bounds"),
                       "output directory")("overwrite", po::bool_switch(),
                                           "replace an existing output directory")(
      "no-plot", po::bool_switch(), "write the gnuplot script but do not run gnuplot")(
      "quiet,q", po::bool_switch(), "print nothing on success");

  po::options_description all;
  all.add(problem_options_description()).add(solver_options_description()).add(bounds).add(output);
  return all;
}

nlohmann::json constant_json(const RestrictedConstant& c) {
  return {{"value", c.value}, {"kind", std::string(to_string(c.kind))}, {"method", c.method}};
}

nlohmann::json constants_json(const RestrictedConstants& c) {
  return {{"k", c.k},
          {"matrix", c.matrix},
          {"rsc", constant_json(c.rsc)},
          {"rss", constant_json(c.rss)},
          {"condition", constant_json(c.condition)},
          {"isometry", constant_json(c.isometry)}};
}

nlohmann::json reference_json(const BoundsReference& r, Index p) {
  return {{"kind", r.kind},
          {"nonzeros", (r.point.head(p).array() != 0.0).count()},
          {"l1_norm", r.point.head(p).lpNorm<1>()},
          {"l2_norm", r.point.head(p).norm()}};
}

nlohmann::json check_json(const TheoremCheck& c) {
  const GuaranteeBound& g = c.guarantee;
  nlohmann::json j = {{"id", c.id},
                      {"theorem", g.theorem},
                      {"quantity", g.quantity},
                      {"assumption", g.assumption},
                      {"status", std::string(to_string(g.status))},
                      {"constants_kind", std::string(to_string(g.constants_kind))},
                      {"applicable", c.applicable()},
                      {"caveat", g.caveat},
                      {"compared_rows", c.rows.size()}};
  if (!c.refuted_by_estimate.empty()) j["refuted_by_estimate"] = c.refuted_by_estimate;
  if (c.quantity != BoundQuantity::kNone) {
    j["max_ratio"] = c.comparison.max_ratio;
    nlohmann::json violations = nlohmann::json::array();
    for (const BoundViolation& v : c.violations())
      violations.push_back(
          {{"iteration", v.iteration}, {"empirical", v.empirical}, {"bound", v.bound}});
    j["violations"] = violations;
    if (!c.applicable())  // informative only: the theorem does not apply
      j["rows_above_bound"] = c.comparison.violations.size();
  }
  return j;
}

std::string describe_status(const TheoremCheck& c) {
  if (c.quantity == BoundQuantity::kNone)
    return std::string("assumptions ") + std::string(to_string(c.guarantee.status)) +
           " (no bound sequence)";
  if (!c.applicable())
    return "not applicable (assumptions " + std::string(to_string(c.guarantee.status)) +
           (c.guarantee.assumptions_hold() ? ", estimated constants" : "") + ")";
  std::ostringstream s;
  s << "holds with " << to_string(c.guarantee.constants_kind) << " constants, max ratio "
    << std::setprecision(4) << c.comparison.max_ratio << ", " << c.violations().size()
    << " violations";
  return s.str();
}

/// The step iht and htp are run with: the given one, or 1/L with L estimated at the solver's
/// start point (zero for iht, the intercept-only fit for htp), the fixed step the theorems assume
/// (the solvers' own default adapts the step instead).
template <class Loss>
double resolved_step(const GlmProblem<Loss>& problem, const std::string& solver, double step) {
  const SolverTraits& traits = find_solver(solver).traits;
  if (traits.step != StepUse::kFixedOrCurvature) return 0.0;
  if (step > 0.0) return step;
  const auto& space = problem.space();
  const Eigen::VectorXd start = traits.starts_from_free_fit
                                    ? problem.minimize_on(space.empty_support(), space.zeros())
                                    : space.zeros();
  const double curvature = estimate_smoothness(problem, start);
  return curvature > 0.0 && std::isfinite(curvature) ? 1.0 / curvature : 1.0;
}

template <class Loss>
int bounds(const po::variables_map& v, LoadedData data) {
  Eigen::VectorXd scale = Eigen::VectorXd::Ones(data.design.cols());
  const bool normalize = v["normalize"].as<bool>();
  if (normalize) scale = data.design.normalize_columns();
  const GlmOptions glm{.ridge = v["ridge"].as<double>(), .intercept = v["intercept"].as<bool>()};
  const GlmProblem<Loss> problem(std::move(data.design), std::move(data.response), glm);
  const Index p = problem.features();
  const Index k = parse_sparsity(v["sparsity"].as<std::string>(), p);
  const std::string solver = v["solver"].as<std::string>();
  SolverSettings settings = solver_settings(v);
  require(!settings.splice,
          "--splice: bounds checks a solver's own iterates against its theorems; splicing "
          "would change them");
  // The theorems are stated for a fixed step and for CoSaMP's and GraSP's pruned iterates.
  const double step = resolved_step(problem, solver, settings.step);
  if (step > 0.0) settings.step = step;
  settings.refit = false;
  if constexpr (!Loss::kQuadratic)
    require(find_solver(solver).traits.scope != SolverScope::kLeastSquaresOnly,
            "solver '" + solver + "' applies to least squares only");
  BoundsOptions options;
  options.constants = parse_constants_choice(v["constants"].as<std::string>());
  options.restricted.max_subsets = v["max-subsets"].as<Index>();
  require(options.restricted.max_subsets >= 0, "--max-subsets must be non-negative");
  const Index tracked = v["tracked-iterations"].as<Index>();
  require(tracked >= 1, "--tracked-iterations must be at least 1");

  StagedDirectory out(v["output"].as<std::string>(), v["overwrite"].as<bool>());
  const SolverResult<GlmProblem<Loss>> result = run_solver(solver, settings, problem, k);
  const Index last = static_cast<Index>(result.trace.rows.size()) - 1;

  const SolverEntry& entry = find_solver(solver);
  BoundsRun run;
  run.solver = solver;
  run.theorems.assign(entry.traits.theorems.begin(), entry.traits.theorems.end());
  run.theorems_missing = entry.traits.theorems_missing;
  if (entry.id == SolverId::kFcfgs) run.coordinates_per_step = settings.coordinates_per_step;
  run.sparsity = k;
  run.step = step;
  run.trace = result.trace;
  run.tracked_rows = tracked;
  // The trace does not record iterates: w_t is the result of the same deterministic solver
  // capped at t iterations, checked against the trace row it must reproduce.
  run.iterate = [&](Index row) -> Eigen::VectorXd {
    if (row == last) return result.w;
    SolverSettings capped = settings;
    capped.stopping.max_iterations = row;
    const SolverResult<GlmProblem<Loss>> rerun = run_solver(solver, capped, problem, k);
    const TraceRow& expected = result.trace.rows[static_cast<std::size_t>(row)];
    if (static_cast<Index>(rerun.trace.rows.size()) != row + 1 ||
        !(rerun.objective == expected.objective ||
          (std::isnan(rerun.objective) && std::isnan(expected.objective))))
      throw std::runtime_error("re-running " + solver + " for " + std::to_string(row) +
                               " iterations did not reproduce trace row " + std::to_string(row) +
                               ": the solver is not deterministic");
    return rerun.w;
  };

  const Index total = problem.space().total_dimension();
  BoundsReference reference, target;
  if (!data.planted.is_null()) {
    const bool exact_fit =
        Loss::kQuadratic && v["noise"].as<double>() == 0.0 && glm.ridge == 0.0 && !glm.intercept;
    std::vector<Index> planted_support = data.planted["support"].get<std::vector<Index>>();
    if (exact_fit) {
      reference.point = Eigen::VectorXd::Zero(total);
      reference.point.head(p) = data.planted_vector.cwiseProduct(scale);
      reference.kind = "planted vector (noiseless least squares: f = 0 up to rounding)";
    } else {
      const auto& space = problem.space();
      reference.point =
          problem.minimize_on(space.unite(space.empty_support(), planted_support), space.zeros());
      reference.kind = "restricted minimizer on the planted support";
    }
    if (static_cast<Index>(planted_support.size()) <= k) {
      target = reference;
    } else {
      target = {result.w,
                "final iterate of the solver (the planted support is larger than the "
                "sparsity)"};
    }
  } else {
    reference = {result.w, "final iterate of the solver (best point known for this data)"};
    target = reference;
  }

  const BoundsReport report = check_bounds(problem, run, reference, target, options);

  std::ostringstream trace;
  result.trace.write_csv(trace);
  write_file_atomically(out.file("trace.csv"), trace.str());
  write_file_atomically(out.file("bounds.csv"), bounds_csv(report));

  nlohmann::json constants = nlohmann::json::array(), estimates = nlohmann::json::array();
  for (const RestrictedConstants& c : report.constants) constants.push_back(constants_json(c));
  for (const RestrictedConstants& c : report.estimates) estimates.push_back(constants_json(c));
  nlohmann::json theorems = nlohmann::json::array(), not_covered = nlohmann::json::array();
  double max_ratio = 0.0;
  for (const TheoremCheck& c : report.checks) {
    theorems.push_back(check_json(c));
    if (c.applicable()) max_ratio = std::max(max_ratio, c.comparison.max_ratio);
  }
  for (const auto& n : report.not_covered)
    not_covered.push_back({{"theorem", n.theorem}, {"reason", n.reason}});
  nlohmann::json summary = {
      {"problem", std::string(Loss::kName)},
      {"solver", solver},
      {"data", data.source},
      {"samples", problem.samples()},
      {"features", p},
      {"sparsity", k},
      {"ridge", glm.ridge},
      {"intercept", glm.intercept},
      {"normalized", normalize},
      {"iterations", result.iterations},
      {"objective", result.objective},
      {"constants_requested", std::string(to_string(options.constants))},
      {"reference", reference_json(report.reference, p)},
      {"reference_objective", report.reference_objective},
      {"target", reference_json(report.target, p)},
      {"tracked_rows", report.tracked_rows},
      {"constants", constants},
      {"estimates", estimates},
      {"theorems", theorems},
      {"not_covered", not_covered},
      {"notes", report.notes},
      {"max_ratio", max_ratio},
      {"violations", report.violation_count()},
  };
  add_run_summary(summary, result);
  if (run.step > 0.0) summary["step"] = run.step;
  write_file_atomically(out.file("summary.json"), summary.dump(2) + "\n");

  std::ostringstream title;
  title << solver << " on " << Loss::kName << " (n = " << problem.samples() << ", p = " << p
        << ", s = " << k << ")";
  GnuplotRenderer plots(!v["no-plot"].as<bool>(), std::cerr);
  plots.render(out.file(""), bounds_figure(report, title.str()));
  out.commit();

  const std::string violations = violation_messages(report);
  if (!v["quiet"].as<bool>()) {
    std::ostringstream s;
    s << "cardinal bounds: " << title.str() << ", " << result.iterations << " iterations\n";
    s << "  reference       " << report.reference.kind << ", f = " << std::setprecision(10)
      << report.reference_objective << '\n';
    for (const TheoremCheck& c : report.checks)
      s << "  " << std::left << std::setw(24) << c.id << describe_status(c) << '\n';
    for (const auto& n : report.not_covered)
      s << "  " << std::left << std::setw(24) << n.theorem << "not covered: " << n.reason << '\n';
    s << "  output          " << out.destination().string() << '\n';
    std::cout << s.str();
  }
  if (!violations.empty()) {
    std::cerr << violations;
    return kExitViolation;
  }
  return 0;
}

int bounds_main(const std::vector<std::string>& args) {
  const auto values = parse_command_line(kUsage, bounds_options(), args, std::cout);
  if (!values) return 0;
  const po::variables_map& v = *values;
  const bool logistic = parse_problem_kind(v);
  find_solver(v["solver"].as<std::string>());
  parse_constants_choice(v["constants"].as<std::string>());
  LoadedData data = load_problem_data(v, logistic);
  return logistic ? bounds<LogisticLoss>(v, std::move(data))
                  : bounds<SquaredLoss>(v, std::move(data));
}

}  // namespace

int bounds_command(const std::vector<std::string>& args) {
  return run_reporting_errors("cardinal bounds", bounds_main, args);
}

po::options_description bounds_command_options() {
  return bounds_options();
}

}  // namespace cardinal
