#include "cardinal/convex/parallel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
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

struct Interrupted {};

std::atomic<int> checks{0};
std::thread::id checking_thread;

void interrupt_at_the_fifth_check() {
  EXPECT_EQ(std::this_thread::get_id(), checking_thread) << "a helper ran the caller's check";
  if (++checks == 5) throw Interrupted{};
}

TEST(ParallelFor, StopsAtTheCallersInterruptionCheck) {
  for (int threads : {1, 3}) {
    checks = 0;
    checking_thread = std::this_thread::get_id();
    std::atomic<int> tasks{0};
    {
      const ScopedInterruptionCheck interruptible(interrupt_at_the_fifth_check);
      // The caller checks between its own tasks only: tasks that take a while (as a row of OBS
      // does) let it take some, where instant ones could all be done by the helpers first.
      EXPECT_THROW(parallel_for(100000, threads,
                                [&](Index) {
                                  ++tasks;
                                  std::this_thread::sleep_for(std::chrono::microseconds(100));
                                }),
                   Interrupted);
    }
    EXPECT_EQ(checks, 5) << threads << " threads";
    EXPECT_LT(tasks, 100000) << threads << " threads";
    if (threads == 1) EXPECT_EQ(tasks, 4);
    // Without a check the loop runs to its end.
    tasks = 0;
    parallel_for(1000, threads, [&](Index) { ++tasks; });
    EXPECT_EQ(tasks, 1000);
  }
}

}  // namespace
}  // namespace cardinal
