#pragma once

#include <string>

#include "cardinal/convex/analysis/bound_check.hpp"
#include "cardinal/experiments/plots/gnuplot.hpp"

namespace cardinal {

/// The figure of `cardinal bounds`: one panel per quantity (log-scale y), the empirical values and
/// every bound, read from `csv_name` (bounds_csv) in the same directory.
GnuplotFigure bounds_figure(const BoundsReport& report, const std::string& title,
                            const std::string& csv_name = "bounds.csv");

}  // namespace cardinal
