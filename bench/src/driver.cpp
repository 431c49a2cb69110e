// cardinal-bench: generates the shared problem instances and times cardinal's side of the
// convex comparisons (bench/scripts/compare.py runs it next to the peers). Prints one JSON
// document.
//
//   cardinal-bench machine  [--mib M] [--threads T] [--repeats R]
//   cardinal-bench generate --out PREFIX (--rows N --cols P --sparsity S [--density D]
//                           [--logistic] [--seed K])
//   cardinal-bench solve    --data PREFIX --solver {omp,fcfgs,iht,lasso-path}
//                           [--sparsity S] [--repeats R] [--threads T] [--lambdas FILE]
//                           [--precision float64|float32] ...
//   cardinal-bench check    [--threads T]   (results with 1 and T threads are bit-identical)
//   cardinal-bench train, sgemm             as cardinal-bench-train (train_commands.hpp), but
//                                           in a process that also links Ceres, as `cardinal` does
//
// What is timed: the solver call alone, on data already in memory; reading files, building the
// problem and checking the answer happen outside the clock.
#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <boost/program_options.hpp>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/smoothness.hpp"
#include "cardinal/bridge/trace.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/convex/parallel.hpp"
#include "cardinal/convex/solvers/l1_path.hpp"
#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"
#include "cardinal/solvers/fully_corrective_greedy.hpp"
#include "cardinal/solvers/iterative_hard_thresholding.hpp"
#include "dataset_files.hpp"
#include "machine_limits.hpp"
#include "sparse_synthetic.hpp"
#ifdef CARDINAL_WITH_TORCH
#include "train_commands.hpp"
#endif

namespace cardinal::bench {
namespace {

namespace po = boost::program_options;
using Json = nlohmann::json;

int hardware_threads() {
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

/// Threads for cardinal's passes over the design.
void use_threads(int threads) {
  set_configured_threads(threads);
}

po::variables_map parse(int argc, char** argv, const po::options_description& options) {
  po::variables_map v;
  po::store(po::command_line_parser(argc, argv).options(options).run(), v);
  po::notify(v);
  return v;
}

// ---------------------------------------------------------------------------------------------
// machine

int machine(int argc, char** argv) {
  po::options_description o;
  o.add_options()("mib", po::value<int>()->default_value(1024),
                  "buffer size (MiB); 0: no bandwidth")(
      "threads", po::value<int>()->default_value(hardware_threads()), "most threads to use")(
      "repeats", po::value<int>()->default_value(10), "timed passes per thread count");
  const auto v = parse(argc, argv, o);
  const auto bytes = static_cast<std::size_t>(v["mib"].as<int>()) << 20;
  const int most = v["threads"].as<int>(), repeats = v["repeats"].as<int>();

  Json out{{"hardware_threads", hardware_threads()},
           {"eigen_version", std::to_string(EIGEN_WORLD_VERSION) + "." +
                                 std::to_string(EIGEN_MAJOR_VERSION) + "." +
                                 std::to_string(EIGEN_MINOR_VERSION)}};
  Json bandwidth = Json::array();
  for (int threads : {1, most}) {
    if (bytes == 0) break;
    Json seconds = Json::array();
    double read = 0.0;
    for (const BandwidthSample& s : measure_read_bandwidth(bytes, threads, repeats)) {
      seconds.push_back(s.seconds);
      read = s.bytes;
    }
    bandwidth.push_back({{"threads", threads}, {"bytes", read}, {"seconds", seconds}});
    if (most == 1) break;
  }
  out["read_bandwidth"] = bandwidth;

  std::cout << out.dump() << '\n';
  return 0;
}

// ---------------------------------------------------------------------------------------------
// generate

int generate(int argc, char** argv) {
  po::options_description o;
  o.add_options()("out", po::value<std::string>()->required(), "file prefix")(
      "rows", po::value<Index>()->default_value(2000), "samples n")(
      "cols", po::value<Index>()->default_value(20000), "features p")(
      "sparsity", po::value<Index>()->default_value(100), "planted nonzeros s")(
      "density", po::value<double>()->default_value(1.0),
      "fraction of stored entries; below 1 writes a sparse rcv1-like design")(
      "noise", po::value<double>()->default_value(0.0), "noise level (dense least squares)")(
      "logistic", po::bool_switch(), "±1 labels from the logistic model")(
      "seed", po::value<std::uint64_t>()->default_value(1), "seed");
  const auto v = parse(argc, argv, o);
  const Stopwatch start;
  const double density = v["density"].as<double>();
  auto make = [&]() -> BenchDataset {
    if (density < 1.0)
      return make_sparse_synthetic(SparseSpec{.samples = v["rows"].as<Index>(),
                                              .features = v["cols"].as<Index>(),
                                              .density = density,
                                              .sparsity = v["sparsity"].as<Index>(),
                                              .logistic = v["logistic"].as<bool>(),
                                              .seed = v["seed"].as<std::uint64_t>()});
    SyntheticInstance s = make_synthetic(SyntheticSpec{.samples = v["rows"].as<Index>(),
                                                       .features = v["cols"].as<Index>(),
                                                       .sparsity = v["sparsity"].as<Index>(),
                                                       .noise = v["noise"].as<double>(),
                                                       .logistic = v["logistic"].as<bool>(),
                                                       .seed = v["seed"].as<std::uint64_t>()});
    return BenchDataset{std::move(s.design), std::move(s.response),
                        v["logistic"].as<bool>() ? "logistic" : "least-squares",
                        std::move(s.support)};
  };
  const BenchDataset data = make();
  write_dataset(v["out"].as<std::string>(), data);
  std::cout << Json{{"prefix", v["out"].as<std::string>()},
                    {"rows", data.design.rows()},
                    {"cols", data.design.cols()},
                    {"nonzeros", data.design.nonzeros()},
                    {"seconds", start.seconds()}}
                   .dump()
            << '\n';
  return 0;
}

// ---------------------------------------------------------------------------------------------
// solve

std::vector<double> read_lambdas(const std::string& path) {
  std::ifstream in(path);
  require(static_cast<bool>(in), "cannot read " + path);
  std::vector<double> lambdas;
  for (double x; in >> x;) lambdas.push_back(x);
  require(!lambdas.empty(), path + " holds no lambda");
  return lambdas;
}

/// max_j of the ℓ1 optimality violation at w (gradient g of the smooth part): |g_j + λ sign w_j|
/// on the support, (|g_j| − λ)₊ off it.
double l1_kkt_violation(const Eigen::VectorXd& g, const Eigen::VectorXd& w, double lambda) {
  double worst = 0.0;
  for (Index j = 0; j < g.size(); ++j) {
    const double v = w[j] > 0.0   ? std::abs(g[j] + lambda)
                     : w[j] < 0.0 ? std::abs(g[j] - lambda)
                                  : std::max(0.0, std::abs(g[j]) - lambda);
    worst = std::max(worst, v);
  }
  return worst;
}

template <class Loss>
Json solve_problem(const po::variables_map& v, GlmProblem<Loss> problem) {
  const std::string solver = v["solver"].as<std::string>();
  const Index k = v["sparsity"].as<Index>();
  const int repeats = v["repeats"].as<int>(), warmups = v["warmups"].as<int>();
  Json out{{"solver", solver},
           {"rows", problem.samples()},
           {"cols", problem.features()},
           {"nonzeros", problem.design().nonzeros()},
           {"storage", problem.design().is_sparse() ? "sparse" : "dense"},
           {"precision", std::string(to_string(problem.design().precision()))},
           {"threads", v["threads"].as<int>()}};
  // The floor of a pass over the design, measured between the timed runs with the same threads:
  // one streaming read of exactly the bytes the design is stored in.
  const int threads = v["threads"].as<int>();
  auto stream_design = [&]() {
    return std::visit(
        [threads](const auto& x) {
          using Storage = std::decay_t<decltype(x)>;
          if constexpr (!std::is_same_v<Storage, Design::Sparse>) {  // double or float entries
            return time_streaming_read(
                x.data(), static_cast<std::size_t>(x.size()) * sizeof(typename Storage::Scalar),
                threads);
          } else {
            const auto nnz = static_cast<std::size_t>(x.nonZeros());
            return time_streaming_read(x.valuePtr(), nnz * sizeof(double), threads) +
                   time_streaming_read(x.innerIndexPtr(), nnz * sizeof(Index), threads);
          }
        },
        problem.design().storage());
  };
  Json seconds = Json::array(), pass_seconds = Json::array(), iteration_seconds = Json::array();
  // Runs `run` warmups + repeats times, timing each; after every timed run, `after` (outside the
  // clock) and ten streaming reads of the design.
  auto timed = [&](auto run, auto after) {
    for (int r = 0; r < warmups + repeats; ++r) {
      const Stopwatch start;
      run();
      const double s = start.seconds();
      if (r < warmups) continue;
      seconds.push_back(s);
      after();
      for (int pass = 0; pass < 10; ++pass) pass_seconds.push_back(stream_design());
    }
  };
  // The time of every iteration, from the solver's own trace (a row per iteration, stamped with
  // the time since the solver started): its median is robust to a burst of load on a shared
  // machine in a way that the total divided by the iterations is not.
  auto record_iterations = [&](const Trace& trace) {
    for (std::size_t i = 1; i < trace.rows.size(); ++i)
      iteration_seconds.push_back(trace.rows[i].seconds - trace.rows[i - 1].seconds);
  };
  auto nothing = [] {};
  // Times `minimize` of a sparsity-constrained solver, with its per-iteration times, and
  // summarizes its last result.
  auto time_solver = [&](const auto& sparse_solver) {
    SolverResult<GlmProblem<Loss>> result;
    timed([&] { result = sparse_solver.minimize(problem, k); },
          [&] { record_iterations(result.trace); });
    out["iterations"] = result.iterations;
    out["objective"] = result.objective;
    out["reason"] = std::string(to_string(result.reason));
    out["support"] = problem.space().constrained_part(result.support);
  };

  if constexpr (Loss::kQuadratic) {
    if (solver == "omp") {
      OrthogonalMatchingPursuitOptions options;
      options.stopping.objective_level = 0.0;
      time_solver(OrthogonalMatchingPursuit(options));
    } else if (solver == "fcfgs") {
      FullyCorrectiveGreedyOptions options;
      options.stopping.objective_level = 0.0;
      time_solver(FullyCorrectiveGreedy(options));
    }
  }
  if (solver == "iht") {
    // A fixed step 1/L, estimated before the clock starts, and a fixed number of iterations
    // (relative decrease and step tolerance 0), so that the time per iteration is what is measured.
    const Stopwatch estimate_start;
    const double curvature = estimate_smoothness(problem, problem.space().zeros());
    out["step_estimate_seconds"] = estimate_start.seconds();
    IterativeHardThresholdingOptions options;
    options.step = 1.0 / curvature;
    options.stopping.max_iterations = v["max-iterations"].as<Index>();
    options.stopping.relative_decrease = 0.0;
    options.stopping.step_tolerance = 0.0;
    time_solver(IterativeHardThresholding(options));
  } else if (solver == "lasso-path") {
    L1PathOptions options;
    options.path_length = v["path-length"].as<Index>();
    options.min_ratio = v["min-ratio"].as<double>();
    options.stopping.gradient_tolerance = v["tolerance"].as<double>();
    if (v.count("lambdas")) options.lambdas = read_lambdas(v["lambdas"].as<std::string>());
    L1Path path;
    timed([&] { path = lasso_path(problem, options); }, nothing);
    Json lambdas = Json::array(), objectives = Json::array(), nonzeros = Json::array(),
         violations = Json::array();
    Index sweeps = 0;
    bool converged = true;
    Eigen::VectorXd g;
    for (const L1PathPoint& point : path.points) {
      lambdas.push_back(point.lambda);
      objectives.push_back(point.objective);
      nonzeros.push_back(point.nonzeros);
      sweeps += point.sweeps;
      converged = converged && point.converged;
      problem.value_and_gradient(point.w, g);
      violations.push_back(l1_kkt_violation(g, point.w, point.lambda));
    }
    out["lambda_max"] = path.lambda_max;
    out["lambdas"] = lambdas;
    out["objectives"] = objectives;
    out["path_nonzeros"] = nonzeros;
    out["kkt_violations"] = violations;
    out["sweeps"] = sweeps;
    out["converged"] = converged;
  }
  require(!seconds.empty(), "solver " + solver + " is not available for this loss");
  out["seconds"] = seconds;
  const Index entry_bytes =
      problem.design().is_sparse() ? static_cast<Index>(sizeof(double) + sizeof(Index))
      : problem.design().precision() == Precision::kFloat32 ? static_cast<Index>(sizeof(float))
                                                            : static_cast<Index>(sizeof(double));
  out["design_bytes"] = problem.design().nonzeros() * entry_bytes;
  out["design_pass_seconds"] = pass_seconds;
  out["iteration_seconds"] = iteration_seconds;
  return out;
}

int solve(int argc, char** argv) {
  po::options_description o;
  o.add_options()("data", po::value<std::string>()->required(), "data set prefix")(
      "solver", po::value<std::string>()->required(), "omp, fcfgs, iht or lasso-path")(
      "sparsity", po::value<Index>()->default_value(100), "sparsity budget k")(
      "repeats", po::value<int>()->default_value(3), "timed runs")(
      "warmups", po::value<int>()->default_value(1), "untimed runs first")(
      "threads", po::value<int>()->default_value(hardware_threads()), "threads")(
      "max-iterations", po::value<Index>()->default_value(100), "iht: iterations")(
      "path-length", po::value<Index>()->default_value(100), "lasso-path: number of lambdas")(
      "min-ratio", po::value<double>()->default_value(0.01), "lasso-path: lambda_min/lambda_max")(
      "tolerance", po::value<double>()->default_value(1e-10), "lasso-path: KKT tolerance")(
      "lambdas", po::value<std::string>(), "lasso-path: file of lambdas (overrides the above)")(
      "precision", po::value<std::string>()->default_value("float64"),
      "storage of a dense design: float64 or float32 (rounded when read)");
  const auto v = parse(argc, argv, o);
  use_threads(v["threads"].as<int>());
  const std::string text = v["precision"].as<std::string>();
  const std::optional<Precision> precision = parse_precision(text);
  require(precision.has_value(), "unknown --precision '" + text + "' (known: float64, float32)");
  BenchDataset data = read_dataset(v["data"].as<std::string>());
  if (*precision != data.design.precision()) data.design = data.design.with_precision(*precision);
  Json out;
  if (data.loss == "logistic") {
    out = solve_problem(v, LogisticProblem(std::move(data.design), std::move(data.response)));
  } else {
    out = solve_problem(v, LeastSquaresProblem(std::move(data.design), std::move(data.response)));
  }
  out["planted"] = data.planted;
  std::cout << out.dump() << '\n';
  return 0;
}

// ---------------------------------------------------------------------------------------------
// check

/// Solver results must not depend on the number of threads: each thread of a pass over the
/// design computes whole output entries exactly as a single-threaded pass does. The unit tests
/// use designs too small to be split, so this runs the split passes on designs large enough,
/// with 1 thread and with `threads`, and fails unless every result is bit-identical.
int check(int argc, char** argv) {
  po::options_description o;
  o.add_options()("threads", po::value<int>()->default_value(std::max(2, hardware_threads())),
                  "threads to compare with one");
  const auto v = parse(argc, argv, o);
  const int threads = v["threads"].as<int>();
  SyntheticInstance dense = make_synthetic(
      SyntheticSpec{.samples = 500, .features = 4500, .sparsity = 20, .noise = 0.01, .seed = 3});
  BenchDataset sparse = make_sparse_synthetic(
      SparseSpec{.samples = 2000, .features = 15000, .density = 0.075, .sparsity = 20, .seed = 4});
  const Design dense_float = dense.design.with_precision(Precision::kFloat32);
  Json out{{"threads", threads}};
  bool identical = true;
  for (const Design* data :
       std::initializer_list<const Design*>{&dense.design, &dense_float, &sparse.design}) {
    const Eigen::VectorXd& y = data == &sparse.design ? sparse.response : dense.response;
    const LeastSquaresProblem problem(*data, y);
    auto results = [&](int t) {
      use_threads(t);
      std::vector<Eigen::VectorXd> r;
      r.push_back(problem.design().transpose_multiply(y));
      r.push_back(OrthogonalMatchingPursuit().minimize(problem, 20).w);
      IterativeHardThresholdingOptions iht;
      iht.stopping.max_iterations = 20;
      r.push_back(IterativeHardThresholding(iht).minimize(problem, 20).w);
      L1PathOptions path;
      path.path_length = 10;
      path.min_ratio = 0.1;
      r.push_back(lasso_path(problem, path).points.back().w);
      return r;
    };
    const auto one = results(1), many = results(threads);
    for (std::size_t i = 0; i < one.size(); ++i)
      identical = identical && one[i].size() == many[i].size() &&
                  std::memcmp(one[i].data(), many[i].data(),
                              static_cast<std::size_t>(one[i].size()) * sizeof(double)) == 0;
    out[data->is_sparse()                          ? "sparse_nonzeros"
        : data->precision() == Precision::kFloat32 ? "dense_float32_entries"
                                                   : "dense_entries"] = data->nonzeros();
  }
  out["identical"] = identical;
  std::cout << out.dump() << '\n';
  return identical ? 0 : 1;
}

}  // namespace
}  // namespace cardinal::bench

int main(int argc, char** argv) {
  using namespace cardinal::bench;
  const std::string usage =
      "usage: cardinal-bench {machine,generate,solve,check,train,sgemm} [options]  (see "
      "bench/README.md)";
  if (argc < 2) {
    std::cerr << usage << '\n';
    return 2;
  }
  const std::string command = argv[1];
  try {
    if (command == "machine") return machine(argc - 1, argv + 1);
    if (command == "generate") return generate(argc - 1, argv + 1);
    if (command == "solve") return solve(argc - 1, argv + 1);
#ifdef CARDINAL_WITH_TORCH
    if (command == "train") return train_command(argc - 1, argv + 1);
    if (command == "sgemm") return sgemm_command(argc - 1, argv + 1);
#endif
    if (command == "check") return check(argc - 1, argv + 1);
    std::cerr << usage << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cardinal-bench " << command << ": " << e.what() << '\n';
    return 1;
  }
}
