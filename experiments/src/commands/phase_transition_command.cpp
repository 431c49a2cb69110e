#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/number_text.hpp"
#include "cardinal/bridge/trace.hpp"
#include "cardinal/convex/analysis/donoho_tanner.hpp"
#include "cardinal/experiments/commands/command_line.hpp"
#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/commands/number_option.hpp"
#include "cardinal/experiments/commands/progress_bar.hpp"
#include "cardinal/experiments/plots/gnuplot.hpp"
#include "cardinal/experiments/plots/phase_diagram.hpp"
#include "cardinal/experiments/solving/convex_problem_options.hpp"
#include "cardinal/experiments/solving/solver_registry.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"
#include "cardinal/experiments/store/record_log.hpp"
#include "cardinal/experiments/store/run_store.hpp"
#include "cardinal/experiments/sweeps/phase_transition.hpp"

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
            "--" + option + ": " + format_number(values[i]) + " lies outside (0, 1]");
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

int phase_transition_main(const std::vector<std::string>& args) {
  const auto values = parse_command_line(kUsage, phase_transition_options(), args, std::cout);
  if (!values) return 0;
  const po::variables_map& v = *values;

  PhaseTransitionSettings settings;
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
  const std::vector<PhaseCell> cells = phase_cells(settings);
  const nlohmann::json settings_json = settings.to_json();
  const bool quiet = v["quiet"].as<bool>();

  const fs::path dir = v["output"].as<std::string>();
  RunDirectory::claim(dir, settings_json, v["overwrite"].as<bool>(), "phase-transition sweep");
  const RunLock lock(dir, [&] {
    if (!quiet)
      std::cerr << "cardinal phase-transition: waiting for another sweep in " << dir.string()
                << "\n";
  });
  PhaseResults done;
  RecordLog log(dir / kPartialName, [&](const nlohmann::json& record) {
    auto successes = successes_of_record(settings, cells, done, record);
    if (successes)
      done[{record.at("delta_index").get<Index>(), record.at("rho_index").get<Index>()}] =
          std::move(*successes);
    return successes.has_value();
  });
  const auto resumed = static_cast<Index>(done.size());

  std::vector<const PhaseCell*> pending;
  for (const PhaseCell& c : cells)
    if (!done.count({c.delta_index, c.rho_index})) pending.push_back(&c);
  const auto budget = static_cast<Index>(
      max_cells > 0 ? std::min<std::size_t>(pending.size(), static_cast<std::size_t>(max_cells))
                    : pending.size());
  pending.resize(static_cast<std::size_t>(budget));

  if (!quiet && resumed > 0)
    std::cerr << "cardinal phase-transition: resuming, " << resumed << " of " << cells.size()
              << " cells already done\n";
  const Stopwatch clock;
  {
    ProgressBar progress(std::cerr, v["progress"].as<bool>() || (!quiet && stderr_is_terminal()),
                         "phase-transition", "cells", static_cast<Index>(cells.size()), resumed);
    run_phase_cells(settings, pending, jobs,
                    [&](const PhaseCell& cell, std::vector<Index> successes) {
                      log.append(cell_record(settings, cell, successes));
                      done[{cell.delta_index, cell.rho_index}] = std::move(successes);
                      progress.advance();
                    });
    progress.finish();
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
    for (const PhaseCell& c : cells) {
      const Index successes = done.at({c.delta_index, c.rho_index})[a];
      csv << settings.solvers[a] << ','
          << format_number(settings.deltas[static_cast<std::size_t>(c.delta_index)]) << ','
          << format_number(settings.rhos[static_cast<std::size_t>(c.rho_index)]) << ',' << c.samples
          << ',' << c.sparsity << ',' << settings.trials << ',' << successes << ','
          << format_number(static_cast<double>(successes) / static_cast<double>(settings.trials))
          << '\n';
    }
  write_file_atomically(dir / "cells.csv", csv.str());

  std::ostringstream curve;
  curve << "delta,rho\n";
  for (const WeakThresholdPoint& point : weak_threshold_curve(200))
    curve << format_number(point.delta) << ',' << format_number(point.rho) << '\n';
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
        heat << format_number(settings.deltas[i]) << ',' << format_number(settings.rhos[j]) << ','
             << format_number(delta_extent[i].first) << ',' << format_number(delta_extent[i].second)
             << ',' << format_number(rho_extent[j].first) << ','
             << format_number(rho_extent[j].second) << ',' << format_number(pr) << '\n';
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
    plots.render(dir, phase_diagram(settings.solvers[a], a, settings.dimension, settings.trials));

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
