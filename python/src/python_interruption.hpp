// Ctrl-C in a call of either extension (cardinal._cardinal, cardinal._network).
#pragma once

#include <pybind11/pybind11.h>

#include <chrono>

namespace cardinal {

/// The interruption check (cardinal/bridge/interruption.hpp) a call installs while it runs
/// without the GIL: Python's SIGINT handler only sets a flag, which PyErr_CheckSignals turns into
/// KeyboardInterrupt (thrown as error_already_set). Checked at most every 50 ms, since taking the
/// GIL back may wait for another Python thread's switch interval.
inline void python_interruption_check() {
  using Clock = std::chrono::steady_clock;
  thread_local Clock::time_point last_check{};
  const Clock::time_point now = Clock::now();
  if (now - last_check < std::chrono::milliseconds(50)) return;
  last_check = now;
  pybind11::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) throw pybind11::error_already_set();
}

}  // namespace cardinal
