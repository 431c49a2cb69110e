#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace cardinal::bench {

/// The generic solvers' path on a network: a NetworkProblem over a model on a synthetic training
/// set, driven by DynamicHardThresholding (the mechanism of GMP, DPF and AC/DC), or one of the
/// TensorSpace operations that path is made of. Compared with TrainingStep, it says what running
/// a solver written once against the bridge concepts costs over the trainer's own loop.
/// (LibTorch stays behind this header, as for TrainingStep.)
class SolverStep {
 public:
  /// What run() does.
  enum class Kind {
    kThresholdingSteps,  ///< DynamicHardThresholding::minimize, `steps` SGD steps at fixed k
    kValueAndGradient,   ///< NetworkProblem::value_and_gradient on the next batch
    kRestrict,           ///< TensorSpace::restrict of the parameters to a support
    kNormOn,             ///< TensorSpace::norm_on
    kNormOff,            ///< TensorSpace::norm_off
    kSupportSize,        ///< TensorSpace::size
    kAxpy,               ///< TensorSpace::axpy
    kCopy,               ///< a deep copy of the parameters (TensorList's copy)
  };

  /// `model` as make_model names it (1×28×28 inputs, 10 classes), trained on 6,000 uniform
  /// random images with random labels at batch `batch`; supports keep `density` of the
  /// constrained weights (global magnitude ranking of the initialization).
  SolverStep(Kind kind, const std::string& model, std::int64_t batch, double density,
             std::int64_t steps, std::uint64_t seed);
  ~SolverStep();
  SolverStep(const SolverStep&) = delete;
  SolverStep& operator=(const SolverStep&) = delete;

  void run();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cardinal::bench
