// Micro-benchmarks of a network training step (Google Benchmark): LeNet-300-100 on a fixed
// batch, with a plain SGD step and with the MaskedOptimizer step that keeps pruned weights at
// zero (expected to cost at most 1.1× the dense one); and the same SGD steps taken by the generic
// DynamicHardThresholding solver through NetworkProblem, with the TensorSpace operations it is
// made of. Compare the `steps` rates: trainer against solver is the price of writing a solver
// once against the bridge concepts.
//
//   cardinal-network-benchmark [--smoke] [Google Benchmark flags]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "benchmark_main.hpp"
#include "solver_step.hpp"
#include "training_step.hpp"

namespace cardinal::bench {
namespace {

/// range(0): batch; range(1): threads; range(2): kept per mille (1000: dense, no mask).
void BM_TrainingStep(benchmark::State& state) {
  set_torch_threads(static_cast<int>(state.range(1)));
  TrainingStep step("lenet300", state.range(0), static_cast<double>(state.range(2)) / 1000.0, 1);
  for (int i = 0; i < 5; ++i) step.run();
  for (auto _ : state) step.run();
  state.counters["flops"] =
      benchmark::Counter(step.linear_flops(), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["steps"] = benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
}

/// range(0): batch; range(1): threads; range(2): SolverStep::Kind; range(3): steps per run
/// (kThresholdingSteps; 1 otherwise). Supports keep 10% of the weights.
void BM_SolverStep(benchmark::State& state) {
  set_torch_threads(static_cast<int>(state.range(1)));
  const auto kind = static_cast<SolverStep::Kind>(state.range(2));
  const std::int64_t steps = state.range(3);
  SolverStep step(kind, "lenet300", state.range(0), 0.1, steps, 1);
  step.run();
  for (auto _ : state) step.run();
  state.counters["steps"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsIterationInvariantRate);
}

void register_all(bool smoke) {
  const int all = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const std::vector<int> threads = all > 1 ? std::vector<int>{1, all} : std::vector<int>{1};
  const std::int64_t batch = smoke ? 4 : 60;
  for (int t : threads) {
    benchmark::RegisterBenchmark("BM_TrainingStep/lenet300/dense", BM_TrainingStep)
        ->Args({batch, t, 1000})
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark("BM_TrainingStep/lenet300/masked", BM_TrainingStep)
        ->Args({batch, t, 200})
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
  }
  using Kind = SolverStep::Kind;
  const std::vector<std::pair<const char*, Kind>> kinds = {
      {"thresholding_steps", Kind::kThresholdingSteps},
      {"value_and_gradient", Kind::kValueAndGradient},
      {"restrict", Kind::kRestrict},
      {"norm_on", Kind::kNormOn},
      {"norm_off", Kind::kNormOff},
      {"support_size", Kind::kSupportSize},
      {"axpy", Kind::kAxpy},
      {"copy", Kind::kCopy}};
  for (const auto& [name, kind] : kinds) {
    const std::int64_t steps = kind == Kind::kThresholdingSteps ? (smoke ? 2 : 100) : 1;
    benchmark::RegisterBenchmark((std::string("BM_SolverStep/lenet300/") + name).c_str(),
                                 BM_SolverStep)
        ->Args({batch, 1, static_cast<std::int64_t>(kind), steps})
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
  }
}

}  // namespace
}  // namespace cardinal::bench

int main(int argc, char** argv) {
  return cardinal::bench::run_benchmarks(argc, argv, cardinal::bench::register_all);
}
