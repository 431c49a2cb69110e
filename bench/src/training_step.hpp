#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cardinal::bench {

/// One SGD training step of a model on a fixed synthetic batch, as the trainer runs it:
/// zero_grad, forward, cross-entropy, backward, step. Data loading is not part of it.
/// (LibTorch stays behind this header, so that only one translation unit compiles it.)
class TrainingStep {
 public:
  /// `model` as make_model names it, on 1×28×28 inputs with 10 classes. density = 1: a plain
  /// torch::optim optimizer (`optimizer`: "sgd" with lr 0.1, or "adam" with lr 1.2e-3, Frankle
  /// & Carbin's LeNet setting); density < 1: a MaskedOptimizer over the same optimizer whose mask
  /// keeps that fraction of every prunable tensor (chosen at random), as a pruned network trains.
  TrainingStep(const std::string& model, std::int64_t batch, double density, std::uint64_t seed,
               const std::string& optimizer = "sgd");
  ~TrainingStep();
  TrainingStep(const TrainingStep&) = delete;
  TrainingStep& operator=(const TrainingStep&) = delete;

  void run();

  /// FLOPs (2 per multiply–add) of the linear layers in one step: the forward pass, the weight
  /// gradients, and the input gradients of every layer but the first. Exact for fully connected
  /// models (lenet300); convolutions are not counted.
  double linear_flops() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Seconds per single-precision product C = A B (m×k times k×n) through LibTorch, i.e. its BLAS;
/// one sample per repeat, each the mean over enough calls for about 2 GFLOP (at least one).
std::vector<double> time_sgemm(std::int64_t m, std::int64_t k, std::int64_t n, int repeats);

/// at::set_num_threads (with OpenBLAS's OpenMP flavour, also the BLAS's threads).
void set_torch_threads(int threads);

/// The LibTorch version the benchmarks were built against.
std::string torch_version();

}  // namespace cardinal::bench
