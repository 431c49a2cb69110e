// `cardinal solve --problem network`: a generic solver on a network.
#include "cardinal/experiments/network/solve_network.hpp"

#include <torch/types.h>

#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/commands/number_option.hpp"
#include "cardinal/experiments/network/network_options.hpp"
#include "cardinal/experiments/network/pruning_solvers.hpp"
#include "cardinal/experiments/solving/convex_problem_options.hpp"
#include "cardinal/experiments/solving/solver_registry.hpp"
#include "cardinal/experiments/solving/solver_summary.hpp"
#include "cardinal/experiments/solving/sparsity_level.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"
#include "cardinal/experiments/sweeps/experiment.hpp"
#include "cardinal/nonconvex/problem/network_problem.hpp"
#include "cardinal/nonconvex/pruning/snapshot.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace {

std::set<std::string> parse_names(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.insert(item);
  return out;
}

std::string summary_line(const char* key, const std::string& value) {
  std::ostringstream s;
  s << "  " << std::left << std::setw(16) << key << value << '\n';
  return s.str();
}

}  // namespace

// clang-format off
po::options_description network_problem_options() {
  po::options_description problem("Network problem (--problem network)");
  problem.add_options()
      ("gradient-batch-size", number<Index>(),
       "examples per gradient evaluation (default: --batch-size; 0: the whole training set)")
      ("dense-layers", po::value<std::string>(),
       "comma-separated prunable tensors left dense, e.g. fc.weight (default: none; with "
       "--granularity neurons, the output layer)")
      ("pruning-scope", po::value<std::string>()->default_value("global"),
       "global | layerwise | erk: one top-k over all layers, k split over the layers in "
       "proportion to their size (uniform density), or split by Erdős–Rényi-Kernel densities "
       "(small layers denser; Evci et al. 2020)")
      ("granularity", po::value<std::string>()->default_value("weights"),
       "weights | neurons: a coordinate is one weight, or one output unit with its incoming "
       "weights (structured)")
      ("start-density", number<double>(),
       "fraction of each layer's initial weights (largest first) in the starting point "
       "(default: 1 for iterative solvers, a tenth of the budget for fgs and fcfgs)");
  po::options_description all;
  all.add(network_data_options())
      .add(problem)
      .add(pruning_step_options())
      .add(training_options())
      .add(device_options());
  return all;
}
// clang-format on

int solve_network(const po::variables_map& v, const std::vector<std::string>&) {
  const std::string solver = v["solver"].as<std::string>();
  const SolverTraits& traits = find_solver(solver).traits;
  require(traits.scope == SolverScope::kAnyProblem,
          "solver '" + solver + "' applies to convex problems only");
  SolverSettings settings = solver_settings(v);
  // The convex pruner as the pruning step of gradual pruning (NetworkProblem::prune): --splice
  // then refines its layer solutions, not the network's.
  auto [pruning_step, pruning_settings] = parse_pruning_step(v);
  const SolverId id = find_solver(solver).id;
  require(
      !pruning_step || id == SolverId::kGmp || id == SolverId::kDpf || id == SolverId::kAcdc,
      "--pruner replaces the pruning step of gmp, dpf and acdc; --solver " + solver + " has none");
  require(!settings.splice || pruning_step,
          "--splice refines the solution of a convex problem or of --pruner layerwise; a "
          "network's restricted solve is training (use --solver splicing)");
  settings.splice = false;
  // A minibatch objective fluctuates: objective-based stopping only where asked for.
  StoppingCriteria& stopping = settings.stopping;
  if (v["objective-level"].defaulted()) stopping.objective_level = 0.0;
  if (v["relative-decrease"].defaulted()) stopping.relative_decrease = 0.0;
  if (v["step-tolerance"].defaulted()) stopping.step_tolerance = 0.0;
  if (traits.step == StepUse::kFixedOrCurvature)
    require(settings.step > 0.0, "--solver " + solver +
                                     " on a network needs --step > 0 (the curvature of a "
                                     "stochastic objective is not estimated)");
  const torch::Device device = parse_device_options(v);
  const std::uint64_t seed = v["seed"].as<std::uint64_t>();

  TensorSpaceOptions space_options;
  const std::string scope = v["pruning-scope"].as<std::string>();
  require(scope == "global" || scope == "layerwise" || scope == "erk",
          "--pruning-scope must be global, layerwise or erk, got '" + scope + "'");
  space_options.scope = scope == "global" ? BudgetScope::kGlobal : BudgetScope::kPerBlock;
  if (scope == "erk") space_options.layer_density = LayerDensity::kErdosRenyiKernel;
  const std::string granularity = v["granularity"].as<std::string>();
  require(granularity == "weights" || granularity == "neurons",
          "--granularity must be weights or neurons, got '" + granularity + "'");
  space_options.granularity =
      granularity == "weights" ? Granularity::kWeights : Granularity::kNeurons;

  NetworkData data = load_network_data(v);
  const TrainingSpec training = parse_training_spec(v, data.dataset, data.train.size(), 1, seed);

  torch::manual_seed(seed);
  std::shared_ptr<Network> network = make_model(data.model, data.input);
  network->to(device);
  if (v.count("dense-layers")) {
    space_options.dense_layers = parse_names(v["dense-layers"].as<std::string>());
  } else if (space_options.granularity == Granularity::kNeurons) {
    space_options.dense_layers = {prunable_tensors(*network).back().name};
  }
  const TensorSpace space(*network, space_options);
  const Index k = parse_sparsity(v["sparsity"].as<std::string>(), space.dimension());

  NetworkProblemOptions options;
  options.gradient_batch_size =
      v.count("gradient-batch-size") ? v["gradient-batch-size"].as<Index>() : training.batch_size;
  require(options.gradient_batch_size >= 0, "--gradient-batch-size must be >= 0");
  options.data_seed = seed;
  options.restricted_training = training;
  options.pruning_step = std::move(pruning_step);
  options.start_density =
      v.count("start-density") ? v["start-density"].as<double>()
      : traits.greedy
          ? std::max(1.0 / static_cast<double>(space.dimension()),
                     0.1 * static_cast<double>(k) / static_cast<double>(space.dimension()))
          : 1.0;
  require(options.start_density > 0.0 && options.start_density <= 1.0,
          "--start-density must be in (0, 1]");
  if (traits.grows_in_blocks && v["coordinates-per-step"].defaulted()) {
    // One weight per forward step would take 10⁵ restricted trainings: grow in ten steps.
    const Index start = static_cast<Index>(
        std::llround(options.start_density * static_cast<double>(space.dimension())));
    settings.coordinates_per_step = std::max<Index>(1, (k - std::min(k, start) + 9) / 10);
  }
  const Index train_size = data.train.size();
  const NetworkProblem problem(network, std::move(data.train), data.test, options, space_options);

  StagedDirectory out(default_solve_output(v), v["overwrite"].as<bool>());
  const bool quiet = v["quiet"].as<bool>();
  if (!quiet)
    std::cout << "cardinal solve: " << solver << " on network " << data.model << " / "
              << data.dataset << " (" << space.dimension() << " " << granularity << ", budget " << k
              << ", " << (device.is_cuda() ? "cuda" : "cpu") << ")\n"
              << std::flush;
  const SolverResult<NetworkProblem> result = run_generic_solver(solver, settings, problem, k);
  const Evaluation test = problem.evaluate(result.w);

  std::ostringstream trace;
  result.trace.write_csv(trace);
  write_file_atomically(out.file("trace.csv"), trace.str());
  const Mask mask = space.to_mask(result.support);
  mask.save(out.file("mask.mask").string());
  space.write(result.w, *network);
  take_snapshot(*network).save(out.file("weights.snapshot").string());

  Index nonzeros = 0;
  for (std::size_t b = 0; b < result.w.size(); ++b)
    if (space.is_constrained(b)) nonzeros += result.w[b].count_nonzero().item<int64_t>();
  nlohmann::json solution = {
      {"problem", "network"},
      {"solver", solver},
      {"model", data.model},
      {"data", data.dataset},
      {"samples", train_size},
      {"test_examples", data.test.size()},
      {"features", space.dimension()},
      {"granularity", granularity},
      {"sparsity", k},
      {"objective", result.objective},
      {"iterations", result.iterations},
      {"seconds", result.trace.rows.empty() ? 0.0 : result.trace.rows.back().seconds},
      {"nonzeros", space.size(result.support)},
      {"nonzero_weights", nonzeros},
      {"weights_total", mask.total()},
      {"weights_remaining", mask.remaining()},
      {"test_loss", test.loss},
      {"test_accuracy", test.accuracy},
      {"seed", seed},
  };
  if (!pruning_settings.is_null()) solution["pruner"] = pruning_settings;
  add_run_summary(solution, result);
  write_file_atomically(out.file("solution.json"), solution.dump(2) + "\n");
  out.commit();

  if (!quiet) {
    std::ostringstream s, objective, accuracy;
    objective << std::setprecision(10) << result.objective;
    accuracy << std::fixed << std::setprecision(4) << test.accuracy;
    s << summary_line("sparsity", std::to_string(k));
    s << summary_line("nonzeros", std::to_string(space.size(result.support)));
    s << summary_line("objective", objective.str());
    s << summary_line("iterations", std::to_string(result.iterations));
    s << summary_line("stopped", std::string(to_string(result.reason)) + ": " + result.message);
    s << summary_line("evaluations", evaluations_line(result.evaluations));
    s << summary_line("test accuracy", accuracy.str());
    s << summary_line("output", out.destination().string());
    std::cout << s.str();
  }
  return 0;
}

}  // namespace cardinal
