#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/experiments/plots/gnuplot.hpp"

namespace cardinal {

/// The boxes of a heat map over grid `values`: each value's cell reaches halfway to its
/// neighbours (as far out as in at the ends).
std::vector<std::pair<double, double>> cell_extents(const std::vector<double>& values);

/// The phase diagram of `solver` (data block `block` of heatmap.csv: δ, ρ, the box, the success
/// probability) with the Donoho–Tanner ℓ1 weak threshold of curve.csv overlaid.
GnuplotFigure phase_diagram(const std::string& solver, std::size_t block, Index dimension,
                            Index trials);

}  // namespace cardinal
