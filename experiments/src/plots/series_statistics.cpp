#include "cardinal/experiments/plots/series_statistics.hpp"

#include <algorithm>
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
#include "cardinal/experiments/plots/run_selection.hpp"
#include "cardinal/experiments/store/run_results.hpp"

namespace cardinal {
namespace fs = std::filesystem;
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// A lottery run's summary.csv and the folder of its stages.
struct LotteryResults {
  fs::path directory;
  std::vector<std::map<std::string, std::string>> rows;
  std::vector<std::string> controls;  ///< stage names: random-reinit, random-mask
};

std::optional<LotteryResults> read_lottery(const fs::path& store, const RunRecord& run) {
  if (run.command != "lottery") return std::nullopt;
  const fs::path summary = find_file(output_of(store, run), "summary.csv");
  if (summary.empty()) return std::nullopt;
  LotteryResults results;
  results.directory = summary.parent_path();
  std::vector<std::string> header;
  results.rows = read_csv_rows(summary, &header);
  const std::string suffix = "_test_accuracy";
  for (const std::string& column : header) {
    if (column.size() <= suffix.size() || column == "ticket" + suffix ||
        column.compare(column.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    std::string control = column.substr(0, column.size() - suffix.size());
    std::replace(control.begin(), control.end(), '_', '-');
    results.controls.push_back(control);
  }
  std::sort(results.rows.begin(), results.rows.end(),
            [](const auto& a, const auto& b) { return field(a, "level") < field(b, "level"); });
  return results;
}

Index level_of(const std::map<std::string, std::string>& row) {
  return static_cast<Index>(std::llround(field(row, "level")));
}

/// Values per series and level, series in order of first appearance.
class LevelAccumulator {
 public:
  void add(const std::string& series, Index level, double fraction, double value) {
    if (!data_.count(series)) order_.push_back(series);
    auto& cell = data_[series][level];
    cell.first.push_back(fraction);
    cell.second.push_back(value);
  }
  std::vector<LevelPoint> points() const {
    std::vector<LevelPoint> out;
    for (const std::string& series : order_)
      for (const auto& [level, cell] : data_.at(series))
        out.push_back({series, level, summarize(cell.first).mean, summarize(cell.second)});
    return out;
  }

 private:
  std::vector<std::string> order_;
  std::map<std::string, std::map<Index, std::pair<std::vector<double>, std::vector<double>>>> data_;
};

/// One value per stage of every level of every lottery run among `runs`, aggregated per series
/// and level: `value(results, row, kind, level)` gives the value of the ticket (kind "ticket",
/// series: the run's) or of a control (kind: its stage name, series `<run's> <control>`) at the
/// summary row of a level, or nothing. The one loop behind every per-level quantity.
template <class Value>
std::vector<LevelPoint> aggregate_stages(const fs::path& store, const std::vector<RunRecord>& runs,
                                         const Value& value) {
  LevelAccumulator points;
  for (const RunRecord& run : runs) {
    const auto results = read_lottery(store, run);
    if (!results) continue;
    const std::string series = series_of(run);
    for (const auto& row : results->rows) {
      const Index level = level_of(row);
      const double fraction = field(row, "fraction_remaining");
      const auto add = [&](const std::string& kind, const std::string& name) {
        if (const std::optional<double> v = value(*results, row, kind, level))
          points.add(name, level, fraction, *v);
      };
      add("ticket", series);
      for (const std::string& control : results->controls) add(control, series + " " + control);
    }
  }
  return points.points();
}

/// Values per key, keys in order of first appearance.
template <class Key>
class Accumulator {
 public:
  void add(const Key& key, double value) {
    if (!values_.count(key)) order_.push_back(key);
    values_[key].push_back(value);
  }
  const std::vector<Key>& keys() const { return order_; }
  Statistics statistics(const Key& key) const { return summarize(values_.at(key)); }

 private:
  std::vector<Key> order_;
  std::map<Key, std::vector<double>> values_;
};

}  // namespace

double csv_number(const std::string& text) {
  if (text.empty()) return kNaN;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  return end == text.c_str() ? kNaN : value;
}

double field(const std::map<std::string, std::string>& row, const std::string& column) {
  const auto it = row.find(column);
  return it == row.end() ? kNaN : csv_number(it->second);
}

Statistics summarize(const std::vector<double>& values) {
  Statistics s;
  s.n = static_cast<Index>(values.size());
  if (values.empty()) return s;
  double sum = 0.0;
  s.min = values.front();
  s.max = values.front();
  for (double v : values) {
    sum += v;
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
    if (std::isnan(v)) s.min = s.max = v;
  }
  s.mean = sum / static_cast<double>(values.size());
  double squares = 0.0;
  for (double v : values) squares += (v - s.mean) * (v - s.mean);
  s.std = values.size() == 1 ? 0.0 : std::sqrt(squares / static_cast<double>(values.size() - 1));
  if (std::isnan(s.mean)) s.std = kNaN;
  return s;
}

std::vector<LevelPoint> lottery_accuracy(const fs::path& store, const std::vector<RunRecord>& runs,
                                         const std::string& quantity) {
  return aggregate_stages(store, runs,
                          [&](const LotteryResults&, const std::map<std::string, std::string>& row,
                              const std::string& kind, Index) -> std::optional<double> {
                            std::string column = kind + "_" + quantity;
                            std::replace(column.begin(), column.end(), '-', '_');
                            const auto cell = row.find(column);
                            if (cell == row.end() || cell->second.empty()) return std::nullopt;
                            return csv_number(cell->second);
                          });
}

Index early_stopping_iteration(const fs::path& curve_csv) {
  Index best_iteration = -1;
  double best = std::numeric_limits<double>::infinity();
  for (const auto& row : read_csv_rows(curve_csv, nullptr)) {
    const auto validation = row.find("validation_loss");
    const bool validated = validation != row.end() && !validation->second.empty();
    const double loss = field(row, validated ? "validation_loss" : "test_loss");
    if (std::isnan(loss)) continue;
    if (best_iteration < 0 || loss < best) {
      best = loss;
      best_iteration = static_cast<Index>(std::llround(field(row, "iteration")));
    }
  }
  return best_iteration;
}

std::vector<LevelPoint> lottery_early_stopping(const fs::path& store,
                                               const std::vector<RunRecord>& runs) {
  return aggregate_stages(
      store, runs,
      [](const LotteryResults& results, const std::map<std::string, std::string>&,
         const std::string& kind, Index level) -> std::optional<double> {
        // The ticket's stage of a level is level-N; a control's is <control>-N, from level 1.
        if (kind != "ticket" && level == 0) return std::nullopt;
        const fs::path curve = results.directory /
                               ((kind == "ticket" ? "level" : kind) + "-" + std::to_string(level)) /
                               "curve.csv";
        if (!fs::exists(curve)) return std::nullopt;
        const Index iteration = early_stopping_iteration(curve);
        if (iteration < 0) return std::nullopt;
        return static_cast<double>(iteration);
      });
}

std::vector<InstabilityPoint> lottery_instability(const fs::path& store,
                                                  const std::vector<RunRecord>& runs) {
  std::map<std::pair<Index, Index>, std::pair<std::vector<double>, std::vector<double>>> cells;
  for (const RunRecord& run : runs) {
    const auto results = read_lottery(store, run);
    if (!results || !fs::exists(results->directory / "settings.json")) continue;
    std::ifstream in(results->directory / "settings.json");
    const auto settings = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    const Index k = settings.is_object() ? settings.value("rewind_iteration", Index{0}) : 0;
    for (const auto& row : results->rows) {
      const auto cell = row.find("instability_error_barrier");
      if (cell == row.end() || cell->second.empty()) continue;
      auto& [fractions, barriers] = cells[{level_of(row), k}];
      fractions.push_back(field(row, "fraction_remaining"));
      barriers.push_back(csv_number(cell->second));
    }
  }
  std::vector<InstabilityPoint> out;
  for (const auto& [key, cell] : cells)
    out.push_back({key.first, summarize(cell.first).mean, key.second, summarize(cell.second)});
  return out;
}

std::vector<CurvePoint> lottery_training_curves(const fs::path& store,
                                                const std::vector<RunRecord>& runs,
                                                Index max_levels) {
  require(max_levels >= 1, "training curves: max_levels must be at least 1");
  std::vector<CurvePoint> out;
  for (const RunRecord* run : first_seeds(runs, "lottery")) {
    const auto results = read_lottery(store, *run);
    if (!results || results->rows.empty()) continue;
    const std::size_t count = results->rows.size();
    std::vector<std::size_t> chosen;
    if (static_cast<Index>(count) <= max_levels || max_levels == 1) {
      for (std::size_t i = 0; i < std::min<std::size_t>(count, max_levels); ++i)
        chosen.push_back(i);
    } else {
      for (Index i = 0; i < max_levels; ++i) {
        const auto at = static_cast<std::size_t>(std::llround(
            static_cast<double>(i) * static_cast<double>(count - 1) / (max_levels - 1.0)));
        if (chosen.empty() || chosen.back() != at) chosen.push_back(at);
      }
    }
    for (std::size_t i : chosen) {
      const auto& row = results->rows[i];
      const Index level = level_of(row);
      const fs::path curve = results->directory / ("level-" + std::to_string(level)) / "curve.csv";
      if (!fs::exists(curve)) continue;
      for (const auto& point : read_csv_rows(curve, nullptr))
        out.push_back({series_of(*run), seed_of(*run), level, field(row, "fraction_remaining"),
                       static_cast<Index>(std::llround(field(point, "iteration"))),
                       field(point, "test_loss"), field(point, "test_accuracy")});
    }
  }
  return out;
}

std::vector<TracePoint> solve_traces(const fs::path& store, const std::vector<RunRecord>& runs) {
  std::vector<TracePoint> out;
  for (const RunRecord* run : first_seeds(runs, "solve")) {
    const fs::path trace = output_of(store, *run) / "trace.csv";
    if (!fs::exists(trace)) continue;
    for (const auto& row : read_csv_rows(trace, nullptr))
      out.push_back({series_of(*run), seed_of(*run),
                     static_cast<Index>(std::llround(field(row, "iteration"))),
                     field(row, "objective"),
                     static_cast<Index>(std::llround(field(row, "support_size")))});
  }
  return out;
}

std::vector<FinalMetric> final_metrics(const fs::path& store, const std::vector<RunRecord>& runs) {
  Accumulator<std::pair<std::string, std::string>> values;  // (series, metric)
  std::map<std::string, std::string> commands;
  for (const RunRecord& run : runs) {
    const std::string series = series_of(run);
    if (run.command == "solve") {
      const fs::path file = output_of(store, run) / "solution.json";
      if (!fs::exists(file)) continue;
      std::ifstream in(file);
      nlohmann::json solution;
      try {
        solution = nlohmann::json::parse(in);
      } catch (const nlohmann::json::exception& e) {
        throw InvalidInput(file.string() + ": not valid JSON: " + e.what());
      }
      commands[series] = run.command;
      for (const char* key : {"objective", "test_accuracy"})
        if (solution.contains(key) && solution[key].is_number())
          values.add({series, key}, solution[key].get<double>());
      if (solution.contains("support_recovered") && solution["support_recovered"].is_boolean())
        values.add({series, "support_recovered"},
                   solution["support_recovered"].get<bool>() ? 1.0 : 0.0);
      if (solution.contains("weights_remaining") && solution.contains("weights_total") &&
          solution["weights_total"].is_number() && solution["weights_total"].get<double>() > 0)
        values.add({series, "fraction_remaining"}, solution["weights_remaining"].get<double>() /
                                                       solution["weights_total"].get<double>());
    } else if (run.command == "lottery") {
      const auto results = read_lottery(store, run);
      if (!results || results->rows.empty()) continue;
      commands[series] = run.command;
      const auto& last = results->rows.back();
      values.add({series, "test_accuracy"}, field(last, "ticket_test_accuracy"));
      values.add({series, "fraction_remaining"}, field(last, "fraction_remaining"));
    }
  }
  std::vector<FinalMetric> out;
  for (const auto& key : values.keys())
    out.push_back({key.first, commands[key.first], key.second, values.statistics(key)});
  return out;
}

std::vector<SparsityPoint> sparse_training_accuracy(const fs::path& store,
                                                    const std::vector<RunRecord>& runs) {
  std::vector<RunRecord> solves;
  std::map<std::string, std::string> methods;  // series → solver
  for (const RunRecord& run : runs) {
    if (run.command != "solve") continue;
    solves.push_back(run);
    const nlohmann::json options = run.settings.is_object()
                                       ? run.settings.value("options", nlohmann::json::object())
                                       : nlohmann::json::object();
    methods.emplace(series_of(run),
                    options.contains("solver") ? text_of(options["solver"]) : series_of(run));
  }
  std::map<std::string, std::pair<std::optional<Statistics>, std::optional<Statistics>>> found;
  std::vector<std::string> order;
  for (const FinalMetric& m : final_metrics(store, solves)) {
    if (!found.count(m.series)) order.push_back(m.series);
    auto& [accuracy, fraction] = found[m.series];
    if (m.metric == "test_accuracy") accuracy = m.value;
    if (m.metric == "fraction_remaining") fraction = m.value;
  }
  std::vector<SparsityPoint> out;
  for (const std::string& series : order) {
    const auto& [accuracy, fraction] = found[series];
    if (accuracy && fraction) out.push_back({methods[series], series, fraction->mean, *accuracy});
  }
  return out;
}

std::vector<CriterionPoint> supermask_accuracy(const fs::path& store,
                                               const std::vector<RunRecord>& runs) {
  std::set<std::string> run_series;
  for (const RunRecord& run : runs)
    if (run.command == "supermask") run_series.insert(series_of(run));
  Accumulator<std::pair<std::string, std::string>> accuracy, fraction;  // (series, criterion)
  std::vector<std::string> criteria, series;
  for (const RunRecord& run : runs) {
    if (run.command != "supermask") continue;
    const fs::path file = find_file(output_of(store, run), "results.csv");
    if (file.empty()) continue;
    for (const auto& row : read_csv_rows(file, nullptr)) {
      const std::string kept = row.count("kept_weights") ? row.at("kept_weights") : "";
      const std::string name = run_series.size() > 1 ? series_of(run) + " " + kept : kept;
      const std::string criterion = row.count("criterion") ? row.at("criterion") : "";
      if (std::find(criteria.begin(), criteria.end(), criterion) == criteria.end())
        criteria.push_back(criterion);
      if (std::find(series.begin(), series.end(), name) == series.end()) series.push_back(name);
      accuracy.add({name, criterion}, field(row, "test_accuracy"));
      fraction.add({name, criterion}, field(row, "fraction_remaining"));
    }
  }
  std::vector<CriterionPoint> out;
  for (const std::string& s : series)
    for (const std::string& c : criteria) {
      const auto& keys = accuracy.keys();
      if (std::find(keys.begin(), keys.end(), std::make_pair(s, c)) == keys.end()) continue;
      out.push_back({s, c, fraction.statistics({s, c}).mean, accuracy.statistics({s, c})});
    }
  return out;
}

/// The dense baselines of supermask runs (baselines.csv: network,test_accuracy), averaged over
/// the runs, in order of first appearance.
std::vector<std::pair<std::string, Statistics>> supermask_baselines(
    const fs::path& store, const std::vector<RunRecord>& runs) {
  Accumulator<std::string> values;
  for (const RunRecord& run : runs) {
    if (run.command != "supermask") continue;
    const fs::path file = find_file(output_of(store, run), "baselines.csv");
    if (file.empty()) continue;
    for (const auto& row : read_csv_rows(file, nullptr))
      if (row.count("network")) values.add(row.at("network"), field(row, "test_accuracy"));
  }
  std::vector<std::pair<std::string, Statistics>> out;
  for (const std::string& key : values.keys()) out.emplace_back(key, values.statistics(key));
  return out;
}

}  // namespace cardinal
