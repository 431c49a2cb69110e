#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/nonconvex/data/batch_sampler.hpp"
#include "cardinal/nonconvex/models/network.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"

namespace cardinal {

/// Criteria for pruning a network once, at its initialization, before any training. Each
/// scores every prunable weight θ_q; pruning removes the lowest scores (prune_by_scores).
///
///   snip            |θ_q · ∂L/∂θ_q| on a batch: connection sensitivity (Lee, Ajanthan & Torr,
///                   ICLR 2019).
///   grasp-init      θ_q · (Hg)_q on a batch, with g = ∇L and H = ∇²L of the loss of the logits
///                   divided by a temperature: removes the weights of largest −θ ⊙ Hg, whose
///                   removal reduces the gradient norm ‖g‖² least (gradient signal
///                   preservation; Wang, Zhang & Grosse, ICLR 2020). Not the GraSP solver of
///                   Bahmani, Raj & Boufounos (`--solver grasp`).
///   synflow         |θ_q · ∂R/∂θ_q| with R = 1ᵀ(∏_l |W_l|)1 the network's output on an input
///                   of ones with every parameter replaced by its absolute value, in eval mode,
///                   pruned iteratively over `synflow_rounds` rounds with the kept fraction
///                   decaying exponentially; data-free (Tanaka, Kunin, Yamins & Ganguli,
///                   NeurIPS 2020).
///   magnitude-init  |θ_q| at initialization (a control): prune_magnitude.
///   random-init     a uniformly random choice (a control): prune_random.
enum class InitializationCriterion { kSnip, kGraspInit, kSynFlow, kMagnitude, kRandom };

/// "snip", "grasp-init", "synflow", "magnitude-init", "random-init".
std::vector<std::string> known_initialization_criteria();
/// Throws InvalidInput listing the known criteria for another name.
InitializationCriterion parse_initialization_criterion(std::string_view text);
std::string to_string(InitializationCriterion criterion);
/// Whether the criterion reads data (snip, grasp-init); synflow and the controls do not.
bool needs_data(InitializationCriterion criterion);

struct InitializationPruningOptions {
  /// grasp-init divides the logits by this temperature (Wang et al. use 200).
  double grasp_temperature = 200.0;
  /// synflow's pruning rounds (Tanaka et al. use 100).
  Index synflow_rounds = 100;
  /// Seed of random-init (prune_random's seed).
  std::uint64_t seed = 0;
};

/// The scores, one double tensor per prunable tensor of `network` (on the CPU, shaped like it),
/// of the network's current weights with `mask` applied. `batch` holds inputs as the network
/// consumes them (normalized) and their labels; the loss is the mean cross-entropy. The network's
/// weights, gradients and training mode are as before when a function returns.
std::vector<torch::Tensor> snip_scores(Network& network, const Mask& mask, const Batch& batch);
std::vector<torch::Tensor> grasp_scores(Network& network, const Mask& mask, const Batch& batch,
                                        double temperature);
std::vector<torch::Tensor> synflow_scores(Network& network, const Mask& mask,
                                          const std::vector<int64_t>& input_shape);

/// Prunes `mask` once by `criterion` at the network's current weights, removing in each group
/// exactly the weights one round of `spec` removes (PruningSpec, pruned_count): the kept counts
/// are those of magnitude pruning with the same spec. synflow gets there in
/// `options.synflow_rounds` rounds, round r pruning the dense mask by the spec compounded to
/// the power r/rounds (compound_pruning), the weights removed earlier ranking first.
/// `batch` is required by snip and grasp-init and ignored by the others; `input_shape` is one
/// example's shape (C, H, W) for synflow. Throws InvalidInput on a missing batch.
Mask prune_at_initialization(Network& network, const Mask& mask, const PruningSpec& spec,
                             InitializationCriterion criterion, const Batch* batch,
                             const std::vector<int64_t>& input_shape,
                             const InitializationPruningOptions& options = {});

}  // namespace cardinal
