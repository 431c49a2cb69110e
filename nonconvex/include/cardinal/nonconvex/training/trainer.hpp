#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/nonconvex/data/normalization.hpp"
#include "cardinal/nonconvex/data/tensor_dataset.hpp"
#include "cardinal/nonconvex/models/network.hpp"
#include "cardinal/nonconvex/pruning/mask.hpp"
#include "cardinal/nonconvex/pruning/snapshot.hpp"
#include "cardinal/nonconvex/training/optimizer.hpp"
#include "cardinal/nonconvex/training/schedule.hpp"

namespace cardinal {

class MaskedOptimizer;

/// A training duration in iterations (optimizer steps) or in epochs (passes over the training
/// set), written as OpenLTH does: "500it" or "40ep". One iteration is one batch.
struct TrainingLength {
  enum class Unit { kIterations, kEpochs };
  Index amount = 0;
  Unit unit = Unit::kIterations;

  static TrainingLength iterations(Index n) { return {n, Unit::kIterations}; }
  static TrainingLength epochs(Index n) { return {n, Unit::kEpochs}; }

  /// "Nit", "Nep", or a plain "N" (iterations); N ≥ 0. Throws InvalidInput naming `option`.
  static TrainingLength parse(std::string_view text, std::string_view option = "length");

  /// The number of iterations, given how many make an epoch.
  Index in_iterations(Index iterations_per_epoch) const;

  /// "Nit" or "Nep".
  std::string to_string() const;

  friend bool operator==(const TrainingLength&, const TrainingLength&) = default;
};

/// How a network is trained: everything that determines the weights it ends with.
///
/// The learning rate of step t (t = 0, 1, …) is `schedule.lr(t)`; `optimizer.lr` is not used.
/// The batches of epoch e are BatchSampler(N, {batch_size, drop_last = false, shuffle,
/// data_seed}).batches(e), and step t uses batch t mod B of epoch t div B (B batches per
/// epoch), so step t sees the same examples whatever step training (re)started at.
struct TrainingSpec {
  TrainingLength length = TrainingLength::epochs(1);
  Index batch_size = 128;
  OptimizerSpec optimizer;
  ScheduleSpec schedule;
  /// Evaluate on the test set every this many iterations (0: only at the first and the last).
  Index evaluate_every = 0;
  /// Batch size of evaluation passes (does not change any result).
  Index evaluation_batch_size = 1000;
  /// Seed of the batch order and of augmentation.
  std::uint64_t data_seed = 0;
  /// Pad-crop-flip each training batch (CropFlipAugmentation), before normalization.
  bool augment = false;
  /// Applied to every batch (training and test) after augmentation; none: inputs as stored.
  std::optional<Normalization> normalization;

  /// Throws InvalidInput naming the field unless batch sizes are ≥ 1, evaluate_every ≥ 0 and
  /// the optimizer and schedule are valid.
  void validate() const;

  /// Batches per epoch for a training set of `dataset_size` examples (the last may be short).
  Index iterations_per_epoch(Index dataset_size) const;

  /// `length` in iterations for a training set of `dataset_size` examples.
  Index total_iterations(Index dataset_size) const;
};

/// One evaluation during training. `train_loss` is the mean cross-entropy of the training
/// batches stepped on since the previous row (NaN for a row with no steps before it); test loss
/// (mean cross-entropy) and accuracy are computed in eval mode over the whole test set, and so
/// are the validation loss and accuracy when training holds out a validation set.
struct CurveRow {
  Index iteration = 0;  ///< steps taken before this evaluation
  double epoch = 0.0;   ///< iteration / iterations per epoch
  double train_loss = 0.0;
  double test_loss = 0.0;
  double test_accuracy = 0.0;
  std::optional<double> validation_loss;
  std::optional<double> validation_accuracy;

  friend bool operator==(const CurveRow&, const CurveRow&) = default;
};

/// The evaluations of one training run, in iteration order.
struct TrainingCurve {
  std::vector<CurveRow> rows;

  /// CSV with header `iteration,epoch,train_loss,test_loss,test_accuracy`, followed by
  /// `,validation_loss,validation_accuracy` when the rows have them; doubles with 17 significant
  /// digits, so from_csv() reads back exactly the same values.
  std::string to_csv() const;
  /// Parses to_csv() output (either header); throws InvalidInput naming `source` on malformed
  /// text.
  static TrainingCurve from_csv(const std::string& text, const std::string& source);

  /// The row at which training would have stopped early: the first minimum of the validation
  /// loss, or of the test loss for a curve without validation (Frankle & Carbin's criterion).
  /// nullopt for an empty curve.
  std::optional<CurveRow> early_stop() const;
};

/// The data sets train() evaluates on: the test set and, when given, a held-out validation set
/// (examples the training batches never contain). Converts from a test set alone.
struct EvaluationSets {
  EvaluationSets(const TensorDataset& test_set,  // NOLINT(google-explicit-constructor)
                 const TensorDataset* validation_set = nullptr)
      : test(test_set), validation(validation_set) {}

  const TensorDataset& test;
  const TensorDataset* validation;
};

/// Mean cross-entropy and accuracy of a network on a data set.
struct Evaluation {
  double loss = 0.0;
  double accuracy = 0.0;
};

/// Evaluates `network` on `dataset` in eval mode under NoGradGuard, in batches of `batch_size`,
/// normalizing inputs when `normalization` is given; restores the network's training mode.
Evaluation evaluate(Network& network, const TensorDataset& dataset, Index batch_size,
                    const std::optional<Normalization>& normalization, const torch::Device& device);

/// Everything needed to continue an interrupted train() call exactly: the network and the
/// optimizer state after `iteration` steps, the curve so far, and the running training loss.
struct TrainingCheckpoint {
  Index iteration = 0;
  Snapshot network;
  /// The optimizer's per-parameter state (SGD momentum buffers; Adam moments and step counts)
  /// as tensors named "<parameter>/<field>", stored in the snapshot's parameter list.
  Snapshot optimizer;
  TrainingCurve curve;
  double loss_sum = 0.0;  ///< sum of training losses since the last curve row
  Index loss_count = 0;   ///< number of steps in loss_sum
};

/// The steps train() takes: [begin, end). end = -1 means spec.total_iterations(N).
struct TrainingRange {
  Index begin = 0;
  Index end = -1;
};

/// Hooks into train(). All are optional.
struct TrainingCallbacks {
  /// When the network holds the weights after `snapshot_iteration` steps (begin ≤ k ≤ end),
  /// on_snapshot receives a Snapshot of it: the rewind point k.
  Index snapshot_iteration = -1;
  std::function<void(const Snapshot&)> on_snapshot;
  /// Every `checkpoint_every` iterations (> 0), after that iteration's evaluation, if any.
  Index checkpoint_every = 0;
  std::function<void(const TrainingCheckpoint&)> on_checkpoint;
  /// After every curve row (progress reports).
  std::function<void(const CurveRow&)> on_evaluation;
};

/// Trains `network` (already on `device`) with `optimizer` for the steps of `range`, minimizing
/// the mean cross-entropy of each batch, and returns the curve: a row at `range.begin`, at
/// every multiple of spec.evaluate_every in between, and at the end, each evaluated on the
/// test set and on the validation set when `evaluation` has one.
///
/// Deterministic: on the CPU, with a fixed number of threads, the same network, optimizer
/// state, data, spec and range give bit-identical weights and curves. The batches and
/// augmentation depend only on (data_seed, iteration), so train(range {0, k}) followed by
/// train(range {k, T}) with the same optimizer equals train(range {0, T}).
///
/// With `resume` (a checkpoint that on_checkpoint received from a call with the same
/// arguments), the call continues from the checkpoint's iteration: weights and optimizer state
/// are restored and the curve goes on, ending exactly as the uninterrupted call would have.
/// Throws InvalidInput for an invalid spec or range, or a network not on `device`.
TrainingCurve train(Network& network, MaskedOptimizer& optimizer, const TensorDataset& train_set,
                    const EvaluationSets& evaluation, const TrainingSpec& spec,
                    const torch::Device& device, const TrainingCallbacks& callbacks = {},
                    TrainingRange range = {}, const TrainingCheckpoint* resume = nullptr);

/// The same with a fresh MaskedOptimizer(network, mask, spec.optimizer).
TrainingCurve train(Network& network, const Mask& mask, const TensorDataset& train_set,
                    const EvaluationSets& evaluation, const TrainingSpec& spec,
                    const torch::Device& device, const TrainingCallbacks& callbacks = {},
                    TrainingRange range = {});

}  // namespace cardinal
