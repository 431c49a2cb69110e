#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/experiments/store/run_index.hpp"

namespace cardinal {

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

/// The number of distinct seeds of the series with the most, among the runs of `command`
/// ("": every run).
Index seeds_of(const std::vector<RunRecord>& runs, const std::string& command = "");

/// A sweep coordinate as text: a string as it is, any other value as JSON.
std::string text_of(const nlohmann::json& value);

/// `key=value ...` of a sweep point.
std::string point_text(const nlohmann::json& point);

/// The run's arm (its command when it has none) and seed ("" when it has none).
std::string arm_of(const RunRecord& run);
std::string seed_of(const RunRecord& run);

/// Where a run's command wrote: `<store>/<directory>/output`.
std::filesystem::path output_of(const std::filesystem::path& store, const RunRecord& run);

/// The first file called `name` under `directory`, in sorted path order; empty if none.
std::filesystem::path find_file(const std::filesystem::path& directory, const std::string& name);

/// The run of each series of `command` with the smallest seed, series in order of appearance.
std::vector<const RunRecord*> first_seeds(const std::vector<RunRecord>& runs,
                                          const std::string& command);

}  // namespace cardinal
