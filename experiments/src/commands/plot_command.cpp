// `cardinal plot NAME`: the figures of an experiment's runs, drawn from the run store.
#include <algorithm>
#include <iostream>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/commands/command_line.hpp"
#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/plots/command_figures.hpp"
#include "cardinal/experiments/plots/experiment_figures.hpp"
#include "cardinal/experiments/plots/run_selection.hpp"
#include "cardinal/experiments/plots/series_statistics.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"
#include "cardinal/experiments/sweeps/experiment.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace {

constexpr const char* kUsage =
    "Usage: cardinal plot NAME [--store DIR] [--output DIR] [--format png|svg|both]\n"
    "                          [--variant V] [--quiet]\n\n"
    "Draws the figures of experiment NAME from the finished runs in the store (`cardinal\n"
    "experiment run NAME --store DIR`), by the commands of its runs:\n"
    "  lottery    test accuracy and early-stopping iteration vs weights remaining (log scale,\n"
    "             100% on the left), one line per series (each arm's ticket and controls), mean\n"
    "             over seeds with +/- one standard deviation, the experiment's network solve\n"
    "             runs (e.g. RigL) as points on the same axes; training curves per level\n"
    "  solve      objective vs iteration (first seed), final objective or test accuracy per arm\n"
    "  supermask  test accuracy per mask criterion, one series per kept-weights choice\n"
    "  mixed      the above, and the final test accuracy of every series side by side\n"
    "  bounds     each run's objective gap / distance against its convergence bounds, as\n"
    "             `cardinal bounds` drew it (collected, one figure per run)\n"
    "  phase      each run's phase diagram per solver, as `cardinal phase-transition` drew it\n"
    "The values a paper states (the definition's paper_values) are drawn in black and\n"
    "added to the tables as a paper column.\n"
    "Each figure is NAME.png and/or NAME.svg, with NAME.csv (the aggregated numbers it draws;\n"
    "for a collected figure, the CSV files its script reads, prefixed like it) and NAME.gp (the\n"
    "gnuplot script), in --output (default STORE/plots/EXPERIMENT/). Runs not\n"
    "finished, of another variant, or of an earlier sweep with other settings are skipped with a\n"
    "note. Prints each figure's numbers (mean +/- std (n) over seeds) unless --quiet. Needs\n"
    "gnuplot (CARDINAL_GNUPLOT names the executable). See docs/experiments.md.";

// clang-format off
po::options_description plot_options() {
  po::options_description options("Plot");
  options.add_options()
      ("store", po::value<std::string>()->default_value("cardinal-runs"), "the run store")
      ("output,o", po::value<std::string>(), "output folder (default STORE/plots/NAME)")
      ("format", po::value<std::string>()->default_value("both"), "images: png, svg or both")
      ("variant", po::value<std::string>()->default_value(""),
       "the variant to draw (default: that of the most recently finished run)")
      ("definitions", po::value<std::string>(), "a folder of NAME.json definitions to search first")
      ("quiet,q", po::bool_switch(), "print the files only, not the figures' numbers");
  return options;
}
// clang-format on

/// Characters of UTF-8 text as a terminal shows them (one per code point).
std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (unsigned char c : text) width += (c & 0xc0) != 0x80;
  return width;
}

/// `table` with aligned columns, for a terminal.
std::string text_table(const PlotTable& table) {
  std::vector<std::size_t> widths(table.columns.size(), 0);
  const auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c)
      widths[c] = std::max(widths[c], display_width(row[c]));
  };
  measure(table.columns);
  for (const auto& row : table.rows) measure(row);
  std::string out;
  const auto line = [&](const std::vector<std::string>& row) {
    std::string text = " ";
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c)
      text += " " + row[c] + std::string(widths[c] - display_width(row[c]) + 1, ' ');
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  line(table.columns);
  for (const auto& row : table.rows) line(row);
  return out;
}

int plot_main(const std::vector<std::string>& args) {
  std::vector<std::string> rest = args;
  std::string name;
  if (!rest.empty() && rest[0].rfind("-", 0) != 0) {
    name = rest[0];
    rest.erase(rest.begin());
  }
  const auto values = parse_command_line(kUsage, plot_options(), rest, std::cout);
  if (!values) return 0;
  const po::variables_map& v = *values;
  require(!name.empty(), "missing the experiment name (cardinal experiment list)");
  const ImageFormats formats = parse_image_formats(v["format"].as<std::string>());
  const ExperimentDefinition definition = find_experiment(
      name, v.count("definitions") ? fs::path(v["definitions"].as<std::string>()) : fs::path());
  const fs::path store = v["store"].as<std::string>();
  const ExperimentRuns runs = read_experiment_runs(store, name, v["variant"].as<std::string>());
  for (const std::string& note : runs.notes) std::cerr << "cardinal plot: " << note << '\n';
  require(!runs.runs.empty(), "no finished runs of experiment " + name +
                                  (runs.variant.empty() ? "" : " (variant " + runs.variant + ")") +
                                  " in " + store.string());
  const std::vector<ExperimentPlot> plots = experiment_plots(store, definition, runs);
  const fs::path output =
      v.count("output") ? fs::path(v["output"].as<std::string>()) : store / "plots" / name;
  const std::vector<CollectedFigure> collected =
      collect_command_figures(store, runs.runs, output, formats);
  require(!plots.empty() || !collected.empty(),
          "nothing to plot for the runs of experiment " + name);
  if (!plots.empty()) write_plots(output, plots, formats);
  std::cout << "cardinal plot: " << name << " (" << runs.variant << "), " << runs.runs.size()
            << " of " << runs.all.size() << " runs drawn, " << plots.size() + collected.size()
            << " figure(s) in " << output.string() << "\n";
  const std::string images = formats == ImageFormats::kSvg   ? ",svg"
                             : formats == ImageFormats::kPng ? ",png"
                                                             : ",png,svg";
  for (const ExperimentPlot& p : plots)
    std::cout << "  " << (output / p.name).string() << ".{csv,gp" << images << "}  " << p.title
              << '\n';
  for (const CollectedFigure& f : collected) {
    std::cout << "  " << (output / f.name).string() << ".{gp" << images << "}  " << f.title << '\n';
    for (const std::string& file : f.files)
      if (file.size() > 4 && file.compare(file.size() - 4, 4, ".csv") == 0)
        std::cout << "    data " << (output / file).string() << '\n';
  }
  // The numbers of each figure, as a table (mean ± std (n) over seeds), unless --quiet.
  if (!v["quiet"].as<bool>())
    for (const ExperimentPlot& p : plots)
      if (!p.summary.rows.empty())
        std::cout << '\n' << p.title << " (" << p.name << ".png):\n" << text_table(p.summary);
  return 0;
}

}  // namespace

int plot_command(const std::vector<std::string>& args) {
  return run_reporting_errors("cardinal plot", plot_main, args);
}

}  // namespace cardinal
