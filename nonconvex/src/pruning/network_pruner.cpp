#include "cardinal/nonconvex/pruning/network_pruner.hpp"

#include <chrono>
#include <cmath>
#include <numeric>
#include <optional>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/splitmix64.hpp"
#include "cardinal/bridge/trace.hpp"
#include "cardinal/nonconvex/pruning/fisher_model.hpp"
#include "cardinal/nonconvex/pruning/magnitude_pruning.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"
#include "cardinal/nonconvex/pruning/row_budget_allocation.hpp"
#include "cardinal/nonconvex/pruning/woodfisher.hpp"

namespace cardinal {
namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Eigen::MatrixXd to_eigen(const torch::Tensor& matrix) {
  const torch::Tensor values = matrix.detach().to(torch::kCPU, torch::kDouble).contiguous();
  return Eigen::Map<const RowMajor>(values.data_ptr<double>(), values.size(0), values.size(1));
}

torch::Tensor to_tensor(const Eigen::MatrixXd& matrix) {
  const RowMajor row_major = matrix;
  return torch::from_blob(const_cast<double*>(row_major.data()), {matrix.rows(), matrix.cols()},
                          torch::kDouble)
      .clone();
}

template <class Enum>
Enum parse(const std::string& name, const char* option,
           std::initializer_list<std::pair<const char*, Enum>> names) {
  std::string known;
  for (const auto& [text, value] : names) {
    if (name == text) return value;
    known += (known.empty() ? "" : ", ") + std::string(text);
  }
  throw InvalidInput(std::string(option) + " must be one of " + known + ", got '" + name + "'");
}

}  // namespace

std::string to_string(OneShotMethod method) {
  switch (method) {
    case OneShotMethod::kMagnitudeGlobal:
      return "magnitude";
    case OneShotMethod::kMagnitudeLayerwise:
      return "magnitude-layerwise";
    case OneShotMethod::kOptimalBrainSurgeon:
      return "obs";
    case OneShotMethod::kLayerwise:
      return "layerwise";
    case OneShotMethod::kFisher:
      return "fisher";
    case OneShotMethod::kWoodFisher:
      return "woodfisher";
  }
  return "unknown";
}

std::string to_string(LayerBudgetScope scope) {
  return scope == LayerBudgetScope::kRow ? "row" : "layer";
}

std::string to_string(CalibrationInputs inputs) {
  return inputs == CalibrationInputs::kSequential ? "sequential" : "parallel";
}

std::string to_string(BudgetAllocation allocation) {
  switch (allocation) {
    case BudgetAllocation::kUniform:
      return "uniform";
    case BudgetAllocation::kGlobalMagnitude:
      return "global";
    case BudgetAllocation::kReconstruction:
      return "reconstruction";
  }
  return "unknown";
}

BudgetAllocation parse_budget_allocation(const std::string& name) {
  return parse<BudgetAllocation>(name, "--allocation",
                                 {{"uniform", BudgetAllocation::kUniform},
                                  {"global", BudgetAllocation::kGlobalMagnitude},
                                  {"reconstruction", BudgetAllocation::kReconstruction}});
}

OneShotMethod parse_one_shot_method(const std::string& name) {
  return parse<OneShotMethod>(name, "--method",
                              {{"magnitude", OneShotMethod::kMagnitudeGlobal},
                               {"magnitude-layerwise", OneShotMethod::kMagnitudeLayerwise},
                               {"obs", OneShotMethod::kOptimalBrainSurgeon},
                               {"layerwise", OneShotMethod::kLayerwise},
                               {"fisher", OneShotMethod::kFisher},
                               {"woodfisher", OneShotMethod::kWoodFisher}});
}

LayerBudgetScope parse_layer_budget_scope(const std::string& name) {
  return parse<LayerBudgetScope>(
      name, "--budget", {{"row", LayerBudgetScope::kRow}, {"layer", LayerBudgetScope::kLayer}});
}

CalibrationInputs parse_calibration_inputs(const std::string& name) {
  return parse<CalibrationInputs>(
      name, "--calibration-inputs",
      {{"sequential", CalibrationInputs::kSequential}, {"parallel", CalibrationInputs::kParallel}});
}

void OneShotPruningOptions::validate() const {
  require(std::isfinite(sparsity) && sparsity > 0.0 && sparsity < 1.0,
          "--sparsity must lie in (0, 1), got " + std::to_string(sparsity));
  require(std::isfinite(ridge) && ridge >= 0.0,
          "--ridge must be finite and non-negative, got " + std::to_string(ridge));
  require(max_patches >= 1, "--max-patches must be at least 1, got " + std::to_string(max_patches));
  if (method == OneShotMethod::kLayerwise)
    require(budget == LayerBudgetScope::kRow ? static_cast<bool>(row_solver)
                                             : static_cast<bool>(layer_solver),
            "layerwise pruning needs a solver for its " + to_string(budget) + " budgets");
  if (method == OneShotMethod::kFisher)
    require(static_cast<bool>(fisher_solver), "Fisher pruning needs a solver");
  if (method == OneShotMethod::kWoodFisher) {
    require(ridge > 0.0, "--method woodfisher needs a positive --ridge (the Woodbury inverse)");
    require(woodfisher_steps >= 1,
            "--woodfisher-steps must be at least 1, got " + std::to_string(woodfisher_steps));
  }
}

namespace {

bool is_fisher(OneShotMethod method) {
  return method == OneShotMethod::kFisher || method == OneShotMethod::kWoodFisher;
}

/// The Fisher methods' pruned weights over all the prunable tensors (stacked in
/// prunable_tensors order, row-major) and which are kept.
struct GlobalPruning {
  Eigen::VectorXd w;
  std::vector<bool> keep;
  OneShotPruning::Fisher report;
};

GlobalPruning prune_fisher_model(Network& network, const torch::Tensor& calibration,
                                 const torch::Tensor& labels,
                                 const OneShotPruningOptions& options) {
  require(labels.defined(), "Fisher pruning needs the calibration examples' labels");
  GlobalPruning result;
  const Stopwatch model_clock;
  const CenteredRidgeProblem problem = fisher_model(network, calibration, labels, options.ridge);
  result.report.model_seconds = model_clock.seconds();
  result.report.examples = problem.samples();
  result.report.damping = problem.ridge();
  const Index total = problem.features();
  const Index kept = total - pruned_count(options.sparsity, total);

  const Stopwatch solve_clock;
  CoordinateSpace::Support support;
  if (options.method == OneShotMethod::kWoodFisher) {
    WoodFisherResult pruned = woodfisher(problem, kept, options.woodfisher_steps);
    result.w = std::move(pruned.w);
    support = std::move(pruned.support);
  } else {
    result.w = kept > 0 ? options.fisher_solver(problem, kept) : problem.space().zeros();
    const CoordinateSpace& space = problem.space();
    support = space.support_of(result.w);
    const Index size = space.size(support);
    require(size <= kept, "pruning: the solver kept " + std::to_string(size) +
                              " weights of a network whose budget is " + std::to_string(kept));
    if (size < kept) {
      support = space.unite(support, space.largest_outside(problem.center(), support, kept - size));
      result.w = problem.minimize_on(support, result.w);
    }
  }
  result.report.solve_seconds = solve_clock.seconds();
  result.report.objective = problem.value(result.w);
  result.keep.assign(static_cast<std::size_t>(total), false);
  for (Index j : support) result.keep[static_cast<std::size_t>(j)] = true;
  return result;
}

/// A pruning round inside an earlier one: the mask whose kept weights the layers may keep, and
/// how many each layer keeps (prunable_tensors order).
struct Within {
  const Mask& mask;
  const std::vector<Index>& kept;
};

Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic> to_allowed(const torch::Tensor& keep) {
  return to_eigen(keep).array() != 0.0;
}

/// Layer l's reconstruction problem on the inputs the network gives it as it is now, and how
/// many input rows built its H₀ of how many the calibration examples give.
struct LayerProblem {
  LayerReconstruction layer;
  Index calibration_rows;
  Index calibration_available;
};

LayerProblem layer_problem(Network& network, const torch::Tensor& weight,
                           const torch::Tensor& examples, const OneShotPruningOptions& options,
                           std::size_t l) {
  CalibrationGram inputs =
      calibration_gram(network, weight, examples, options.max_patches, splitmix64(l));
  return {
      LayerReconstruction::from_gram(weight_matrix(weight), std::move(inputs.gram), options.ridge),
      inputs.rows, inputs.available};
}

/// The reconstruction allocation: every row's budget (per layer, in prunable_tensors order) from
/// the OBS error paths of all the rows on the network's current (unpruned) inputs, each layer's
/// paths divided by its damped output energy so that the sum is one of relative errors. Within
/// an earlier round the paths run over the weights its mask keeps, and the rows share the total
/// of its counts.
std::vector<std::vector<Index>> allocate_by_reconstruction(Network& network,
                                                           const std::vector<NamedTensor>& named,
                                                           const torch::Tensor& examples,
                                                           const OneShotPruningOptions& options,
                                                           const std::optional<Within>& within) {
  std::vector<Eigen::VectorXd> paths;
  std::vector<double> scales;
  std::vector<Index> rows;
  Index total = 0;
  for (std::size_t l = 0; l < named.size(); ++l) {
    const LayerReconstruction layer =
        layer_problem(network, named[l].tensor, examples, options, l).layer;
    const AllowedWeights allowed =
        within ? to_allowed(within->mask.keep(named[l].name).flatten(1)) : AllowedWeights();
    std::vector<Eigen::VectorXd> layer_paths =
        optimal_brain_surgeon_paths(layer, options.threads, allowed);
    double energy = 0.0;
    for (const Eigen::VectorXd& path : layer_paths) energy += path[0];
    for (Eigen::VectorXd& path : layer_paths) {
      paths.push_back(std::move(path));
      scales.push_back(energy > 0.0 ? 1.0 / energy : 0.0);
    }
    rows.push_back(layer.rows());
    total += layer.rows() * layer.columns();
  }
  const Index kept = within ? std::accumulate(within->kept.begin(), within->kept.end(), Index{0})
                            : total - pruned_count(options.sparsity, total);
  const std::vector<Index> budgets = allocate_along_error_paths(paths, scales, kept);
  std::vector<std::vector<Index>> per_layer;
  auto next = budgets.begin();
  for (Index r : rows) {
    per_layer.emplace_back(next, next + r);
    next += r;
  }
  return per_layer;
}

OneShotPruning prune_network(Network& network, const torch::Tensor& calibration,
                             const OneShotPruningOptions& options, const torch::Tensor& labels,
                             const std::optional<Within>& within) {
  options.validate();
  std::optional<GlobalPruning> global;
  if (is_fisher(options.method)) {
    for (const NamedTensor& t : prunable_tensors(network))
      require(t.tensor.dim() == 2,
              "--method " + to_string(options.method) +
                  " prunes fully connected networks only (lenet300, mlpnet): " + t.name +
                  " is a convolution's weight");
    global = prune_fisher_model(network, calibration, labels, options);
  }
  torch::NoGradGuard no_grad;
  const std::vector<NamedTensor> named = prunable_tensors(network);
  require(calibration.dim() >= 1 && calibration.size(0) > 0,
          "one-shot pruning: no calibration examples");
  const torch::Tensor examples = calibration.detach();

  // The magnitude mask: the result of the magnitude methods, and the per-layer counts of the
  // global allocation.
  const bool by_magnitude = options.method == OneShotMethod::kMagnitudeGlobal ||
                            options.method == OneShotMethod::kMagnitudeLayerwise;
  std::optional<Mask> magnitude;
  if (!within &&
      (by_magnitude || (!global && options.allocation == BudgetAllocation::kGlobalMagnitude))) {
    PruningSpec spec;
    spec.fraction = options.sparsity;
    spec.scope = options.method == OneShotMethod::kMagnitudeLayerwise ? PruningScope::kLayerwise
                                                                      : PruningScope::kGlobal;
    magnitude = prune_magnitude(network, Mask::dense(network), spec);
  }

  std::vector<std::vector<Index>> allocated;
  if (!global && !by_magnitude && options.allocation == BudgetAllocation::kReconstruction)
    allocated = allocate_by_reconstruction(network, named, examples, options, within);

  OneShotPruning result;
  if (global) result.fisher = global->report;
  Index global_offset = 0;
  std::vector<std::string> names;
  std::vector<torch::Tensor> keeps;
  // Parallel inputs come from the dense network: the pruned weights wait until the end.
  const bool sequential = options.inputs == CalibrationInputs::kSequential;
  std::vector<torch::Tensor> pending;
  for (std::size_t l = 0; l < named.size(); ++l) {
    const torch::Tensor& weight = named[l].tensor;
    const LayerProblem problem = layer_problem(network, weight, examples, options, l);
    const LayerReconstruction& layer = problem.layer;
    const Index total = layer.rows() * layer.columns();
    const Index kept = !allocated.empty()
                           ? std::accumulate(allocated[l].begin(), allocated[l].end(), Index{0})
                       : within ? within->kept[l]
                       : magnitude && options.allocation == BudgetAllocation::kGlobalMagnitude
                           ? magnitude->remaining(named[l].name)
                           : total - pruned_count(options.sparsity, total);
    // Within an earlier round, each row's budget is spread over what that round kept of it.
    AllowedWeights allowed;
    if (within) allowed = to_allowed(within->mask.keep(named[l].name).flatten(1));
    std::vector<Index> budgets;
    if (!allocated.empty()) {
      budgets = allocated[l];
    } else if (within) {
      std::vector<Index> capacities(static_cast<std::size_t>(layer.rows()));
      for (Index i = 0; i < layer.rows(); ++i)
        capacities[static_cast<std::size_t>(i)] = allowed.row(i).count();
      budgets = row_budgets(capacities, kept);
    } else {
      budgets = row_budgets(layer.rows(), layer.columns(), kept);
    }

    const Stopwatch clock;
    PrunedLayer pruned;
    switch (options.method) {
      case OneShotMethod::kMagnitudeGlobal:
      case OneShotMethod::kMagnitudeLayerwise: {
        const Eigen::MatrixXd keep = to_eigen(magnitude->keep(named[l].name).flatten(1));
        pruned.keep = keep.array() != 0.0;
        pruned.weights = pruned.keep.select(layer.weights(), 0.0);
        break;
      }
      case OneShotMethod::kOptimalBrainSurgeon:
        pruned = prune_optimal_brain_surgeon(layer, budgets, options.threads, allowed);
        if (options.refine_row)
          pruned =
              refine_rows(layer, pruned, budgets, options.refine_row, options.threads, allowed);
        break;
      case OneShotMethod::kLayerwise:
        pruned = options.budget == LayerBudgetScope::kRow
                     ? prune_rows(layer, budgets, options.row_solver, options.threads, allowed)
                     : prune_layer(layer, kept, options.layer_solver);
        break;
      case OneShotMethod::kFisher:
      case OneShotMethod::kWoodFisher:
        pruned.weights.resize(layer.rows(), layer.columns());
        pruned.keep.resize(layer.rows(), layer.columns());
        for (Index i = 0; i < layer.rows(); ++i)
          for (Index j = 0; j < layer.columns(); ++j) {
            const Index index = global_offset + i * layer.columns() + j;
            pruned.keep(i, j) = global->keep[static_cast<std::size_t>(index)];
            pruned.weights(i, j) = pruned.keep(i, j) ? global->w[index] : 0.0;
          }
        global_offset += total;
        break;
    }
    const double seconds = clock.seconds();
    if (options.on_layer) options.on_layer(named[l].name, layer, budgets, pruned);

    const torch::Tensor new_weights =
        to_tensor(pruned.weights).reshape(weight.sizes()).to(weight.options());
    if (sequential)
      weight.copy_(new_weights);
    else
      pending.push_back(new_weights);
    const Eigen::MatrixXd keep_values = pruned.keep.cast<double>();
    keeps.push_back(to_tensor(keep_values).to(torch::kBool).reshape(weight.sizes()));
    names.push_back(named[l].name);
    const double error = layer.error(pruned.weights), energy = layer.output_energy();
    result.layers.push_back({named[l].name, layer.rows(), layer.columns(), problem.calibration_rows,
                             problem.calibration_available, static_cast<Index>(pruned.keep.count()),
                             error, energy > 0.0 ? error / energy : 0.0, seconds,
                             layer.damped_error(pruned.weights)});
  }
  for (std::size_t l = 0; l < pending.size(); ++l) named[l].tensor.copy_(pending[l]);
  result.mask = Mask(std::move(names), std::move(keeps));
  return result;
}

}  // namespace

OneShotPruning prune_one_shot(Network& network, const torch::Tensor& calibration,
                              const OneShotPruningOptions& options, const torch::Tensor& labels) {
  return prune_network(network, calibration, options, labels, std::nullopt);
}

OneShotPruning prune_within(Network& network, const torch::Tensor& calibration,
                            const OneShotPruningOptions& options, const Mask& mask,
                            const std::vector<Index>& kept) {
  require(options.method == OneShotMethod::kLayerwise ||
              options.method == OneShotMethod::kOptimalBrainSurgeon,
          "pruning inside an earlier mask: --method must be layerwise or obs, got " +
              to_string(options.method));
  require(options.method != OneShotMethod::kLayerwise || options.budget == LayerBudgetScope::kRow,
          "pruning inside an earlier mask needs per-row budgets (--budget row)");
  mask.check_matches(network);
  const std::vector<NamedTensor> named = prunable_tensors(network);
  require(kept.size() == named.size(), "pruning: " + std::to_string(kept.size()) +
                                           " kept counts for " + std::to_string(named.size()) +
                                           " prunable tensors");
  for (std::size_t l = 0; l < named.size(); ++l)
    require(kept[l] >= 0 && kept[l] <= mask.remaining(named[l].name),
            "pruning: layer " + named[l].name + " is to keep " + std::to_string(kept[l]) +
                " weights but the mask keeps " + std::to_string(mask.remaining(named[l].name)));
  return prune_network(network, calibration, options, {}, Within{mask, kept});
}

std::string to_string(PrunedValues values) {
  return values == PrunedValues::kKept ? "kept" : "reconstructed";
}

PrunedValues parse_pruned_values(const std::string& name) {
  return parse<PrunedValues>(
      name, "--pruner-values",
      {{"reconstructed", PrunedValues::kReconstructed}, {"kept", PrunedValues::kKept}});
}

OneShotPruning PruningStep::prune(Network& network, const torch::Tensor& calibration_inputs,
                                  const Mask& within, const Mask& counts) const {
  std::vector<Index> kept;
  for (const std::string& name : counts.names()) kept.push_back(counts.remaining(name));
  if (values == PrunedValues::kReconstructed)
    return prune_within(network, calibration_inputs, options, within, kept);
  auto parameters = network.named_parameters();
  std::vector<torch::Tensor> before;
  for (const std::string& name : within.names())
    before.push_back(parameters[name].detach().clone());
  OneShotPruning result = prune_within(network, calibration_inputs, options, within, kept);
  {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < before.size(); ++i) parameters[within.names()[i]].copy_(before[i]);
  }
  result.mask.apply(network);
  return result;
}

void PruningStep::validate() const {
  const OneShotMethod m = options.method;
  require(m == OneShotMethod::kLayerwise || m == OneShotMethod::kOptimalBrainSurgeon,
          "--pruner must be magnitude, layerwise or obs, got " + to_string(m));
  require(m != OneShotMethod::kLayerwise || options.budget == LayerBudgetScope::kRow,
          "--pruner layerwise prunes inside the previous mask with per-row budgets");
  options.validate();
  require(calibration >= 1, "--calibration must be at least 1, got " + std::to_string(calibration));
}

}  // namespace cardinal
