// `cardinal plot NAME`: the figures of an experiment's runs, drawn from the run store.
#include <fstream>
#include <iostream>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/atomic_output.hpp"
#include "cardinal/experiments/command_line.hpp"
#include "cardinal/experiments/commands.hpp"
#include "cardinal/experiments/experiment.hpp"
#include "cardinal/experiments/experiment_plots.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace {

constexpr const char* kUsage =
    "Usage: cardinal plot NAME [--store DIR] [--output DIR] [--format png|svg|both]\n"
    "                          [--variant V]\n\n"
    "Draws the figures of experiment NAME from the finished runs in the store (`cardinal\n"
    "experiment run NAME --store DIR`), by the commands of its runs:\n"
    "  lottery    test accuracy and early-stopping iteration vs weights remaining (log scale,\n"
    "             100% on the left), one line per series (each arm's ticket and controls), mean\n"
    "             over seeds with +/- one standard deviation; training curves per level\n"
    "  solve      objective vs iteration (first seed), final objective or test accuracy per arm\n"
    "  supermask  test accuracy per mask criterion, one series per kept-weights choice\n"
    "Each figure is NAME.png and/or NAME.svg, with NAME.csv (the aggregated numbers it draws)\n"
    "and NAME.gp (the gnuplot script), in --output (default STORE/plots/EXPERIMENT/). Runs not\n"
    "finished, of another variant, or of an earlier sweep with other settings are skipped with a\n"
    "note. Needs gnuplot (CARDINAL_GNUPLOT names the executable). See docs/experiments.md.";

// clang-format off
po::options_description plot_options() {
  po::options_description options("Plot");
  options.add_options()
      ("store", po::value<std::string>()->default_value("cardinal-runs"), "the run store")
      ("output,o", po::value<std::string>(), "output folder (default STORE/plots/NAME)")
      ("format", po::value<std::string>()->default_value("both"), "images: png, svg or both")
      ("variant", po::value<std::string>()->default_value(""),
       "the variant to draw (default: that of the most recently finished run)")
      ("definitions", po::value<std::string>(), "a folder of NAME.json definitions to search first");
  return options;
}
// clang-format on

/// Commands that draw their own figures (`bounds`: the objective against its bounds;
/// `phase-transition`: the phase diagrams): their images are collected as they are, one file
/// per run and figure, named `<series>[-seed<k>]-<file>`. Returns the number of files copied.
Index collect_command_figures(const fs::path& store, const std::vector<RunRecord>& runs,
                              const fs::path& output) {
  Index copied = 0;
  for (const RunRecord& run : runs) {
    if (run.command != "bounds" && run.command != "phase-transition") continue;
    const fs::path directory = store / run.directory / "output";
    if (!fs::exists(directory)) continue;
    std::string prefix = series_of(run);
    if (run.point.contains("seed")) prefix += "-seed" + run.point["seed"].dump();
    for (const auto& entry : fs::directory_iterator(directory)) {
      const std::string extension = entry.path().extension().string();
      if (extension != ".png" && extension != ".svg") continue;
      fs::create_directories(output);
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      write_file_atomically(output / (prefix + "-" + entry.path().filename().string()), bytes);
      ++copied;
    }
  }
  return copied;
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
  const Index collected = collect_command_figures(store, runs.runs, output);
  require(!plots.empty() || collected > 0, "nothing to plot for the runs of experiment " + name);
  if (!plots.empty()) write_plots(output, plots, formats);
  if (collected > 0)
    std::cout << "cardinal plot: " << collected << " figure(s) drawn by the runs themselves\n";
  std::cout << "cardinal plot: " << name << " (" << runs.variant << "), " << runs.runs.size()
            << " of " << runs.all.size() << " runs drawn\n";
  for (const ExperimentPlot& p : plots)
    std::cout << "  " << (output / p.name).string() << ".{csv,gp"
              << (formats == ImageFormats::kSvg   ? ",svg"
                  : formats == ImageFormats::kPng ? ",png"
                                                  : ",png,svg")
              << "}  " << p.title << '\n';
  return 0;
}

}  // namespace

int plot_command(const std::vector<std::string>& args) {
  return run_reporting_errors("cardinal plot", plot_main, args);
}

}  // namespace cardinal
