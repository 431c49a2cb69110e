#include "cardinal/convex/parallel.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <vector>

namespace cardinal {
namespace {

int hardware() {
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

TEST(ConfiguredThreads, SetByTheCallerNotByTheEnvironment) {
  ::setenv("CARDINAL_NUM_THREADS", hardware() == 1 ? "2" : "1", 1);
  EXPECT_EQ(configured_threads(), hardware()) << "the library must not read the environment";
  ::unsetenv("CARDINAL_NUM_THREADS");
  set_configured_threads(3);
  EXPECT_EQ(configured_threads(), 3);
  set_configured_threads(100000);
  EXPECT_EQ(configured_threads(), 256);
  set_configured_threads(0);
  EXPECT_EQ(configured_threads(), hardware());
  set_configured_threads(-5);
  EXPECT_EQ(configured_threads(), hardware());
}

TEST(ParallelFor, VisitsEveryIndexOnceWhateverTheThreads) {
  for (int threads : {1, 2, 7}) {
    std::vector<int> visits(50, 0);
    parallel_for(50, threads, [&](Index i) { ++visits[static_cast<std::size_t>(i)]; });
    for (int v : visits) EXPECT_EQ(v, 1) << threads << " threads";
  }
}

TEST(ParallelFor, RethrowsATaskFailure) {
  EXPECT_THROW(parallel_for(10, 3,
                            [](Index i) {
                              if (i == 4) throw std::runtime_error("task 4");
                            }),
               std::runtime_error);
}

}  // namespace
}  // namespace cardinal
