#pragma once

#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/experiments/store/run_index.hpp"

namespace cardinal {

/// Summary statistics of a sample (over the seeds of a series).
struct Statistics {
  Index n = 0;
  double mean = std::numeric_limits<double>::quiet_NaN();
  /// Sample standard deviation (divisor n − 1); 0 for a single value, NaN for none.
  double std = std::numeric_limits<double>::quiet_NaN();
  double min = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
};

/// n, mean, sample standard deviation, min and max of `values` (all of them, NaN included).
Statistics summarize(const std::vector<double>& values);

/// A point of a series aggregated over seeds: lottery test accuracy or early-stopping iteration
/// at one pruning level.
struct LevelPoint {
  std::string series;  ///< the run's series for the ticket; `<series> <control>` for a control
  Index level = 0;
  double fraction_remaining = 0.0;  ///< mean over seeds (the seeds prune alike)
  Statistics value;
};

/// Lottery runs: a quantity of each stage per series and level, from each run's summary.csv
/// column `<kind>_<quantity>` (`test_accuracy`, or `early_stop_test_accuracy` for runs with a
/// validation set; rows without it add nothing). Series in order of first appearance (a run's
/// ticket, then its controls), levels ascending.
std::vector<LevelPoint> lottery_accuracy(const std::filesystem::path& store,
                                         const std::vector<RunRecord>& runs,
                                         const std::string& quantity = "test_accuracy");

/// Lottery runs: the early-stopping iteration per series and level, the iteration of minimum
/// validation loss in the stage's curve.csv, or of minimum test loss for a run without a
/// validation set (the earliest on a tie; rows with a NaN loss ignored). Stages without a curve
/// are left out.
std::vector<LevelPoint> lottery_early_stopping(const std::filesystem::path& store,
                                               const std::vector<RunRecord>& runs);

/// The iteration of minimum validation loss in a curve.csv (test loss when it has no validation
/// columns; see TrainingCurve::to_csv); -1 when no row has a loss.
Index early_stopping_iteration(const std::filesystem::path& curve_csv);

/// The instability (error barrier of linear mode connectivity) at one pruning level and rewind
/// iteration k, over the seeds.
struct InstabilityPoint {
  Index level = 0;
  double fraction_remaining = 0.0;
  Index rewind_iteration = 0;
  Statistics error_barrier;
};

/// Lottery runs with --instability: `instability_error_barrier` of summary.csv per level and
/// rewind iteration k (the run's settings.json), levels then k ascending. Runs without the
/// column add nothing.
std::vector<InstabilityPoint> lottery_instability(const std::filesystem::path& store,
                                                  const std::vector<RunRecord>& runs);

/// One row of a training curve of a run's ticket.
struct CurvePoint {
  std::string series;
  std::string seed;  ///< the run's seed as text ("" when it has none)
  Index level = 0;
  double fraction_remaining = 0.0;
  Index iteration = 0;
  double test_loss = 0.0;
  double test_accuracy = 0.0;
};

/// Lottery runs: the ticket's training curves of the first seed (the smallest) of each series,
/// for up to `max_levels` levels spread evenly from level 0 to the last.
std::vector<CurvePoint> lottery_training_curves(const std::filesystem::path& store,
                                                const std::vector<RunRecord>& runs,
                                                Index max_levels = 5);

/// One row of a solver trace.
struct TracePoint {
  std::string series;
  std::string seed;
  Index iteration = 0;
  double objective = 0.0;
  Index support_size = 0;
};

/// Solve runs: trace.csv of the first seed of each series.
std::vector<TracePoint> solve_traces(const std::filesystem::path& store,
                                     const std::vector<RunRecord>& runs);

/// A final result of a series aggregated over seeds.
struct FinalMetric {
  std::string series;
  std::string command;
  /// objective, test_accuracy, support_recovered (1 or 0, the mean is the recovery rate) and
  /// fraction_remaining of solve runs (where solution.json has them); test_accuracy and
  /// fraction_remaining of the last level's ticket of lottery runs.
  std::string metric;
  Statistics value;
};

/// Solve and lottery runs: the final metrics of each series, series in order of appearance.
std::vector<FinalMetric> final_metrics(const std::filesystem::path& store,
                                       const std::vector<RunRecord>& runs);

/// A series of sparse-training runs (solve runs on a network) at its final fraction of weights
/// remaining, aggregated over seeds: a point beside the lottery curves.
struct SparsityPoint {
  std::string method;  ///< the runs' solver (rigl, gmp, ...): series of one method share a style
  std::string series;
  double fraction_remaining = 0.0;  ///< mean over seeds
  Statistics accuracy;              ///< final test accuracy
};

/// Solve runs with a test accuracy and a fraction of weights remaining in solution.json (network
/// runs): one point per series, series in order of appearance.
std::vector<SparsityPoint> sparse_training_accuracy(const std::filesystem::path& store,
                                                    const std::vector<RunRecord>& runs);

/// A supermask criterion's test accuracy aggregated over seeds.
struct CriterionPoint {
  std::string series;  ///< the kept-weights choice (initial, signed-constant), after the run's
                       ///< series when the experiment has several
  std::string criterion;
  double fraction_remaining = 0.0;  ///< mean over seeds
  Statistics accuracy;
};

/// Supermask runs: test accuracy per kept-weights choice and criterion, from results.csv;
/// criteria in order of first appearance.
std::vector<CriterionPoint> supermask_accuracy(const std::filesystem::path& store,
                                               const std::vector<RunRecord>& runs);

/// The dense baselines of supermask runs (baselines.csv: network,test_accuracy), averaged over
/// the runs, in order of first appearance.
std::vector<std::pair<std::string, Statistics>> supermask_baselines(
    const std::filesystem::path& store, const std::vector<RunRecord>& runs);

/// A CSV field as a number: NaN when empty or not a number.
double csv_number(const std::string& text);

/// The number in `column` of a CSV row; NaN when the row has no such column.
double field(const std::map<std::string, std::string>& row, const std::string& column);

}  // namespace cardinal
