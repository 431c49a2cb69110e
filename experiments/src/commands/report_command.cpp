// `cardinal report NAME`: an experiment's definition, runs, aggregated results and plots as
// report.md and a self-contained report.html.
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "cardinal/bridge/error.hpp"
#include "cardinal/experiments/commands/command_line.hpp"
#include "cardinal/experiments/commands/commands.hpp"
#include "cardinal/experiments/plots/command_figures.hpp"
#include "cardinal/experiments/plots/experiment_figures.hpp"
#include "cardinal/experiments/plots/run_selection.hpp"
#include "cardinal/experiments/plots/series_statistics.hpp"
#include "cardinal/experiments/shell.hpp"
#include "cardinal/experiments/store/atomic_output.hpp"
#include "cardinal/experiments/sweeps/experiment.hpp"

namespace cardinal {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace {

constexpr const char* kUsage =
    "Usage: cardinal report NAME [--store DIR] [--output DIR] [--variant V]\n\n"
    "Writes report.md and report.html (self-contained: images embedded, tables as HTML) for\n"
    "experiment NAME from its runs in the store: the definition (reference, arms, sweep,\n"
    "variants), the status of every run, the aggregated results (mean +/- std and n per series),\n"
    "the figures of `cardinal plot` (drawn into the same folder, with their CSV files) and the\n"
    "commands that reproduce the runs. --output defaults to STORE/reports/NAME. Needs gnuplot.";

// clang-format off
po::options_description report_options() {
  po::options_description options("Report");
  options.add_options()
      ("store", po::value<std::string>()->default_value("cardinal-runs"), "the run store")
      ("output,o", po::value<std::string>(), "output folder (default STORE/reports/NAME)")
      ("variant", po::value<std::string>()->default_value(""),
       "the variant to report (default: that of the most recently finished run)")
      ("definitions", po::value<std::string>(), "a folder of NAME.json definitions to search first");
  return options;
}
// clang-format on

/// A report as a list of blocks, rendered as Markdown and as HTML.
struct Block {
  /// kData: a paragraph `text` followed by links to the files `items` (in the report's folder;
  /// embedded as data URIs in the HTML, so that the page stays one file).
  enum Kind { kHeading, kParagraph, kCode, kTable, kImage, kList, kData } kind;
  int level = 0;                   // heading
  std::string text;                // heading, paragraph, code; image: file name
  std::string caption;             // image
  PlotTable table;                 // table
  std::vector<std::string> items;  // list
};

/// `words` as one shell command (each quoted by shell_quote), continued with " \" onto
/// indented lines after about 90 characters, so that a report shows long command lines whole.
std::string shell_line(const std::vector<std::string>& words) {
  constexpr std::size_t kWidth = 90;
  std::string out, line;
  for (const std::string& w : words) {
    const std::string word = shell_quote(w);
    if (!line.empty() && line.size() + 1 + word.size() > kWidth) {
      out += line + " \\\n";
      line = "    " + word;
    } else {
      line += (line.empty() ? "" : " ") + word;
    }
  }
  return out + line;
}

// ---- rendering -------------------------------------------------------------------------------

std::string markdown_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

std::string markdown(const std::vector<Block>& blocks) {
  std::ostringstream s;
  for (const Block& b : blocks) {
    switch (b.kind) {
      case Block::kHeading:
        s << std::string(static_cast<std::size_t>(b.level), '#') << ' ' << b.text << "\n\n";
        break;
      case Block::kParagraph:
        s << b.text << "\n\n";
        break;
      case Block::kCode:
        s << "```\n"
          << b.text << (b.text.empty() || b.text.back() == '\n' ? "" : "\n") << "```\n\n";
        break;
      case Block::kList:
        for (const std::string& item : b.items) s << "- " << item << '\n';
        s << '\n';
        break;
      case Block::kImage:
        s << "![" << b.caption << "](" << b.text << ")\n\n";
        break;
      case Block::kData:
        s << b.text;
        for (std::size_t i = 0; i < b.items.size(); ++i)
          s << (i ? ", " : " ") << '[' << b.items[i] << "](" << b.items[i] << ')';
        s << (b.items.empty() ? "" : ".") << "\n\n";
        break;
      case Block::kTable: {
        s << '|';
        for (const std::string& c : b.table.columns) s << ' ' << markdown_cell(c) << " |";
        s << "\n|";
        for (std::size_t i = 0; i < b.table.columns.size(); ++i) s << " --- |";
        s << '\n';
        for (const auto& row : b.table.rows) {
          s << '|';
          for (const std::string& c : row) s << ' ' << markdown_cell(c) << " |";
          s << '\n';
        }
        s << '\n';
        break;
      }
    }
  }
  return s.str();
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string base64(const std::string& bytes) {
  static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t left = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t chunk = 0;
    for (std::size_t j = 0; j < 3; ++j)
      chunk = (chunk << 8) | (j < left ? static_cast<unsigned char>(bytes[i + j]) : 0u);
    for (std::size_t j = 0; j < 4; ++j)
      out += j <= left ? digits[(chunk >> (18 - 6 * j)) & 63] : '=';
  }
  return out;
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  require(in.good(), "cannot read " + file.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string html(const std::string& title, const std::vector<Block>& blocks,
                 const fs::path& directory) {
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
    << html_escape(title) << "</title>\n<style>\n"
    << "body { font-family: sans-serif; max-width: 72em; margin: 2em auto; padding: 0 1em; "
       "line-height: 1.45; color: #222; }\n"
    << "table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }\n"
    << "th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }\n"
    << "th { background: #f0f0f0; }\n"
    << "pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }\n"
    << "figure { margin: 1.5em 0; } img { max-width: 100%; border: 1px solid #ddd; }\n"
    << "figcaption { font-size: 0.9em; color: #555; }\n"
    << "</style>\n</head>\n<body>\n";
  for (const Block& b : blocks) {
    switch (b.kind) {
      case Block::kHeading:
        s << "<h" << b.level << '>' << html_escape(b.text) << "</h" << b.level << ">\n";
        break;
      case Block::kParagraph:
        s << "<p>" << html_escape(b.text) << "</p>\n";
        break;
      case Block::kCode:
        s << "<pre><code>" << html_escape(b.text) << "</code></pre>\n";
        break;
      case Block::kList:
        s << "<ul>\n";
        for (const std::string& item : b.items) s << "<li>" << html_escape(item) << "</li>\n";
        s << "</ul>\n";
        break;
      case Block::kData:
        s << "<p>" << html_escape(b.text);
        for (std::size_t i = 0; i < b.items.size(); ++i)
          s << (i ? ", " : " ") << "<a download=\"" << html_escape(b.items[i])
            << "\" href=\"data:text/csv;base64," << base64(read_bytes(directory / b.items[i]))
            << "\">" << html_escape(b.items[i]) << "</a>";
        s << (b.items.empty() ? "" : ".") << "</p>\n";
        break;
      case Block::kImage:
        s << "<figure><img alt=\"" << html_escape(b.caption) << "\" src=\"data:image/png;base64,"
          << base64(read_bytes(directory / b.text)) << "\"><figcaption>" << html_escape(b.caption)
          << "</figcaption></figure>\n";
        break;
      case Block::kTable:
        s << "<table>\n<thead><tr>";
        for (const std::string& c : b.table.columns) s << "<th>" << html_escape(c) << "</th>";
        s << "</tr></thead>\n<tbody>\n";
        for (const auto& row : b.table.rows) {
          s << "<tr>";
          for (const std::string& c : row) s << "<td>" << html_escape(c) << "</td>";
          s << "</tr>\n";
        }
        s << "</tbody>\n</table>\n";
        break;
    }
  }
  s << "</body>\n</html>\n";
  return s.str();
}

// ---- content ---------------------------------------------------------------------------------

Block heading(int level, std::string text) {
  return {.kind = Block::kHeading, .level = level, .text = std::move(text)};
}
Block paragraph(std::string text) {
  return {.kind = Block::kParagraph, .text = std::move(text)};
}
Block code(std::string text) {
  return {.kind = Block::kCode, .text = std::move(text)};
}
Block list(std::vector<std::string> items) {
  return {.kind = Block::kList, .items = std::move(items)};
}
Block table(PlotTable t) {
  return {.kind = Block::kTable, .table = std::move(t)};
}

/// The options of `settings` other than the sweep coordinates of `point`.
nlohmann::json configuration(const nlohmann::json& settings, const nlohmann::json& point) {
  nlohmann::json options = settings.is_object() && settings.contains("options")
                               ? settings["options"]
                               : nlohmann::json::object();
  for (const auto& [key, value] : point.items()) options.erase(key);
  return options;
}

/// The `cardinal experiment run` arguments that plan the drawn runs: the variant, and `--set`
/// for each option whose value differs from the definition's, each sweep axis whose values
/// differ, and the arms when not all of them ran. Options that --set cannot express are noted
/// in `unexpressed`.
std::vector<std::string> reproducing_arguments(const ExperimentDefinition& d,
                                               const ExperimentRuns& runs,
                                               std::vector<std::string>& unexpressed) {
  std::vector<std::string> args = {"--variant=" + runs.variant};
  std::vector<PlannedRun> planned;
  try {
    planned = plan_runs(d, runs.variant, {});
  } catch (const std::exception& e) {
    unexpressed.push_back(std::string("the definition cannot be planned here: ") + e.what());
    return args;
  }
  std::map<std::string, nlohmann::json> planned_options;  // arm → options
  for (const PlannedRun& p : planned)
    planned_options.emplace(p.arm, configuration(p.settings, p.point));

  std::map<std::string, nlohmann::json> sets;
  std::vector<std::string> arms_found;
  std::map<std::string, std::vector<nlohmann::json>> axis_values;
  for (const RunRecord& r : runs.runs) {
    const std::string arm = r.point.value("arm", std::string());
    if (std::find(arms_found.begin(), arms_found.end(), arm) == arms_found.end())
      arms_found.push_back(arm);
    for (const auto& [axis, values] : d.sweep) {
      if (!r.point.contains(axis)) continue;
      auto& found = axis_values[axis];
      if (std::find(found.begin(), found.end(), r.point[axis]) == found.end())
        found.push_back(r.point[axis]);
    }
    const auto it = planned_options.find(arm);
    if (it == planned_options.end()) continue;
    const nlohmann::json options = configuration(r.settings, r.point);
    for (const auto& [key, value] : options.items())
      if (!it->second.contains(key) || it->second[key] != value) sets[key] = value;
  }
  for (const auto& [key, value] : sets) {
    if (value.is_array() || value.is_object()) {
      unexpressed.push_back(key + " = " + value.dump());
      continue;
    }
    args.push_back("--set=" + key + "=" + text_of(value));
  }
  for (const auto& [axis, values] : d.sweep) {
    auto found = axis_values[axis];
    std::sort(found.begin(), found.end());
    auto defined = values;
    std::sort(defined.begin(), defined.end());
    if (found == defined || found.empty()) continue;
    std::string list;
    for (const auto& v : found) list += (list.empty() ? "" : ",") + text_of(v);
    args.push_back("--set=" + axis + "=" + list);
  }
  if (arms_found.size() < d.arms.size()) {
    std::string list;
    for (const ExperimentArm& a : d.arms)
      if (std::find(arms_found.begin(), arms_found.end(), a.label) != arms_found.end())
        list += (list.empty() ? "" : ",") + a.label;
    args.push_back("--set=arm=" + list);
  }
  return args;
}

std::vector<Block> report_blocks(const ExperimentDefinition& d, const fs::path& store,
                                 const ExperimentRuns& runs,
                                 const std::vector<ExperimentPlot>& plots,
                                 const std::vector<CollectedFigure>& collected,
                                 const fs::path& output) {
  std::vector<Block> b;
  b.push_back(heading(1, d.title));
  // What actually ran: the variant with every override, the model and data, the seeds. The
  // definition's prose describes the variant as defined, which --set may have changed.
  std::vector<std::string> ignored;
  std::vector<std::string> overrides;
  for (const std::string& a : reproducing_arguments(d, runs, ignored))
    if (a.rfind("--set=", 0) == 0) overrides.push_back(a.substr(6));
  std::string ran = "ran: variant " + runs.variant;
  if (overrides.empty()) {
    ran += " as defined (no --set)";
  } else {
    ran += " with ";
    for (std::size_t i = 0; i < overrides.size(); ++i)
      ran += (i ? ", " : "") + std::string("--set ") + overrides[i];
  }
  const std::string setting = runs_setting(runs.runs);
  std::vector<std::string> header = {
      "experiment: " + d.name + " (version " + std::to_string(d.version) + ")",
      "reference: " + (d.reference.empty() ? std::string("-") : d.reference),
      ran,
      "model and data: " + (setting.empty() ? std::string("-") : setting),
      "seeds: " + std::to_string(seeds_of(runs.runs)) + " per series",
      "store: " + fs::absolute(store).string(),
      "drawn: " + std::to_string(runs.runs.size()) + " of " + std::to_string(runs.all.size()) +
          " runs"};
  // A run on another data set than the paper's must not read as the paper's.
  const bool reference_mnist = d.reference.find("MNIST") != std::string::npos &&
                               d.reference.find("Fashion") == std::string::npos;
  if (reference_mnist && setting.find("fashion-mnist") != std::string::npos)
    header.push_back(
        "note: the reference reports MNIST; these runs are on Fashion-MNIST, a harder data set: "
        "compare the shape of the curves, not their values");
  b.push_back(list(header));
  if (!d.description.empty())
    b.push_back(paragraph((overrides.empty()
                               ? std::string()
                               : std::string("The definition's description (the runs override it "
                                             "where the \"ran\" line says): ")) +
                          d.description));

  b.push_back(heading(2, "Definition"));
  std::map<std::string, std::pair<Index, std::string>> found;  // variant → runs, versions
  for (const RunRecord& r : runs.all) {
    auto& f = found[r.variant];
    ++f.first;
    const std::string v = std::to_string(r.version);
    if (f.second.find("v" + v) == std::string::npos)
      f.second += (f.second.empty() ? "" : ", ") + ("v" + v);
  }
  std::vector<std::string> variants;
  for (const auto& [name, overrides] : d.variants) {
    const auto f = found.find(name);
    variants.push_back(
        name + (name == d.default_variant ? " (default)" : "") + ": " + overrides.dump() +
        (f == found.end() ? ", no runs in the store"
                          : ", " + std::to_string(f->second.first) +
                                " runs in the store (definition " + f->second.second + ")"));
  }
  b.push_back(paragraph("Variants (overrides of the common options):"));
  b.push_back(list(variants));
  b.push_back(paragraph("Common options (plot kind: " + (d.plot.empty() ? "-" : d.plot) + "):"));
  b.push_back(code(d.common.dump(2)));
  PlotTable arms{{"arm", "command", "options"}, {}};
  for (const ExperimentArm& a : d.arms) arms.rows.push_back({a.label, a.command, a.options.dump()});
  b.push_back(table(arms));
  std::vector<std::string> sweep;
  for (const auto& [axis, values] : d.sweep)
    sweep.push_back(axis + ": " + nlohmann::json(values).dump());
  b.push_back(paragraph("Sweep (" + std::to_string(d.run_count()) +
                        " runs per variant: arms x the axes):"));
  b.push_back(list(sweep.empty() ? std::vector<std::string>{"none"} : sweep));

  b.push_back(heading(2, "Runs"));
  PlotTable status{{"run", "point", "variant", "status", "seconds", "finished", "drawn"}, {}};
  std::map<std::string, Index> counts;
  for (const RunRecord& r : runs.all) {
    const bool drawn = std::any_of(runs.runs.begin(), runs.runs.end(),
                                   [&](const RunRecord& x) { return x.run_id == r.run_id; });
    std::ostringstream seconds;
    seconds.setf(std::ios::fixed);
    seconds.precision(1);
    seconds << r.seconds;
    status.rows.push_back({r.run_id, point_text(r.point), r.variant, r.status, seconds.str(),
                           r.finished.empty() ? "-" : r.finished, drawn ? "yes" : "no"});
    ++counts[r.status];
  }
  std::string tally;
  for (const auto& [s, n] : counts)
    tally += (tally.empty() ? "" : ", ") + std::to_string(n) + " " + s;
  b.push_back(paragraph(std::to_string(runs.all.size()) + " runs in the store: " + tally + "."));
  b.push_back(table(status));
  if (!runs.notes.empty()) {
    b.push_back(paragraph("Left out of the results:"));
    b.push_back(list(runs.notes));
  }

  b.push_back(heading(2, "Results"));
  for (const ExperimentPlot& p : plots) {
    b.push_back(heading(3, p.title));
    b.push_back({.kind = Block::kData,
                 .text = p.caption + " Data (the numbers drawn, also beside this page):",
                 .items = {p.name + ".csv"}});
    b.push_back({.kind = Block::kImage, .text = p.name + ".png", .caption = p.title});
    if (!p.summary.columns.empty()) b.push_back(table(p.summary));
  }
  for (const CollectedFigure& f : collected) {
    b.push_back(heading(3, f.title));
    std::vector<std::string> data;
    for (const std::string& file : f.files)
      if (file.ends_with(".csv")) data.push_back(file);
    b.push_back({.kind = Block::kData,
                 .text = f.caption + (data.empty() ? "" : " Data (also beside this page):"),
                 .items = data});
    if (fs::exists(output / (f.name + ".png")))
      b.push_back({.kind = Block::kImage, .text = f.name + ".png", .caption = f.title});
    if (!f.summary.rows.empty()) b.push_back(table(f.summary));
  }
  if (plots.empty() && collected.empty())
    b.push_back(paragraph("No figure: the drawn runs left no results to draw."));

  b.push_back(heading(2, "Reproduce"));
  std::vector<std::string> unexpressed;
  std::vector<std::string> run = {"cardinal", "experiment", "run", d.name};
  for (const std::string& a : reproducing_arguments(d, runs, unexpressed)) run.push_back(a);
  run.push_back("--store=" + fs::absolute(store).string());
  b.push_back(
      paragraph("The drawn runs, planned again (finished runs in the store are reused), "
                "then this report:"));
  b.push_back(code(shell_line(run) + "\n" +
                   shell_line({"cardinal", "report", d.name, "--variant=" + runs.variant,
                               "--store=" + fs::absolute(store).string()}) +
                   "\n"));
  if (!unexpressed.empty()) {
    b.push_back(paragraph("Settings of the drawn runs that the command above does not give:"));
    b.push_back(list(unexpressed));
  }
  std::string lines;
  for (const RunRecord& r : runs.runs) {
    const fs::path file = store / r.directory / "run.json";
    if (!fs::exists(file)) continue;
    std::ifstream in(file);
    nlohmann::json description;
    try {
      description = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception&) {
      continue;
    }
    if (!description.contains("arguments") || !description["arguments"].is_array()) continue;
    std::vector<std::string> words = {"cardinal"};
    for (const auto& a : description["arguments"]) words.push_back(text_of(a));
    lines += "# " + r.run_id + " (" + point_text(r.point) + ")\n" + shell_line(words) + "\n";
  }
  if (!lines.empty()) {
    b.push_back(
        paragraph("Each drawn run's own command line (as cardinal experiment run "
                  "starts it):"));
    b.push_back(code(lines));
  }
  return b;
}

int report_main(const std::vector<std::string>& args) {
  std::vector<std::string> rest = args;
  std::string name;
  if (!rest.empty() && rest[0].rfind("-", 0) != 0) {
    name = rest[0];
    rest.erase(rest.begin());
  }
  const auto values = parse_command_line(kUsage, report_options(), rest, std::cout);
  if (!values) return 0;
  const po::variables_map& v = *values;
  require(!name.empty(), "missing the experiment name (cardinal experiment list)");
  const ExperimentDefinition definition = find_experiment(
      name, v.count("definitions") ? fs::path(v["definitions"].as<std::string>()) : fs::path());
  const fs::path store = v["store"].as<std::string>();
  const ExperimentRuns runs = read_experiment_runs(store, name, v["variant"].as<std::string>());
  for (const std::string& note : runs.notes) std::cerr << "cardinal report: " << note << '\n';
  require(!runs.runs.empty(), "no finished runs of experiment " + name +
                                  (runs.variant.empty() ? "" : " (variant " + runs.variant + ")") +
                                  " in " + store.string());
  const std::vector<ExperimentPlot> plots = experiment_plots(store, definition, runs);
  const fs::path output =
      v.count("output") ? fs::path(v["output"].as<std::string>()) : store / "reports" / name;
  if (!plots.empty()) write_plots(output, plots, ImageFormats::kBoth);
  const std::vector<CollectedFigure> collected =
      collect_command_figures(store, runs.runs, output, ImageFormats::kBoth);
  fs::create_directories(output);
  const std::vector<Block> blocks =
      report_blocks(definition, store, runs, plots, collected, output);
  write_file_atomically(output / "report.md", markdown(blocks));
  write_file_atomically(output / "report.html", html(definition.title, blocks, output));
  std::cout << "cardinal report: " << name << " (" << runs.variant << "), " << runs.runs.size()
            << " of " << runs.all.size() << " runs\n  " << (output / "report.md").string() << "\n  "
            << (output / "report.html").string() << '\n';
  return 0;
}

}  // namespace

int report_command(const std::vector<std::string>& args) {
  return run_reporting_errors("cardinal report", report_main, args);
}

}  // namespace cardinal
