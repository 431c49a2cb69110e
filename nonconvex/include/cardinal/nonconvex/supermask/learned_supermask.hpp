#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/nonconvex/data/normalization.hpp"
#include "cardinal/nonconvex/data/tensor_dataset.hpp"
#include "cardinal/nonconvex/models/network.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/training/trainer.hpp"

namespace cardinal {

/// How a supermask is learned (Zhou et al. 2019, section 5): the network's weights stay frozen
/// and a real score s per prunable weight is trained instead.
///
/// `training` is read as by train(): length, batch_size, data_seed, augment and normalization
/// fix the batches of every step exactly as there; `optimizer` (SGD or Adam, with its
/// weight_decay acting on the scores) steps the scores only, at learning rate
/// `schedule.lr(t)` at step t; evaluate_every and evaluation_batch_size place and batch the
/// evaluations.
///
/// The default steps the scores with Adam at a constant rate 0.1 (one epoch of LeNet-300-100 on
/// Fashion-MNIST reaches about 78% test accuracy with the expected mask).
struct SupermaskSpec {
  TrainingSpec training{.optimizer = {.kind = OptimizerKind::kAdam}, .schedule = {.base_lr = 0.1}};
  /// σ(s₀): every score starts at s₀ = logit(initial_probability), so every weight is first
  /// kept with this probability. The default 0.5 gives s₀ = 0, and an expected mask
  /// (σ(s) > 0.5) that starts empty and keeps exactly the weights whose score has risen.
  double initial_probability = 0.5;
  /// Seed of the Bernoulli masks sampled during training.
  std::uint64_t sample_seed = 0;

  /// Throws InvalidInput naming the field unless `training` is valid and 0 < p < 1.
  void validate() const;
};

/// One evaluation while a supermask is learned: steps taken, epochs, the mean training loss of
/// the steps since the previous row (NaN for the first row), and the test loss and accuracy of
/// the network with the expected mask (σ(s) > 0.5) and that mask's density.
struct SupermaskCurveRow {
  Index iteration = 0;
  double epoch = 0.0;
  double train_loss = 0.0;
  double test_loss = 0.0;
  double test_accuracy = 0.0;
  double mask_density = 0.0;

  friend bool operator==(const SupermaskCurveRow&, const SupermaskCurveRow&) = default;
};

struct SupermaskCurve {
  std::vector<SupermaskCurveRow> rows;

  /// CSV with header `iteration,epoch,train_loss,test_loss,test_accuracy,mask_density`;
  /// doubles with 17 significant digits, NaN written "nan".
  std::string to_csv() const;
};

/// The scores a supermask was learned as, one tensor per prunable tensor of the network (names
/// and order of prunable_tensors), and the curve of the run.
struct LearnedSupermask {
  std::vector<std::string> names;
  /// float32 CPU tensors with the shapes of the prunable tensors.
  std::vector<torch::Tensor> scores;
  SupermaskCurve curve;

  /// The deterministic mask: keeps the weights with σ(s) > 0.5, i.e. s > 0.
  Mask expected_mask() const;

  /// One Bernoulli(σ(s)) draw per weight: keeps a weight when u < σ(s) for u uniform in [0, 1)
  /// from a CPU torch generator seeded with `seed`, drawn tensor by tensor. Same seed, same
  /// mask.
  Mask sampled_mask(std::uint64_t seed) const;
};

/// Learns a supermask for `network` (already on `device`): its parameters on entry are the
/// frozen weights w (and biases, batch-norm affine parameters, …), and on return every
/// parameter is bit-identical to its value on entry. Only batch-norm running statistics
/// (buffers) change, because the forward passes run in training mode as in train().
///
/// Scores start at s₀ = logit(p₀) (SupermaskSpec::initial_probability). Step t (t = 0, 1, …):
///   1. takes the batch train() would take at step t (same sampler, augmentation and
///      normalization);
///   2. samples m ~ Bernoulli(σ(s)) independently per prunable weight, from a generator of
///      `device` seeded with a hash of (sample_seed, t);
///   3. sets every prunable tensor to w ⊙ m (outside autograd) and computes the mean
///      cross-entropy of the batch and its gradient g = ∂L/∂w_eff with respect to the
///      effective weights w_eff = w ⊙ m (the other parameters are frozen: no gradient);
///   4. passes the gradient straight through the sample: ∂L/∂s := g ⊙ w ⊙ σ(s)(1 − σ(s)), i.e.
///      the derivative of L(w ⊙ σ(s)) with ∂L/∂w_eff evaluated at the sampled mask;
///   5. steps the score optimizer (OptimizerSpec of spec.training, learning rate
///      schedule.lr(t)).
/// The curve has a row at step 0, at every multiple of evaluate_every and at the end, each
/// evaluated (in eval mode, see evaluate()) with the expected mask.
///
/// Deterministic: on the CPU with a fixed thread count, the same network, data, spec and
/// device give bit-identical scores and curves. `on_evaluation` is called after every row.
/// Throws InvalidInput for an invalid spec, an empty training set or a network off `device`.
LearnedSupermask learn_supermask(
    Network& network, const TensorDataset& train_set, const TensorDataset& test_set,
    const SupermaskSpec& spec, const torch::Device& device,
    const std::function<void(const SupermaskCurveRow&)>& on_evaluation = {});

/// evaluate() of `network` with its prunable tensors temporarily set to w ⊙ mask; every
/// parameter is restored bit-identically afterwards. Throws InvalidInput unless the mask
/// matches the network.
Evaluation evaluate_masked(Network& network, const Mask& mask, const TensorDataset& dataset,
                           Index batch_size, const std::optional<Normalization>& normalization,
                           const torch::Device& device);

}  // namespace cardinal
