#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cardinal/experiments/plots/experiment_figures.hpp"  // ImageFormats
#include "cardinal/experiments/plots/plot_table.hpp"
#include "cardinal/experiments/store/run_index.hpp"

namespace cardinal {

/// A figure a command drew itself (`bounds`: the objective gap or distance against its bounds;
/// `phase-transition`: a phase diagram per solver), collected from a run's output.
struct CollectedFigure {
  std::string name;     ///< file stem in the plot folder: `<series>[-seed<k>]-<figure>`
  std::string title;    ///< what it shows, for which run
  std::string caption;  ///< how to read it
  PlotTable summary;    ///< bounds: each theorem's status and largest ratio; may be empty
  std::vector<std::string> files;  ///< the files written, names only
};

/// Copies the figures of the `bounds` and `phase-transition` runs among `runs` into `output`
/// (created when there is one): each image (PNG and/or SVG, as `formats` says) as
/// `<series>[-seed<k>]-<figure>.<ext>`, its gnuplot script as `<...>-<figure>.gp` and the CSV
/// files the script reads, prefixed the same way, with the script's file names rewritten so
/// that `gnuplot <...>-<figure>.gp` redraws it in `output`. Figures in run order.
std::vector<CollectedFigure> collect_command_figures(const std::filesystem::path& store,
                                                     const std::vector<RunRecord>& runs,
                                                     const std::filesystem::path& output,
                                                     ImageFormats formats);

}  // namespace cardinal
