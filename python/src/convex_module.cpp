// The convex half of the Python module: cardinal._cardinal. It needs no LibTorch, so that
// `import cardinal` costs what Eigen and Ceres cost.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <boost/program_options.hpp>
#include <filesystem>
#include <string>
#include <unordered_set>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/interruption.hpp"
#include "cardinal/convex/analysis/bound_check.hpp"
#include "cardinal/convex/analysis/restricted_constants.hpp"
#include "cardinal/convex/design.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/experiments/solving/convex_problem_options.hpp"
#include "cardinal/experiments/solving/solver_registry.hpp"
#include "cardinal/experiments/solving/sparsity_level.hpp"
#include "cardinal/experiments/store/run_index.hpp"
#include "cardinal/experiments/store/run_results.hpp"
#include "python_interruption.hpp"

namespace py = pybind11;
namespace po = boost::program_options;

namespace cardinal {
namespace {

/// The options of `cardinal solve` that describe a problem already in memory (--problem, --ridge,
/// --intercept, --normalize) and every solver option, with the command line's defaults and
/// checks: the same option descriptions, so a keyword means what its flag means.
po::options_description in_memory_solve_options() {
  static const std::unordered_set<std::string> kProblemKeys = {"problem", "ridge", "intercept",
                                                               "normalize"};
  const po::options_description problem = problem_options_description();
  po::options_description all;
  for (const auto& option : problem.options())
    if (kProblemKeys.contains(option->long_name())) all.add(option);
  all.add(solver_options_description());
  return all;
}

po::variables_map parse_solve_arguments(const std::vector<std::string>& args) {
  // Built once: describing the options costs more than parsing them.
  static const po::options_description options = in_memory_solve_options();
  po::variables_map values;
  po::store(po::command_line_parser(args).options(options).run(), values);
  po::notify(values);
  return values;
}

std::string dtype_name(const py::array& a) {
  return py::str(a.dtype()).cast<std::string>();
}

/// A dense design from a float64 NumPy matrix: one copy into the design's column-major storage
/// (a memcpy for Fortran order, a transposing copy for C order).
Design dense_design(const py::array& x) {
  if (x.ndim() != 2)
    throw py::value_error("X must be a 2-D array (got " + std::to_string(x.ndim()) +
                          " dimensions)");
  if (!x.dtype().is(py::dtype::of<double>()))
    throw py::type_error("X must be an array of float64 (got " + dtype_name(x) +
                         "); convert it with X.astype(numpy.float64)");
  const Index n = x.shape(0), p = x.shape(1);
  const auto* data = static_cast<const double*>(x.data());
  if (x.flags() & py::array::f_style)
    return Design(Design::Dense(Eigen::Map<const Eigen::MatrixXd>(data, n, p)));
  if (x.flags() & py::array::c_style) {
    using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    return Design(Design::Dense(Eigen::Map<const RowMajor>(data, n, p)));
  }
  throw py::value_error(
      "X is not contiguous (a strided view); pass numpy.ascontiguousarray(X) or "
      "numpy.asfortranarray(X)");
}

template <class T>
Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>> vector_view(const py::array& a,
                                                                  const std::string& name) {
  if (a.ndim() != 1)
    throw py::value_error(name + " must be a 1-D array (got " + std::to_string(a.ndim()) +
                          " dimensions)");
  if (!a.dtype().is(py::dtype::of<T>()))
    throw py::type_error(name + " must be an array of " +
                         py::str(py::dtype::of<T>()).cast<std::string>() + " (got " +
                         dtype_name(a) + ")");
  if (!(a.flags() & py::array::c_style))
    throw py::value_error(name +
                          " is not contiguous (a strided view); pass "
                          "numpy.ascontiguousarray(" +
                          name + ")");
  return {static_cast<const T*>(a.data()), a.shape(0)};
}

/// A sparse design from the arrays of a SciPy CSR matrix (float64 data, int32 or int64 indices):
/// one copy, converted to the design's compressed-column storage.
template <class StorageIndex>
Design csr_design(const py::array& data, const py::array& indices, const py::array& indptr, Index n,
                  Index p) {
  const auto values = vector_view<double>(data, "X.data");
  const auto inner = vector_view<StorageIndex>(indices, "X.indices");
  const auto outer = vector_view<StorageIndex>(indptr, "X.indptr");
  require(outer.size() == n + 1 && values.size() == inner.size() &&
              static_cast<Index>(outer[n]) == values.size(),
          "X is not a valid CSR matrix (indptr, indices and data disagree)");
  for (Index i = 0; i < inner.size(); ++i)
    require(inner[i] >= 0 && inner[i] < p,
            "X is not a valid CSR matrix (a column index is "
            "out of range)");
  Eigen::Map<const Eigen::SparseMatrix<double, Eigen::RowMajor, StorageIndex>> rows(
      n, p, values.size(), outer.data(), inner.data(), values.data());
  return Design(Design::Sparse(rows));
}

Design sparse_design(const py::array& data, const py::array& indices, const py::array& indptr,
                     Index n, Index p) {
  if (indices.dtype().is(py::dtype::of<std::int32_t>()))
    return csr_design<std::int32_t>(data, indices, indptr, n, p);
  return csr_design<std::int64_t>(data, indices, indptr, n, p);
}

/// X: a NumPy matrix, or the tuple (data, indices, indptr, (n, p)) of a CSR matrix.
Design design_from(const py::object& x) {
  if (py::isinstance<py::tuple>(x)) {
    const auto parts = x.cast<py::tuple>();
    const auto shape = parts[3].cast<std::pair<Index, Index>>();
    return sparse_design(parts[0].cast<py::array>(), parts[1].cast<py::array>(),
                         parts[2].cast<py::array>(), shape.first, shape.second);
  }
  return dense_design(x.cast<py::array>());
}

Eigen::VectorXd response_from(const py::array& y) {
  return Eigen::VectorXd(vector_view<double>(y, "y"));
}

py::array_t<double> to_numpy(const Eigen::VectorXd& v) {
  return py::array_t<double>(v.size(), v.data());
}

template <class T>
py::array_t<T> to_numpy(const std::vector<T>& v) {
  return py::array_t<T>(static_cast<py::ssize_t>(v.size()), v.data());
}

py::dict trace_dict(const Trace& trace) {
  std::vector<std::int64_t> iteration, support_size;
  std::vector<double> objective, on, off, seconds;
  for (const TraceRow& r : trace.rows) {
    iteration.push_back(r.iteration);
    objective.push_back(r.objective);
    support_size.push_back(r.support_size);
    on.push_back(r.gradient_norm_on);
    off.push_back(r.gradient_norm_off);
    seconds.push_back(r.seconds);
  }
  py::dict d;
  d["iteration"] = to_numpy(iteration);
  d["objective"] = to_numpy(objective);
  d["support_size"] = to_numpy(support_size);
  d["gradient_norm_on"] = to_numpy(on);
  d["gradient_norm_off"] = to_numpy(off);
  d["seconds"] = to_numpy(seconds);
  return d;
}

/// What `cardinal solve` computes for a problem in memory, as the numbers it writes into
/// solution.json and trace.csv.
template <class Loss>
py::dict solve_problem(const po::variables_map& v, Design design, Eigen::VectorXd response) {
  const std::string solver = v["solver"].as<std::string>();
  const SolverSettings settings = solver_settings(v);
  const bool normalize = v["normalize"].as<bool>();
  const GlmOptions glm{.ridge = v["ridge"].as<double>(), .intercept = v["intercept"].as<bool>()};
  Eigen::VectorXd scale;
  Index k = 0;
  std::optional<SolverResult<GlmProblem<Loss>>> result;
  {
    py::gil_scoped_release release;
    ScopedInterruptionCheck interruptible(python_interruption_check);
    scale = Eigen::VectorXd::Ones(design.cols());
    if (normalize) scale = design.normalize_columns();
    const GlmProblem<Loss> problem(std::move(design), std::move(response), glm);
    k = parse_sparsity(v["sparsity"].as<std::string>(), problem.features());
    result = run_solver(solver, settings, problem, k);
  }
  const Index p = scale.size();
  Eigen::VectorXd coefficients = result->w.head(p).cwiseQuotient(scale);
  std::vector<std::int64_t> support;
  for (Index j = 0; j < p; ++j)
    if (result->w[j] != 0.0) support.push_back(j);
  py::dict out;
  out["problem"] = std::string(Loss::kName);
  out["solver"] = solver;
  out["sparsity"] = k;
  out["coef"] = to_numpy(coefficients);
  out["intercept"] = glm.intercept ? py::object(py::float_(result->w[p])) : py::none();
  out["support"] = to_numpy(support);
  out["objective"] = result->objective;
  out["iterations"] = result->iterations;
  out["stop_reason"] = std::string(to_string(result->reason));
  out["message"] = result->message;
  py::dict evaluations;
  evaluations["values"] = result->evaluations.values;
  evaluations["gradients"] = result->evaluations.gradients;
  evaluations["restricted_solves"] = result->evaluations.restricted_solves;
  evaluations["line_searches"] = result->evaluations.line_searches;
  out["evaluations"] = evaluations;
  out["trace"] = trace_dict(result->trace);
  return out;
}

py::dict solve_arrays(const py::object& x, const py::array& y,
                      const std::vector<std::string>& args) {
  const po::variables_map v = parse_solve_arguments(args);
  const bool logistic = parse_problem_kind(v);
  find_solver(v["solver"].as<std::string>());
  Design design = design_from(x);
  Eigen::VectorXd response = response_from(y);
  return logistic ? solve_problem<LogisticLoss>(v, std::move(design), std::move(response))
                  : solve_problem<SquaredLoss>(v, std::move(design), std::move(response));
}

py::dict constant_dict(const RestrictedConstant& c) {
  py::dict d;
  d["value"] = c.value;
  d["kind"] = std::string(to_string(c.kind));
  d["method"] = c.method;
  return d;
}

py::dict constants_dict(const RestrictedConstants& c) {
  py::dict d;
  d["k"] = c.k;
  d["matrix"] = c.matrix;
  d["rsc"] = constant_dict(c.rsc);
  d["rss"] = constant_dict(c.rss);
  d["condition"] = constant_dict(c.condition);
  d["isometry"] = constant_dict(c.isometry);
  return d;
}

/// The restricted constants of the least-squares curvature XᵀX/n + λ₂I (centered with an
/// intercept) at level k: "exact", "certified", "estimated", or "auto" (exact where C(p, k) is at
/// most max_subsets, certified elsewhere), as `cardinal bounds --constants` computes them.
py::dict constants_of_design(const py::object& x, Index k, const std::string& kind, double ridge,
                             bool intercept, bool normalize, Index max_subsets) {
  require(kind == "exact" || kind == "certified" || kind == "estimated" || kind == "auto",
          "unknown kind '" + kind + "' (known: exact, certified, estimated, auto)");
  Design design = design_from(x);
  RestrictedConstants constants;
  {
    py::gil_scoped_release release;
    if (normalize) design.normalize_columns();
    const Index n = design.rows();
    const LeastSquaresProblem problem(std::move(design), Eigen::VectorXd::Zero(n),
                                      {.ridge = ridge, .intercept = intercept});
    require(k >= 1 && k <= problem.features(), "k must be between 1 and the number of features " +
                                                   std::to_string(problem.features()) + " (got " +
                                                   std::to_string(k) + ")");
    const Eigen::MatrixXd h = curvature_matrix(problem);
    RestrictedConstantsOptions options;
    options.max_subsets = max_subsets;
    if (kind == "estimated") {
      constants = estimated_restricted_constants(h, k, options);
    } else if (kind == "certified") {
      constants = certified_restricted_constants(h, k, options);
    } else if (kind == "exact") {
      constants = exact_restricted_constants(h, k, options);
    } else {
      const RestrictedConstantsReport report = restricted_constants_report(h, k, options);
      constants = report.exact ? *report.exact : report.certified;
    }
  }
  return constants_dict(constants);
}

py::list solver_entries() {
  py::list out;
  for (const SolverEntry& e : kSolvers) {
    py::dict d;
    d["name"] = std::string(e.name);
    d["summary"] = std::string(e.summary);
    d["scope"] = e.traits.scope == SolverScope::kLeastSquaresOnly ? "least-squares"
                 : e.traits.scope == SolverScope::kConvexOnly     ? "convex"
                                                                  : "any";
    d["trains"] = e.traits.trains;
    out.append(d);
  }
  return out;
}

/// The index of the run store at `store` (`cardinal runs list`): InvalidInput where there is none.
RunIndex open_index(const std::filesystem::path& store) {
  require(std::filesystem::exists(store / "index.sqlite"), "no run store at " + store.string());
  return RunIndex(store);
}

/// The store's runs as `cardinal runs show` prints each (point and settings as JSON text).
py::list run_records(const std::string& store, const std::string& experiment) {
  py::list out;
  for (const RunRecord& r : open_index(store).list(experiment)) {
    py::dict d;
    d["run_id"] = r.run_id;
    d["experiment"] = r.experiment;
    d["version"] = r.version;
    d["variant"] = r.variant;
    d["command"] = r.command;
    d["point"] = r.point.dump();
    d["settings"] = r.settings.dump();
    d["status"] = r.status;
    d["exit_code"] = r.exit_code;
    d["directory"] = r.directory;
    d["started"] = r.started;
    d["finished"] = r.finished;
    d["seconds"] = r.seconds;
    out.append(d);
  }
  return out;
}

/// The directory of run `run_id` in `store`: the index's record of it, else `store/run_id`.
std::string run_directory(const std::string& store, const std::string& run_id) {
  const std::filesystem::path root = store;
  if (std::filesystem::exists(root / "index.sqlite"))
    if (const auto record = RunIndex(root).get(run_id)) return (root / record->directory).string();
  const std::filesystem::path path = root / run_id;
  require(std::filesystem::is_directory(path), "no run '" + run_id + "' in " + store);
  return path.string();
}

py::tuple table_tuple(const std::vector<std::string>& columns,
                      const std::vector<std::map<std::string, std::string>>& rows) {
  py::list values;
  for (const auto& row : rows) {
    py::list cells;
    for (const std::string& c : columns) {
      const auto it = row.find(c);
      cells.append(it == row.end() ? py::object(py::none()) : py::object(py::str(it->second)));
    }
    values.append(cells);
  }
  return py::make_tuple(columns, values);
}

/// A CSV file a run wrote, as (header, rows of text).
py::tuple csv_table(const std::string& file) {
  std::vector<std::string> header;
  const auto rows = read_csv_rows(file, &header);
  return table_tuple(header, rows);
}

/// `cardinal runs export`: one row per result row of each run, as (columns, rows of text).
py::tuple results_table(const std::string& store, const std::string& experiment) {
  const RunIndex index = open_index(store);
  const ResultTable table = collect_results(store, index.list(experiment));
  return table_tuple(table.columns, table.rows);
}

}  // namespace
}  // namespace cardinal

PYBIND11_MODULE(_cardinal, m) {
  m.doc() = "cardinal's convex solvers on NumPy and SciPy data (see docs/python.md)";
  static py::exception<cardinal::InvalidInput> invalid_input(m, "InvalidInput", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const cardinal::InvalidInput& e) {
      invalid_input(e.what());
    } catch (const po::error& e) {
      invalid_input(e.what());
    }
  });
  m.def("solve", &cardinal::solve_arrays, py::arg("x"), py::arg("y"), py::arg("args"),
        "Runs `cardinal solve` on X and y in memory; `args` are its option flags.");
  m.def("restricted_constants", &cardinal::constants_of_design, py::arg("x"), py::arg("k"),
        py::arg("kind"), py::arg("ridge"), py::arg("intercept"), py::arg("normalize"),
        py::arg("max_subsets"));
  m.def("solvers", &cardinal::solver_entries, "The solver registry: name, summary, scope.");
  m.def("run_records", &cardinal::run_records, py::arg("store"), py::arg("experiment"));
  m.def("run_directory", &cardinal::run_directory, py::arg("store"), py::arg("run_id"));
  m.def("csv_table", &cardinal::csv_table, py::arg("file"));
  m.def("results_table", &cardinal::results_table, py::arg("store"), py::arg("experiment"));
  m.attr("max_subsets") = cardinal::RestrictedConstantsOptions{}.max_subsets;
}
