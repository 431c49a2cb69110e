#include "cardinal/experiments/plots/run_selection.hpp"

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
#include "cardinal/experiments/store/run_results.hpp"

namespace cardinal {
namespace fs = std::filesystem;
namespace {

/// A run's settings other than its sweep coordinates.
std::string configuration(const RunRecord& run) {
  nlohmann::json options = run.settings.is_object() && run.settings.contains("options")
                               ? run.settings["options"]
                               : nlohmann::json::object();
  for (const auto& [key, value] : run.point.items()) options.erase(key);
  return run.command + " " + options.dump();
}

/// Index of the most recently finished run among `candidates` (the later one on a tie).
std::size_t latest(const std::vector<const RunRecord*>& candidates) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < candidates.size(); ++i)
    if (candidates[i]->finished >= candidates[best]->finished) best = i;
  return best;
}

}  // namespace

std::string text_of(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string point_text(const nlohmann::json& point) {
  std::string out;
  for (const auto& [key, value] : point.items())
    out += (out.empty() ? "" : " ") + key + "=" + text_of(value);
  return out;
}

std::string arm_of(const RunRecord& run) {
  return run.point.contains("arm") ? text_of(run.point["arm"]) : run.command;
}

std::string seed_of(const RunRecord& run) {
  return run.point.contains("seed") ? text_of(run.point["seed"]) : "";
}

/// The first file called `name` under `directory`, in sorted path order; empty if none.
fs::path find_file(const fs::path& directory, const std::string& name) {
  std::error_code error;
  if (!fs::is_directory(directory, error)) return {};
  std::vector<fs::path> found;
  for (const auto& entry : fs::recursive_directory_iterator(directory, error))
    if (entry.is_regular_file() && entry.path().filename() == name) found.push_back(entry.path());
  std::sort(found.begin(), found.end());
  return found.empty() ? fs::path() : found.front();
}

fs::path output_of(const fs::path& store, const RunRecord& run) {
  return store / run.directory / "output";
}

/// The file holding a run's results (summary.csv, trace.csv, results.csv); empty if none.
fs::path results_file(const fs::path& store, const RunRecord& run) {
  const fs::path output = output_of(store, run);
  if (run.command == "lottery") return find_file(output, "summary.csv");
  if (run.command == "supermask") return find_file(output, "results.csv");
  if (run.command == "solve" && fs::exists(output / "solution.json") &&
      fs::exists(output / "trace.csv"))
    return output / "trace.csv";
  // Commands that draw their own figures: their summary marks the results.
  if ((run.command == "bounds" || run.command == "phase-transition") &&
      fs::exists(output / "summary.json"))
    return output / "summary.json";
  return {};
}

/// The run of each series with the smallest seed, series in order of appearance.
std::vector<const RunRecord*> first_seeds(const std::vector<RunRecord>& runs,
                                          const std::string& command) {
  std::vector<std::string> order;
  std::map<std::string, const RunRecord*> first;
  for (const RunRecord& run : runs) {
    if (run.command != command) continue;
    const std::string series = series_of(run);
    const auto it = first.find(series);
    if (it == first.end()) {
      order.push_back(series);
      first[series] = &run;
    } else if (run.point.contains("seed") && it->second->point.contains("seed") &&
               run.point["seed"] < it->second->point["seed"]) {
      it->second = &run;
    }
  }
  std::vector<const RunRecord*> out;
  for (const std::string& s : order) out.push_back(first[s]);
  return out;
}

std::string runs_setting(const std::vector<RunRecord>& runs) {
  std::vector<std::string> settings;
  for (const RunRecord& run : runs) {
    const nlohmann::json options = run.settings.is_object() && run.settings.contains("options")
                                       ? run.settings["options"]
                                       : nlohmann::json::object();
    const auto option = [&](const char* key) {
      return options.contains(key) ? text_of(options[key]) : std::string();
    };
    std::string setting;
    const std::string problem = option("problem");
    if (run.command == "lottery" || run.command == "supermask" || problem == "network") {
      setting = option("model") + " on " + option("dataset");
      const std::string subset = option("train-subset");
      if (!subset.empty() && subset != "0") setting += " (" + subset + " training examples)";
    } else if (run.command == "phase-transition") {
      setting = "Gaussian least squares, p = " + option("dimension") + ", " + option("trials") +
                " trials per cell";
    } else if (!problem.empty()) {
      setting = problem + " on " +
                (option("synthetic") == "true"
                     ? "synthetic " + option("samples") + " x " + option("dimension")
                     : fs::path(option("data")).filename().string());
    } else {
      setting = run.command;
    }
    if (setting == " on ") setting = run.command;  // no model or data set recorded
    if (std::find(settings.begin(), settings.end(), setting) == settings.end())
      settings.push_back(setting);
  }
  std::string out;
  for (const std::string& s : settings) out += (out.empty() ? "" : "; ") + s;
  return out;
}

Index seeds_of(const std::vector<RunRecord>& runs, const std::string& command) {
  std::map<std::string, std::set<std::string>> per_series;
  for (const RunRecord& r : runs)
    if (command.empty() || r.command == command) per_series[series_of(r)].insert(seed_of(r));
  Index most = 0;
  for (const auto& [series, seeds] : per_series)
    most = std::max(most, static_cast<Index>(seeds.size()));
  return most;
}

std::string series_of(const RunRecord& run) {
  std::string series = arm_of(run);
  for (const auto& [key, value] : run.point.items())
    if (key != "arm" && key != "seed") series += " " + key + "=" + text_of(value);
  return series;
}

ExperimentRuns select_runs(const fs::path& store, const std::vector<RunRecord>& records,
                           const std::string& variant) {
  ExperimentRuns out;
  out.all = records;
  std::vector<const RunRecord*> finished;
  for (const RunRecord& r : records)
    if (r.status == "done" && !results_file(store, r).empty()) finished.push_back(&r);
  out.variant = variant;
  if (out.variant.empty() && !finished.empty()) out.variant = finished[latest(finished)]->variant;

  // The settings of each arm's most recently finished run in the variant.
  std::map<std::string, std::vector<const RunRecord*>> by_arm;
  for (const RunRecord* r : finished)
    if (r->variant == out.variant) by_arm[arm_of(*r)].push_back(r);
  std::map<std::string, std::string> chosen;
  for (const auto& [arm, runs] : by_arm) chosen[arm] = configuration(*runs[latest(runs)]);

  for (const RunRecord& r : records) {
    const std::string name = r.run_id + " (" + point_text(r.point) + ")";
    if (r.variant != out.variant) {
      out.notes.push_back("skipped " + name + ": variant " + r.variant + ", drawing " +
                          out.variant);
    } else if (r.status != "done") {
      out.notes.push_back("skipped " + name + ": " + r.status);
    } else if (results_file(store, r).empty()) {
      out.notes.push_back("skipped " + name + ": no results under " + output_of(store, r).string());
    } else if (chosen[arm_of(r)] != configuration(r)) {
      out.notes.push_back("skipped " + name +
                          ": its settings differ from the arm's most recently finished run "
                          "(an earlier sweep with other --set values)");
    } else {
      out.runs.push_back(r);
    }
  }
  return out;
}

ExperimentRuns read_experiment_runs(const fs::path& store, const std::string& name,
                                    const std::string& variant) {
  require(fs::exists(store / "index.sqlite"), "no run store at " + store.string() +
                                                  " (cardinal experiment run " + name +
                                                  " --store " + store.string() + " makes one)");
  const RunIndex index(store);
  const std::vector<RunRecord> records = index.list(name);
  require(!records.empty(), "no runs of experiment " + name + " in the store at " + store.string() +
                                " (cardinal runs list --store " + store.string() + " lists them)");
  ExperimentRuns runs = select_runs(store, records, variant);
  return runs;
}

}  // namespace cardinal
