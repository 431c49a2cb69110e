#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cardinal/experiments/plots/gnuplot.hpp"
#include "cardinal/experiments/plots/plot_table.hpp"
#include "cardinal/experiments/plots/run_selection.hpp"
#include "cardinal/experiments/sweeps/experiment.hpp"

namespace cardinal {

/// One figure of an experiment.
struct ExperimentPlot {
  std::string name;  ///< file stem of `<name>.csv`, `.gp`, `.png`, `.svg`
  std::string title;
  std::string caption;   ///< what is drawn, and what the error bars are
  PlotTable data;        ///< the numbers drawn, written as `<name>.csv`
  PlotTable summary;     ///< the same numbers for reading (mean ± std (n)); may be empty
  GnuplotFigure figure;  ///< named `name`, reading `<name>.csv`
};

/// The figures of the selected runs of `definition`: by its plot kind and the commands of the
/// runs, lottery (accuracy and early-stopping iteration vs weights remaining, training curves),
/// solve (objective vs iteration, final metric per series), supermask (accuracy per criterion);
/// a "mixed" experiment also gets the final test accuracy of every series side by side.
std::vector<ExperimentPlot> experiment_plots(const std::filesystem::path& store,
                                             const ExperimentDefinition& definition,
                                             const ExperimentRuns& runs);

/// Which images write_plots keeps.
enum class ImageFormats { kPng, kSvg, kBoth };

/// "png", "svg" or "both"; InvalidInput otherwise.
ImageFormats parse_image_formats(const std::string& name);

/// Writes each plot's `<name>.csv` and `<name>.gp` into `directory` (created) and draws the
/// images with gnuplot (see GnuplotRenderer for the executable). Every file appears atomically:
/// gnuplot draws into hidden siblings that are renamed into place. Throws InvalidInput when
/// gnuplot cannot be found, std::runtime_error when it fails on a figure.
void write_plots(const std::filesystem::path& directory, const std::vector<ExperimentPlot>& plots,
                 ImageFormats formats);

}  // namespace cardinal
