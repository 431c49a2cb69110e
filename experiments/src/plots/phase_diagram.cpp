#include "cardinal/experiments/plots/phase_diagram.hpp"

#include <algorithm>
#include <sstream>

namespace cardinal {

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

GnuplotFigure phase_diagram(const std::string& solver, std::size_t block, Index dimension,
                            Index trials) {
  std::ostringstream s;
  s << "set title "
    << gnuplot_string(solver + ": empirical probability of exact support recovery (p = " +
                      std::to_string(dimension) + ", " + std::to_string(trials) +
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
    << "plot \"heatmap.csv\" index " << block
    << " using 1:2:3:4:5:6:7 with boxxyerror fillstyle solid 1.0 noborder lc palette notitle, \\\n"
    << "     \"curve.csv\" skip 1 using 1:2 with lines lw 3 lc rgb \"#d62728\" title "
       "\"Donoho-Tanner l1 weak threshold\"\n";
  return {.name = "phase-" + solver, .body = s.str(), .width = 800, .height = 700};
}

}  // namespace cardinal
