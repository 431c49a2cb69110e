// Progress of long commands: a bar redrawn in place on a terminal, lines in a log.
#include "cardinal/experiments/commands/progress_bar.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <string>
#include <thread>

namespace cardinal {
namespace {

std::size_t count(const std::string& text, char c) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), c));
}

TEST(ProgressBar, OffWritesNothing) {
  std::ostringstream out;
  {
    ProgressBar bar(out, ProgressStyle::kOff, "sweep", "runs", 3);
    bar.advance(3);
  }
  EXPECT_EQ(out.str(), "");
}

TEST(ProgressBar, OnATerminalOneLineIsRedrawnInPlace) {
  std::ostringstream out;
  {
    ProgressBar bar(out, ProgressStyle::kRedrawn, "sweep", "runs", 3);
    for (int i = 0; i < 3; ++i) bar.advance();
  }
  EXPECT_GE(count(out.str(), '\r'), 2u) << out.str();
  EXPECT_EQ(count(out.str(), '\n'), 1u) << out.str();
  EXPECT_NE(out.str().find("3/3 runs"), std::string::npos) << out.str();
}

TEST(ProgressBar, InALogItWritesWholeLinesNowAndThen) {
  // Every unit when the interval is over at once: a start line and one per unit.
  std::ostringstream every;
  {
    ProgressBar bar(every, ProgressStyle::kLines, "sweep", "runs", 4, 1,
                    std::chrono::milliseconds(0));
    for (int i = 0; i < 3; ++i) bar.advance();
  }
  EXPECT_EQ(count(every.str(), '\r'), 0u) << every.str();
  EXPECT_EQ(count(every.str(), '\n'), 4u) << every.str();
  EXPECT_NE(every.str().find("1/4 runs"), std::string::npos) << every.str();
  EXPECT_NE(every.str().find("2/4 runs"), std::string::npos) << every.str();
  EXPECT_NE(every.str().find("elapsed"), std::string::npos) << every.str();
  EXPECT_NE(every.str().find("ETA"), std::string::npos) << every.str();

  // A long interval: the start line and the last unit's line only.
  std::ostringstream rare;
  {
    ProgressBar bar(rare, ProgressStyle::kLines, "sweep", "runs", 5, 0, std::chrono::hours(1));
    for (int i = 0; i < 5; ++i) bar.advance();
  }
  EXPECT_EQ(count(rare.str(), '\n'), 2u) << rare.str();
  EXPECT_NE(rare.str().find("0/5 runs"), std::string::npos) << rare.str();
  EXPECT_NE(rare.str().find("5/5 runs"), std::string::npos) << rare.str();

  // Finished early (a failed sweep): the last count still gets its line.
  std::ostringstream partial;
  {
    ProgressBar bar(partial, ProgressStyle::kLines, "sweep", "runs", 5, 0, std::chrono::hours(1));
    bar.advance(2);
  }
  EXPECT_NE(partial.str().find("2/5 runs"), std::string::npos) << partial.str();
}

TEST(ProgressBar, InALogALongWaitStillWritesALineEveryInterval) {
  std::ostringstream out;
  {
    ProgressBar bar(out, ProgressStyle::kLines, "sweep", "runs", 2, 0,
                    std::chrono::milliseconds(40));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  // The start line and several while nothing finished.
  EXPECT_GE(count(out.str(), '\n'), 3u) << out.str();
  EXPECT_NE(out.str().find("0/2 runs"), std::string::npos) << out.str();
}

TEST(ProgressLine, ShowsCountsPercentAndAnEtaFromThisSessionsRate) {
  const std::string half = format_progress("sweep", "cells", 5, 0, 10, 10.0, 10);
  EXPECT_EQ(half, "sweep [#####-----] 5/10 cells  50%  elapsed 0:10  ETA 0:10");
  // 4 cells were resumed: 2 fresh cells in 4 s leave 4 cells, 8 s.
  EXPECT_NE(format_progress("sweep", "cells", 6, 4, 10, 4.0).find("ETA 0:08"), std::string::npos);
  EXPECT_NE(format_progress("sweep", "cells", 4, 4, 10, 4.0).find("ETA --:--"), std::string::npos);
  EXPECT_NE(format_progress("sweep", "cells", 10, 0, 10, 3725.0).find("elapsed 1:02:05  ETA 0:00"),
            std::string::npos);
}

}  // namespace
}  // namespace cardinal
