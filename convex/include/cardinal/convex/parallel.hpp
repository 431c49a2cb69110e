#pragma once

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/bridge/interruption.hpp"

namespace cardinal {

/// The threads cardinal's parallel passes use when a caller does not say: the count last given
/// to set_configured_threads, otherwise every hardware thread. The library reads no environment:
/// the programs set it (from CARDINAL_NUM_THREADS).
int configured_threads();

/// Sets configured_threads() for the process: `threads` clamped to [1, 256], or with threads <= 0
/// every hardware thread again.
void set_configured_threads(int threads);

/// Calls task(i) for every i in [0, count) on min(threads, count) threads (0: configured_threads),
/// the calling thread included; indices are handed out one at a time. Each task must write only
/// its own outputs, so the results do not depend on the number of threads. The first exception a
/// task throws is rethrown here once every thread has stopped.
///
/// Before each task a thread calls its interruption check (interruption.hpp): the calling
/// thread's, when its caller installed one (helpers have none), so that a loop of tasks without
/// iterations of their own (OBS's rows) can be interrupted between them. An interruption stops
/// the loop as a task's failure does, after the tasks already running.
template <class Task>
void parallel_for(Index count, int threads, const Task& task) {
  if (threads <= 0) threads = configured_threads();
  const int used = static_cast<int>(std::clamp<Index>(count, 1, std::max(1, threads)));
  std::atomic<Index> next{0};
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (Index i = next++; i < count && !failed; i = next++) {
      try {
        check_interruption();
        task(i);
      } catch (...) {
        if (!failed.exchange(true)) failure = std::current_exception();
      }
    }
  };
  std::vector<std::thread> helpers;
  for (int t = 1; t < used; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace cardinal
