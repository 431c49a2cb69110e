// `cardinal plot` and `cardinal report` end to end, on the convex-smoke experiment (4 runs of a
// few milliseconds each). Needs gnuplot (CI installs gnuplot-nox).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "cardinal/experiments/store/run_index.hpp"
#include "cardinal/experiments/store/run_results.hpp"
#include "experiments/command_runner.hpp"

namespace cardinal {
namespace {
namespace fs = std::filesystem;
using test::CommandResult;

class PlotCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("cardinal-plot-command-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    const CommandResult r =
        test::run_cardinal("experiment run convex-smoke --jobs 2 --store " + store().string());
    ASSERT_EQ(r.status, 0) << r.output;
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }
  static fs::path store() { return root_ / "store"; }

  /// The rows of a CSV file (header excluded), keyed by column.
  static std::vector<std::map<std::string, std::string>> rows(const fs::path& file) {
    std::vector<std::string> header;
    return read_csv_rows(file, &header);
  }

  static fs::path root_;
};
fs::path PlotCommand::root_;

TEST_F(PlotCommand, DrawsEveryFigureWithItsCsv) {
  const fs::path out = root_ / "plots";
  const CommandResult r =
      test::run_cardinal("plot convex-smoke --store " + store().string() + " -o " + out.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("4 of 4 runs drawn"), std::string::npos) << r.output;
  for (const char* name : {"objective-vs-iteration", "final-objective"})
    for (const char* extension : {".csv", ".gp", ".png", ".svg"}) {
      const fs::path file = out / (std::string(name) + extension);
      EXPECT_TRUE(fs::exists(file)) << file;
      EXPECT_GT(fs::file_size(file), 0u) << file;
    }
  EXPECT_EQ(test::read_file(out / "final-objective.png").substr(0, 4), "\x89PNG");
  // No hidden drawing files are left behind.
  for (const auto& entry : fs::directory_iterator(out))
    EXPECT_NE(entry.path().filename().string()[0], '.') << entry.path();

  // One row per arm, each over both seeds, the mean that of the runs' solution.json.
  const RunIndex index(store());
  const auto results = collect_results(store(), index.list("convex-smoke")).rows;
  const auto finals = rows(out / "final-objective.csv");
  ASSERT_EQ(finals.size(), 2u);
  EXPECT_EQ(finals[0].at("series"), "omp");
  EXPECT_EQ(finals[1].at("series"), "iht");
  for (const auto& row : finals) {
    EXPECT_EQ(row.at("n"), "2");
    double sum = 0.0;
    for (const auto& run : results)
      if (run.at("arm") == row.at("series")) sum += std::stod(run.at("objective"));
    EXPECT_DOUBLE_EQ(std::stod(row.at("objective_mean")), sum / 2);
  }

  // The traces of the first seed (1) only, as many rows as its runs' trace.csv have.
  const auto traces = rows(out / "objective-vs-iteration.csv");
  std::size_t expected = 0;
  for (const RunRecord& run : index.list("convex-smoke"))
    if (run.point["seed"] == 1)
      expected += rows(store() / run.directory / "output" / "trace.csv").size();
  EXPECT_EQ(traces.size(), expected);
  for (const auto& row : traces) EXPECT_EQ(row.at("seed"), "1");
}

TEST_F(PlotCommand, FormatPngLeavesOutTheSvgAndOutputDefaultsToTheStore) {
  const CommandResult r =
      test::run_cardinal("plot convex-smoke --format png --store " + store().string());
  ASSERT_EQ(r.status, 0) << r.output;
  const fs::path out = store() / "plots" / "convex-smoke";
  EXPECT_TRUE(fs::exists(out / "final-objective.png"));
  EXPECT_TRUE(fs::exists(out / "final-objective.csv"));
  EXPECT_FALSE(fs::exists(out / "final-objective.svg"));
  EXPECT_EQ(
      test::run_cardinal("plot convex-smoke --format jpeg --store " + store().string()).status, 2);
}

TEST_F(PlotCommand, ReportEmbedsThePlotsAndSaysHowToReproduce) {
  const fs::path out = root_ / "report";
  const CommandResult r =
      test::run_cardinal("report convex-smoke --store " + store().string() + " -o " + out.string());
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string html = test::read_file(out / "report.html");
  const std::string md = test::read_file(out / "report.md");
  // A PNG's base64 starts with iVBORw0KGgo (the 8-byte signature).
  EXPECT_NE(html.find("src=\"data:image/png;base64,iVBORw0KGgo"), std::string::npos);
  EXPECT_EQ(html.find("src=\"final-objective.png\""), std::string::npos);  // self-contained
  EXPECT_NE(html.find("<table>"), std::string::npos);
  EXPECT_NE(html.find("<td>omp</td>"), std::string::npos);
  EXPECT_NE(md.find("![Final objective per series](final-objective.png)"), std::string::npos);
  EXPECT_NE(md.find("cardinal experiment run convex-smoke --variant=short \\\n    --store="),
            std::string::npos)
      << md;
  // Long command lines are continued, never cut off; the CSV of every figure is linked (and
  // embedded in the HTML, which stays one file).
  std::istringstream lines(md);
  bool in_code = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("```", 0) == 0) in_code = !in_code;
    if (in_code) EXPECT_LE(line.size(), 100u) << line;
  }
  EXPECT_NE(md.find("[final-objective.csv](final-objective.csv)"), std::string::npos) << md;
  EXPECT_NE(html.find("download=\"final-objective.csv\" href=\"data:text/csv;base64,"),
            std::string::npos);
  // The header says what ran and on what.
  EXPECT_NE(md.find("- ran: variant short as defined (no --set)"), std::string::npos) << md;
  EXPECT_NE(md.find("- model and data: least-squares on synthetic"), std::string::npos) << md;
  EXPECT_NE(md.find("- seeds: 2 per series"), std::string::npos) << md;
  EXPECT_NE(md.find("4 runs in the store: 4 done."), std::string::npos) << md;
  EXPECT_NE(md.find("| omp |"), std::string::npos) << md;
  EXPECT_TRUE(fs::exists(out / "final-objective.csv"));
  EXPECT_TRUE(fs::exists(out / "final-objective.svg"));
}

TEST_F(PlotCommand, AReportOfOverriddenRunsStatesEveryOverride) {
  const fs::path other = root_ / "store-overridden";
  ASSERT_EQ(
      test::run_cardinal("experiment run convex-smoke --set seed=3 --set ridge=0.01 --store " +
                         other.string())
          .status,
      0);
  const fs::path out = root_ / "report-overridden";
  const CommandResult r =
      test::run_cardinal("report convex-smoke --store " + other.string() + " -o " + out.string());
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string md = test::read_file(out / "report.md");
  EXPECT_NE(md.find("- ran: variant short with --set ridge=0.01, --set seed=3"), std::string::npos)
      << md;
  EXPECT_NE(md.find("- seeds: 1 per series"), std::string::npos) << md;
  EXPECT_NE(md.find("The definition's description (the runs override it"), std::string::npos) << md;
}

TEST_F(PlotCommand, PlotPrintsEachFiguresNumbers) {
  const CommandResult r = test::run_cardinal("plot convex-smoke --store " + store().string() +
                                             " -o " + (root_ / "plots-printed").string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("2 figure(s) in"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Final objective per series (final-objective.png):"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("series  objective"), std::string::npos) << r.output;
  const CommandResult quiet =
      test::run_cardinal("plot convex-smoke --quiet --store " + store().string() + " -o " +
                         (root_ / "plots-quiet").string());
  EXPECT_EQ(quiet.output.find("(final-objective.png):"), std::string::npos) << quiet.output;
}

TEST_F(PlotCommand, AFailedRunIsSkippedWithANote) {
  const fs::path copy = root_ / "store-with-failure";
  fs::remove_all(copy);
  fs::copy(store(), copy, fs::copy_options::recursive);
  std::string failed;
  {
    RunIndex index(copy);
    const auto runs = index.list("convex-smoke");
    failed = runs.front().run_id;  // omp, seed 1
    index.set_status(failed, "failed", 1, "", "", 0.0);
  }
  const fs::path out = root_ / "with-failure";
  const CommandResult r =
      test::run_cardinal("plot convex-smoke --store " + copy.string() + " -o " + out.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("skipped " + failed), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("3 of 4 runs drawn"), std::string::npos) << r.output;
  const auto finals = rows(out / "final-objective.csv");
  ASSERT_EQ(finals.size(), 2u);
  EXPECT_EQ(finals[0].at("n"), "1");
  EXPECT_EQ(finals[1].at("n"), "2");
}

TEST_F(PlotCommand, UnknownExperimentEmptyStoreOrNoGnuplotExitTwo) {
  CommandResult r = test::run_cardinal("plot no-such-experiment --store " + store().string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("unknown experiment 'no-such-experiment'"), std::string::npos);

  const fs::path empty = root_ / "empty";
  fs::create_directories(empty);
  r = test::run_cardinal("plot convex-smoke --store " + empty.string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("no run store at"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(empty / "index.sqlite"));
  r = test::run_cardinal("report convex-smoke --store " + empty.string());
  EXPECT_EQ(r.status, 2) << r.output;

  // A store without runs of this experiment.
  { RunIndex index(empty); }
  r = test::run_cardinal("plot convex-smoke --store " + empty.string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("no runs of experiment convex-smoke"), std::string::npos) << r.output;

  r = test::run_cardinal(
      "plot convex-smoke --store " + store().string() + " -o " + (root_ / "no-gnuplot").string(),
      "CARDINAL_GNUPLOT=/nonexistent/gnuplot");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("gnuplot not found"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(root_ / "no-gnuplot"));
}

}  // namespace
}  // namespace cardinal
