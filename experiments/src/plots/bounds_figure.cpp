#include "cardinal/experiments/plots/bounds_figure.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <vector>

namespace cardinal {
namespace {

std::string number(double x) {
  std::ostringstream out;
  out.precision(17);
  out << x;
  return out.str();
}

}  // namespace

GnuplotFigure bounds_figure(const BoundsReport& report, const std::string& title,
                            const std::string& csv_name) {
  std::vector<BoundQuantity> panels;
  for (BoundQuantity q : {BoundQuantity::kObjectiveGap, BoundQuantity::kDistance})
    for (const TheoremCheck& c : report.checks)
      if (c.quantity == q && !c.rows.empty()) {
        panels.push_back(q);
        break;
      }

  GnuplotFigure figure{.name = "bounds",
                       .body = {},
                       .width = 900,
                       .height = 420 * std::max<int>(1, static_cast<int>(panels.size()))};
  std::ostringstream s;
  const std::string data = gnuplot_string(csv_name);
  if (panels.empty()) {
    s << "set title " << gnuplot_string(title + ": no bound sequence to plot") << "\n"
      << "unset border\nunset tics\nunset key\nplot [0:1] [0:1] NaN notitle\n";
    figure.body = s.str();
    return figure;
  }
  s << "set multiplot layout " << panels.size() << ",1 title " << gnuplot_string(title) << "\n";
  for (BoundQuantity q : panels) {
    const bool gap = q == BoundQuantity::kObjectiveGap;
    s << "set logscale y\n"
      << "set format y \"10^{%L}\"\n"
      << "set xlabel \"iteration\"\n"
      << "set ylabel " << gnuplot_string(gap ? "f(w_t) - f(reference)" : "||w_t - w*||_2") << "\n"
      << "set key below\n"
      << "set grid\n";
    // Keep bounds that do not apply (and may grow without limit) from flattening the data.
    double top = 0.0, bottom = std::numeric_limits<double>::infinity();
    for (const TheoremCheck& c : report.checks) {
      if (c.quantity != q) continue;
      for (std::size_t i = 0; i < c.rows.size(); ++i) {
        for (double x : {c.empirical[i], c.bound[i]})
          if (x > 0.0 && std::isfinite(x)) bottom = std::min(bottom, x);
        if (c.empirical[i] > 0.0 && std::isfinite(c.empirical[i]))
          top = std::max(top, c.empirical[i]);
        if (c.applicable() && c.bound[i] > 0.0 && std::isfinite(c.bound[i]))
          top = std::max(top, c.bound[i]);
      }
    }
    if (top > 0.0) {
      top *= 10.0;
      bottom = std::max(bottom / 2.0, top * 1e-30);
      s << "set yrange [" << number(bottom) << ":" << number(top) << "]\n";
    } else {
      s << "set autoscale y\n";
    }
    std::vector<std::string> series;
    bool empirical_drawn = false;
    int color = 2;
    for (const TheoremCheck& c : report.checks) {
      if (c.quantity != q || c.rows.empty()) continue;
      const std::string select = "(strcol(2) eq " + gnuplot_string(c.id) + " ? $";
      if (!empirical_drawn) {
        series.push_back(data + " skip 1 using 1:" + select +
                         "3 : NaN) with linespoints pt 7 ps 0.5 lw 2 lc 1 title " +
                         gnuplot_string(gap ? "objective gap" : "distance to w*"));
        empirical_drawn = true;
      }
      const std::string label =
          c.id + (c.applicable() ? " (bound holds by theorem)" : " (not applicable)");
      series.push_back(data + " skip 1 using 1:" + select + "4 : NaN) with lines lw 2 dt " +
                       (c.applicable() ? "1" : "2") + " lc " + std::to_string(color++) + " title " +
                       gnuplot_string(label));
    }
    s << "plot ";
    for (std::size_t i = 0; i < series.size(); ++i) s << (i == 0 ? "" : ", \\\n     ") << series[i];
    s << "\n";
  }
  s << "unset multiplot\n";
  figure.body = s.str();
  return figure;
}

}  // namespace cardinal
