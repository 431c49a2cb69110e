#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/nonconvex/models/factory.hpp"
#include "cardinal/nonconvex/pruning/network_pruner.hpp"
#include "cardinal/nonconvex/pruning/pruning_at_initialization.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"
#include "cardinal/nonconvex/training/trainer.hpp"

namespace cardinal {

/// How a lottery-ticket experiment goes from one level (pruning round) to the next. Level 0
/// always trains the dense network for T iterations from its initialization W0. Level L >= 1
/// prunes (mask m_L) and trains again; the methods differ in the mask, the weights retraining
/// starts from and the learning rates. With k the rewind iteration, W_k the level-0 weights
/// after k steps, W_T(L-1) the weights level L-1 ended with and lr(t) the schedule:
///
///   imp-reset:  m_L prunes m_{L-1} by |W_T(L-1)|; start from m_L * W0; steps 0..T-1 at lr(t).
///   imp-rewind: m_L prunes m_{L-1} by |W_T(L-1)|; start from m_L * W_k; steps k..T-1 at lr(t).
///   one-shot:   m_L prunes the dense mask by |W_T(0)| with every fraction f -> 1-(1-f)^L;
///               start from m_L * W_k; steps k..T-1 at lr(t).
///   fine-tune:  m_L prunes m_{L-1} by |W_T(L-1)|; start from m_L * W_T(L-1); steps k..T-1 at
///               the constant rate lr(T-1).
///   lr-rewind:  m_L prunes m_{L-1} by |W_T(L-1)|; start from m_L * W_T(L-1); steps k..T-1 at
///               lr(t).
///
/// imp-reset is Frankle & Carbin (ICLR 2019); imp-rewind is weight rewinding (Frankle,
/// Dziugaite, Roy & Carbin, ICML 2020); fine-tune and lr-rewind are the retraining schemes of
/// Renda, Frankle & Carbin (ICLR 2020), which with imp-rewind all retrain for T - k steps.
///
/// The pruning-at-initialization methods never look at trained weights: level L prunes the
/// dense mask at W0 by the criterion (InitializationCriterion) to level L's sparsity, with one
/// round of one_shot_pruning(spec, L) (the kept counts of one-shot and IMP's layer-wise
/// counts), then trains from m_L * W0 for steps 0..T-1 at lr(t), like imp-reset:
///
///   snip, grasp-init, synflow, magnitude-init, random-init
///
/// snip and grasp-init score on the first kSaliencyExamples examples of the epoch-0 training
/// order (normalized as training normalizes them). docs/lottery.md has the details.
enum class LotteryMethod {
  kImpReset,
  kImpRewind,
  kOneShot,
  kFineTune,
  kLrRewind,
  kSnip,
  kGraspInit,
  kSynFlow,
  kMagnitudeInit,
  kRandomInit
};

/// The examples snip and grasp-init score on (GraSP's 10 per class for 10 classes; SNIP uses one
/// batch of 100 on MNIST).
inline constexpr Index kSaliencyExamples = 100;

/// The criterion of a pruning-at-initialization method; nullopt for the others.
std::optional<InitializationCriterion> initialization_criterion(LotteryMethod method);
/// Whether every level trains from W0 from step 0 (imp-reset and pruning at initialization).
bool starts_from_initialization(LotteryMethod method);

/// The controls a ticket is compared with at each level L ≥ 1 (Frankle & Carbin 2019):
/// random-reinit keeps the ticket's mask m_L but starts from a fresh random initialization;
/// random-mask uses a random mask with as many weights in every layer as m_L (random_mask_like)
/// on the method's original weights: W0 (imp-reset), W_k (imp-rewind, one-shot) or the dense
/// trained W_T(0) (fine-tune, lr-rewind). Both train exactly as the ticket of that level.
enum class LotteryControl { kRandomReinit, kRandomMask };

/// "imp-reset", "imp-rewind", "one-shot", "fine-tune", "lr-rewind", "snip", "grasp-init",
/// "synflow", "magnitude-init", "random-init".
std::vector<std::string> known_lottery_methods();
/// Throws InvalidInput listing the known methods for another name.
LotteryMethod parse_lottery_method(std::string_view text);
std::string to_string(LotteryMethod method);

/// "random-reinit", "random-mask".
std::vector<std::string> known_lottery_controls();
LotteryControl parse_lottery_control(std::string_view text);
std::string to_string(LotteryControl control);

/// Everything that defines a lottery-ticket run (how many levels to go is not part of it: a
/// run with more levels extends one with fewer).
struct LotterySpec {
  std::string model = "lenet300";
  ModelInput input;
  TrainingSpec training;
  /// One pruning round; Frankle & Carbin prune LeNet layer-wise, 20% of the remaining hidden
  /// weights and 10% of the remaining output weights per round.
  PruningSpec pruning{.fraction = 0.2, .output_fraction = 0.1, .scope = PruningScope::kLayerwise};
  LotteryMethod method = LotteryMethod::kImpReset;
  /// k: where rewinding methods rewind to and where retraining starts (see LotteryMethod).
  TrainingLength rewind = TrainingLength::iterations(0);
  /// Seed of the initialization: torch::manual_seed(seed) before make_model. Controls derive
  /// their own seeds from it and the level.
  std::uint64_t seed = 0;
  /// The pruning step of the methods that prune trained weights (imp-reset, imp-rewind, one-shot,
  /// fine-tune, lr-rewind); nullopt: magnitude pruning (prune_magnitude by `pruning`). Level L
  /// keeps, in every layer, as many weights as magnitude pruning by the run's PruningSpec would
  /// (the same counts as magnitude IMP at every level), and `options.method` (layerwise, with
  /// per-row budgets, or obs) chooses which among the weights m_{L-1} keeps, on the layer
  /// reconstruction problems of the trained network (prune_within) with the first `calibration`
  /// training examples, normalized as in training. The reconstruction decides the mask; the weights
  /// retraining starts from are the method's: W0 or W_k on the new support for the resetting and
  /// rewinding methods (the lottery ticket), the reconstructed weights for fine-tune and lr-rewind
  /// (which keep the trained network). Every model: a convolution's problem is on its unfolded
  /// input patches (calibration_gram.hpp).
  std::optional<PruningStep> pruner;

  /// Throws InvalidInput unless the model is known, the training spec is valid, the pruning
  /// fractions are in [0, 1], imp-reset has k = 0, k < T, and a pruner is valid, of a
  /// method that prunes trained weights (in iterations, for a training set of `train_size`
  /// examples).
  void validate(Index train_size) const;

  /// k and T in iterations for a training set of `train_size` examples.
  Index rewind_iteration(Index train_size) const;
  Index total_iterations(Index train_size) const;
};

/// The PruningSpec that takes a dense network to level `level` of iterative pruning in one
/// round: every fraction f (default, output, per layer) becomes 1 − (1 − f)^level. Counts are
/// rounded once, so they may differ by one weight from `level` iterative rounds.
PruningSpec one_shot_pruning(const PruningSpec& per_level, Index level);

}  // namespace cardinal
