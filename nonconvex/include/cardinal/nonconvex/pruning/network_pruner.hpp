#pragma once

#include <torch/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/convex/centered_ridge_problem.hpp"
#include "cardinal/nonconvex/models/network.hpp"
#include "cardinal/nonconvex/pruning/calibration_gram.hpp"
#include "cardinal/nonconvex/pruning/layer_reconstruction.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"

namespace cardinal {

/// Calibration examples when none are given: the count WoodFisher and CHITA use on MNIST, above
/// the widest input (784) so that XᵀX/n can have full rank.
inline constexpr Index kDefaultCalibrationExamples = 1000;

/// How a trained network is pruned in one shot (docs/pruning.md).
enum class OneShotMethod {
  kMagnitudeGlobal,      ///< the largest |w| over all layers (one ranking)
  kMagnitudeLayerwise,   ///< the largest |w| of each layer
  kOptimalBrainSurgeon,  ///< OBS row by row (OBC) on each layer's H
  kLayerwise,            ///< each layer's reconstruction problem solved by a sparse solver
  kFisher,               ///< the global Fisher model solved by a sparse solver
  kWoodFisher,           ///< OBS on the global Fisher model (WoodFisher)
};

/// Whether a layer's budget is split over its rows (d_out independent problems sharing H) or
/// shared by the whole layer (one problem over all its weights).
enum class LayerBudgetScope { kRow, kLayer };

/// How the budget is spread over the layers (obs and layerwise; the magnitude methods are each
/// one of these): every layer keeps the same fraction (uniform), or each layer keeps the count
/// that global magnitude pruning leaves it (global: one ranking of |w| over all layers decides
/// how many weights each layer keeps, the layer's own method decides which), or every row keeps
/// the count that minimizes the sum over the layers of their relative reconstruction errors
/// along the rows' OBS error paths (reconstruction: optimal_brain_surgeon_paths on the dense
/// network's inputs, each layer's paths divided by its damped output energy, then
/// allocate_along_error_paths; docs/pruning.md). The reconstruction allocation gives the rows of
/// a layer budgets of their own; uniform and global spread a layer's count evenly over its rows.
enum class BudgetAllocation { kUniform, kGlobalMagnitude, kReconstruction };

/// Where each layer's calibration inputs come from: the already pruned layers before it
/// (sequential, as OBC and SparseGPT do) or the dense network (parallel).
enum class CalibrationInputs { kSequential, kParallel };

std::string to_string(OneShotMethod method);
std::string to_string(LayerBudgetScope scope);
std::string to_string(CalibrationInputs inputs);
std::string to_string(BudgetAllocation allocation);
/// Parses magnitude (global) | magnitude-layerwise | obs | layerwise | fisher | woodfisher;
/// InvalidInput otherwise.
OneShotMethod parse_one_shot_method(const std::string& name);
LayerBudgetScope parse_layer_budget_scope(const std::string& name);
CalibrationInputs parse_calibration_inputs(const std::string& name);
/// uniform | global | reconstruction.
BudgetAllocation parse_budget_allocation(const std::string& name);

struct OneShotPruningOptions {
  OneShotMethod method = OneShotMethod::kLayerwise;
  /// The fraction of the weights removed, in (0, 1). Uniform allocation: layer l keeps
  /// total_l − pruned_count(sparsity, total_l); global: the counts global magnitude pruning
  /// leaves (total − pruned_count(sparsity, total) in all).
  double sparsity = 0.9;
  BudgetAllocation allocation = BudgetAllocation::kGlobalMagnitude;
  /// λ = ridge · mean(diag XᵀX/n) in H = XᵀX/n + λI (OBS needs it positive when inputs die).
  double ridge = 0.01;
  LayerBudgetScope budget = LayerBudgetScope::kRow;
  CalibrationInputs inputs = CalibrationInputs::kSequential;
  /// A convolution's unfolded input patches above this count are subsampled to it
  /// (calibration_gram.hpp; layer l's sample drawn with the seed splitmix64(l)).
  Index max_patches = kDefaultMaxPatches;
  /// The sparse solver of kLayerwise, per row and per layer (a budget scope's solver must be set).
  RowSolver row_solver;
  LayerSolver layer_solver;
  /// kOptimalBrainSurgeon: when set, each row's OBS solution is refined by it from that solution
  /// (refine_rows), e.g. by support splicing (`--method obs --splice`).
  RowRefinement refine_row;
  /// The sparse solver of kFisher on the global Fisher model (fisher_model.hpp).
  std::function<Eigen::VectorXd(const CenteredRidgeProblem&, Index)> fisher_solver;
  /// kWoodFisher: pruning steps, the Fisher inverse recomputed on the remaining weights between
  /// them (woodfisher.hpp).
  Index woodfisher_steps = 1;
  /// Threads over the rows (0: configured_threads()); the result does not depend on it.
  int threads = 0;
  /// Called for every layer after its pruning step (outside its timing) with the layer's
  /// problem, its row budgets and the pruned layer, e.g. to evaluate the theory on it
  /// (layer_theory.hpp).
  std::function<void(const std::string& name, const LayerReconstruction& layer,
                     const std::vector<Index>& budgets, const PrunedLayer& pruned)>
      on_layer;

  /// Throws InvalidInput naming the option unless sparsity ∈ (0, 1), ridge ≥ 0 is finite,
  /// max_patches ≥ 1, kLayerwise has the solver of its budget scope, kFisher its solver, and
  /// kWoodFisher a positive ridge and at least one step.
  void validate() const;
};

/// One layer's outcome: sizes (of W: a convolution's C_out × C_in·kh·kw), kept weights, the rows
/// of X its H₀ was built from (of those the calibration examples give: a convolution's patches
/// may be subsampled), the reconstruction error ‖X(Ŵ − W)ᵀ‖²_F/(2m) on them (and relative to
/// ‖XWᵀ‖²_F/(2m)), and the wall time of its pruning step.
struct LayerPruningReport {
  std::string name;
  Index rows = 0;
  Index columns = 0;
  Index calibration_rows = 0;
  Index calibration_available = 0;
  Index kept = 0;
  double error = 0.0;
  double relative_error = 0.0;
  double seconds = 0.0;
  /// The damped objective the solvers minimize (LayerReconstruction::damped_error): the error
  /// plus (λ/2)‖Ŵ − W‖²_F. A refinement never raises it; the undamped error it may.
  double damped_error = 0.0;
};

struct OneShotPruning {
  Mask mask;
  std::vector<LayerPruningReport> layers;
  /// The Fisher methods: the model's examples, its damping λ, the value of the Fisher objective
  /// at the pruned weights (0 at the trained ones), and the seconds spent building G and
  /// solving (the layers' seconds are then 0: the problem is global).
  struct Fisher {
    Index examples = 0;
    double damping = 0.0;
    double objective = 0.0;
    double model_seconds = 0.0;
    double solve_seconds = 0.0;
  };
  std::optional<Fisher> fisher;
};

/// Prunes a trained network in place, layer by layer in prunable_tensors order (forward order),
/// on `calibration` (n examples as the network reads them, normalized as in training): each
/// layer's H is built from its input rows (calibration_gram.hpp: a Linear layer's inputs, a
/// Conv2d's unfolded input patches), from the network with the layers before it already pruned
/// (sequential) or from the dense network (parallel: the pruned weights are written once every
/// layer is solved); its weights are replaced by the pruned ones (exactly zero where not kept)
/// and its mask entry by the kept pattern. Biases and batch norm are left alone. The layer
/// problems are solved in double precision on the CPU; the network's weights keep their dtype and
/// device. Throws InvalidInput for invalid options or calibration examples the network cannot
/// read.
///
/// The Fisher methods (kFisher, kWoodFisher), for fully connected networks only (every prunable
/// tensor a matrix; InvalidInput naming a convolution otherwise), instead solve one problem over
/// all the prunable weights, the global Fisher model of the calibration examples with their
/// `labels`, keeping total − pruned_count(sparsity, total) weights wherever the solution puts them;
/// a solver that returns fewer keeps in addition the largest trained |w| outside its support,
/// re-solved exactly. The layers' reports are then the same reconstruction errors on sequential
/// inputs.
OneShotPruning prune_one_shot(Network& network, const torch::Tensor& calibration,
                              const OneShotPruningOptions& options,
                              const torch::Tensor& labels = {});

/// One pruning round inside an earlier one (the pruning step of iterative pruning, e.g.
/// `cardinal lottery --pruner layerwise`): layer l keeps kept[l] of the weights `mask` keeps in
/// it, chosen and valued by options.method (layerwise with per-row budgets, or obs). Each row's
/// budget is spread evenly over the layer's rows within what the mask keeps of them (the
/// water-filling row_budgets), and each row's problem is restricted to those coordinates; its
/// target stays the network's current weights (zero where the mask removes, for a network trained
/// with that mask). With a dense mask and the counts of an allocation this is prune_one_shot.
/// options.sparsity is not used; with options.allocation = kReconstruction the rows of all the
/// layers share the total of `kept` by their OBS error paths within the mask (the one-shot
/// reconstruction allocation, with the mask's weights as each row's coordinates), instead of each
/// layer keeping kept[l]; the other allocations are not used. Throws InvalidInput for another
/// method, per-layer budgets, a mask of another network, or a count above what the mask keeps.
OneShotPruning prune_within(Network& network, const torch::Tensor& calibration,
                            const OneShotPruningOptions& options, const Mask& mask,
                            const std::vector<Index>& kept);

/// What a pruning step leaves in the weights it keeps.
enum class PrunedValues {
  kReconstructed,  ///< the pruner's solution: each layer's reconstruction-optimal weights
  kKept,           ///< the weights the network had: the pruner chooses the support only
};

std::string to_string(PrunedValues values);
/// reconstructed | kept.
PrunedValues parse_pruned_values(const std::string& name);

/// A convex pruner as the pruning step of a longer procedure (a lottery level, a mask update of
/// gradual pruning): prune_within with `options` (layerwise with per-row budgets, or obs) on the
/// first `calibration` training examples, normalized as in training.
struct PruningStep {
  OneShotPruningOptions options;
  Index calibration = kDefaultCalibrationExamples;
  PrunedValues values = PrunedValues::kReconstructed;

  /// prune_within(network, calibration_inputs, options, within, kept), each layer keeping as many
  /// weights as `counts` keeps in it (e.g. hard thresholding's or magnitude pruning's mask at this
  /// step); with PrunedValues::kKept the kept weights are then given back the values they had
  /// before the step (the pruned ones are zero either way). The returned layer reports are the
  /// pruner's, at its own values.
  OneShotPruning prune(Network& network, const torch::Tensor& calibration_inputs,
                       const Mask& within, const Mask& counts) const;

  /// Throws InvalidInput (naming the flag) unless the method is layerwise with per-row budgets
  /// or obs, the options are valid and calibration ≥ 1.
  void validate() const;
};

}  // namespace cardinal
