#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/nonconvex/data/tensor_dataset.hpp"
#include "cardinal/nonconvex/models/network.hpp"
#include "cardinal/nonconvex/problem/tensor_space.hpp"
#include "cardinal/nonconvex/pruning/network_pruner.hpp"
#include "cardinal/nonconvex/training/trainer.hpp"

namespace cardinal {

/// The loss a NetworkProblem minimizes, averaged over examples.
enum class NetworkLoss {
  kCrossEntropy,  ///< labels are class indices (int64)
  kSquaredError,  ///< ½ (output − label)², labels are real targets; output N or N×1
};

struct NetworkProblemOptions {
  NetworkLoss loss = NetworkLoss::kCrossEntropy;
  /// Examples per gradient evaluation: each value_and_gradient call takes the next batch of a
  /// seeded shuffle (stochastic gradients, as SGD). 0: the whole training set, every time (a
  /// deterministic objective; evaluated in chunks of evaluation_batch_size).
  Index gradient_batch_size = 128;
  /// Seed of the gradient batches' order (epoch e's permutation depends on (seed, e) only).
  std::uint64_t data_seed = 0;
  /// What minimize_on does: train on the support for `length`, with its batch size, optimizer
  /// and learning-rate schedule (restarted at every call), batches shuffled with seed
  /// data_seed + 1 + (number of earlier calls). Its normalization applies to every input the
  /// problem sees; `augment` and the evaluation fields are not used.
  TrainingSpec restricted_training;
  /// Chunk size of full passes (full-batch gradients, evaluate); does not change results.
  Index evaluation_batch_size = 1000;
  /// starting_point() keeps this fraction of every constrained tensor's coordinates, those of
  /// largest initial magnitude (per tensor, split_budget). 1: the whole initialization, for
  /// iterative solvers; greedy solvers need a start within their budget.
  double start_density = 1.0;
  /// What prune(w, k) does beyond hard thresholding (nullopt: nothing more). With a pruning step,
  /// hard thresholding only decides how many weights each layer keeps (the space's scope: one
  /// global ranking, per layer, ERK); the step (layerwise or obs) decides which, and their values,
  /// by solving each layer's reconstruction problem at w on its calibration examples, the first
  /// of the training set. Needs Granularity::kWeights.
  std::optional<PruningStep> pruning_step;
};

/// A network, a training set and a loss as a problem of the bridge concepts: the same generic
/// solvers that run on GlmProblem run on it. Models DifferentiableProblem, RestrictedProblem,
/// LineSearchProblem, StartingPointProblem and PruningProblem over TensorSpace:
///
/// | operation                  | on a network                                                |
/// |----------------------------|-------------------------------------------------------------|
/// | value_and_gradient(w, g)   | loss and ∇ on the next batch (the whole set with batch 0)   |
/// | value(w)                   | loss on the batch of the latest value_and_gradient          |
/// | minimize_on(a, w)          | training on support a from w (restricted_training)          |
/// | minimize_along(w, d)       | approximate line search on the current batch: the Newton   |
/// |                            | step of φ(η) = f(w + η d) from a finite-difference          |
/// |                            | curvature, halved until φ decreases (exact for a quadratic) |
/// | starting_point()           | the network's initialization (start_density: thresholded)   |
/// | prune(w, k)                | hard thresholding, or the convex pruner (pruning_step)      |
///
/// The problem owns the network and writes every point it evaluates into it; batch-norm
/// running statistics follow the forward passes in training mode. The functions are const in
/// the concepts' sense (the objective does not change) but advance the batch stream.
/// Deterministic on the CPU for a fixed thread count.
class NetworkProblem {
 public:
  using Space = TensorSpace;

  /// Moves both data sets to the network's device and normalizes them once. Throws
  /// InvalidInput for invalid options or data that does not fit the loss.
  NetworkProblem(std::shared_ptr<Network> network, TensorDataset train, TensorDataset test,
                 NetworkProblemOptions options, TensorSpaceOptions space_options = {});

  const TensorSpace& space() const { return space_; }
  double value(const TensorList& w) const;
  double value_and_gradient(const TensorList& w, TensorList& g) const;
  TensorList minimize_on(const TensorSupport& a, const TensorList& w) const;
  double minimize_along(const TensorList& w, const TensorList& d) const;
  TensorList starting_point() const { return start_; }
  /// w pruned to k weights (see NetworkProblemOptions::pruning_step), its support returned.
  TensorSupport prune(TensorList& w, Index k) const;

  /// Loss and accuracy of `w` on the test set (accuracy NaN for kSquaredError).
  Evaluation evaluate(const TensorList& w) const;

  Network& network() const { return *network_; }
  const NetworkProblemOptions& options() const { return options_; }
  /// Gradient evaluations and restricted solves so far.
  Index gradient_evaluations() const { return draws_; }
  Index restricted_solves() const { return solves_; }

 private:
  /// Loss on the examples at `indices` (all with an undefined tensor), with its gradient
  /// written into `gradient` when given.
  double loss_on(const TensorList& w, const torch::Tensor& indices, TensorList* gradient) const;
  torch::Tensor loss_of(const torch::Tensor& output, const torch::Tensor& labels) const;
  torch::Tensor batch_indices(Index draw) const;

  std::shared_ptr<Network> network_;
  TensorDataset train_;
  TensorDataset test_;
  NetworkProblemOptions options_;
  TensorSpace space_;
  TensorList start_;
  mutable Index draws_ = 0;
  mutable Index solves_ = 0;
  mutable torch::Tensor current_;  ///< indices of the latest gradient batch
  mutable Index batches_epoch_ = -1;
  mutable std::vector<torch::Tensor> batches_;  ///< the batches of epoch batches_epoch_
  torch::Tensor calibration_;                   ///< the pruning step's examples
};

}  // namespace cardinal
