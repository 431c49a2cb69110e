#pragma once

namespace cardinal {

/// A function a caller installs to stop a long solve from outside, e.g. on Ctrl-C in an
/// interpreter that holds the signal until its own code runs. It throws to interrupt; the
/// solver's stack unwinds and the exception reaches the caller. Solvers call it once per
/// iteration (record, solver_result.hpp), so it must be cheap when nothing is pending.
using InterruptionCheck = void (*)();

/// The check of the calling thread (none by default): a solve runs in one thread, and a check
/// installed by one caller must not fire in another caller's solve.
inline thread_local InterruptionCheck current_interruption_check = nullptr;

/// Calls the check installed for this thread, if any.
inline void check_interruption() {
  if (current_interruption_check != nullptr) current_interruption_check();
}

/// Installs `check` for this thread for the lifetime of the guard, restoring the previous one.
class ScopedInterruptionCheck {
 public:
  explicit ScopedInterruptionCheck(InterruptionCheck check)
      : previous_(current_interruption_check) {
    current_interruption_check = check;
  }
  ~ScopedInterruptionCheck() { current_interruption_check = previous_; }
  ScopedInterruptionCheck(const ScopedInterruptionCheck&) = delete;
  ScopedInterruptionCheck& operator=(const ScopedInterruptionCheck&) = delete;

 private:
  InterruptionCheck previous_;
};

}  // namespace cardinal
