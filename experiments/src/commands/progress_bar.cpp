#include "cardinal/experiments/commands/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

namespace cardinal {
namespace {

std::string clock_time(double seconds) {
  const long total = std::lround(std::max(seconds, 0.0));
  char text[32];
  if (total >= 3600)
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, (total / 60) % 60,
                  total % 60);
  else
    std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
  return text;
}

}  // namespace

bool stderr_is_terminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

std::string format_progress(const std::string& label, const std::string& units, Index done,
                            Index resumed, Index total, double elapsed_seconds, int width) {
  const double fraction =
      total > 0 ? std::clamp(static_cast<double>(done) / static_cast<double>(total), 0.0, 1.0)
                : 1.0;
  const int filled = static_cast<int>(std::floor(fraction * width));
  std::ostringstream s;
  s << label << " [" << std::string(static_cast<std::size_t>(filled), '#')
    << std::string(static_cast<std::size_t>(width - filled), '-') << "] " << done << '/' << total
    << ' ' << units << "  " << static_cast<int>(std::floor(100.0 * fraction)) << "%  elapsed "
    << clock_time(elapsed_seconds) << "  ETA ";
  const Index fresh = done - resumed;
  if (done >= total)
    s << "0:00";
  else if (fresh <= 0)
    s << "--:--";
  else
    s << clock_time(elapsed_seconds / static_cast<double>(fresh) *
                    static_cast<double>(total - done));
  return s.str();
}

ProgressBar::ProgressBar(std::ostream& out, bool enabled, std::string label, std::string units,
                         Index total, Index resumed)
    : ProgressBar(out, enabled ? ProgressStyle::kRedrawn : ProgressStyle::kOff, std::move(label),
                  std::move(units), total, resumed) {}

ProgressBar::ProgressBar(std::ostream& out, ProgressStyle style, std::string label,
                         std::string units, Index total, Index resumed,
                         std::chrono::milliseconds line_interval)
    : out_(out),
      style_(style),
      enabled_(style != ProgressStyle::kOff),
      line_interval_(line_interval),
      label_(std::move(label)),
      units_(std::move(units)),
      total_(total),
      resumed_(resumed),
      done_(resumed),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  if (enabled_) draw(true);
  if (style_ == ProgressStyle::kLines && line_interval_.count() > 0)
    ticker_ = std::thread([this] {
      std::unique_lock lock(mutex_);
      while (!finished_) {
        if (stop_.wait_for(lock, line_interval_) == std::cv_status::timeout && !finished_)
          draw(false);
      }
    });
}

ProgressBar::~ProgressBar() {
  finish();
}

void ProgressBar::advance(Index count) {
  std::lock_guard lock(mutex_);
  done_ += count;
  draw(done_ >= total_);
}

void ProgressBar::finish() {
  std::unique_lock lock(mutex_);
  if (!enabled_ || finished_) return;
  if (style_ == ProgressStyle::kRedrawn) {
    draw(true);
    out_ << '\n' << std::flush;
  } else if (drawn_done_ != done_) {
    draw(true);
  }
  finished_ = true;
  stop_.notify_all();
  lock.unlock();
  if (ticker_.joinable()) ticker_.join();
}

void ProgressBar::draw(bool force) {
  if (!enabled_ || finished_) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (style_ == ProgressStyle::kLines) {
    if (!force && now - last_draw_ < line_interval_) return;
    last_draw_ = now;
    drawn_done_ = done_;
    out_ << format_progress(label_, units_, done_, resumed_, total_, elapsed) << '\n' << std::flush;
    return;
  }
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  // Trailing blanks erase the rest of a longer previous line.
  out_ << '\r' << format_progress(label_, units_, done_, resumed_, total_, elapsed) << "   "
       << std::flush;
}

}  // namespace cardinal
