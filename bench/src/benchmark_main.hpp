#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
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
  // Debian builds libbenchmark without NDEBUG, so the report below opens with "Library was
  // built as DEBUG. Timings may be affected.": that concerns the library's own bookkeeping
  // around each timed loop, not the code measured, which is cardinal's own build.
  std::fprintf(stderr,
               "note: a \"Library was built as DEBUG\" warning below is about Debian's Google "
               "Benchmark library (built without NDEBUG), not the code timed, which is "
#ifdef NDEBUG
               "cardinal's optimized build"
#else
               "cardinal's own build (a debug build here: its timings are not meaningful)"
#endif
               ".\n");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace cardinal::bench
