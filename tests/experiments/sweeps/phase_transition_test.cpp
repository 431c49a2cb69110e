// The phase-transition grid and the records a sweep resumes from.
#include "cardinal/experiments/sweeps/phase_transition.hpp"

#include <gtest/gtest.h>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

PhaseTransitionSettings small_grid() {
  PhaseTransitionSettings s;
  s.dimension = 40;
  s.deltas = {0.25, 0.5, 1.0};
  s.rhos = {0.1, 0.5};
  s.trials = 3;
  s.solvers = {"omp", "iht"};
  return s;
}

TEST(PhaseTransitionGrid, CellsRunDeltaSlowestWithSizesRoundedAndClamped) {
  const PhaseTransitionSettings s = small_grid();
  const std::vector<PhaseCell> cells = phase_cells(s);
  ASSERT_EQ(cells.size(), 6u);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    EXPECT_EQ(cells[i].delta_index, static_cast<Index>(i / 2));
    EXPECT_EQ(cells[i].rho_index, static_cast<Index>(i % 2));
  }
  EXPECT_EQ(cells[0].samples, 10);  // 0.25 · 40
  EXPECT_EQ(cells[0].sparsity, 1);  // round(0.1 · 10)
  EXPECT_EQ(cells[5].samples, 40);
  EXPECT_EQ(cells[5].sparsity, 20);

  PhaseTransitionSettings none = s;
  none.deltas = {0.001};
  EXPECT_THROW(phase_cells(none), InvalidInput);  // no samples at p = 40
}

TEST(PhaseTransitionGrid, ATrialSeedDependsOnTheSizesNotOnTheGrid) {
  EXPECT_EQ(trial_seed(1, 40, 10, 1, 0), trial_seed(1, 40, 10, 1, 0));
  EXPECT_NE(trial_seed(1, 40, 10, 1, 0), trial_seed(1, 40, 10, 1, 1));
  EXPECT_NE(trial_seed(1, 40, 10, 1, 0), trial_seed(2, 40, 10, 1, 0));
  EXPECT_NE(trial_seed(1, 40, 10, 1, 0), trial_seed(1, 40, 10, 2, 0));
}

TEST(PhaseTransitionRecords, OnlyARecordOfThisGridAndTheseSolversResumes) {
  const PhaseTransitionSettings s = small_grid();
  const std::vector<PhaseCell> cells = phase_cells(s);
  PhaseResults done;
  const nlohmann::json record = cell_record(s, cells[3], {2, 3});
  EXPECT_EQ(successes_of_record(s, cells, done, record), (std::vector<Index>{2, 3}));

  done[{cells[3].delta_index, cells[3].rho_index}] = {2, 3};
  EXPECT_FALSE(successes_of_record(s, cells, done, record));  // already done
  done.clear();

  nlohmann::json other = record;
  other["samples"] = 11;  // another p gives other sizes
  EXPECT_FALSE(successes_of_record(s, cells, done, other));
  other = record;
  other["successes"]["iht"] = 4;  // more successes than trials
  EXPECT_FALSE(successes_of_record(s, cells, done, other));
  other = record;
  other["rho_index"] = 2;  // outside the grid
  EXPECT_FALSE(successes_of_record(s, cells, done, other));
  other = record;
  other["successes"].erase("iht");
  other["successes"]["htp"] = 1;  // another solver list
  EXPECT_THROW(successes_of_record(s, cells, done, other), nlohmann::json::exception);
}

TEST(PhaseTransitionCurve, TheHalfCrossingInterpolatesWhereSuccessFallsBelowOneHalf) {
  EXPECT_DOUBLE_EQ(*half_crossing({0.1, 0.2, 0.3}, {1.0, 0.75, 0.25}), 0.25);
  EXPECT_FALSE(half_crossing({0.1, 0.2}, {0.4, 0.1}));  // never at least 1/2
  EXPECT_FALSE(half_crossing({0.1, 0.2}, {1.0, 0.9}));  // never falls below
}

}  // namespace
}  // namespace cardinal
