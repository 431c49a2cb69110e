// `cardinal experiment list | show | run`: named experiment definitions run as sweeps.
#include <unistd.h>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/commands/command_line.hpp"
#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/commands/number_option.hpp"
#include "cardinal/experiments/commands/progress_bar.hpp"
#include "cardinal/experiments/shell.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"
#include "cardinal/experiments/store/run_store.hpp"
#include "cardinal/experiments/sweeps/experiment.hpp"
#include "cardinal/experiments/sweeps/experiment_runner.hpp"
#include "cardinal/experiments/sweeps/slurm.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace {

constexpr const char* kUsage =
    "Usage: cardinal experiment list\n"
    "       cardinal experiment show NAME [--variant V] [--set KEY=VALUE ...]\n"
    "       cardinal experiment run NAME [--variant V] [--set KEY=VALUE ...] [--store DIR]\n"
    "                               [--jobs N] [--threads-per-run T] [--slurm ...] [--task I]\n\n"
    "An experiment is a named, versioned definition (built in, or DIR/NAME.json with\n"
    "--definitions DIR): arms (methods, solvers, regimes) x a sweep (seeds, ...), in variants\n"
    "(a short CPU setting, the paper's full one). `run` expands it into runs, each a `cardinal`\n"
    "command, stored under --store in a directory named by the hash of its resolved settings:\n"
    "finished runs are reused, a killed sweep resumes, and the store's index (`cardinal runs`)\n"
    "records every run. Runs go to local processes (--jobs at a time) or, with --slurm, to a\n"
    "SLURM job array of one run per task. See docs/experiments.md.";

// clang-format off
po::options_description experiment_options() {
  po::options_description options("Experiment");
  options.add_options()
      ("variant", po::value<std::string>()->default_value(""),
       "variant of the definition (default: its default variant)")
      ("set", po::value<std::vector<std::string>>()->composing(),
       "KEY=VALUE: override an option of every arm that has it; for a sweep axis (e.g. "
       "seed=0,1) its comma-separated values; arm=a,b keeps those arms (repeatable)")
      ("definitions", po::value<std::string>(), "a folder of NAME.json definitions to search first")
      ("store", po::value<std::string>()->default_value("cardinal-runs"), "the run store")
      ("jobs,j", number<int>({.min = 0, .max = max_threads()})->default_value(0),
       "runs at a time (0: the number of cores / --threads-per-run)")
      ("threads-per-run", number<int>({.min = 1, .max = max_threads()})->default_value(1), "CPU threads of each run")
      ("task", number<Index>({.min = 0}), "run only the run with this index (a SLURM array task)")
      ("dry-run", po::bool_switch(), "print the runs' command lines, run nothing")
      ("slurm", po::bool_switch(), "submit the sweep as a SLURM job array instead")
      ("slurm-time", po::value<std::string>()->default_value(""), "--time of each task")
      ("slurm-partition", po::value<std::string>()->default_value(""), "SLURM partition")
      ("slurm-max-parallel", number<Index>({.min = 0})->default_value(0),
       "tasks running at once (0: no limit)")
      ("slurm-directive", po::value<std::vector<std::string>>()->composing(),
       "an extra #SBATCH line, e.g. --slurm-directive='--mem=4G' (repeatable)");
  return options;
}
// clang-format on

OptionOverrides parse_overrides(const po::variables_map& v) {
  OptionOverrides out;
  if (!v.count("set")) return out;
  for (const std::string& item : v["set"].as<std::vector<std::string>>()) {
    const auto eq = item.find('=');
    require(eq != std::string::npos && eq > 0, "--set takes KEY=VALUE, got '" + item + "'");
    out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  return out;
}

std::string duration(double seconds) {
  std::ostringstream s;
  if (seconds < 90)
    s << std::fixed << std::setprecision(0) << seconds << " s";
  else if (seconds < 5400)
    s << std::fixed << std::setprecision(0) << seconds / 60 << " min";
  else
    s << std::fixed << std::setprecision(1) << seconds / 3600 << " h";
  return s.str();
}

std::string shell_line(const std::vector<std::string>& args) {
  std::string line = "cardinal";
  for (const std::string& a : args) line += " " + shell_quote(a);
  return line;
}

int list(const po::variables_map& v) {
  std::vector<ExperimentDefinition> definitions = builtin_experiments();
  if (v.count("definitions")) {
    const fs::path directory = v["definitions"].as<std::string>();
    require(fs::is_directory(directory),
            "--definitions " + directory.string() + ": no such directory");
    for (const auto& entry : fs::directory_iterator(directory))
      if (entry.path().extension() == ".json")
        definitions.push_back(
            find_experiment(entry.path().stem().string(), entry.path().parent_path()));
  }
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::cout << std::left << std::setw(28) << "experiment" << std::setw(9) << "version"
            << std::setw(10) << "variant" << std::right << std::setw(6) << "runs" << std::setw(13)
            << "cpu time" << std::setw(16) << "wall (" + std::to_string(cores) + " cores)"
            << "  title\n";
  for (const ExperimentDefinition& d : definitions) {
    for (const auto& [variant, overrides] : d.variants) {
      const auto estimate = d.estimate_seconds.find(variant);
      const double per_run = estimate == d.estimate_seconds.end() ? 0.0 : estimate->second;
      const double total = per_run * static_cast<double>(d.run_count());
      std::cout << std::left << std::setw(28) << d.name << std::setw(9) << d.version
                << std::setw(10) << (variant + (variant == d.default_variant ? "*" : ""))
                << std::right << std::setw(6) << d.run_count() << std::setw(13)
                << (per_run > 0 ? duration(total) : "?") << std::setw(14)
                << (per_run > 0 ? duration(total / cores) : "?") << "  " << d.title << '\n';
    }
  }
  std::cout << "\n(* the default variant; times are estimates for this 2-core machine class, one "
               "thread per run)\n";
  return 0;
}

ExperimentDefinition definition_of(const po::variables_map& v, const std::string& name) {
  return find_experiment(
      name, v.count("definitions") ? fs::path(v["definitions"].as<std::string>()) : fs::path());
}

int show(const po::variables_map& v, const std::string& name) {
  const ExperimentDefinition d = definition_of(v, name);
  const std::string variant = v["variant"].as<std::string>();
  const auto runs = plan_runs(d, variant, parse_overrides(v));
  std::cout << d.name << " (version " << d.version << "): " << d.title << "\n";
  if (!d.reference.empty()) std::cout << "reference: " << d.reference << "\n";
  if (!d.description.empty()) std::cout << "\n" << d.description << "\n";
  std::cout << "\nvariants:";
  for (const auto& [name, overrides] : d.variants)
    std::cout << ' ' << name << ' ' << overrides.dump();
  std::cout << "\n\n" << runs.size() << " runs:\n";
  const ExperimentStore store(v["store"].as<std::string>());
  for (const PlannedRun& run : runs)
    std::cout << "  [" << run.index << "] " << run.run_id << "  " << run.point.dump() << "\n      "
              << shell_line(store.command_line(run, v["threads-per-run"].as<int>())) << '\n';
  return 0;
}

int run(const po::variables_map& v, const std::string& name) {
  const ExperimentDefinition d = definition_of(v, name);
  const std::string variant =
      v["variant"].as<std::string>().empty() ? d.default_variant : v["variant"].as<std::string>();
  const OptionOverrides overrides = parse_overrides(v);
  const std::vector<PlannedRun> runs = plan_runs(d, variant, overrides);
  const int threads = v["threads-per-run"].as<int>();
  const fs::path root = fs::absolute(v["store"].as<std::string>());
  ExperimentStore store(root);

  if (v["dry-run"].as<bool>()) {
    for (const PlannedRun& r : runs)
      std::cout << "[" << r.index << "] " << shell_line(store.command_line(r, threads)) << '\n';
    return 0;
  }
  for (const PlannedRun& r : runs) store.prepare(d, variant, r);

  if (v.count("task")) {
    const Index task = v["task"].as<Index>();
    require(
        task >= 0 && task < static_cast<Index>(runs.size()),
        "--task " + std::to_string(task) + " is outside [0, " + std::to_string(runs.size()) + ")");
    const PlannedRun& r = runs[static_cast<std::size_t>(task)];
    const int status = store.execute(r, current_executable(), threads);
    std::cout << "run " << r.run_id << " " << r.point.dump() << ": "
              << (status == 0 ? "done" : "failed (exit " + std::to_string(status) + ")") << '\n';
    return status == 0 ? 0 : 1;
  }

  if (v["slurm"].as<bool>()) {
    SlurmArrayJob job;
    job.name = d.name;
    job.tasks = static_cast<Index>(runs.size());
    job.max_parallel = v["slurm-max-parallel"].as<Index>();
    job.cpus_per_task = threads;
    job.time_limit = v["slurm-time"].as<std::string>();
    job.partition = v["slurm-partition"].as<std::string>();
    if (v.count("slurm-directive"))
      job.extra_directives = v["slurm-directive"].as<std::vector<std::string>>();
    job.log_directory = root / "slurm" / "logs";
    fs::create_directories(job.log_directory);
    job.command = {current_executable().string(),
                   "experiment",
                   "run",
                   d.name,
                   "--variant=" + variant,
                   "--store=" + root.string(),
                   "--threads-per-run=" + std::to_string(threads)};
    if (v.count("definitions"))
      job.command.push_back("--definitions=" +
                            fs::absolute(v["definitions"].as<std::string>()).string());
    for (const auto& [key, value] : overrides) job.command.push_back("--set=" + key + "=" + value);
    job.command.push_back("--task=$SLURM_ARRAY_TASK_ID");
    std::vector<std::string> ids;
    for (const PlannedRun& r : runs) ids.push_back(r.run_id);
    const fs::path script =
        root / "slurm" / (d.name + "-" + settings_hash(nlohmann::json(ids)) + ".sbatch");
    write_file_atomically(script, slurm_array_script(job));
    const std::string id = submit_slurm_array(script);
    std::cout << "submitted job array " << id << " (" << runs.size() << " tasks)\n"
              << "  script " << script.string() << "\n  logs   " << job.log_directory.string()
              << "\n  status cardinal runs list --store " << root.string() << " --experiment "
              << d.name << '\n';
    return 0;
  }

  int jobs = v["jobs"].as<int>();
  if (jobs == 0)
    jobs = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / threads);
  Index reused = 0;
  for (const PlannedRun& r : runs) reused += store.is_done(r) ? 1 : 0;
  std::cout << "cardinal experiment: " << d.name << " (" << variant << "), " << runs.size()
            << " runs, " << reused << " already done, " << jobs << " at a time\n"
            << "  store " << root.string() << "\n"
            << std::flush;
  std::vector<std::string> failures;
  {
    // On a terminal a bar redrawn in place; in a log a line a minute, and one per run at most.
    ProgressBar bar(std::cerr,
                    isatty(STDERR_FILENO) != 0 ? ProgressStyle::kRedrawn : ProgressStyle::kLines,
                    d.name, "runs", static_cast<Index>(runs.size()), reused);
    run_locally(store, runs, current_executable(), jobs, threads,
                [&](const PlannedRun& r, int status, bool was_reused) {
                  if (!was_reused) bar.advance();
                  if (status != 0)
                    failures.push_back(r.run_id + " " + r.point.dump() + ": exit " +
                                       std::to_string(status) + ", log " +
                                       (root / "runs" / r.run_id / "log.txt").string());
                });
  }
  if (!failures.empty()) {
    std::cerr << "cardinal experiment: " << failures.size() << " run(s) failed:\n";
    for (const auto& f : failures) std::cerr << "  " << f << '\n';
    return 1;
  }
  std::cout << "all " << runs.size() << " runs done: cardinal runs list --store " << root.string()
            << " --experiment " << d.name << '\n';
  return 0;
}

int experiment_main(const std::vector<std::string>& args) {
  std::vector<std::string> rest = args;
  std::string action, name;
  if (!rest.empty() && rest[0].rfind("-", 0) != 0) {
    action = rest[0];
    rest.erase(rest.begin());
  }
  if (!rest.empty() && rest[0].rfind("-", 0) != 0) {
    name = rest[0];
    rest.erase(rest.begin());
  }
  const auto values = parse_command_line(kUsage, experiment_options(), rest, std::cout);
  if (!values) return 0;
  require(!action.empty(), "missing action: list, show or run");
  if (action == "list") return list(*values);
  require(action == "show" || action == "run",
          "unknown action '" + action + "' (known: list, show, run)");
  require(!name.empty(), action + " needs an experiment name (cardinal experiment list)");
  return action == "show" ? show(*values, name) : run(*values, name);
}

}  // namespace

int experiment_command(const std::vector<std::string>& args) {
  return run_reporting_errors("cardinal experiment", experiment_main, args);
}

}  // namespace cardinal
