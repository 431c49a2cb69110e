#pragma once

#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

namespace cardinal::bench {

/// The main() of a micro-benchmark program: takes `--smoke` (tiny sizes, for CI) out of the
/// arguments, passes the rest to Google Benchmark, registers with register_all(smoke) and runs.
template <class Register>
int run_benchmarks(int argc, char** argv, Register register_all) {
  bool smoke = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) {
      smoke = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
  register_all(smoke);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace cardinal::bench
