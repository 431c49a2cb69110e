#include "solver_step.hpp"

#include <torch/types.h>

#include <cmath>
#include <optional>

#include "cardinal/nonconvex/models/factory.hpp"
#include "cardinal/nonconvex/problem/network_problem.hpp"
#include "cardinal/solvers/dynamic_hard_thresholding.hpp"

namespace cardinal::bench {

struct SolverStep::State {
  Kind kind;
  std::int64_t steps = 0;
  std::optional<NetworkProblem> problem;
  TensorList w, g;
  TensorSupport support;
  Index k = 0;
  double sink = 0.0;
};

SolverStep::SolverStep(Kind kind, const std::string& model, std::int64_t batch, double density,
                       std::int64_t steps, std::uint64_t seed)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.kind = kind;
  s.steps = steps;
  torch::manual_seed(seed);
  TensorDataset train{torch::rand({6000, 1, 28, 28}), torch::randint(0, 10, {6000}, torch::kLong),
                      10, "synthetic"};
  TensorDataset test{train.inputs.narrow(0, 0, 100), train.labels.narrow(0, 0, 100), 10,
                     "synthetic"};
  NetworkProblemOptions options;
  options.gradient_batch_size = batch;
  options.data_seed = seed;
  s.problem.emplace(make_model(model, ModelInput{}), std::move(train), std::move(test), options);
  const TensorSpace& space = s.problem->space();
  s.w = s.problem->starting_point();
  s.k = std::max<Index>(1, std::llround(density * static_cast<double>(space.dimension())));
  s.support = space.largest(s.w, s.k);
  s.problem->value_and_gradient(s.w, s.g);
}

SolverStep::~SolverStep() = default;

void SolverStep::run() {
  State& s = *state_;
  const NetworkProblem& problem = *s.problem;
  const TensorSpace& space = problem.space();
  switch (s.kind) {
    case Kind::kThresholdingSteps: {
      DynamicHardThresholdingOptions options;
      options.stopping.max_iterations = s.steps;
      options.step = 0.1;
      options.update_period = 100;
      s.sink += DynamicHardThresholding(options).minimize(problem, s.k).objective;
      break;
    }
    case Kind::kValueAndGradient:
      s.sink += problem.value_and_gradient(s.w, s.g);
      break;
    case Kind::kRestrict:
      space.restrict(s.w, s.support);
      break;
    case Kind::kNormOn:
      s.sink += space.norm_on(s.g, s.support);
      break;
    case Kind::kNormOff:
      s.sink += space.norm_off(s.g, s.support);
      break;
    case Kind::kSupportSize:
      s.sink += static_cast<double>(space.size(s.support));
      break;
    case Kind::kAxpy:
      space.axpy(1e-30, s.g, s.w);
      break;
    case Kind::kCopy: {
      const TensorList copy = s.w;
      s.sink += static_cast<double>(copy.size());
      break;
    }
  }
}

}  // namespace cardinal::bench
