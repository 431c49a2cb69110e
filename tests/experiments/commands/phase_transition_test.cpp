// `cardinal phase-transition` end to end (shape, reproducibility, resumption, bad input).
#include <gtest/gtest.h>

#include "experiments/command_runner.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cardinal/convex/analysis/donoho_tanner.hpp"

namespace cardinal {
namespace {
namespace fs = std::filesystem;
using test::CommandResult;
using test::read_file;

std::string read(const fs::path& p) {
  return read_file(p);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> result;
  std::stringstream s(text);
  for (std::string line; std::getline(s, line);) result.push_back(line);
  return result;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream s(line);
  for (std::string cell; std::getline(s, cell, ',');) cells.push_back(cell);
  return cells;
}

class PhaseTransitionCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cardinal-phase-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CommandResult run(const std::string& args) { return test::run_cardinal(args); }

  fs::path out(const std::string& name = "out") const { return dir_ / name; }

  fs::path dir_;
};

// 2 × 2 cells at p = 40: δ ∈ {0.2, 0.8} gives n ∈ {8, 32}; ρ ∈ {0.1, 0.9} gives
// s ∈ {1, 7} and {3, 29}.
const std::string kTinyLoud =
    "phase-transition --dimension 40 --deltas 0.2,0.8 --rhos 0.1,0.9 --trials 3 "
    "--solvers omp,iht --no-plot ";
const std::string kTiny = kTinyLoud + "--quiet ";

struct CellRow {
  std::string solver, delta, rho;
  int samples, sparsity, trials, successes;
  double probability;
};

std::vector<CellRow> read_cells(const fs::path& path) {
  const std::vector<std::string> text = lines(read(path));
  EXPECT_FALSE(text.empty());
  if (text.empty()) return {};
  EXPECT_EQ(text[0], "solver,delta,rho,samples,sparsity,trials,successes,probability");
  std::vector<CellRow> rows;
  for (std::size_t i = 1; i < text.size(); ++i) {
    const std::vector<std::string> c = split(text[i]);
    EXPECT_EQ(c.size(), 8u) << text[i];
    if (c.size() != 8) continue;
    rows.push_back({c[0], c[1], c[2], std::stoi(c[3]), std::stoi(c[4]), std::stoi(c[5]),
                    std::stoi(c[6]), std::stod(c[7])});
  }
  return rows;
}

TEST_F(PhaseTransitionCommand, WritesOneProbabilityPerSolverAndCell) {
  const CommandResult r = run(kTiny + "--output " + out().string());
  ASSERT_EQ(r.status, 0) << r.output;
  const std::vector<CellRow> rows = read_cells(out() / "cells.csv");
  ASSERT_EQ(rows.size(), 8u);
  const std::map<std::pair<std::string, std::string>, std::pair<int, int>> sizes = {
      {{"0.2", "0.1"}, {8, 1}},
      {{"0.2", "0.9"}, {8, 7}},
      {{"0.8", "0.1"}, {32, 3}},
      {{"0.8", "0.9"}, {32, 29}}};
  std::map<std::pair<std::string, std::string>, int> omp;
  for (const CellRow& row : rows) {
    EXPECT_TRUE(row.solver == "omp" || row.solver == "iht") << row.solver;
    const auto size = sizes.at({row.delta, row.rho});
    EXPECT_EQ(row.samples, size.first);
    EXPECT_EQ(row.sparsity, size.second);
    EXPECT_EQ(row.trials, 3);
    EXPECT_GE(row.successes, 0);
    EXPECT_LE(row.successes, 3);
    EXPECT_DOUBLE_EQ(row.probability, row.successes / 3.0);
    if (row.solver == "omp") omp[{row.delta, row.rho}] = row.successes;
  }
  // Easy: 32 measurements of a 3-sparse vector. Hopeless: 7 nonzeros from 8 measurements, or
  // 29 from 32.
  using Cell = std::pair<std::string, std::string>;
  EXPECT_EQ(omp[Cell("0.8", "0.1")], 3);
  EXPECT_EQ(omp[Cell("0.2", "0.9")], 0);
  EXPECT_EQ(omp[Cell("0.8", "0.9")], 0);

  // The Donoho–Tanner curve beside it.
  const std::vector<std::string> curve = lines(read(out() / "curve.csv"));
  ASSERT_EQ(curve.size(), 201u);
  EXPECT_EQ(curve[0], "delta,rho");
  for (std::size_t i : {1u, 100u, 200u}) {
    const std::vector<std::string> c = split(curve[i]);
    ASSERT_EQ(c.size(), 2u);
    EXPECT_DOUBLE_EQ(std::stod(c[1]), weak_threshold(std::stod(c[0])));
  }
  const auto summary = nlohmann::json::parse(read(out() / "summary.json"));
  EXPECT_EQ(summary["empirical_transition"]["omp"].size(), 2u);
  EXPECT_TRUE(fs::exists(out() / "phase-omp.gp"));
  EXPECT_FALSE(fs::exists(out() / "phase-omp.png"));  // --no-plot
}

TEST_F(PhaseTransitionCommand, RerunsAreBitIdenticalWhateverTheThreadCount) {
  ASSERT_EQ(run(kTiny + "--jobs 1 --output " + out("a").string()).status, 0);
  ASSERT_EQ(run(kTiny + "--jobs 2 --output " + out("b").string()).status, 0);
  ASSERT_EQ(run(kTiny + "--jobs 3 --output " + out("c").string()).status, 0);
  const std::string a = read(out("a") / "cells.csv");
  EXPECT_EQ(a, read(out("b") / "cells.csv"));
  EXPECT_EQ(a, read(out("c") / "cells.csv"));
  EXPECT_EQ(read(out("a") / "curve.csv"), read(out("b") / "curve.csv"));
  // A different base seed draws other instances (and the settings say so).
  ASSERT_EQ(run(kTiny + "--seed 2 --output " + out("d").string()).status, 0);
  EXPECT_NE(read(out("a") / "settings.json"), read(out("d") / "settings.json"));
}

TEST_F(PhaseTransitionCommand, AnInterruptedSweepResumesToTheSameResult) {
  ASSERT_EQ(run(kTiny + "--output " + out("whole").string()).status, 0);
  const std::string whole = read(out("whole") / "cells.csv");

  const CommandResult first = run(kTiny + "--max-cells 1 --output " + out().string());
  ASSERT_EQ(first.status, 0) << first.output;
  EXPECT_NE(first.output.find("again to resume"), std::string::npos) << first.output;
  EXPECT_FALSE(fs::exists(out() / "cells.csv"));
  const fs::path partial = out() / "cells.partial.jsonl";
  ASSERT_EQ(lines(read(partial)).size(), 1u);
  {  // a kill in the middle of writing the next line
    std::ofstream torn(partial, std::ios::app);
    torn << R"({"delta_index":1,"rho_ind)";
  }
  const CommandResult second = run(kTinyLoud + "--max-cells 2 --output " + out().string());
  ASSERT_EQ(second.status, 0) << second.output;
  EXPECT_NE(second.output.find("resuming, 1 of 4 cells already done"), std::string::npos)
      << second.output;
  const CommandResult third = run(kTinyLoud + "--output " + out().string());
  ASSERT_EQ(third.status, 0) << third.output;
  EXPECT_NE(third.output.find("resuming, 3 of 4"), std::string::npos) << third.output;
  EXPECT_EQ(read(out() / "cells.csv"), whole);
  const std::vector<std::string> log = lines(read(partial));
  ASSERT_EQ(log.size(), 4u);
  for (const std::string& line : log) EXPECT_NO_THROW(nlohmann::json::parse(line)) << line;
}

TEST_F(PhaseTransitionCommand, FinishedCellsAreNotRecomputed) {
  ASSERT_EQ(run(kTiny + "--max-cells 1 --output " + out().string()).status, 0);
  const fs::path partial = out() / "cells.partial.jsonl";
  // Tamper with the finished cell: a resumed sweep must take it as it is.
  auto cell = nlohmann::json::parse(lines(read(partial)).at(0));
  ASSERT_EQ(cell["delta_index"], 0);
  ASSERT_EQ(cell["rho_index"], 0);
  const int recorded = cell["successes"]["omp"].get<int>();
  const int tampered = (recorded + 1) % 4;
  cell["successes"]["omp"] = tampered;
  { std::ofstream(partial) << cell.dump() << '\n'; }
  ASSERT_EQ(run(kTiny + "--output " + out().string()).status, 0);
  bool seen = false;
  for (const CellRow& row : read_cells(out() / "cells.csv"))
    if (row.solver == "omp" && row.delta == "0.2" && row.rho == "0.1") {
      EXPECT_EQ(row.successes, tampered);
      seen = true;
    }
  EXPECT_TRUE(seen);
}

TEST_F(PhaseTransitionCommand, RefusesToMixSettingsInOneDirectory) {
  ASSERT_EQ(run(kTiny + "--max-cells 1 --output " + out().string()).status, 0);
  const CommandResult other =
      run("phase-transition --dimension 40 --deltas 0.2,0.8 --rhos 0.1,0.9 --trials 4 "
          "--solvers omp,iht --no-plot --quiet --output " +
          out().string());
  EXPECT_EQ(other.status, 2);
  EXPECT_NE(other.output.find("different settings"), std::string::npos) << other.output;
  EXPECT_EQ(lines(read(out() / "cells.partial.jsonl")).size(), 1u);  // untouched
  // The thread count is not a setting.
  EXPECT_EQ(run(kTiny + "--jobs 1 --max-cells 1 --output " + out().string()).status, 0);
  EXPECT_EQ(lines(read(out() / "cells.partial.jsonl")).size(), 2u);
  const CommandResult afresh =
      run("phase-transition --dimension 40 --deltas 0.2,0.8 --rhos 0.1,0.9 --trials 4 "
          "--solvers omp,iht --no-plot --quiet --overwrite --output " +
          out().string());
  ASSERT_EQ(afresh.status, 0) << afresh.output;
  for (const CellRow& row : read_cells(out() / "cells.csv")) EXPECT_EQ(row.trials, 4);
}

TEST_F(PhaseTransitionCommand, BadInputExitsWithStatusTwoAndWritesNothing) {
  const std::string base = "phase-transition --dimension 20 --trials 2 --no-plot --quiet ";
  for (const std::string bad :
       {"--deltas 0,0.5", "--deltas 0.5,1.5", "--deltas 0.5,0.4", "--deltas 0.1:1.2:3",
        "--rhos 0.5,x", "--rhos 0:0.5:3", "--solvers omp,frobnicate", "--solvers omp,omp",
        "--trials 0", "--dimension 1", "--jobs -1", "--max-iterations 0"}) {
    const CommandResult r = run(base + bad + " --output " + out().string());
    EXPECT_EQ(r.status, 2) << bad << "\n" << r.output;
    EXPECT_NE(r.output.find("error"), std::string::npos) << bad << "\n" << r.output;
    EXPECT_FALSE(fs::exists(out())) << bad;
  }
}

TEST_F(PhaseTransitionCommand, DrawsAHeatMapPerSolverWithAProgressBar) {
  const CommandResult r =
      run("phase-transition --dimension 20 --deltas 0.5 --rhos 0.2:0.6:2 --trials 2 --solvers "
          "omp,htp --progress --output " +
          out().string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("2/2 cells  100%"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rho_W"), std::string::npos) << r.output;
  for (const std::string solver : {"omp", "htp"}) {
    const std::string script = read(out() / ("phase-" + solver + ".gp"));
    EXPECT_NE(script.find("curve.csv"), std::string::npos);
    EXPECT_NE(script.find("heatmap.csv"), std::string::npos);
  }
  // Two blocks in the heat-map data, one box per cell.
  const std::string heat = read(out() / "heatmap.csv");
  EXPECT_NE(heat.find("# htp"), std::string::npos);
  EXPECT_NE(heat.find("\n\n\n# htp"), std::string::npos);  // gnuplot's `index` separator
  if (std::system("gnuplot --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no gnuplot here";
  EXPECT_EQ(r.output.find("warning"), std::string::npos) << r.output;
  for (const std::string solver : {"omp", "htp"}) {
    EXPECT_GT(fs::file_size(out() / ("phase-" + solver + ".png")), 1000u);
    EXPECT_NE(read(out() / ("phase-" + solver + ".svg")).find("<svg"), std::string::npos);
  }
}

TEST_F(PhaseTransitionCommand, TheDefaultConfigFileIsValid) {
  // Every key of the shipped config is an option (unknown keys are errors); the command line
  // shrinks the sweep.
  const std::string config = std::string(CARDINAL_TEST_DATA_DIR) +
                             "/../../experiments/configs/phase-transition-default.cfg";
  ASSERT_TRUE(fs::exists(config));
  const CommandResult r =
      run("phase-transition --config " + config +
          " --dimension 30 --deltas 0.5 --rhos 0.1 --trials 2 --no-plot --quiet --output " +
          out().string());
  ASSERT_EQ(r.status, 0) << r.output;
  const auto settings = nlohmann::json::parse(read(out() / "settings.json"));
  EXPECT_EQ(settings["solvers"].size(), 5u);  // from the file
  EXPECT_EQ(settings["dimension"], 30);       // from the command line
  EXPECT_EQ(read_cells(out() / "cells.csv").size(), 5u);
}

}  // namespace
}  // namespace cardinal
