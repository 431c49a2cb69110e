#include "cardinal/experiments/sweeps/experiment.hpp"

#include <boost/any.hpp>
#include <boost/program_options.hpp>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "builtin_definitions.hpp"
#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/input_file.hpp"
#include "cardinal/bridge/number_text.hpp"
#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/store/run_store.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace {

/// Options that never change a run's results: left out of its settings and hash.
const std::set<std::string> kNotHashed = {"threads",  "quiet",      "verbose",          "store",
                                          "output",   "overwrite",  "checkpoint-every", "jobs",
                                          "progress", "dense-cache"};

/// Options added to a command after runs were stored, with the value that reproduces what the
/// command did before they existed: at that value an option is left out of the settings, so that
/// adding an option never changes the hash of (and so orphans) the runs already stored. Any
/// other value enters the settings as usual.
const std::map<std::pair<std::string, std::string>, nlohmann::json> kOmittedAtOriginalValue = [] {
  std::map<std::pair<std::string, std::string>, nlohmann::json> omitted = {
      {{"lottery", "instability"}, false},
      // The patch cap of convolutional layers (fully connected layers read every example).
      {{"prune", "max-patches"}, 50000},
      // Splicing, as a solver and as the refinement of another solver's result.
      {{"solve", "max-exchange"}, 2},
      {{"solve", "splice"}, false},
      {{"bounds", "max-exchange"}, 2},
      {{"bounds", "splice"}, false},
      {{"prune", "max-exchange"}, 2},
      {{"prune", "splice"}, false},
      // Where the solvers start on the Fisher model.
      {{"prune", "start"}, "zero"},
      {{"lottery", "max-exchange"}, 2},
      {{"lottery", "splice"}, false},
  };
  // The pruning-step group (pruning_step_options), one for both commands that have it: magnitude
  // pruning, the original step of IMP and of gradual pruning, reads none of the other options.
  const std::pair<const char*, nlohmann::json> pruning_step[] = {
      {"pruner", "magnitude"},
      {"pruner-solver", "omp"},
      {"calibration", 1000},
      {"calibration-inputs", "sequential"},
      {"pruner-ridge", 0.01},
      {"pruner-iterations", 1000},
      {"pruner-values", "reconstructed"},
      {"pruner-allocation", "step"}};
  for (const char* command : {"lottery", "solve"})
    for (const auto& [name, value] : pruning_step) omitted[{command, name}] = value;
  return omitted;
}();

nlohmann::json field(const nlohmann::json& json, const char* key, const std::string& source,
                     nlohmann::json::value_t type) {
  require(json.contains(key), source + ": missing field \"" + key + "\"");
  const nlohmann::json& value = json.at(key);
  const bool ok = value.type() == type ||
                  (type == nlohmann::json::value_t::number_integer && value.is_number_integer());
  require(ok, source + ": field \"" + key + "\" has the wrong type");
  return value;
}

/// `base` with `overrides` applied: a null value removes the option.
nlohmann::json merged(nlohmann::json base, const nlohmann::json& overrides) {
  for (const auto& [key, value] : overrides.items()) {
    if (value.is_null())
      base.erase(key);
    else
      base[key] = value;
  }
  return base;
}

/// A `--set` value as JSON: a number or boolean when it reads as one, a string otherwise.
nlohmann::json parse_value(const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  const NumberText<long long> integer = parse_number_text<long long>(text);
  if (integer.status == NumberTextStatus::kValid) return integer.value;
  const NumberText<double> real = parse_number_text<double>(text);
  if (real.status == NumberTextStatus::kValid) return real.value;
  return text;
}

std::vector<nlohmann::json> parse_list(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(parse_value(item));
  return out;
}

nlohmann::json any_to_json(const boost::any& value) {
  if (const auto* v = boost::any_cast<std::string>(&value)) return *v;
  if (const auto* v = boost::any_cast<double>(&value)) return *v;
  if (const auto* v = boost::any_cast<Index>(&value)) return *v;
  if (const auto* v = boost::any_cast<int>(&value)) return *v;
  if (const auto* v = boost::any_cast<std::uint64_t>(&value)) return *v;
  if (const auto* v = boost::any_cast<bool>(&value)) return *v;
  if (const auto* v = boost::any_cast<std::vector<std::string>>(&value)) return *v;
  throw std::logic_error("experiment: an option of a type the run hash does not know");
}

/// Every option of `command`'s description with its value (defaults included), except the ones
/// kOmittedAtOriginalValue leaves out.
nlohmann::json resolve_settings(const std::string& command, const std::vector<std::string>& args,
                                const std::string& context) {
  const Command* c = find_command(command);
  require(c != nullptr && c->options != nullptr,
          context + ": '" + command + "' is not a command an experiment can run");
  const po::options_description description = c->options();
  po::variables_map values;
  try {
    po::store(po::command_line_parser(args).options(description).run(), values);
  } catch (const po::error& e) {
    throw InvalidInput(context + ": " + e.what());
  }
  nlohmann::json options = nlohmann::json::object();
  for (const auto& option : description.options()) {
    const std::string& name = option->long_name();
    if (kNotHashed.count(name) || !values.count(name)) continue;
    nlohmann::json value = any_to_json(values[name].value());
    const auto original = kOmittedAtOriginalValue.find({command, name});
    if (original != kOmittedAtOriginalValue.end() && original->second == value) continue;
    options[name] = std::move(value);
  }
  return {{"command", command}, {"options", options}};
}

/// The plot kinds `cardinal plot` draws (docs/experiments.md); "" draws none.
const std::set<std::string> kPlotKinds = {"",      "lottery", "solve", "supermask",
                                          "mixed", "bounds",  "phase"};

/// Arms × the product of the sweep axes' lengths, refused above kMaxRuns (before the product
/// can overflow).
Index checked_run_count(
    std::size_t arms, const std::vector<std::pair<std::string, std::vector<nlohmann::json>>>& sweep,
    const std::string& context) {
  double count = static_cast<double>(arms);
  for (const auto& axis : sweep) count *= static_cast<double>(axis.second.size());
  require(count <= static_cast<double>(kMaxRuns),
          context + ": the sweep has " +
              (count < 1e18 ? std::to_string(static_cast<Index>(count))
                            : std::string("more than 10^18")) +
              " runs, more than the " + std::to_string(kMaxRuns) + " an experiment may have");
  return static_cast<Index>(count);
}

bool has_option(const std::string& command, const std::string& name) {
  const Command* c = find_command(command);
  return c != nullptr && c->options != nullptr &&
         c->options().find_nothrow(name, /*approx=*/false) != nullptr;
}

}  // namespace

namespace {

/// `paper_values`: [{"label", "test_accuracy", "dataset", "source", "fraction_remaining"?}].
std::vector<PaperValue> parse_paper_values(const nlohmann::json& json, const std::string& source) {
  using T = nlohmann::json::value_t;
  std::vector<PaperValue> out;
  if (!json.contains("paper_values")) return out;
  for (const auto& item : field(json, "paper_values", source, T::array)) {
    const std::string where = source + ": paper_values";
    require(item.is_object(), where + ": each value is a JSON object");
    PaperValue v;
    v.label = field(item, "label", where, T::string);
    const std::string context = where + " \"" + v.label + "\"";
    require(item.contains("test_accuracy") && item["test_accuracy"].is_number(),
            context + ": \"test_accuracy\" must be a number");
    v.test_accuracy = item["test_accuracy"].get<double>();
    require(v.test_accuracy >= 0.0 && v.test_accuracy <= 1.0,
            context + ": \"test_accuracy\" is a fraction in [0, 1]");
    v.dataset = field(item, "dataset", context, T::string);
    v.source = field(item, "source", context, T::string);
    if (item.contains("fraction_remaining")) {
      require(item["fraction_remaining"].is_number(),
              context + ": \"fraction_remaining\" must be a number");
      v.fraction_remaining = item["fraction_remaining"].get<double>();
      require(*v.fraction_remaining > 0.0 && *v.fraction_remaining <= 1.0,
              context + ": \"fraction_remaining\" is a fraction in (0, 1]");
    }
    out.push_back(std::move(v));
  }
  return out;
}

ExperimentDefinition parse_definition(const nlohmann::json& json, const std::string& source) {
  using T = nlohmann::json::value_t;
  require(json.is_object(), source + ": an experiment definition is a JSON object");
  ExperimentDefinition d;
  d.name = field(json, "name", source, T::string);
  d.version = field(json, "version", source, T::number_integer);
  d.title = field(json, "title", source, T::string);
  d.reference = json.value("reference", "");
  d.description = json.value("description", "");
  d.common = json.value("common", nlohmann::json::object());
  require(d.common.is_object(), source + ": \"common\" must be an object");
  std::set<std::string> labels;
  for (const auto& arm : field(json, "arms", source, T::array)) {
    const std::string where = source + ": arm";
    require(arm.is_object(), where + ": an arm is a JSON object");
    ExperimentArm a{field(arm, "label", where, T::string), field(arm, "command", where, T::string),
                    arm.value("options", nlohmann::json::object())};
    require(a.options.is_object(), where + " " + a.label + ": \"options\" must be an object");
    const nlohmann::json arm_variants = arm.value("variants", nlohmann::json::object());
    require(arm_variants.is_object(), where + " " + a.label + ": \"variants\" must be an object");
    for (const auto& [name, options] : arm_variants.items()) {
      require(options.is_object(),
              where + " " + a.label + ": variant \"" + name + "\" must be an object");
      a.variants[name] = options;
    }
    require(labels.insert(a.label).second,
            where + " label \"" + a.label + "\" is used twice (labels name the arms' results)");
    d.arms.push_back(std::move(a));
  }
  require(!d.arms.empty(), source + ": an experiment needs at least one arm");
  const nlohmann::json sweep = json.value("sweep", nlohmann::json::object());
  require(sweep.is_object(), source + ": \"sweep\" must be an object");
  for (const auto& [axis, values] : sweep.items()) {
    require(values.is_array() && !values.empty(),
            source + ": sweep axis \"" + axis + "\" must be a non-empty array");
    d.sweep.emplace_back(axis, values.get<std::vector<nlohmann::json>>());
  }
  const nlohmann::json variants = field(json, "variants", source, T::object);
  for (const auto& [name, overrides] : variants.items()) {
    require(overrides.is_object(), source + ": variant \"" + name + "\" must be an object");
    d.variants[name] = overrides;
  }
  d.default_variant = field(json, "default_variant", source, T::string);
  require(d.variants.count(d.default_variant),
          source + ": default_variant \"" + d.default_variant + "\" is not a variant");
  for (const ExperimentArm& a : d.arms)
    for (const auto& [name, options] : a.variants)
      require(d.variants.count(name),
              source + ": arm " + a.label + " has options for \"" + name + "\", not a variant");
  d.paper_values = parse_paper_values(json, source);
  const nlohmann::json estimates = json.value("estimate_seconds", nlohmann::json::object());
  for (const auto& [name, seconds] : estimates.items()) {
    require(seconds.is_number(), source + ": estimate_seconds." + name + " must be a number");
    d.estimate_seconds[name] = seconds.get<double>();
  }
  d.plot = json.contains("plot") ? field(json, "plot", source, T::string) : "";
  require(kPlotKinds.count(d.plot), source + ": unknown plot kind \"" + d.plot +
                                        "\" (known: lottery, solve, supermask, mixed, bounds, "
                                        "phase)");
  checked_run_count(d.arms.size(), d.sweep, source);
  return d;
}

}  // namespace

ExperimentDefinition ExperimentDefinition::from_json(const nlohmann::json& json,
                                                     const std::string& source) {
  try {
    return parse_definition(json, source);
  } catch (const nlohmann::json::exception& e) {  // a field of another type than documented
    throw InvalidInput(source + ": " + e.what());
  }
}

Index ExperimentDefinition::run_count() const {
  return checked_run_count(arms.size(), sweep, "experiment " + name);
}

const std::vector<ExperimentDefinition>& builtin_experiments() {
  static const std::vector<ExperimentDefinition> all = [] {
    std::vector<ExperimentDefinition> out;
    for (const auto& [file, text] : builtin_definition_texts())
      out.push_back(
          ExperimentDefinition::from_json(nlohmann::json::parse(text), "definitions/" + file));
    return out;
  }();
  return all;
}

ExperimentDefinition find_experiment(const std::string& name, const fs::path& directory) {
  if (!directory.empty()) {
    require(fs::is_directory(directory),
            "--definitions " + directory.string() + ": no such directory");
    const fs::path file = directory / (name + ".json");
    if (fs::exists(file)) {
      nlohmann::json json;
      try {
        json = nlohmann::json::parse(read_input_file(file));
      } catch (const nlohmann::json::exception& e) {
        throw InvalidInput(file.string() + ": not valid JSON: " + e.what());
      }
      return ExperimentDefinition::from_json(json, file.string());
    }
  }
  std::string known;
  for (const ExperimentDefinition& d : builtin_experiments()) {
    if (d.name == name) return d;
    known += (known.empty() ? "" : ", ") + d.name;
  }
  throw InvalidInput("unknown experiment '" + name + "' (known: " + known + ")");
}

nlohmann::json given_settings(const po::variables_map& values) {
  nlohmann::json options = nlohmann::json::object();
  for (const auto& [name, value] : values) {
    if (value.defaulted() || value.empty() || kNotHashed.count(name) || name == "config" ||
        name == "max-memory")
      continue;
    options[name] = any_to_json(value.value());
  }
  return options;
}

std::string default_solve_output(const po::variables_map& values) {
  if (!values["output"].defaulted()) return values["output"].as<std::string>();
  const auto text = [&](const char* name) {
    return values.count(name) ? values[name].as<std::string>() : std::string("unknown");
  };
  return (fs::path(values["output"].as<std::string>()) /
          (text("problem") + "-" + text("solver") + "-" + settings_hash(given_settings(values))))
      .string();
}

std::vector<std::string> to_arguments(const nlohmann::json& options) {
  std::vector<std::string> args;
  auto text = [](const nlohmann::json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
  };
  for (const auto& [key, value] : options.items()) {
    if (value.is_boolean()) {
      if (value.get<bool>()) args.push_back("--" + key);
    } else if (value.is_array()) {
      for (const auto& item : value) args.push_back("--" + key + "=" + text(item));
    } else if (!value.is_null()) {
      args.push_back("--" + key + "=" + text(value));
    }
  }
  return args;
}

std::vector<PlannedRun> plan_runs(const ExperimentDefinition& d, const std::string& variant_name,
                                  const OptionOverrides& overrides) {
  const std::string variant = variant_name.empty() ? d.default_variant : variant_name;
  require(d.variants.count(variant), "experiment " + d.name + " has no variant '" + variant + "'");
  nlohmann::json shared = merged(d.common, d.variants.at(variant));
  auto sweep = d.sweep;
  std::set<std::string> arms_kept;
  std::map<std::string, bool> override_used;
  nlohmann::json given = nlohmann::json::object();  // --set values of options, not axes
  for (const auto& [key, value] : overrides) {
    if (key == "arm") {
      for (const auto& label : parse_list(value))
        arms_kept.insert(label.is_string() ? label.get<std::string>() : label.dump());
      continue;
    }
    bool axis = false;
    for (auto& [name, values] : sweep)
      if (name == key) {
        values = parse_list(value);
        require(!values.empty(), "--set " + key + ": no values");
        axis = true;
      }
    if (!axis) {
      shared[key] = parse_value(value);
      given[key] = shared[key];
      override_used[key] = false;
    }
  }

  checked_run_count(arms_kept.empty() ? d.arms.size() : arms_kept.size(), sweep,
                    "experiment " + d.name);
  std::vector<PlannedRun> runs;
  Index index = 0;
  for (const ExperimentArm& arm : d.arms) {
    if (!arms_kept.empty() && !arms_kept.count(arm.label)) continue;
    // Common options apply to the arms whose command has them.
    nlohmann::json base = nlohmann::json::object();
    for (const auto& [key, value] : shared.items()) {
      if (!has_option(arm.command, key)) continue;
      base[key] = value;
      if (override_used.count(key)) override_used[key] = true;
    }
    base = merged(base, arm.options);
    if (const auto own = arm.variants.find(variant); own != arm.variants.end())
      base = merged(base, own->second);
    // --set wins over the arm's own options too: what the user sets is what runs.
    for (const auto& [key, value] : given.items())
      if (has_option(arm.command, key)) base[key] = value;
    std::vector<std::size_t> position(sweep.size(), 0);
    while (true) {
      PlannedRun run;
      run.index = index++;
      run.arm = arm.label;
      run.command = arm.command;
      run.point = {{"arm", arm.label}};
      run.options = base;
      for (std::size_t a = 0; a < sweep.size(); ++a) {
        const auto& value = sweep[a].second[position[a]];
        run.point[sweep[a].first] = value;
        run.options[sweep[a].first] = value;
      }
      const std::string context = "experiment " + d.name + ", arm " + arm.label;
      run.settings = resolve_settings(arm.command, to_arguments(run.options), context);
      run.run_id = run_name(arm.command, run.settings);
      runs.push_back(std::move(run));
      std::size_t a = sweep.size();
      while (a > 0 && ++position[a - 1] == sweep[a - 1].second.size()) position[--a] = 0;
      if (a == 0) break;
    }
  }
  require(!runs.empty(), "experiment " + d.name + ": --set arm selects no arm");
  for (const auto& [key, used] : override_used)
    require(used, "--set " + key + ": no arm of experiment " + d.name + " has an option --" + key);
  return runs;
}

}  // namespace cardinal
