#pragma once

#include <chrono>
#include <condition_variable>
#include <iosfwd>
#include <mutex>
#include <string>
#include <thread>

#include "cardinal/bridge/index.hpp"

namespace cardinal {

/// True when standard error is a terminal (where a redrawn progress line belongs).
bool stderr_is_terminal();

/// One progress line: `label [#####-----]  done/total units  pct%  elapsed m:ss  ETA m:ss`.
/// The ETA extrapolates the rate of this session, `done − resumed` units in `elapsed_seconds`
/// (units finished by an earlier session cost nothing now); "--:--" until one unit is done.
std::string format_progress(const std::string& label, const std::string& units, Index done,
                            Index resumed, Index total, double elapsed_seconds, int width = 30);

/// How a ProgressBar shows itself: not at all, one line redrawn in place (a terminal), or a new
/// line now and then (a log file, a pipe, a batch job's output).
enum class ProgressStyle { kOff, kRedrawn, kLines };

/// Progress on a stream. Redrawn: one line redrawn in place with '\r', at most every 100 ms.
/// Lines: a full line when it starts, then one every `line_interval` (also while no unit
/// finishes: a long sweep shows it is alive) and one for the last unit. Thread-safe.
class ProgressBar {
 public:
  /// `resumed` units were already done when the bar starts. `enabled` chooses kRedrawn or kOff.
  ProgressBar(std::ostream& out, bool enabled, std::string label, std::string units, Index total,
              Index resumed = 0);
  ProgressBar(std::ostream& out, ProgressStyle style, std::string label, std::string units,
              Index total, Index resumed = 0,
              std::chrono::milliseconds line_interval = std::chrono::seconds(60));
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
  ProgressStyle style_;
  bool enabled_;
  std::chrono::milliseconds line_interval_;
  Index drawn_done_ = -1;  ///< the count of the last line written (kLines)
  std::condition_variable stop_;
  std::thread ticker_;  ///< kLines with an interval: writes a line every interval
  std::string label_, units_;
  Index total_, resumed_, done_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool finished_ = false;
  std::mutex mutex_;
};

}  // namespace cardinal
