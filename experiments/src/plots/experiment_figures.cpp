#include "cardinal/experiments/plots/experiment_figures.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/plots/series_statistics.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"
#include "cardinal/experiments/store/run_results.hpp"

namespace cardinal {
namespace fs = std::filesystem;
namespace {

// ---- tables --------------------------------------------------------------------------------

/// "0.9812 ± 0.0021 (3)": the mean to 4 significant digits and the deviation to the same
/// decimal place, so that every cell of a table reads alike; "-" when there is no value.
std::string mean_std(const Statistics& s) {
  if (s.n == 0) return "-";
  const double magnitude = std::abs(s.mean);
  const bool fixed =
      s.mean == 0.0 || (std::isfinite(s.mean) && magnitude >= 1e-3 && magnitude < 1e6);
  const int decimals = fixed && magnitude > 0.0
                           ? std::max(0, 3 - static_cast<int>(std::floor(std::log10(magnitude))))
                           : 0;
  const auto text = [&](double value) {
    if (!fixed) return printf_text("%.3e", value);
    char format[16];
    std::snprintf(format, sizeof format, "%%.%df", decimals);
    return printf_text(format, value);
  };
  if (s.n == 1) return text(s.mean) + " (1)";
  return text(s.mean) + " ± " + text(s.std) + " (" + std::to_string(s.n) + ")";
}

std::string percent(double fraction) {
  return printf_text("%.3g", 100.0 * fraction) + "%";
}

std::vector<std::string> statistic_columns(const std::string& quantity) {
  return {"n", quantity + "_mean", quantity + "_std", quantity + "_min", quantity + "_max"};
}

void append_statistics(std::vector<std::string>& row, const Statistics& s) {
  row.push_back(std::to_string(s.n));
  for (double v : {s.mean, s.std, s.min, s.max}) row.push_back(format_number(v));
}

PlotTable level_table(const std::vector<LevelPoint>& points, const std::string& quantity) {
  PlotTable t;
  t.columns = {"series", "level", "fraction_remaining"};
  for (const std::string& c : statistic_columns(quantity)) t.columns.push_back(c);
  for (const LevelPoint& p : points) {
    std::vector<std::string> row = {p.series, std::to_string(p.level),
                                    format_number(p.fraction_remaining)};
    append_statistics(row, p.value);
    t.rows.push_back(std::move(row));
  }
  return t;
}

// ---- gnuplot -------------------------------------------------------------------------------

std::string column_ref(const PlotTable& t, const std::string& name) {
  const auto it = std::find(t.columns.begin(), t.columns.end(), name);
  if (it == t.columns.end()) throw std::logic_error("plot: no column " + name);
  return "($" + std::to_string(it - t.columns.begin() + 1) + ")";
}

/// `expression` on the rows whose first column is `series`, NaN (no point) on the others.
std::string on_series(const std::string& series, const std::string& expression) {
  return "(strcol(1) eq " + gnuplot_string(series) + " ? " + expression + " : NaN)";
}

/// A tic label: gnuplot reads explicit tic labels as formats, so % is doubled.
std::string tic_label(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '%' ? std::string("%%") : std::string(1, c);
  return gnuplot_string(out);
}

std::string file_of(const std::string& name) {
  return gnuplot_string(name + ".csv");
}

std::vector<std::string> unique_series(const PlotTable& t) {
  std::vector<std::string> out;
  for (const auto& row : t.rows)
    if (std::find(out.begin(), out.end(), row[0]) == out.end()) out.push_back(row[0]);
  return out;
}

/// A gnuplot title expression: lines of `text` (split at '\n') joined by newlines.
std::string title_expression(const std::string& text) {
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    out += (out.empty() ? "" : " . \"\\n\" . ") + gnuplot_string(line);
  return out.empty() ? "\"\"" : out;
}

/// The second line of a title: what ran, and over how many seeds.
std::string setting_line(const std::string& setting, Index seeds) {
  return setting + (setting.empty() ? "" : ", ") + "mean ± std over " + std::to_string(seeds) +
         " seed" + (seeds == 1 ? "" : "s");
}

/// "first seed of 3": figures that draw one seed per series say how many there are.
std::string first_seed_of(Index seeds) {
  return seeds > 1 ? "first seed of " + std::to_string(seeds) : "1 seed";
}

std::string common_settings(const std::string& title) {
  return "set termoption noenhanced\nset encoding utf8\nset title " + title_expression(title) +
         "\nset grid\nset border lw 1\n";
}

/// Weights-remaining axis as in Frankle & Carbin: percent, log scale, 100 on the left; tics at
/// `ticks` (the pruning levels) and at those of `others` (points drawn beside them at other
/// fractions) that no tic is near, the range covering both.
std::string weights_axis(const std::set<double>& ticks, const std::set<double>& others = {}) {
  std::set<double> all = ticks;
  all.insert(others.begin(), others.end());
  const double high = 100.0 * (all.empty() ? 1.0 : *all.rbegin());
  const double low = 100.0 * (all.empty() ? 0.01 : *all.begin());
  std::ostringstream s;
  s << "set xlabel \"weights remaining (%)\"\n"
    << "set logscale x\n"
    << "set xrange [" << format_number(high * 1.08) << ":" << format_number(low / 1.12) << "]\n";
  // The other fractions get a tic of their own where no tic is near (within a factor 1.2).
  std::set<double> labelled = ticks;
  for (double f : others)
    if (std::none_of(ticks.begin(), ticks.end(),
                     [&](double t) { return std::abs(std::log(f / t)) < std::log(1.2); }))
      labelled.insert(f);
  const std::vector<double> tics(labelled.rbegin(), labelled.rend());
  const std::size_t step = tics.size() > 32 ? 3 : tics.size() > 16 ? 2 : 1;
  s << "set xtics (";
  for (std::size_t i = 0; i < tics.size(); i += step)
    s << (i ? ", " : "") << tic_label(printf_text("%.3g", 100.0 * tics[i])) << " "
      << format_number(100.0 * tics[i]);
  s << ")\nset mxtics default\n";
  return s.str();
}

std::set<double> fractions_of(const std::vector<LevelPoint>& points) {
  std::set<double> out;
  for (const LevelPoint& p : points)
    if (p.fraction_remaining > 0) out.insert(p.fraction_remaining);
  return out;
}

/// Series drawn side by side on the log weights axis are shifted by this factor apart, so that
/// their error bars (with caps) do not hide each other.
constexpr double kSeriesShift = 0.022;

/// Error bars of the aggregated plots.
constexpr const char* kErrorBars =
    "Points are means over seeds; error bars are ± one sample standard deviation (n − 1); the "
    "CSV also holds n, min and max.";

/// A paper's fraction of weights remaining matches a row's when they agree to 3% (the paper's
/// 21.1% is IMP's level 7 at 20.97%).
bool same_fraction(double a, double b) {
  return std::abs(std::log(a / b)) < 0.03;
}

/// `names` without repetitions, in order, joined by ", ".
std::string join_distinct(const std::vector<std::string>& names) {
  std::vector<std::string> seen;
  std::string out;
  for (const std::string& name : names) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

/// The paper's data sets, joined by ", " ("" when there is no value).
std::string paper_datasets(const std::vector<PaperValue>& paper) {
  std::vector<std::string> names;
  for (const PaperValue& v : paper) names.push_back(v.dataset);
  return join_distinct(names);
}

/// "paper (mnist, abstract): best supermask": a paper value's legend title.
std::string paper_title(const PaperValue& v) {
  return "paper (" + v.dataset + ", " + v.source + "): " + v.label + " " +
         format_number(v.test_accuracy);
}

/// Adds the column "paper (<data sets>)" to a summary table whose rows lie at `row_fractions`
/// (none: a row without one, e.g. a dense baseline): each paper value at a row's fraction fills
/// that row's cell; the others become rows of their own, "paper: <label>" in the first column.
void add_paper_column(PlotTable& summary, const std::vector<std::optional<double>>& row_fractions,
                      const std::vector<PaperValue>& paper) {
  if (paper.empty()) return;
  summary.columns.push_back("paper (" + paper_datasets(paper) + ")");
  for (auto& row : summary.rows) row.push_back("-");
  for (const PaperValue& v : paper) {
    bool placed = false;
    for (std::size_t r = 0; r < row_fractions.size() && v.fraction_remaining && !placed; ++r)
      if (row_fractions[r] && same_fraction(*row_fractions[r], *v.fraction_remaining)) {
        summary.rows[r].back() = format_number(v.test_accuracy) + " (" + v.source + ")";
        placed = true;
      }
    if (placed) continue;
    std::vector<std::string> row(summary.columns.size(), "-");
    row[0] = "paper: " + v.label;
    if (v.fraction_remaining && row.size() > 2) row[1] = percent(*v.fraction_remaining);
    row.back() = format_number(v.test_accuracy) + " (" + v.source + ")";
    summary.rows.push_back(std::move(row));
  }
}

/// The gnuplot plot items of paper values: a point at its weights remaining (x in percent, when
/// `weights_axis`) or a dashed line; black, so that they read as the reference.
std::string paper_items(const std::vector<PaperValue>& paper, bool weights_axis) {
  std::ostringstream s;
  int line = 0;
  for (const PaperValue& v : paper) {
    if (v.fraction_remaining && weights_axis)
      s << ", \\\n    \"+\" using (" << format_number(100.0 * *v.fraction_remaining) << "):("
        << format_number(v.test_accuracy)
        << ") with points pt 6 ps 2.2 lw 2 lc rgb \"black\" title "
        << gnuplot_string(paper_title(v));
    else
      s << ", \\\n    " << format_number(v.test_accuracy) << " with lines dt " << 4 + line++
        << " lw 2 lc rgb \"black\" title " << gnuplot_string(paper_title(v));
  }
  return s.str();
}

/// What a caption says of the paper values: where they are, and whether the data set differs.
std::string paper_caption(const std::vector<PaperValue>& paper, const std::string& runs_dataset) {
  if (paper.empty()) return "";
  const std::string datasets = paper_datasets(paper);
  std::string out =
      " Black: the values the paper reports (points at their weights remaining, lines for values "
      "without one; the table's paper column), on " +
      datasets + ".";
  if (!runs_dataset.empty() && runs_dataset != datasets)
    out += " These runs are on " + runs_dataset +
           ", not the paper's data set: compare the shape, not the values.";
  return out;
}

/// One figure of a per-level quantity against weights remaining: the accuracy, the accuracy at
/// early stopping, the early-stopping iteration.
struct LevelPlot {
  std::string name;     ///< file stem
  std::string title;    ///< report heading
  std::string heading;  ///< the image title's first line, after "<experiment>: "
  std::string ylabel;
  std::string quantity;               ///< the CSV columns' stem
  std::string caption;                ///< before the error bars' sentence
  std::string settings;               ///< further gnuplot settings
  bool dense_line = false;            ///< the dense network (level 0) as a dashed line
  std::vector<SparsityPoint> sparse;  ///< sparse-training runs, drawn as points
  std::vector<PaperValue> paper;      ///< the paper's values, in black
  std::string runs_dataset;           ///< the runs' data set, against the paper's
};

/// Rows: the levels, then the sparse-training points, by weights remaining; columns: the
/// lottery series, the sparse-training methods; cells mean ± std (n).
PlotTable level_summary(const std::vector<LevelPoint>& points,
                        const std::vector<SparsityPoint>& sparse,
                        std::vector<std::optional<double>>& row_fractions) {
  std::vector<std::string> series;
  std::map<Index, double> fractions;
  std::map<std::pair<std::string, Index>, Statistics> cells;
  for (const LevelPoint& p : points) {
    if (std::find(series.begin(), series.end(), p.series) == series.end())
      series.push_back(p.series);
    fractions.emplace(p.level, p.fraction_remaining);
    cells[{p.series, p.level}] = p.value;
  }
  std::vector<std::string> methods;
  for (const SparsityPoint& p : sparse)
    if (std::find(methods.begin(), methods.end(), p.method) == methods.end())
      methods.push_back(p.method);
  PlotTable t;
  t.columns = {"level", "weights remaining"};
  for (const std::string& s : series) t.columns.push_back(s);
  for (const std::string& m : methods) t.columns.push_back(m);
  std::vector<std::pair<double, std::vector<std::string>>> rows;
  for (const auto& [level, fraction] : fractions) {
    std::vector<std::string> row = {std::to_string(level), percent(fraction)};
    for (const std::string& s : series) {
      const auto it = cells.find({s, level});
      row.push_back(it == cells.end() ? "-" : mean_std(it->second));
    }
    row.resize(t.columns.size(), "-");
    rows.emplace_back(fraction, std::move(row));
  }
  for (const SparsityPoint& p : sparse) {
    std::vector<std::string> row(t.columns.size(), "-");
    row[1] = percent(p.fraction_remaining);
    const auto m = std::find(methods.begin(), methods.end(), p.method) - methods.begin();
    row[2 + series.size() + static_cast<std::size_t>(m)] = mean_std(p.accuracy);
    rows.emplace_back(p.fraction_remaining, std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  row_fractions.clear();
  for (auto& [fraction, row] : rows) {
    row_fractions.push_back(fraction);
    t.rows.push_back(std::move(row));
  }
  return t;
}

ExperimentPlot level_plot(const LevelPlot& spec, const std::string& experiment,
                          const std::vector<LevelPoint>& points, Index seeds,
                          const std::string& setting) {
  ExperimentPlot p;
  p.name = spec.name;
  p.title = spec.title;
  // The dense network: level 0 of the first series (every arm's level 0 trains it alike).
  std::optional<LevelPoint> dense;
  for (const LevelPoint& q : points)
    if (spec.dense_line && q.level == 0 && q.value.n > 0 && !std::isnan(q.value.mean)) {
      dense = q;
      break;
    }
  p.caption = spec.caption +
              (dense ? " The dashed grey line is the dense network's value (level 0)." : "") +
              (spec.sparse.empty()
                   ? ""
                   : " Points without lines: networks trained sparse from the start at a fixed "
                     "fraction of the weights (one style per method), beside the pruning "
                     "curves.") +
              paper_caption(spec.paper, spec.runs_dataset) + " " + kErrorBars;
  p.data = level_table(points, spec.quantity);
  for (const SparsityPoint& s : spec.sparse) {
    std::vector<std::string> row = {s.series, "", format_number(s.fraction_remaining)};
    append_statistics(row, s.accuracy);
    p.data.rows.push_back(std::move(row));
  }
  std::vector<std::optional<double>> row_fractions;
  p.summary = level_summary(points, spec.sparse, row_fractions);
  add_paper_column(p.summary, row_fractions, spec.paper);

  std::set<double> others;
  for (const SparsityPoint& s : spec.sparse) others.insert(s.fraction_remaining);
  for (const PaperValue& v : spec.paper)
    if (v.fraction_remaining) others.insert(*v.fraction_remaining);
  std::ostringstream s;
  s << common_settings(experiment + ": " + spec.heading + "\n" + setting_line(setting, seeds))
    << weights_axis(fractions_of(points), others) << "set ylabel " << gnuplot_string(spec.ylabel)
    << "\nset offsets 0, 0, graph 0.05, graph 0.05\nset bars 1.5\n"
    << spec.settings << "plot";
  std::vector<std::string> series;
  for (const LevelPoint& q : points)
    if (std::find(series.begin(), series.end(), q.series) == series.end())
      series.push_back(q.series);
  const std::string x = column_ref(p.data, "fraction_remaining");
  const std::string mean = column_ref(p.data, spec.quantity + "_mean");
  const std::string deviation = column_ref(p.data, spec.quantity + "_std");
  std::size_t items = 0;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const double shift =
        (static_cast<double>(i) - static_cast<double>(series.size() - 1) / 2.0) * kSeriesShift;
    s << (items++ ? ", \\\n    " : " ") << file_of(p.name) << " skip 1 using "
      << on_series(series[i], "100*" + x + "*exp(" + format_number(shift) + ")") << ":" << mean
      << ":" << deviation << " with yerrorlines lw 2 pt 7 ps 0.8 title "
      << gnuplot_string(series[i]);
  }
  // Sparse-training points: one colour and symbol per method, titled once.
  std::vector<std::string> methods;
  for (const SparsityPoint& q : spec.sparse) {
    const bool first = std::find(methods.begin(), methods.end(), q.method) == methods.end();
    if (first) methods.push_back(q.method);
    const auto m = static_cast<std::size_t>(std::find(methods.begin(), methods.end(), q.method) -
                                            methods.begin());
    s << (items++ ? ", \\\n    " : " ") << file_of(p.name) << " skip 1 using "
      << on_series(q.series, "100*" + x) << ":" << mean << ":" << deviation
      << " with yerrorbars lw 2 pt " << 5 + 2 * m << " ps 1.4 lc " << series.size() + m + 1 << " "
      << (first ? "title " + gnuplot_string(q.method + " (trained sparse from the start)")
                : std::string("notitle"));
  }
  if (dense)
    s << ", \\\n    " << format_number(dense->value.mean)
      << " with lines dt 2 lw 1.5 lc rgb \"#444444\" title "
      << gnuplot_string("dense network (level 0): " + printf_text("%.4f", dense->value.mean));
  s << paper_items(spec.paper, true) << "\n";
  p.figure = {.name = p.name, .body = s.str(), .width = 1000, .height = 650};
  return p;
}

ExperimentPlot accuracy_plot(const std::string& experiment, const std::vector<LevelPoint>& points,
                             Index seeds, const std::string& setting,
                             const std::vector<SparsityPoint>& sparse,
                             const std::vector<PaperValue>& paper,
                             const std::string& runs_dataset) {
  return level_plot(
      {.name = "accuracy-vs-weights",
       .title = "Test accuracy vs weights remaining",
       .heading = "test accuracy vs weights remaining",
       .ylabel = "test accuracy",
       .quantity = "test_accuracy",
       .caption =
           "Final test accuracy of each pruning level's training, against the fraction of "
           "weights remaining (log scale; the series are shifted slightly sideways so that their "
           "error bars do not hide each other). A ticket above both controls at the same weights "
           "remaining, by more than the error bars, is the lottery-ticket effect; differences "
           "within the error bars are noise.",
       .settings = "set key below box\n",
       .dense_line = true,
       .sparse = sparse,
       .paper = paper,
       .runs_dataset = runs_dataset},
      experiment, points, seeds, setting);
}

ExperimentPlot early_stop_accuracy_plot(const std::string& experiment,
                                        const std::vector<LevelPoint>& points, Index seeds,
                                        const std::string& setting) {
  return level_plot(
      {.name = "early-stop-accuracy-vs-weights",
       .title = "Test accuracy at early stopping vs weights remaining",
       .heading = "test accuracy at early stopping",
       .ylabel = "test accuracy at early stopping",
       .quantity = "early_stop_test_accuracy",
       .caption = "Test accuracy at the iteration of minimum validation loss of each stage's "
                  "training (Frankle & Carbin's early-stopping criterion; runs with a validation "
                  "set only), against the fraction of weights remaining (log scale).",
       .settings = "set key below box\n",
       .dense_line = true},
      experiment, points, seeds, setting);
}

ExperimentPlot early_stopping_plot(const std::string& experiment,
                                   const std::vector<LevelPoint>& points, Index seeds,
                                   const std::string& setting, bool intermediate_evaluations) {
  ExperimentPlot p = level_plot(
      {.name = "early-stopping-vs-weights",
       .title = "Early-stopping iteration vs weights remaining",
       .heading = "early-stopping iteration vs weights remaining",
       .ylabel = "early-stopping iteration",
       .quantity = "early_stop_iteration",
       .caption = "The iteration of minimum validation loss (test loss for runs without a "
                  "validation set) in each stage's training curve, whose resolution is the "
                  "evaluation interval (--evaluate-every; a curve evaluated only at its start and "
                  "end gives its last iteration).",
       .settings = "set key below box\nset yrange [0:*]\n"},
      experiment, points, seeds, setting);
  if (intermediate_evaluations) return p;
  // Every curve has only its start and end: the "minimum" is the last iteration, a flat line
  // that says nothing. Say so instead of drawing it.
  p.caption =
      "Not drawn: these runs evaluated the test loss only at the start and the end of each "
      "stage (--evaluate-every 0), so there is no early-stopping iteration to find. Rerun with "
      "--set evaluate-every=N (e.g. 100) to draw it.";
  p.summary = {};
  std::ostringstream s;
  s << common_settings(experiment + ": early-stopping iteration vs weights remaining\n" +
                       setting_line(setting, seeds))
    << weights_axis(fractions_of(points))
    << "set ylabel \"early-stopping iteration\"\nset yrange [0:1]\nset ytics format \"\"\n"
    << "set label 1 "
    << gnuplot_string(
           "no intermediate evaluations (--evaluate-every 0): no early-stopping iteration to draw")
    << " at graph 0.5, graph 0.5 center\nplot NaN notitle\n";
  p.figure = {.name = p.name, .body = s.str(), .width = 1000, .height = 650};
  return p;
}

ExperimentPlot instability_plot(const std::string& experiment,
                                const std::vector<InstabilityPoint>& points, Index seeds,
                                const std::string& setting) {
  ExperimentPlot p;
  p.name = "instability-vs-rewind";
  p.title = "Instability vs rewind iteration";
  p.caption = std::string(
                  "Error barrier on the straight line between each level's ticket and a copy "
                  "trained from the same weights at iteration k with another data order "
                  "(Frankle, Dziugaite, Roy & Carbin 2020; 31 points, test set), against k, one "
                  "series per pruning level. A network is stable at k when its barrier is about "
                  "zero (the paper's threshold: 2%). ") +
              kErrorBars;
  p.data.columns = {"series", "level", "fraction_remaining", "rewind_iteration"};
  for (const std::string& c : statistic_columns("error_barrier")) p.data.columns.push_back(c);
  std::set<Index> ks;
  for (const InstabilityPoint& point : points) {
    const std::string series = "level " + std::to_string(point.level) + " (" +
                               percent(point.fraction_remaining) + " of the weights)";
    std::vector<std::string> row = {series, std::to_string(point.level),
                                    format_number(point.fraction_remaining),
                                    std::to_string(point.rewind_iteration)};
    append_statistics(row, point.error_barrier);
    p.data.rows.push_back(std::move(row));
    ks.insert(point.rewind_iteration);
  }
  p.summary.columns = {"level", "weights remaining"};
  for (Index k : ks) p.summary.columns.push_back("k = " + std::to_string(k));
  std::map<Index, std::vector<std::string>> rows;
  for (const InstabilityPoint& point : points) {
    auto& row = rows[point.level];
    if (row.empty()) {
      row = {std::to_string(point.level), percent(point.fraction_remaining)};
      row.resize(2 + ks.size(), "-");
    }
    row[2 + static_cast<std::size_t>(std::distance(ks.begin(), ks.find(point.rewind_iteration)))] =
        mean_std(point.error_barrier);
  }
  for (auto& [level, row] : rows) p.summary.rows.push_back(std::move(row));
  std::ostringstream body;
  body << common_settings(experiment + ": instability vs rewind iteration\n" +
                          setting_line(setting, seeds))
       << "set xlabel \"rewind iteration k\"\nset ylabel \"error barrier (test error)\"\n"
       << "set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05\nset bars small\n"
       << "set key top right box opaque\nset arrow from graph 0, first 0.02 to graph 1, first 0.02 "
          "nohead dt 2 lc rgb \"gray40\"\nplot";
  const std::vector<std::string> series = unique_series(p.data);
  for (std::size_t i = 0; i < series.size(); ++i)
    body << (i ? ", \\\n    " : " ") << file_of(p.name) << " skip 1 using "
         << on_series(series[i], column_ref(p.data, "rewind_iteration")) << ":"
         << column_ref(p.data, "error_barrier_mean") << ":"
         << column_ref(p.data, "error_barrier_std") << " with yerrorlines lw 2 pt 7 ps 0.8 title "
         << gnuplot_string(series[i]);
  body << "\n";
  p.figure = {.name = p.name, .body = body.str(), .width = 1000, .height = 650};
  return p;
}

ExperimentPlot curves_plot(const std::string& experiment, const std::vector<CurvePoint>& points,
                           const std::string& setting, Index seeds) {
  ExperimentPlot p;
  p.name = "training-curves";
  p.title = "Training curves per level";
  p.caption =
      "Test accuracy during training of the ticket at a few pruning levels, for the first seed "
      "of each series (one panel per series).";
  p.data.columns = {"series",    "seed",      "level",        "fraction_remaining",
                    "iteration", "test_loss", "test_accuracy"};
  std::vector<std::string> series;
  std::map<std::string, std::vector<std::pair<Index, double>>> levels;  // series → levels
  std::map<std::string, std::string> first_seed;  // series → its smallest seed
  for (const CurvePoint& c : points) {
    p.data.rows.push_back({c.series, c.seed, std::to_string(c.level),
                           format_number(c.fraction_remaining), std::to_string(c.iteration),
                           format_number(c.test_loss), format_number(c.test_accuracy)});
    if (!levels.count(c.series)) series.push_back(c.series);
    auto& l = levels[c.series];
    if (l.empty() || l.back().first != c.level) l.emplace_back(c.level, c.fraction_remaining);
    first_seed[c.series] = c.seed;
  }
  const std::size_t columns = std::min<std::size_t>(3, series.size());
  const std::size_t rows = (series.size() + columns - 1) / columns;
  std::ostringstream s;
  s << "set termoption noenhanced\nset encoding utf8\nset grid\n"
    << "set multiplot layout " << rows << "," << columns << " title "
    << title_expression(experiment + ": test accuracy during training\n" + setting +
                        (setting.empty() ? "" : ", ") + first_seed_of(seeds))
    << "\n"
    << "set xlabel \"iteration\"\nset ylabel \"test accuracy\"\nset key bottom right box opaque\n";
  for (const std::string& name : series) {
    s << "set title "
      << gnuplot_string(name + (first_seed[name].empty() ? "" : ", seed " + first_seed[name]))
      << "\nplot";
    const auto& l = levels[name];
    for (std::size_t i = 0; i < l.size(); ++i)
      s << (i ? ", \\\n    " : " ") << file_of(p.name) << " skip 1 using "
        << "(strcol(1) eq " << gnuplot_string(name) << " && " << column_ref(p.data, "level")
        << " == " << l[i].first << " ? " << column_ref(p.data, "iteration")
        << " : NaN):" << column_ref(p.data, "test_accuracy")
        << " with linespoints lw 2 pt 7 ps 0.5 lc " << i + 1 << " title "
        << gnuplot_string(percent(l[i].second) + " (level " + std::to_string(l[i].first) + ")");
    s << "\n";
  }
  s << "unset multiplot\n";
  p.figure = {.name = p.name,
              .body = s.str(),
              .width = static_cast<int>(560 * columns),
              .height = static_cast<int>(60 + 440 * rows)};
  return p;
}

/// Objectives below this fraction of the largest one in a figure are rounding: a least-squares
/// fit at 1e-31 and another at 1e-25 are both zero, not six decades apart.
constexpr double kRoundingLevel = 1e-12;

ExperimentPlot traces_plot(const std::string& experiment, const std::vector<TracePoint>& points,
                           const std::string& setting, Index seeds) {
  ExperimentPlot p;
  p.name = "objective-vs-iteration";
  p.title = "Objective vs iteration";
  double largest = 0.0;
  for (const TracePoint& t : points)
    if (std::isfinite(t.objective)) largest = std::max(largest, std::abs(t.objective));
  const double floor = kRoundingLevel * largest;
  bool clipped = false;
  for (const TracePoint& t : points) clipped = clipped || t.objective < floor;
  p.caption = "The solver's objective at each iteration (log scale), first seed of each series." +
              (clipped ? std::string(" Objectives below ") + printf_text("%.0e", kRoundingLevel) +
                             " of the largest are rounding error (zero to the precision of the "
                             "arithmetic) and are drawn on the dashed line at that level, not "
                             "compared: the CSV keeps the values."
                       : std::string());
  p.data.columns = {"series", "seed", "iteration", "objective", "support_size"};
  for (const TracePoint& t : points)
    p.data.rows.push_back({t.series, t.seed, std::to_string(t.iteration),
                           format_number(t.objective), std::to_string(t.support_size)});
  std::ostringstream s;
  s << common_settings(experiment + ": objective vs iteration\n" + setting +
                       (setting.empty() ? "" : ", ") + first_seed_of(seeds))
    << "set xlabel \"iteration\"\nset ylabel \"objective\"\nset logscale y\n"
    << "set format y \"%g\"\nset key top right box opaque\nplot";
  const std::vector<std::string> series = unique_series(p.data);
  const std::string objective = column_ref(p.data, "objective");
  const std::string drawn = clipped ? "(" + objective + " < " + format_number(floor) + " ? " +
                                          format_number(floor) + " : " + objective + ")"
                                    : objective;
  for (std::size_t i = 0; i < series.size(); ++i)
    s << (i ? ", \\\n    " : " ") << file_of(p.name) << " skip 1 using "
      << on_series(series[i], column_ref(p.data, "iteration")) << ":" << drawn
      << " with linespoints lw 2 pt 7 ps 0.5 title " << gnuplot_string(series[i]);
  if (clipped)
    s << ", \\\n    " << format_number(floor) << " with lines dt 2 lc rgb \"#444444\" title "
      << gnuplot_string("rounding level (" + printf_text("%.0e", kRoundingLevel) +
                        " of the largest objective)");
  s << "\n";
  p.figure = {.name = p.name, .body = s.str(), .width = 1000, .height = 650};
  return p;
}

/// `objective_scale`: the largest objective the runs' traces reached (their starting point),
/// against which a final objective is rounding; 0 when unknown.
ExperimentPlot final_plot(const std::string& experiment, const std::vector<FinalMetric>& metrics,
                          const std::string& metric, const std::string& setting, Index seeds,
                          double objective_scale) {
  ExperimentPlot p;
  p.name = "final-" + metric;
  std::replace(p.name.begin(), p.name.end(), '_', '-');
  const std::string label = metric == "test_accuracy" ? "test accuracy" : metric;
  p.title = "Final " + label + " per series";
  bool lottery = false;
  for (const FinalMetric& m : metrics) lottery = lottery || m.command == "lottery";
  p.caption = "The final " + label + " of each series" +
              (lottery ? " (lottery: the ticket of the last level)" : "") + ". " + kErrorBars;
  p.data.columns = {"position", "series", "command"};
  for (const std::string& c : statistic_columns(metric)) p.data.columns.push_back(c);
  std::vector<std::string> series;
  std::vector<std::string> metric_names;
  std::map<std::pair<std::string, std::string>, Statistics> cells;
  bool positive = true;
  double smallest = std::numeric_limits<double>::infinity(), largest = 0.0;
  for (const FinalMetric& m : metrics) {
    if (std::find(series.begin(), series.end(), m.series) == series.end())
      series.push_back(m.series);
    if (std::find(metric_names.begin(), metric_names.end(), m.metric) == metric_names.end())
      metric_names.push_back(m.metric);
    cells[{m.series, m.metric}] = m.value;
    if (m.metric != metric) continue;
    std::vector<std::string> row = {std::to_string(p.data.rows.size()), m.series, m.command};
    append_statistics(row, m.value);
    p.data.rows.push_back(std::move(row));
    positive = positive && m.value.min > 0;
    smallest = std::min(smallest, m.value.min);
    largest = std::max(largest, m.value.max);
  }
  // Objectives at rounding level are zero, whatever their exponent; objectives that agree to
  // rounding are equal, whatever the axis would zoom into.
  const bool objective = metric == "objective";
  const double floor =
      kRoundingLevel * std::max({std::abs(largest), std::abs(smallest), objective_scale});
  const bool clipped = objective && smallest >= 0.0 && smallest < floor && floor > 0.0;
  const bool equal = objective && std::isfinite(smallest) && std::isfinite(largest) &&
                     largest - smallest <= 1e-9 * std::max(std::abs(largest), 1e-300);
  if (clipped) {
    smallest = floor;  // every value is drawn at or above the floor: a log axis fits
    positive = true;
    p.caption += std::string(" Objectives below ") + printf_text("%.0e", kRoundingLevel) +
                 " of the largest are rounding error: drawn on the dashed line at that level "
                 "and shown as 0 (rounding) in the table.";
  }
  if (equal)
    p.caption +=
        " Every series reaches the same objective to within rounding (relative "
        "difference below 1e-9): the differences are not results.";
  p.summary.columns = {"series"};
  for (const std::string& m : metric_names) p.summary.columns.push_back(m);
  for (const std::string& s : series) {
    std::vector<std::string> row = {s};
    for (const std::string& m : metric_names) {
      const auto it = cells.find({s, m});
      if (it != cells.end() && m == "objective" && clipped && it->second.max < floor)
        row.push_back("0 (rounding, < " + printf_text("%.1e", floor) + ")");
      else
        row.push_back(it == cells.end() ? "-" : mean_std(it->second));
    }
    p.summary.rows.push_back(std::move(row));
  }
  std::ostringstream s;
  s << common_settings(experiment + ": final " + label + "\n" + setting_line(setting, seeds))
    << "set ylabel " << gnuplot_string(label)
    << "\nset xrange [-0.6:" << format_number(static_cast<double>(p.data.rows.size()) - 0.4)
    << "]\n"
    << "set xtics rotate by -25 left (";
  for (std::size_t i = 0; i < p.data.rows.size(); ++i)
    s << (i ? ", " : "") << tic_label(p.data.rows[i][1]) << " " << i;
  s << ")\nset grid noxtics\n";
  if (positive && largest / smallest > 100) s << "set logscale y\nset format y \"%g\"\n";
  if (equal && !clipped) {
    const double middle = (largest + smallest) / 2.0;
    const double half = std::max(std::abs(middle) * 0.05, 1e-300);
    s << "set yrange [" << format_number(middle - half) << ":" << format_number(middle + half)
      << "]\nset format y \"%g\"\nset label 1 "
      << gnuplot_string("all series equal to rounding (relative difference < 1e-9)")
      << " at graph 0.5, graph 0.9 center\n";
  }
  const auto column = [&](const std::string& name) {
    const std::string c = column_ref(p.data, name);
    return clipped ? "(" + c + " < " + format_number(floor) + " ? " + format_number(floor) + " : " +
                         c + ")"
                   : c;
  };
  s << "set offsets 0, 0, graph 0.08, graph 0.08\nset bars 2\n"
    << "plot " << file_of(p.name) << " skip 1 using " << column_ref(p.data, "position") << ":"
    << column(metric + "_mean") << ":" << column_ref(p.data, metric + "_std")
    << " with yerrorbars lw 2 pt 7 ps 1.6 lc 1 notitle, \\\n    " << file_of(p.name)
    << " skip 1 using " << column_ref(p.data, "position") << ":" << column(metric + "_min")
    << " with points pt 1 ps 1.2 lc 2 title \"min\", \\\n"
    << "    " << file_of(p.name) << " skip 1 using " << column_ref(p.data, "position") << ":"
    << column(metric + "_max") << " with points pt 2 ps 1.2 lc 2 title \"max\"";
  if (clipped)
    s << ", \\\n    " << format_number(floor) << " with lines dt 2 lc rgb \"#444444\" title "
      << gnuplot_string("rounding level");
  s << "\n";
  p.figure = {.name = p.name,
              .body = s.str(),
              .width = std::max(700, 160 * static_cast<int>(p.data.rows.size()) + 300),
              .height = 600};
  return p;
}

ExperimentPlot supermask_plot(const std::string& experiment,
                              const std::vector<CriterionPoint>& points,
                              const std::vector<std::pair<std::string, Statistics>>& baselines,
                              const std::string& setting, Index seeds,
                              const std::vector<PaperValue>& paper,
                              const std::string& runs_dataset) {
  ExperimentPlot p;
  p.name = "supermask-accuracy";
  p.title = "Test accuracy per mask criterion";
  p.caption = std::string(
                  "Test accuracy of the untrained network under each criterion's mask, "
                  "one series per kept-weights choice (learned: the learned supermask, "
                  "whose fraction of weights remaining is its own; see the table), against "
                  "chance and the dense network untrained and trained (lines, and the last rows "
                  "of the table).") +
              paper_caption(paper, runs_dataset) + " " + kErrorBars;
  p.data.columns = {"series", "criterion_index", "criterion", "fraction_remaining"};
  for (const std::string& c : statistic_columns("test_accuracy")) p.data.columns.push_back(c);
  std::vector<std::string> criteria, series;
  std::map<std::pair<std::string, std::string>, Statistics> cells;
  std::map<std::string, double> fractions;
  for (const CriterionPoint& c : points) {
    if (std::find(criteria.begin(), criteria.end(), c.criterion) == criteria.end())
      criteria.push_back(c.criterion);
    if (std::find(series.begin(), series.end(), c.series) == series.end())
      series.push_back(c.series);
    cells[{c.series, c.criterion}] = c.accuracy;
    fractions.emplace(c.criterion, c.fraction_remaining);
  }
  for (const CriterionPoint& c : points) {
    const auto index = std::find(criteria.begin(), criteria.end(), c.criterion) - criteria.begin();
    std::vector<std::string> row = {c.series, std::to_string(index), c.criterion,
                                    format_number(c.fraction_remaining)};
    append_statistics(row, c.accuracy);
    p.data.rows.push_back(std::move(row));
  }
  p.summary.columns = {"criterion", "weights remaining"};
  for (const std::string& s : series) p.summary.columns.push_back(s);
  for (const std::string& c : criteria) {
    std::vector<std::string> row = {c, percent(fractions[c])};
    for (const std::string& s : series) {
      const auto it = cells.find({s, c});
      row.push_back(it == cells.end() ? "-" : mean_std(it->second));
    }
    p.summary.rows.push_back(std::move(row));
  }
  // The dense networks the masks are compared with (baselines.csv of each run), as rows of the
  // table and as lines in the figure; chance is one class in ten for every data set here.
  std::vector<std::optional<double>> row_fractions;
  for (const std::string& c : criteria) row_fractions.push_back(fractions[c]);
  for (const auto& [name, accuracy] : baselines) {
    std::vector<std::string> row = {name, "100%"};
    for (std::size_t i = 0; i < series.size(); ++i) row.push_back(mean_std(accuracy));
    p.summary.rows.push_back(std::move(row));
    row_fractions.push_back(std::nullopt);  // a baseline is no mask's value
  }
  add_paper_column(p.summary, row_fractions, paper);
  const double kept = criteria.empty() ? 0.0 : fractions[criteria.front()];
  std::ostringstream s;
  s << common_settings(experiment + ": test accuracy of the untrained network under each mask, " +
                       "keeping " + percent(kept) + " of the weights\n" +
                       setting_line(setting, seeds))
    << "set ylabel \"test accuracy\"\nset yrange [0:*]\nset xrange [-0.6:"
    << format_number(static_cast<double>(criteria.size()) - 0.4) << "]\n"
    << "set xtics rotate by -35 left (";
  // A criterion keeping another fraction than the first one (a learned mask) says how much.
  for (std::size_t i = 0; i < criteria.size(); ++i) {
    const double fraction = fractions[criteria[i]];
    const bool other = std::abs(fraction - fractions[criteria.front()]) > 1e-3;
    s << (i ? ", " : "") << tic_label(criteria[i] + (other ? " (" + percent(fraction) + ")" : ""))
      << " " << i;
  }
  // Room below for the slanted labels (a character is about twice as high as wide, and a label
  // at 35 degrees drops sin 35 of its length); the key, outside on the right, sets that margin.
  std::size_t longest = 0;
  for (const std::string& c : criteria) longest = std::max(longest, c.size() + 8);
  s << ")\nset grid noxtics\nset bmargin " << 2 + static_cast<int>(std::ceil(0.3 * longest))
    << "\nset key outside right top box\nset offsets 0, 0, graph 0.05, 0\nset bars 2\nplot";
  const double spread = series.size() > 1 ? 0.4 / static_cast<double>(series.size() - 1) : 0.0;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const double offset = (static_cast<double>(i) - (series.size() - 1) / 2.0) * spread;
    s << (i ? ", \\\n    " : " ") << file_of(p.name) << " skip 1 using "
      << on_series(series[i],
                   column_ref(p.data, "criterion_index") + "+(" + format_number(offset) + ")")
      << ":" << column_ref(p.data, "test_accuracy_mean") << ":"
      << column_ref(p.data, "test_accuracy_std") << " with yerrorbars lw 2 pt 7 ps 1.2 title "
      << gnuplot_string(series[i]);
  }
  int line = 0;
  for (const auto& [name, accuracy] : baselines)
    s << ", \\\n    " << format_number(accuracy.mean) << " with lines dt " << 2 + line << " lc rgb "
      << (line++ == 0 ? "\"#2ca02c\"" : "\"#9467bd\"") << " lw 1.5 title "
      << gnuplot_string(name + ": " + printf_text("%.4f", accuracy.mean));
  s << paper_items(paper, false)
    << ", \\\n    0.1 with lines dt 3 lc rgb \"#444444\" title \"chance (10 classes)\"\n";
  p.figure = {.name = p.name,
              .body = s.str(),
              .width = std::max(1100, 60 * static_cast<int>(criteria.size()) + 500),
              .height = 650 + 6 * static_cast<int>(longest)};
  return p;
}

/// The data set of the runs ("" when they name none, joined by ", " when several).
std::string datasets_of(const std::vector<RunRecord>& runs) {
  std::vector<std::string> names;
  for (const RunRecord& r : runs)
    if (r.settings.is_object() && r.settings.contains("options") &&
        r.settings["options"].contains("dataset"))
      names.push_back(text_of(r.settings["options"]["dataset"]));
  return join_distinct(names);
}

}  // namespace

std::vector<ExperimentPlot> experiment_plots(const fs::path& store,
                                             const ExperimentDefinition& definition,
                                             const ExperimentRuns& runs) {
  const std::string& name = definition.name;
  std::vector<ExperimentPlot> plots;
  bool lottery = false, solve = false, supermask = false;
  for (const RunRecord& r : runs.runs) {
    lottery = lottery || r.command == "lottery";
    solve = solve || r.command == "solve";
    supermask = supermask || r.command == "supermask";
  }
  const auto runs_of = [&](const std::string& command) {
    std::vector<RunRecord> out;
    for (const RunRecord& r : runs.runs)
      if (r.command == command) out.push_back(r);
    return out;
  };
  if (lottery) {
    // Sparse-training runs on a network (RigL, GMP, ...) are points beside the lottery curves.
    std::vector<RunRecord> drawn = runs_of("lottery");
    for (const RunRecord& r : runs_of("solve"))
      if (r.settings.is_object() &&
          r.settings.value("options", nlohmann::json::object()).value("problem", "") == "network")
        drawn.push_back(r);
    const auto sparse = sparse_training_accuracy(store, drawn);
    const Index seeds = seeds_of(runs.runs, "lottery");
    const std::string setting = runs_setting(runs_of("lottery"));
    const auto accuracy = lottery_accuracy(store, runs.runs);
    if (!accuracy.empty())
      plots.push_back(accuracy_plot(name, accuracy, seeds_of(drawn), runs_setting(drawn), sparse,
                                    definition.paper_values, datasets_of(drawn)));
    const auto early_accuracy = lottery_accuracy(store, runs.runs, "early_stop_test_accuracy");
    if (!early_accuracy.empty())
      plots.push_back(early_stop_accuracy_plot(name, early_accuracy, seeds, setting));
    // Whether any stage was evaluated between its start and end (--evaluate-every > 0).
    bool intermediate = false;
    for (const RunRecord& r : runs_of("lottery")) {
      const nlohmann::json& options =
          r.settings.contains("options") ? r.settings["options"] : nlohmann::json::object();
      intermediate =
          intermediate || !options.contains("evaluate-every") || options["evaluate-every"] != 0;
    }
    const auto early = lottery_early_stopping(store, runs.runs);
    if (!early.empty())
      plots.push_back(early_stopping_plot(name, early, seeds, setting, intermediate));
    const auto curves = lottery_training_curves(store, runs.runs);
    if (!curves.empty()) plots.push_back(curves_plot(name, curves, setting, seeds));
    const auto instability = lottery_instability(store, runs.runs);
    if (!instability.empty()) plots.push_back(instability_plot(name, instability, seeds, setting));
  }
  double objective_scale = 0.0;
  if (solve) {
    const auto traces = solve_traces(store, runs.runs);
    for (const TracePoint& t : traces)
      if (std::isfinite(t.objective)) objective_scale = std::max(objective_scale, t.objective);
    if (!traces.empty())
      plots.push_back(
          traces_plot(name, traces, runs_setting(runs_of("solve")), seeds_of(runs.runs, "solve")));
  }
  // The final metrics of every solve series, and of the lottery series beside them in a
  // "mixed" experiment (methods compared at their final sparsity).
  if (solve) {
    std::vector<RunRecord> compared;
    for (const RunRecord& r : runs.runs)
      if (r.command == "solve" || (definition.plot == "mixed" && r.command == "lottery"))
        compared.push_back(r);
    const auto metrics = final_metrics(store, compared);
    bool accuracy = false, objective = false;
    for (const FinalMetric& m : metrics) {
      accuracy = accuracy || m.metric == "test_accuracy";
      objective = objective || m.metric == "objective";
    }
    if (accuracy || objective)
      plots.push_back(final_plot(name, metrics, accuracy ? "test_accuracy" : "objective",
                                 runs_setting(compared), seeds_of(compared), objective_scale));
  }
  if (supermask) {
    const auto points = supermask_accuracy(store, runs.runs);
    if (!points.empty())
      plots.push_back(supermask_plot(name, points, supermask_baselines(store, runs.runs),
                                     runs_setting(runs_of("supermask")),
                                     seeds_of(runs.runs, "supermask"), definition.paper_values,
                                     datasets_of(runs_of("supermask"))));
  }
  return plots;
}

ImageFormats parse_image_formats(const std::string& name) {
  if (name == "png") return ImageFormats::kPng;
  if (name == "svg") return ImageFormats::kSvg;
  require(name == "both", "--format must be png, svg or both, not '" + name + "'");
  return ImageFormats::kBoth;
}

void write_plots(const fs::path& directory, const std::vector<ExperimentPlot>& plots,
                 ImageFormats formats) {
  {
    std::ostringstream ignored;
    require(GnuplotRenderer(true, ignored).executable().has_value(),
            "gnuplot not found: install it (e.g. apt-get install gnuplot-nox) or set "
            "CARDINAL_GNUPLOT to its path");
  }
  fs::create_directories(directory);
  for (const ExperimentPlot& plot : plots) {
    write_file_atomically(directory / (plot.name + ".csv"), plot.data.to_csv());
    // Drawn under a hidden name, then renamed: a reader never sees half an image.
    GnuplotFigure hidden = plot.figure;
    hidden.name = "." + plot.name + ".drawing";
    std::ostringstream warnings;
    GnuplotRenderer renderer(true, warnings);
    const bool drawn = renderer.render(directory, hidden);
    fs::remove(directory / (hidden.name + ".gp"));
    if (!drawn) {
      fs::remove(directory / (hidden.name + ".png"));
      fs::remove(directory / (hidden.name + ".svg"));
      std::string message = warnings.str();
      if (!message.empty() && message.back() == '\n') message.pop_back();
      throw std::runtime_error("drawing " + plot.name + ": " + message);
    }
    write_file_atomically(directory / (plot.name + ".gp"), gnuplot_script(plot.figure));
    for (const char* extension : {"png", "svg"}) {
      const bool keep = formats == ImageFormats::kBoth ||
                        (formats == ImageFormats::kPng) == (std::string(extension) == "png");
      const fs::path drawn_file = directory / (hidden.name + "." + extension);
      if (keep)
        fs::rename(drawn_file, directory / (plot.name + "." + extension));
      else
        fs::remove(drawn_file);
    }
  }
}

}  // namespace cardinal
