#include "cardinal/experiments/plots/command_figures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/plots/run_selection.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"

namespace cardinal {
namespace fs = std::filesystem;

namespace {

std::string read_whole(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

/// What a collected figure shows, from the command and the figure's file stem.
std::pair<std::string, std::string> collected_title(const RunRecord& run, const std::string& stem,
                                                    const std::string& who) {
  if (run.command == "bounds")
    return {"Convergence bounds: " + who,
            "The run's objective gap f(w_t) - f(reference) and/or distance ||w_t - w*|| per "
            "iteration (log scale, points), against every convergence bound of its solver "
            "(solid: the assumptions hold with exact or certified constants, so the run must "
            "stay below; dashed: not applicable). The table gives each theorem's status and "
            "the largest ratio of the run to the bound."};
  const std::string solver = stem.rfind("phase-", 0) == 0 ? stem.substr(6) : stem;
  std::string caption =
      "Empirical probability of exact support recovery by " + solver +
      " over the (delta = n/p, rho = s/n) grid, with the Donoho-Tanner weak threshold of l1 "
      "minimization (red).";
  if (solver == "lasso")
    caption +=
        " The l1 path here stops at the sparsity budget (the first point of the path with s "
        "nonzeros) rather than solving basis pursuit to the end, so its recovery region sits "
        "somewhat below the curve, which describes exact l1 minimization.";
  return {"Phase diagram of " + solver + ": " + who, caption};
}

}  // namespace

std::vector<CollectedFigure> collect_command_figures(const fs::path& store,
                                                     const std::vector<RunRecord>& runs,
                                                     const fs::path& output, ImageFormats formats) {
  std::vector<CollectedFigure> out;
  for (const RunRecord& run : runs) {
    if (run.command != "bounds" && run.command != "phase-transition") continue;
    const fs::path directory = output_of(store, run);
    if (!fs::is_directory(directory)) continue;
    std::string prefix = series_of(run);
    std::replace(prefix.begin(), prefix.end(), ' ', '_');
    if (run.point.contains("seed")) prefix += "-seed" + text_of(run.point["seed"]);
    // The run, what it ran on and its seed: one run per figure.
    std::string who = series_of(run) + " (" + runs_setting({run});
    who += run.point.contains("seed") ? ", seed " + text_of(run.point["seed"]) + ")" : ")";

    std::vector<std::string> stems;  // figures: a script or an image
    for (const auto& entry : fs::directory_iterator(directory)) {
      const std::string extension = entry.path().extension().string();
      if (extension != ".gp" && extension != ".png" && extension != ".svg") continue;
      const std::string stem = entry.path().stem().string();
      if (std::find(stems.begin(), stems.end(), stem) == stems.end()) stems.push_back(stem);
    }
    std::sort(stems.begin(), stems.end());
    std::set<std::string> copied_data;
    for (const std::string& stem : stems) {
      CollectedFigure figure;
      figure.name = prefix + "-" + stem;
      std::tie(figure.title, figure.caption) = collected_title(run, stem, who);
      fs::create_directories(output);
      const fs::path script = directory / (stem + ".gp");
      if (fs::exists(script)) {
        std::string text = read_whole(script);
        replace_all(text, "gnuplot " + stem + ".gp", "gnuplot " + figure.name + ".gp");
        replace_all(text, "\"" + stem + ".\"", "\"" + figure.name + ".\"");
        for (const auto& entry : fs::directory_iterator(directory)) {
          const std::string data = entry.path().filename().string();
          if (entry.path().extension() != ".csv" ||
              text.find("\"" + data + "\"") == std::string::npos)
            continue;
          replace_all(text, "\"" + data + "\"", "\"" + prefix + "-" + data + "\"");
          if (copied_data.insert(data).second)
            write_file_atomically(output / (prefix + "-" + data), read_whole(entry.path()));
          figure.files.push_back(prefix + "-" + data);
        }
        write_file_atomically(output / (figure.name + ".gp"), text);
        figure.files.push_back(figure.name + ".gp");
      }
      for (const char* extension : {"png", "svg"}) {
        const bool keep = formats == ImageFormats::kBoth ||
                          (formats == ImageFormats::kPng) == (std::string(extension) == "png");
        const fs::path image = directory / (stem + "." + extension);
        if (!keep || !fs::exists(image)) continue;
        write_file_atomically(output / (figure.name + "." + extension), read_whole(image));
        figure.files.push_back(figure.name + "." + extension);
      }
      if (run.command == "bounds" && fs::exists(directory / "summary.json")) {
        nlohmann::json summary;
        try {
          summary = nlohmann::json::parse(read_whole(directory / "summary.json"));
        } catch (const nlohmann::json::exception&) {
        }
        figure.summary.columns = {"theorem", "status", "applicable", "largest ratio to the bound"};
        if (summary.contains("theorems") && summary["theorems"].is_array())
          for (const auto& t : summary["theorems"])
            figure.summary.rows.push_back({t.value("id", std::string("?")),
                                           t.value("status", std::string("?")),
                                           t.value("applicable", false) ? "yes" : "no",
                                           t.contains("max_ratio") && t["max_ratio"].is_number()
                                               ? printf_text("%.3g", t["max_ratio"].get<double>())
                                               : std::string("-")});
      }
      out.push_back(std::move(figure));
    }
  }
  return out;
}

}  // namespace cardinal
