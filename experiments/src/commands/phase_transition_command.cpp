#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/splitmix64.hpp"
#include "cardinal/bridge/trace.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/experiments/atomic_output.hpp"
#include "cardinal/experiments/command_line.hpp"
#include "cardinal/experiments/commands.hpp"
#include "cardinal/experiments/convex_problem_options.hpp"
#include "cardinal/experiments/donoho_tanner.hpp"
#include "cardinal/experiments/gnuplot.hpp"
#include "cardinal/experiments/number_option.hpp"
#include "cardinal/experiments/progress_bar.hpp"
#include "cardinal/experiments/solver_registry.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace {

constexpr const char* kUsage =
    "Usage: cardinal phase-transition [--dimension P] [--deltas LIST] [--rhos LIST] [--trials T]\n"
    "                                 [--solvers a,b,...] [--jobs J] [options]\n\n"
    "Sweeps delta = n/p and rho = s/n over a grid. In every cell, each solver runs on --trials\n"
    "noiseless Gaussian least-squares instances (seeded by the cell and the trial) with sparsity\n"
    "budget s; a trial succeeds when the solver's nonzeros are exactly the planted support.\n"
    "Writes cells.csv (the empirical success probability per solver and cell), curve.csv (the\n"
    "Donoho-Tanner l1 weak phase transition rho_W(delta)) and a heat map per solver with the\n"
    "curve overlaid (phase-SOLVER.png/.svg via gnuplot).\n\n"
    "Resumable: every finished cell is appended to cells.partial.jsonl in the output directory\n"
    "(flushed line by line), so a killed sweep re-run with the same settings skips the cells it\n"
    "already finished. LIST is comma-separated values, or FIRST:LAST:COUNT for COUNT equally\n"
    "spaced values.";

constexpr const char* kPartialName = "cells.partial.jsonl";
constexpr const char* kSettingsName = "settings.json";

po::options_description phase_transition_options() {
  po::options_description sweep("Sweep");
  sweep.add_options()("dimension", number<Index>({.min = 2, .max = 100000})->default_value(100),
                      "p, the number of features")(
      "deltas", po::value<std::string>()->default_value("0.1:0.9:9"),
      "undersampling ratios delta = n/p in (0, 1], increasing")(
      "rhos", po::value<std::string>()->default_value("0.05:0.95:10"),
      "sparsity ratios rho = s/n in (0, 1], increasing")(
      "trials", number<Index>({.min = 1})->default_value(10), "instances per cell")(
      "solvers", po::value<std::string>()->default_value("omp,iht,htp,cosamp,lasso"),
      ("comma-separated, from: " + solver_names()).c_str())(
      "signal", number<double>({.min = 0.0})->default_value(1.0),
      "planted nonzeros are +-signal (0: N(0,1))")(
      "seed", number<std::uint64_t>()->default_value(1),
      "base seed; each instance's seed is derived from it, p, n, s and the trial")(
      "max-iterations", number<Index>({.min = 1})->default_value(300),
      "iteration cap of every solver");
  add_stopping_criteria_options(sweep);

  po::options_description run("Run");
  run.add_options()("jobs,j", number<Index>({.min = 0, .max = max_threads()})->default_value(0),
                    "worker threads (0: all hardware threads)")(
      "progress", po::bool_switch(), "show the progress bar even when stderr is not a terminal")(
      "max-cells", number<Index>({.min = 0})->default_value(0),
      "compute at most N new cells, then stop (0: no limit); re-run to resume")(
      "output,o", po::value<std::string>()->default_value("cardinal-phase-transition"),
      "output directory (resumed when it holds a sweep with the same settings)")(
      "overwrite", po::bool_switch(), "discard an existing output directory and start afresh")(
      "no-plot", po::bool_switch(), "write the gnuplot scripts but do not run gnuplot")(
      "quiet,q", po::bool_switch(), "print nothing on success");

  po::options_description all;
  all.add(sweep).add(run);
  return all;
}

/// The shortest decimal that reads back as x.
std::string shortest(double x) {
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, x);
  return error == std::errc() ? std::string(buffer, end) : std::to_string(x);
}

double parse_number(const std::string& text, const std::string& option) {
  return parse_option_number<double>("--" + option, text);
}

/// "a,b,c" or "first:last:count".
std::vector<double> parse_grid(const std::string& text, const std::string& option) {
  std::vector<double> values;
  if (text.find(':') != std::string::npos) {
    std::vector<std::string> parts;
    std::stringstream s(text);
    for (std::string part; std::getline(s, part, ':');) parts.push_back(part);
    require(parts.size() == 3, "--" + option + ": expected FIRST:LAST:COUNT, got '" + text + "'");
    const double first = parse_number(parts[0], option), last = parse_number(parts[1], option);
    const double count = parse_number(parts[2], option);
    require(count >= 1 && count == std::floor(count) && count <= 10000,
            "--" + option + ": COUNT must be a whole number between 1 and 10000");
    const auto n = static_cast<Index>(count);
    require(n == 1 || first < last, "--" + option + ": FIRST must be below LAST");
    for (Index i = 0; i < n; ++i) {
      const double value =
          n == 1 ? first
                 : first + (last - first) * static_cast<double>(i) / static_cast<double>(n - 1);
      // Drop the rounding of the arithmetic: 0.1 + 0.1·2 is stored as 0.30000000000000004.
      values.push_back(std::round(value * 1e12) / 1e12);
    }
  } else {
    std::stringstream s(text);
    for (std::string part; std::getline(s, part, ',');)
      values.push_back(parse_number(part, option));
  }
  require(!values.empty(), "--" + option + " is empty");
  for (std::size_t i = 0; i < values.size(); ++i) {
    require(values[i] > 0.0 && values[i] <= 1.0,
            "--" + option + ": " + shortest(values[i]) + " lies outside (0, 1]");
    require(i == 0 || values[i] > values[i - 1], "--" + option + " must be strictly increasing");
  }
  return values;
}

std::vector<std::string> parse_solvers(const std::string& text) {
  std::vector<std::string> names;
  std::stringstream s(text);
  for (std::string name; std::getline(s, name, ',');) {
    require(!name.empty(), "--solvers: empty solver name in '" + text + "'");
    find_solver(name);
    require(std::find(names.begin(), names.end(), name) == names.end(),
            "--solvers: '" + name + "' is listed twice");
    names.push_back(name);
  }
  require(!names.empty(), "--solvers is empty");
  return names;
}

struct Settings {
  Index dimension = 0;
  std::vector<double> deltas, rhos;
  Index trials = 0;
  std::vector<std::string> solvers;
  double signal = 1.0;
  std::uint64_t seed = 1;
  SolverSettings solver;

  /// Everything that changes the results (not threads, output or progress).
  nlohmann::json to_json() const {
    return {{"dimension", dimension},
            {"deltas", deltas},
            {"rhos", rhos},
            {"trials", trials},
            {"solvers", solvers},
            {"signal", signal},
            {"seed", seed},
            {"max_iterations", solver.stopping.max_iterations},
            {"objective_level", solver.stopping.objective_level},
            {"relative_decrease", solver.stopping.relative_decrease},
            {"step_tolerance", solver.stopping.step_tolerance},
            {"gradient_tolerance", solver.stopping.gradient_tolerance},
            {"path_length", solver.path_length},
            {"min_ratio", solver.min_ratio},
            {"success", "exact support recovery: nonzeros of w equal the planted support"},
            {"instances",
             "make_synthetic: i.i.d. N(0,1) design, noiseless, seed derived by "
             "splitmix64 from (seed, p, n, s, trial)"}};
  }
};

struct Cell {
  Index delta_index = 0, rho_index = 0;
  Index samples = 0, sparsity = 0;
};

std::vector<Cell> make_cells(const Settings& settings) {
  std::vector<Cell> cells;
  const Index p = settings.dimension;
  for (Index i = 0; i < static_cast<Index>(settings.deltas.size()); ++i) {
    const Index n =
        std::llround(settings.deltas[static_cast<std::size_t>(i)] * static_cast<double>(p));
    require(n >= 1, "--deltas: delta = " + shortest(settings.deltas[static_cast<std::size_t>(i)]) +
                        " gives no samples at p = " + std::to_string(p));
    for (Index j = 0; j < static_cast<Index>(settings.rhos.size()); ++j) {
      const Index s = std::max<Index>(
          1, std::llround(settings.rhos[static_cast<std::size_t>(j)] * static_cast<double>(n)));
      cells.push_back({i, j, n, std::min(s, n)});
    }
  }
  return cells;
}

/// The instance seed of a trial: a function of the problem sizes, not of the grid, so that a
/// cell's instances do not change when other cells are added.
std::uint64_t trial_seed(std::uint64_t base, Index p, Index n, Index s, Index trial) {
  std::uint64_t h = splitmix64(base);
  for (Index x : {p, n, s, trial}) h = splitmix64(h ^ static_cast<std::uint64_t>(x));
  return h;
}

/// Successes per solver (in settings.solvers order).
std::vector<Index> run_cell(const Settings& settings, const Cell& cell) {
  std::vector<Index> successes(settings.solvers.size(), 0);
  const Index p = settings.dimension;
  for (Index trial = 0; trial < settings.trials; ++trial) {
    SyntheticSpec spec{.samples = cell.samples,
                       .features = p,
                       .sparsity = cell.sparsity,
                       .correlation = 0.0,
                       .signal = settings.signal,
                       .noise = 0.0,
                       .logistic = false,
                       .seed = trial_seed(settings.seed, p, cell.samples, cell.sparsity, trial)};
    SyntheticInstance instance = make_synthetic(spec);
    const LeastSquaresProblem problem(std::move(instance.design), std::move(instance.response));
    for (std::size_t a = 0; a < settings.solvers.size(); ++a) {
      const auto result = run_solver(settings.solvers[a], settings.solver, problem, cell.sparsity);
      std::vector<Index> nonzeros;
      for (Index j = 0; j < p; ++j)
        if (result.w[j] != 0.0) nonzeros.push_back(j);
      if (nonzeros == instance.support) ++successes[a];
    }
  }
  return successes;
}

std::string partial_line(const Settings& settings, const Cell& cell,
                         const std::vector<Index>& successes) {
  nlohmann::json by_solver = nlohmann::json::object();
  for (std::size_t a = 0; a < settings.solvers.size(); ++a)
    by_solver[settings.solvers[a]] = successes[a];
  const nlohmann::json line = {{"delta_index", cell.delta_index},
                               {"rho_index", cell.rho_index},
                               {"samples", cell.samples},
                               {"sparsity", cell.sparsity},
                               {"successes", by_solver}};
  return line.dump() + "\n";
}

using CellKey = std::pair<Index, Index>;

/// Reads the finished cells of an earlier run, ignoring any line that is torn (a kill during the
/// write) or does not fit the settings. Returns the cells and the valid lines.
std::map<CellKey, std::vector<Index>> read_partial(const fs::path& path, const Settings& settings,
                                                   const std::vector<Cell>& cells,
                                                   std::string& valid_lines) {
  std::map<CellKey, std::vector<Index>> done;
  std::ifstream file(path);
  if (!file) return done;
  std::map<CellKey, const Cell*> by_key;
  for (const Cell& c : cells) by_key[{c.delta_index, c.rho_index}] = &c;
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) break;  // torn last line
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    try {
      const nlohmann::json j = nlohmann::json::parse(line);
      const CellKey key{j.at("delta_index").get<Index>(), j.at("rho_index").get<Index>()};
      const auto cell = by_key.find(key);
      if (cell == by_key.end() || done.count(key)) continue;
      if (j.at("samples").get<Index>() != cell->second->samples ||
          j.at("sparsity").get<Index>() != cell->second->sparsity)
        continue;
      const nlohmann::json& by_solver = j.at("successes");
      if (by_solver.size() != settings.solvers.size()) continue;
      std::vector<Index> successes;
      for (const std::string& name : settings.solvers) {
        const Index count = by_solver.at(name).get<Index>();
        if (count < 0 || count > settings.trials) throw std::out_of_range("count");
        successes.push_back(count);
      }
      done[key] = std::move(successes);
      valid_lines += line + "\n";
    } catch (const std::exception&) {
      continue;
    }
  }
  return done;
}

/// Prepares the output directory: new, or an earlier sweep with the same settings.
void prepare_directory(const fs::path& dir, const nlohmann::json& settings, bool overwrite) {
  if (fs::exists(dir)) {
    require(fs::is_directory(dir), "--output " + dir.string() + " exists and is not a directory");
    if (overwrite) {
      fs::remove_all(dir);
    } else if (fs::exists(dir / kSettingsName)) {
      nlohmann::json existing;
      try {
        std::ifstream file(dir / kSettingsName);
        existing = nlohmann::json::parse(file);
      } catch (const std::exception&) {
        throw InvalidInput("cannot read " + (dir / kSettingsName).string() +
                           " (pass --overwrite to start afresh)");
      }
      require(existing == settings,
              "output directory " + dir.string() +
                  " holds a sweep with different settings (choose another --output, or pass "
                  "--overwrite to discard it)");
    } else {
      require(fs::is_empty(dir), "output directory " + dir.string() +
                                     " exists and holds no phase-transition sweep (choose "
                                     "another --output or pass --overwrite)");
    }
  }
  fs::create_directories(dir);
  if (!fs::exists(dir / kSettingsName))
    write_file_atomically(dir / kSettingsName, settings.dump(2) + "\n");
}

/// Appends lines to the partial results file, each flushed to disk before the next.
class PartialLog {
 public:
  explicit PartialLog(const fs::path& path) : file_(std::fopen(path.c_str(), "ab")) {
    require(file_ != nullptr, "cannot append to " + path.string());
  }
  ~PartialLog() { std::fclose(file_); }
  PartialLog(const PartialLog&) = delete;
  PartialLog& operator=(const PartialLog&) = delete;

  void append(const std::string& line) {
    if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0 ||
        ::fsync(::fileno(file_)) != 0)
      throw std::runtime_error("cannot append to the partial results file");
  }

 private:
  std::FILE* file_;
};

/// ρ where the success probability first falls from ≥ 1/2 to < 1/2 along increasing ρ, by
/// linear interpolation; none when it never is ≥ 1/2 at the first ρ or never falls below.
std::optional<double> half_crossing(const std::vector<double>& rhos,
                                    const std::vector<double>& probability) {
  if (probability.empty() || probability[0] < 0.5) return std::nullopt;
  for (std::size_t j = 1; j < probability.size(); ++j) {
    if (probability[j] < 0.5) {
      const double a = probability[j - 1], b = probability[j];
      return rhos[j - 1] + (a - 0.5) / (a - b) * (rhos[j] - rhos[j - 1]);
    }
  }
  return std::nullopt;
}

/// Cell boundaries halfway between neighbouring grid values.
std::vector<std::pair<double, double>> cell_extents(const std::vector<double>& values) {
  std::vector<std::pair<double, double>> extents;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double below = i > 0               ? values[i] - values[i - 1]
                         : values.size() > 1 ? values[1] - values[0]
                                             : std::min(values[0], 0.1);
    const double above = i + 1 < values.size() ? values[i + 1] - values[i] : below;
    extents.emplace_back(values[i] - below / 2, values[i] + above / 2);
  }
  return extents;
}

GnuplotFigure heat_map(const Settings& settings, std::size_t solver_index) {
  const std::string& solver = settings.solvers[solver_index];
  std::ostringstream s;
  s << "set title "
    << gnuplot_string(solver + ": empirical probability of exact support recovery (p = " +
                      std::to_string(settings.dimension) + ", " + std::to_string(settings.trials) +
                      " trials per cell)")
    << "\n"
    << "set xlabel \"delta = n / p\"\n"
    << "set ylabel \"rho = s / n\"\n"
    << "set xrange [0:1]\n"
    << "set yrange [0:1]\n"
    << "set cbrange [0:1]\n"
    << "set cblabel \"P(success)\"\n"
    << "set palette defined (0 \"#f7fbff\", 0.5 \"#6baed6\", 1 \"#08306b\")\n"
    << "set key below\n"  // outside the grid: inside, it would hide the bottom row of cells
    << "plot \"heatmap.csv\" index " << solver_index
    << " using 1:2:3:4:5:6:7 with boxxyerror fillstyle solid 1.0 noborder lc palette notitle, \\\n"
    << "     \"curve.csv\" skip 1 using 1:2 with lines lw 3 lc rgb \"#d62728\" title "
       "\"Donoho-Tanner l1 weak threshold\"\n";
  return {.name = "phase-" + solver, .body = s.str(), .width = 800, .height = 700};
}

int phase_transition_main(const std::vector<std::string>& args) {
  const auto values = parse_command_line(kUsage, phase_transition_options(), args, std::cout);
  if (!values) return 0;
  const po::variables_map& v = *values;

  Settings settings;
  settings.dimension = v["dimension"].as<Index>();
  settings.deltas = parse_grid(v["deltas"].as<std::string>(), "deltas");
  settings.rhos = parse_grid(v["rhos"].as<std::string>(), "rhos");
  settings.trials = v["trials"].as<Index>();
  settings.solvers = parse_solvers(v["solvers"].as<std::string>());
  settings.signal = v["signal"].as<double>();
  settings.seed = v["seed"].as<std::uint64_t>();
  settings.solver.stopping = stopping_criteria(v);
  Index jobs = v["jobs"].as<Index>();
  if (jobs == 0) jobs = std::max<Index>(1, std::thread::hardware_concurrency());
  const Index max_cells = v["max-cells"].as<Index>();
  const std::vector<Cell> cells = make_cells(settings);
  const nlohmann::json settings_json = settings.to_json();
  const bool quiet = v["quiet"].as<bool>();

  const fs::path dir = v["output"].as<std::string>();
  prepare_directory(dir, settings_json, v["overwrite"].as<bool>());
  const fs::path partial_path = dir / kPartialName;
  std::string valid_lines;
  std::map<CellKey, std::vector<Index>> done =
      read_partial(partial_path, settings, cells, valid_lines);
  // Drop torn or foreign lines so that new lines start on a line of their own.
  write_file_atomically(partial_path, valid_lines);
  const auto resumed = static_cast<Index>(done.size());

  std::vector<const Cell*> pending;
  for (const Cell& c : cells)
    if (!done.count({c.delta_index, c.rho_index})) pending.push_back(&c);
  const auto budget = static_cast<Index>(
      max_cells > 0 ? std::min<std::size_t>(pending.size(), static_cast<std::size_t>(max_cells))
                    : pending.size());

  if (!quiet && resumed > 0)
    std::cerr << "cardinal phase-transition: resuming, " << resumed << " of " << cells.size()
              << " cells already done\n";
  const Stopwatch clock;
  {
    PartialLog log(partial_path);
    ProgressBar progress(std::cerr, v["progress"].as<bool>() || (!quiet && stderr_is_terminal()),
                         "phase-transition", "cells", static_cast<Index>(cells.size()), resumed);
    std::atomic<Index> next{0};
    std::atomic<bool> failed{false};
    std::mutex mutex;
    std::exception_ptr error;
    auto worker = [&]() {
      while (!failed.load()) {
        const Index i = next.fetch_add(1);
        if (i >= budget) return;
        const Cell& cell = *pending[static_cast<std::size_t>(i)];
        try {
          std::vector<Index> successes = run_cell(settings, cell);
          const std::string line = partial_line(settings, cell, successes);
          std::lock_guard lock(mutex);
          log.append(line);
          done[{cell.delta_index, cell.rho_index}] = std::move(successes);
        } catch (...) {
          std::lock_guard lock(mutex);
          if (!error) error = std::current_exception();
          failed = true;
          return;
        }
        progress.advance();
      }
    };
    std::vector<std::thread> threads;
    const Index workers = std::min<Index>(jobs, std::max<Index>(budget, 1));
    for (Index t = 0; t < workers; ++t) threads.emplace_back(worker);
    for (std::thread& t : threads) t.join();
    progress.finish();
    if (error) std::rethrow_exception(error);
  }

  if (done.size() < cells.size()) {
    std::cerr << "cardinal phase-transition: stopped after " << budget
              << " new cells (--max-cells); " << done.size() << " of " << cells.size()
              << " done. Run the same command again to resume.\n";
    return 0;
  }

  // Final results, in grid order whatever order the cells finished in.
  std::ostringstream csv;
  csv << "solver,delta,rho,samples,sparsity,trials,successes,probability\n";
  for (std::size_t a = 0; a < settings.solvers.size(); ++a)
    for (const Cell& c : cells) {
      const Index successes = done.at({c.delta_index, c.rho_index})[a];
      csv << settings.solvers[a] << ','
          << shortest(settings.deltas[static_cast<std::size_t>(c.delta_index)]) << ','
          << shortest(settings.rhos[static_cast<std::size_t>(c.rho_index)]) << ',' << c.samples
          << ',' << c.sparsity << ',' << settings.trials << ',' << successes << ','
          << shortest(static_cast<double>(successes) / static_cast<double>(settings.trials))
          << '\n';
    }
  write_file_atomically(dir / "cells.csv", csv.str());

  std::ostringstream curve;
  curve << "delta,rho\n";
  for (const WeakThresholdPoint& point : weak_threshold_curve(200))
    curve << shortest(point.delta) << ',' << shortest(point.rho) << '\n';
  write_file_atomically(dir / "curve.csv", curve.str());

  // Heat-map data: one block per solver (gnuplot `index`), a box per cell.
  const auto delta_extent = cell_extents(settings.deltas);
  const auto rho_extent = cell_extents(settings.rhos);
  std::ostringstream heat;
  nlohmann::json transitions = nlohmann::json::object();
  for (std::size_t a = 0; a < settings.solvers.size(); ++a) {
    heat << (a == 0 ? "" : "\n\n") << "# " << settings.solvers[a]
         << ": delta,rho,delta_low,delta_high,rho_low,rho_high,probability\n";
    nlohmann::json rows = nlohmann::json::array();
    for (std::size_t i = 0; i < settings.deltas.size(); ++i) {
      std::vector<double> probability;
      for (std::size_t j = 0; j < settings.rhos.size(); ++j) {
        const double pr =
            static_cast<double>(done.at({static_cast<Index>(i), static_cast<Index>(j)})[a]) /
            static_cast<double>(settings.trials);
        probability.push_back(pr);
        heat << shortest(settings.deltas[i]) << ',' << shortest(settings.rhos[j]) << ','
             << shortest(delta_extent[i].first) << ',' << shortest(delta_extent[i].second) << ','
             << shortest(rho_extent[j].first) << ',' << shortest(rho_extent[j].second) << ','
             << shortest(pr) << '\n';
      }
      const std::optional<double> crossing = half_crossing(settings.rhos, probability);
      rows.push_back({{"delta", settings.deltas[i]},
                      {"rho_50", crossing ? nlohmann::json(*crossing) : nlohmann::json(nullptr)},
                      {"rho_weak_l1", weak_threshold(settings.deltas[i])}});
    }
    transitions[settings.solvers[a]] = rows;
  }
  write_file_atomically(dir / "heatmap.csv", heat.str());
  const nlohmann::json summary = {
      {"settings", settings_json}, {"cells", cells.size()}, {"empirical_transition", transitions}};
  write_file_atomically(dir / "summary.json", summary.dump(2) + "\n");

  GnuplotRenderer plots(!v["no-plot"].as<bool>(), std::cerr);
  for (std::size_t a = 0; a < settings.solvers.size(); ++a)
    plots.render(dir, heat_map(settings, a));

  if (!quiet) {
    std::ostringstream s;
    s << "cardinal phase-transition: p = " << settings.dimension << ", " << cells.size()
      << " cells x " << settings.trials << " trials, " << std::fixed << std::setprecision(1)
      << clock.seconds() << " s\n"
      << "  rho where P(success) falls below 1/2, vs the l1 weak threshold rho_W(delta):\n"
      << "  " << std::setw(7) << "delta" << std::setw(9) << "rho_W";
    for (const std::string& name : settings.solvers) s << std::setw(9) << name;
    s << '\n' << std::setprecision(3);
    for (std::size_t i = 0; i < settings.deltas.size(); ++i) {
      s << "  " << std::setw(7) << settings.deltas[i] << std::setw(9)
        << weak_threshold(settings.deltas[i]);
      for (const std::string& name : settings.solvers) {
        const nlohmann::json& r = transitions[name][i]["rho_50"];
        if (r.is_null())
          s << std::setw(9) << "-";
        else
          s << std::setw(9) << r.get<double>();
      }
      s << '\n';
    }
    s << "  output  " << dir.string() << '\n';
    std::cout << s.str();
  }
  return 0;
}

}  // namespace

int phase_transition_command(const std::vector<std::string>& args) {
  return run_reporting_errors("cardinal phase-transition", phase_transition_main, args);
}

po::options_description phase_transition_command_options() {
  return phase_transition_options();
}

}  // namespace cardinal
