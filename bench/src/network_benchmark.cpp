// Micro-benchmarks of a network training step (Google Benchmark): LeNet-300-100 on a fixed
// batch, with a plain SGD step and with the MaskedOptimizer step that keeps pruned weights at
// zero. The masked step is expected to cost at most 1.1× the dense one.
//
//   cardinal-network-benchmark [--smoke] [Google Benchmark flags]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "benchmark_main.hpp"
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
}

}  // namespace
}  // namespace cardinal::bench

int main(int argc, char** argv) {
  return cardinal::bench::run_benchmarks(argc, argv, cardinal::bench::register_all);
}
