#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/pruning/pruning_spec.hpp"
#include "cardinal/nonconvex/pruning/snapshot.hpp"

namespace torch::nn {
class Module;
}

namespace cardinal {

/// The mask criteria of Zhou, Lan, Liu & Yosinski (2019), "Deconstructing Lottery Tickets:
/// Zeros, Signs, and the Supermask". Each scores a weight from its initial value w_i and its
/// final (trained) value w_f; a mask keeps the highest-scored weights:
///
///   large_final              |w_f|                  (Frankle & Carbin's lottery ticket)
///   small_final              −|w_f|
///   large_init               |w_i|
///   small_init               −|w_i|
///   large_init_large_final   min(|w_i|, |w_f|)
///   small_init_small_final   −max(|w_i|, |w_f|)
///   magnitude_increase       |w_f| − |w_i|
///   movement                 |w_f − w_i|
///   random                   a uniform draw, independent of the weights
///
/// and, for every criterion but random, a sign-preserving variant "<criterion>_same_sign" whose
/// score is the same where w_i · w_f > 0 and −∞ elsewhere: a weight whose sign changed during
/// training (or that is zero at either end) is never kept. large_final_same_sign is the paper's
/// best supermask criterion.
enum class MaskCriterion {
  kLargeFinal,
  kSmallFinal,
  kLargeInit,
  kSmallInit,
  kLargeInitLargeFinal,
  kSmallInitSmallFinal,
  kMagnitudeIncrease,
  kMovement,
  kRandom,
  kLargeFinalSameSign,
  kSmallFinalSameSign,
  kLargeInitSameSign,
  kSmallInitSameSign,
  kLargeInitLargeFinalSameSign,
  kSmallInitSmallFinalSameSign,
  kMagnitudeIncreaseSameSign,
  kMovementSameSign,
};

/// Every criterion, in the order of the enumeration.
std::vector<MaskCriterion> all_mask_criteria();

/// Their names ("large_final", …, "movement_same_sign"), in the same order.
std::vector<std::string> known_mask_criteria();

/// The criterion named `text`; throws InvalidInput naming `text` and listing the known names.
MaskCriterion parse_mask_criterion(std::string_view text);

std::string to_string(MaskCriterion criterion);

/// A one-line description of the criterion's score (for help texts).
std::string describe(MaskCriterion criterion);

/// Whether `criterion` is a "_same_sign" variant.
bool is_same_sign(MaskCriterion criterion);

/// The score of every entry of a tensor whose initial and final values are `initial` and
/// `final` (same shape, any floating dtype and device): a contiguous CPU float64 tensor of that
/// shape, −∞ where a same-sign criterion excludes the entry. The values are converted to double
/// before the arithmetic. Throws InvalidInput for kRandom (its scores need a seed, see
/// criterion_mask), for differing shapes, and for a non-finite value.
torch::Tensor criterion_scores(MaskCriterion criterion, const torch::Tensor& initial,
                               const torch::Tensor& final);

/// The mask that keeps, of the weights `candidates` keeps, the highest-scored ones by
/// `criterion`, scoring each weight from its value in `initial` and in `final` (snapshots of
/// the same network, looked up by the mask's tensor names). Weights `candidates` removes stay
/// removed; pass Mask::dense(network) for the paper's setting.
///
/// Counts follow the count rule of pruning_spec.hpp: with kLayerwise scope every tensor keeps
/// pruned_count(keep_fraction, r) = round(keep_fraction · r) of its r candidates; with kGlobal
/// scope all tensors share one ranking and keep round(keep_fraction · R) of the R candidates in
/// all. A same-sign criterion never keeps a weight whose sign changed: where fewer than the
/// requested count keep their sign, only those are kept and the mask is sparser than asked.
///
/// Ties are broken as prune_magnitude breaks them: of equal scores, the weight that comes first
/// in (mask tensor order, flat row-major index) is removed first, so the later one is kept.
///
/// kRandom scores every candidate, tensor by tensor in flat order, with a uniform double in
/// [0, 1) from a std::mt19937_64 stream of `seed` (53 random bits per draw): the mask depends
/// only on (candidates, keep_fraction, scope, seed), on every platform. Other criteria ignore
/// `seed`.
///
/// Throws InvalidInput unless keep_fraction is in (0, 1] and both snapshots hold every mask
/// tensor with the mask's shape and finite values.
Mask criterion_mask(const Snapshot& initial, const Snapshot& final, const Mask& candidates,
                    MaskCriterion criterion, double keep_fraction, PruningScope scope,
                    std::uint64_t seed = 0);

/// What the weights a supermask keeps are set to when the untrained network is evaluated.
enum class KeptWeights {
  kInitial,         ///< their initial values w_i
  kSignedConstant,  ///< sign(w_i) · σ_l, σ_l the standard deviation of layer l's initial weights
};

/// "initial" or "signed-constant"; throws InvalidInput naming `text` otherwise.
KeptWeights parse_kept_weights(std::string_view text);
std::string to_string(KeptWeights kept);

/// Sets `network` to the untrained supermask network: every parameter and buffer from
/// `initial` (restore(network, initial, mask)), so that the weights `mask` removes are exactly
/// zero and the kept ones equal their initial values; with kSignedConstant every kept weight of
/// prunable tensor l is then replaced by sign(w_i) · σ_l (zero where w_i = 0), where σ_l is the
/// population standard deviation of all of tensor l's initial weights (computed in double,
/// kept or not; Zhou et al.'s "signed constant" re-initialization, σ_l standing for the
/// layer's initialization scale). Biases and other parameters keep their initial values.
/// Throws InvalidInput, before modifying anything, if the snapshot or the mask does not match
/// the network.
void load_supermask_network(torch::nn::Module& network, const Snapshot& initial, const Mask& mask,
                            KeptWeights kept = KeptWeights::kInitial);

}  // namespace cardinal
