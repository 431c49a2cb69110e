#pragma once

#include <boost/program_options/variables_map.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cardinal/bridge/index.hpp"

namespace cardinal {

/// The most runs one experiment may expand into (arms × sweep, after --set): a larger sweep is
/// far more likely a mistake than a plan, and planning it alone would take minutes.
inline constexpr Index kMaxRuns = 100000;

/// One configuration an experiment compares (a method, a solver, a regime): the `cardinal`
/// command it runs and the options it adds to the experiment's common ones.
struct ExperimentArm {
  std::string label;
  std::string command;
  nlohmann::json options = nlohmann::json::object();
  /// variant → options of this arm in that variant, applied after `options` (a length that
  /// only this arm's command expresses, e.g. a solver's --max-iterations, without giving the
  /// option to the other arms, whose settings, and so run ids, stay as they were).
  std::map<std::string, nlohmann::json> variants;
};

/// A number a paper reports for an experiment, drawn beside the runs' results (a point or a
/// line in the figures, a "paper" column in the tables) so that whether it was reproduced shows
/// at a glance. Only numbers the paper states are given; the data set is the paper's, which
/// the runs may not use (the figures say so).
struct PaperValue {
  std::string label;  ///< what the number is, e.g. "best supermask, untrained network"
  double test_accuracy = 0.0;
  /// The fraction of weights remaining it was measured at; none for a number that stands for a
  /// whole curve or for the dense network (drawn as a line).
  std::optional<double> fraction_remaining;
  std::string dataset;  ///< the paper's data set, e.g. "mnist"
  std::string source;   ///< where the paper states it, e.g. "abstract", "Table 2"
};

/// A named, versioned experiment: arms × a sweep (e.g. seeds), in variants (a short CPU setting,
/// the paper's full one). Definitions are JSON files (experiments/definitions/, built into the
/// program; see docs/experiments.md for the schema). Options are `cardinal COMMAND` options
/// without the dashes: a string or number is `--key value`, true is the flag `--key`, false
/// omits it, an array repeats `--key item`, null removes an inherited option.
struct ExperimentDefinition {
  std::string name;
  int version = 1;
  std::string title;
  std::string reference;
  std::string description;
  nlohmann::json common = nlohmann::json::object();
  std::vector<ExperimentArm> arms;
  /// Sweep axes in file order; each value becomes the option of the axis' name.
  std::vector<std::pair<std::string, std::vector<nlohmann::json>>> sweep;
  std::map<std::string, nlohmann::json> variants;  ///< name → overrides of `common`
  std::string default_variant;
  std::map<std::string, double> estimate_seconds;  ///< variant → seconds per run, 2 cores
  std::string plot;                                ///< lottery | solve | supermask | mixed
  std::vector<PaperValue> paper_values;            ///< `paper_values` (may be empty)

  /// Parses and checks a definition (arm labels unique, a known plot kind, at most kMaxRuns
  /// runs); InvalidInput naming `source` and the field otherwise.
  static ExperimentDefinition from_json(const nlohmann::json& json, const std::string& source);

  /// Number of runs: arms × the product of the sweep axes' lengths.
  Index run_count() const;
};

/// The definitions built into the program (experiments/definitions/*.json), by name.
const std::vector<ExperimentDefinition>& builtin_experiments();

/// The definition called `name`: a built-in one, or `<directory>/<name>.json` when a directory
/// is given. InvalidInput listing the known names otherwise.
ExperimentDefinition find_experiment(const std::string& name,
                                     const std::filesystem::path& directory = {});

/// One run of an experiment, fully resolved.
struct PlannedRun {
  Index index = 0;  ///< position in the sweep: arms vary slowest, the last axis fastest
  std::string arm;
  std::string command;
  nlohmann::json point;    ///< {"arm": label, axis: value, ...}
  nlohmann::json options;  ///< the options passed to the command
  /// Settings that identify the run: the command and every option of its description with
  /// its value, defaults included and normalised (so that stating a default changes nothing),
  /// minus options that do not change results (threads, verbosity, output locations).
  nlohmann::json settings;
  std::string run_id;  ///< `<command>-<settings hash>`
};

/// `--set key=value`: overrides a common option, or, for a sweep axis, replaces its values
/// with the comma-separated list.
using OptionOverrides = std::vector<std::pair<std::string, std::string>>;

/// Expands `definition` in `variant` ("" = the default) into its runs. Throws InvalidInput for
/// an unknown variant or an option the command does not have (naming both).
std::vector<PlannedRun> plan_runs(const ExperimentDefinition& definition,
                                  const std::string& variant, const OptionOverrides& overrides);

/// The options the user gave (on the command line or in a --config file; defaults left out),
/// minus those that never change results (threads, verbosity, output locations), as JSON.
nlohmann::json given_settings(const boost::program_options::variables_map& values);

/// Where `cardinal solve` writes when --output is not given: `cardinal-solve/<problem>-<solver>-
/// <hash of given_settings>`, so that runs of other settings (a logistic run, then a network
/// run) never collide, and the same command names the same directory.
std::string default_solve_output(const boost::program_options::variables_map& values);

/// The command-line arguments of an option object (see ExperimentDefinition).
std::vector<std::string> to_arguments(const nlohmann::json& options);

}  // namespace cardinal
