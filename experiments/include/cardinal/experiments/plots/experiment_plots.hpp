#pragma once

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/experiments/experiment.hpp"
#include "cardinal/experiments/gnuplot.hpp"
#include "cardinal/experiments/run_index.hpp"

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

/// The runs of one experiment that plots and reports draw from.
struct ExperimentRuns {
  std::string variant;             ///< the variant drawn
  std::vector<RunRecord> all;      ///< every run of the experiment in the store, index order
  std::vector<RunRecord> runs;     ///< the selected finished runs, index order
  std::vector<std::string> notes;  ///< one line per run left out, saying why
};

/// Selects the runs to draw from `records` (a store's runs of one experiment): those of
/// `variant` ("" = the variant of the most recently finished run) that are done and have their
/// results under `store/<directory>/output`. Within an arm, runs whose settings other than the
/// sweep coordinates differ from those of the arm's most recently finished run (an earlier
/// sweep with other `--set` values) are left out too, so that a series never mixes settings.
ExperimentRuns select_runs(const std::filesystem::path& store,
                           const std::vector<RunRecord>& records, const std::string& variant = "");

/// The runs of experiment `name` in the store at `store` (its index.sqlite), selected by
/// select_runs. InvalidInput when there is no store there, or no run of the experiment in it.
ExperimentRuns read_experiment_runs(const std::filesystem::path& store, const std::string& name,
                                    const std::string& variant = "");

/// The series a run belongs to: its arm, followed by its sweep coordinates other than the seed
/// (`arm key=value ...`); the seeds of a series are aggregated.
std::string series_of(const RunRecord& run);

/// What `runs` ran on, for titles and report headers: the model and data set of network runs
/// ("lenet300 on fashion-mnist, 20000 training examples"), the problem and data of convex ones
/// ("logistic on synthetic 2000 x 500"), distinct settings joined by "; ".
std::string runs_setting(const std::vector<RunRecord>& runs);

/// The number of seeds of the series with the most, among `runs` ("" command: every run).
Index seeds_of(const std::vector<RunRecord>& runs);

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

/// A table of labels and numbers: the CSV a plot draws, or a report's table.
struct PlotTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;

  /// Header line and one line per row; fields holding a comma or quote are quoted.
  std::string to_csv() const;
};

/// `value` as text: the shortest form that reads back to the same double; "NaN" for NaN.
std::string format_number(double value);

/// One figure of an experiment.
struct ExperimentPlot {
  std::string name;  ///< file stem of `<name>.csv`, `.gp`, `.png`, `.svg`
  std::string title;
  std::string caption;   ///< what is drawn, and what the error bars are
  PlotTable data;        ///< the numbers drawn, written as `<name>.csv`
  PlotTable summary;     ///< the same numbers for reading (mean ± std (n)); may be empty
  GnuplotFigure figure;  ///< named `name`, reading `<name>.csv`
};

/// The figures of the selected runs of `definition`: by its plot kind and the commands of the
/// runs, lottery (accuracy and early-stopping iteration vs weights remaining, training curves),
/// solve (objective vs iteration, final metric per series), supermask (accuracy per criterion);
/// a "mixed" experiment also gets the final test accuracy of every series side by side.
std::vector<ExperimentPlot> experiment_plots(const std::filesystem::path& store,
                                             const ExperimentDefinition& definition,
                                             const ExperimentRuns& runs);

/// Which images write_plots keeps.
enum class ImageFormats { kPng, kSvg, kBoth };

/// "png", "svg" or "both"; InvalidInput otherwise.
ImageFormats parse_image_formats(const std::string& name);

/// Writes each plot's `<name>.csv` and `<name>.gp` into `directory` (created) and draws the
/// images with gnuplot (see GnuplotRenderer for the executable). Every file appears atomically:
/// gnuplot draws into hidden siblings that are renamed into place. Throws InvalidInput when
/// gnuplot cannot be found, std::runtime_error when it fails on a figure.
void write_plots(const std::filesystem::path& directory, const std::vector<ExperimentPlot>& plots,
                 ImageFormats formats);

/// A figure a command drew itself (`bounds`: the objective gap or distance against its bounds;
/// `phase-transition`: a phase diagram per solver), collected from a run's output.
struct CollectedFigure {
  std::string name;     ///< file stem in the plot folder: `<series>[-seed<k>]-<figure>`
  std::string title;    ///< what it shows, for which run
  std::string caption;  ///< how to read it
  PlotTable summary;    ///< bounds: each theorem's status and largest ratio; may be empty
  std::vector<std::string> files;  ///< the files written, names only
};

/// Copies the figures of the `bounds` and `phase-transition` runs among `runs` into `output`
/// (created when there is one): each image (PNG and/or SVG, as `formats` says) as
/// `<series>[-seed<k>]-<figure>.<ext>`, its gnuplot script as `<...>-<figure>.gp` and the CSV
/// files the script reads, prefixed the same way, with the script's file names rewritten so
/// that `gnuplot <...>-<figure>.gp` redraws it in `output`. Figures in run order.
std::vector<CollectedFigure> collect_command_figures(const std::filesystem::path& store,
                                                     const std::vector<RunRecord>& runs,
                                                     const std::filesystem::path& output,
                                                     ImageFormats formats);

}  // namespace cardinal
