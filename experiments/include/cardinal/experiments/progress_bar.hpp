#pragma once

#include <chrono>
#include <iosfwd>
#include <mutex>
#include <string>

#include "cardinal/bridge/index.hpp"

namespace cardinal {

/// True when standard error is a terminal (where a redrawn progress line belongs).
bool stderr_is_terminal();

/// One progress line: `label [#####-----]  done/total units  pct%  elapsed m:ss  ETA m:ss`.
/// The ETA extrapolates the rate of this session, `done − resumed` units in `elapsed_seconds`
/// (units finished by an earlier session cost nothing now); "--:--" until one unit is done.
std::string format_progress(const std::string& label, const std::string& units, Index done,
                            Index resumed, Index total, double elapsed_seconds, int width = 30);

/// A progress line on a stream, redrawn in place with '\r'. Thread-safe; redraws at most every
/// 100 ms (and always for the last unit). Does nothing when disabled.
class ProgressBar {
 public:
  /// `resumed` units were already done when the bar starts.
  ProgressBar(std::ostream& out, bool enabled, std::string label, std::string units, Index total,
              Index resumed = 0);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// Records `count` more finished units.
  void advance(Index count = 1);
  /// Draws the final state and ends the line (also done by the destructor).
  void finish();

 private:
  void draw(bool force);

  std::ostream& out_;
  bool enabled_;
  std::string label_, units_;
  Index total_, resumed_, done_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool finished_ = false;
  std::mutex mutex_;
};

}  // namespace cardinal
