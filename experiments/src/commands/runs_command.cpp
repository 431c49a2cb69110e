// `cardinal runs list | show | export`: the index of a run store.
#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/commands/command_line.hpp"
#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"
#include "cardinal/experiments/store/run_index.hpp"
#include "cardinal/experiments/store/run_results.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace {

constexpr const char* kUsage =
    "Usage: cardinal runs list [--store DIR] [--experiment NAME]\n"
    "       cardinal runs show RUN_ID [--store DIR]\n"
    "       cardinal runs export [--store DIR] [--experiment NAME] [--output FILE]\n\n"
    "The index of a run store (index.sqlite, kept by `cardinal experiment run`). `export` writes\n"
    "one CSV row per result row (a lottery level, a supermask criterion, a solve), with the\n"
    "run's experiment, variant, sweep point and status in front: pandas.read_csv reads it.";

// clang-format off
po::options_description runs_options() {
  po::options_description options("Runs");
  options.add_options()
      ("store", po::value<std::string>()->default_value("cardinal-runs"), "the run store")
      ("experiment", po::value<std::string>()->default_value(""), "only this experiment's runs")
      ("output,o", po::value<std::string>(), "export: the CSV file (default: standard output)");
  return options;
}
// clang-format on

std::string point_text(const nlohmann::json& point) {
  std::string out;
  for (const auto& [key, value] : point.items())
    out += (out.empty() ? "" : " ") + key + "=" +
           (value.is_string() ? value.get<std::string>() : value.dump());
  return out;
}

int list(const po::variables_map& v) {
  const fs::path root = v["store"].as<std::string>();
  require(fs::exists(root / "index.sqlite"), "no run store at " + root.string());
  const RunIndex index(root);
  const auto records = index.list(v["experiment"].as<std::string>());
  std::cout << std::left << std::setw(26) << "run" << std::setw(28) << "experiment" << std::setw(8)
            << "variant" << std::setw(9) << "status" << std::right << std::setw(9) << "seconds"
            << "  point\n";
  for (const RunRecord& r : records)
    std::cout << std::left << std::setw(26) << r.run_id << std::setw(28) << r.experiment
              << std::setw(8) << r.variant << std::setw(9) << r.status << std::right << std::setw(9)
              << std::fixed << std::setprecision(1) << r.seconds << "  " << point_text(r.point)
              << '\n';
  return 0;
}

int show(const po::variables_map& v, const std::string& id) {
  const fs::path root = v["store"].as<std::string>();
  require(fs::exists(root / "index.sqlite"), "no run store at " + root.string());
  const RunIndex index(root);
  const auto record = index.get(id);
  require(record.has_value(), "no run '" + id + "' in " + root.string());
  const nlohmann::json json = {{"run_id", record->run_id},       {"experiment", record->experiment},
                               {"version", record->version},     {"variant", record->variant},
                               {"command", record->command},     {"point", record->point},
                               {"status", record->status},       {"exit_code", record->exit_code},
                               {"directory", record->directory}, {"started", record->started},
                               {"finished", record->finished},   {"seconds", record->seconds},
                               {"settings", record->settings}};
  std::cout << json.dump(2) << '\n';
  const fs::path directory = root / record->directory;
  if (fs::exists(directory)) {
    std::cout << "\nfiles under " << directory.string() << ":\n";
    std::vector<std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(directory))
      if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), directory).string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) std::cout << "  " << f << '\n';
  }
  return 0;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

int export_csv(const po::variables_map& v) {
  const fs::path root = v["store"].as<std::string>();
  require(fs::exists(root / "index.sqlite"), "no run store at " + root.string());
  const RunIndex index(root);
  const std::string experiment = v["experiment"].as<std::string>();
  const std::vector<RunRecord> records = index.list(experiment);
  // A header-only CSV would read as "no results yet": an export matching nothing is an error.
  require(!records.empty(),
          (experiment.empty() ? std::string("no runs") : "no runs of experiment " + experiment) +
              " in the store at " + root.string() + " (cardinal runs list --store " +
              root.string() + " lists what it holds)");
  const ResultTable table = collect_results(root, records);
  std::ostringstream out;
  for (std::size_t c = 0; c < table.columns.size(); ++c)
    out << (c ? "," : "") << csv_field(table.columns[c]);
  out << '\n';
  for (const auto& row : table.rows) {
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      const auto it = row.find(table.columns[c]);
      out << (c ? "," : "") << (it == row.end() ? "" : csv_field(it->second));
    }
    out << '\n';
  }
  if (v.count("output"))
    write_file_atomically(v["output"].as<std::string>(), out.str());
  else
    std::cout << out.str();
  return 0;
}

int runs_main(const std::vector<std::string>& args) {
  std::vector<std::string> rest = args;
  std::string action, id;
  if (!rest.empty() && rest[0].rfind("-", 0) != 0) {
    action = rest[0];
    rest.erase(rest.begin());
  }
  if (!rest.empty() && rest[0].rfind("-", 0) != 0) {
    id = rest[0];
    rest.erase(rest.begin());
  }
  const auto values = parse_command_line(kUsage, runs_options(), rest, std::cout);
  if (!values) return 0;
  require(!action.empty(), "missing action: list, show or export");
  if (action == "list") return list(*values);
  if (action == "export") return export_csv(*values);
  require(action == "show", "unknown action '" + action + "' (known: list, show, export)");
  require(!id.empty(), "show needs a run id (cardinal runs list)");
  return show(*values, id);
}

}  // namespace

int runs_command(const std::vector<std::string>& args) {
  return run_reporting_errors("cardinal runs", runs_main, args);
}

}  // namespace cardinal
