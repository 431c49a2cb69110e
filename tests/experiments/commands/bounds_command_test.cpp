// `cardinal bounds` end to end (the checker itself: tests/convex/analysis/bound_check_test.cpp).
#include <gtest/gtest.h>

#include "experiments/command_runner.hpp"

#include <Eigen/QR>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cardinal/convex/analysis/bound_check.hpp"
#include "cardinal/convex/analysis/guarantees.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/experiments/solving/solver_registry.hpp"

namespace cardinal {
namespace {
namespace fs = std::filesystem;
using test::CommandResult;
using test::read_file;

std::string read(const fs::path& p) {
  return read_file(p);
}

struct CsvRow {
  Index iteration;
  std::string theorem;
  double empirical, bound, ratio;
  int violated, applicable;
};

std::vector<CsvRow> read_bounds_csv(const fs::path& path, std::string* header = nullptr) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  if (header != nullptr) *header = line;
  std::vector<CsvRow> rows;
  while (std::getline(f, line)) {
    std::stringstream s(line);
    std::vector<std::string> cells;
    for (std::string cell; std::getline(s, cell, ',');) cells.push_back(cell);
    EXPECT_EQ(cells.size(), 7u) << line;
    if (cells.size() != 7) continue;
    rows.push_back({std::stoll(cells[0]), cells[1], std::stod(cells[2]), std::stod(cells[3]),
                    std::stod(cells[4]), std::stoi(cells[5]), std::stoi(cells[6])});
  }
  return rows;
}

class BoundsCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cardinal-bounds-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CommandResult run(const std::string& args, const std::string& environment = "") {
    return test::run_cardinal(args, environment);
  }

  fs::path out(const std::string& name = "out") const { return dir_ / name; }

  fs::path dir_;
};

// n ≫ p: the restricted isometry assumptions of every distance theorem hold, and p = 10 makes
// every constant exact (C(10, 8) supports at most).
const std::string kWellConditioned =
    "bounds --problem least-squares --synthetic --samples 3000 --dimension 10 --planted 2 "
    "--seed 5 --noise 0.05 --sparsity 2 --constants exact --no-plot --quiet ";

TEST_F(BoundsCommand, EveryApplicableTheoremHoldsOnAWellConditionedInstance) {
  const std::map<std::string, std::set<std::string>> expected = {
      {"iht", {"blumensath-davies", "iht-contraction"}},
      {"htp", {"foucart"}},
      {"cosamp", {"needell-tropp", "bahmani-raj-boufounos"}},
      {"grasp", {"needell-tropp", "bahmani-raj-boufounos"}},
      {"omp", {"ssz-sublinear", "ssz-linear"}},
      {"fcfgs", {"ssz-sublinear", "ssz-linear"}},
  };
  for (const auto& [solver, theorems] : expected) {
    const fs::path dir = out(solver);
    const CommandResult r =
        run(kWellConditioned + "--solver " + solver + " --output " + dir.string());
    ASSERT_EQ(r.status, 0) << solver << "\n" << r.output;
    EXPECT_EQ(r.output.find("VIOLATION"), std::string::npos) << r.output;

    std::string header;
    const std::vector<CsvRow> rows = read_bounds_csv(dir / "bounds.csv", &header);
    EXPECT_EQ(header, "iteration,theorem,empirical,bound,ratio,violated,applicable");
    const std::string trace = read(dir / "trace.csv");
    const auto trace_lines = std::count(trace.begin(), trace.end(), '\n');
    std::map<std::string, Index> per_theorem;
    for (const CsvRow& row : rows) {
      ++per_theorem[row.theorem];
      EXPECT_EQ(row.applicable, 1) << solver << " " << row.theorem;
      EXPECT_EQ(row.violated, 0) << solver << " " << row.theorem;
      // The checker's verdict agrees with the numbers it wrote.
      EXPECT_LE(row.empirical, row.bound * (1 + 1e-9) + 1e-9) << solver << " " << row.theorem;
    }
    for (const std::string& theorem : theorems) {
      // One row per trace row (header excluded) for each theorem.
      EXPECT_EQ(per_theorem[theorem], trace_lines - 1) << solver << " " << theorem;
    }
    EXPECT_EQ(per_theorem.size(), theorems.size()) << solver;

    const auto summary = nlohmann::json::parse(read(dir / "summary.json"));
    EXPECT_EQ(summary["violations"].get<int>(), 0);
    EXPECT_EQ(summary["constants_requested"], "exact");
    ASSERT_FALSE(summary["constants"].empty());
    for (const auto& c : summary["constants"]) {
      EXPECT_EQ(c["rsc"]["kind"], "exact");
      EXPECT_EQ(c["rss"]["kind"], "exact");
    }
    for (const auto& t : summary["theorems"]) {
      if (t["id"] == "jain-tewari-kar") continue;  // assumptions only (its step rule fails)
      EXPECT_EQ(t["status"], "holds") << solver << " " << t["id"];
      EXPECT_TRUE(t["applicable"].get<bool>());
      EXPECT_TRUE(t["violations"].empty());
    }
  }
}

TEST_F(BoundsCommand, DistancesComeFromTheSolverIterates) {
  // The iht iterates are re-computed by re-running the solver; `cardinal solve` capped at t
  // iterations must land on the same point.
  const CommandResult r = run(kWellConditioned + "--solver iht --output " + out().string());
  ASSERT_EQ(r.status, 0) << r.output;
  std::map<Index, double> distance;
  for (const CsvRow& row : read_bounds_csv(out() / "bounds.csv"))
    if (row.theorem == "iht-contraction") distance[row.iteration] = row.empirical;
  ASSERT_GE(distance.size(), 4u);
  for (Index t : {1, 2, 3}) {
    const fs::path solved = out("solve-" + std::to_string(t));
    const CommandResult s =
        run("solve --problem least-squares --synthetic --samples 3000 --dimension 10 --planted 2 "
            "--seed 5 --noise 0.05 --sparsity 2 --solver iht --quiet --max-iterations " +
            std::to_string(t) + " --output " + solved.string());
    ASSERT_EQ(s.status, 0) << s.output;
    const auto solution = nlohmann::json::parse(read(solved / "solution.json"));
    const auto summary = nlohmann::json::parse(read(out() / "summary.json"));
    ASSERT_EQ(summary["reference"]["kind"], "restricted minimizer on the planted support");
    // The target is the least-squares fit on the planted support: recompute it independently.
    SyntheticInstance instance =
        make_synthetic({.samples = 3000, .features = 10, .sparsity = 2, .noise = 0.05, .seed = 5});
    const auto& x = std::get<Design::Dense>(instance.design.storage());
    Eigen::MatrixXd columns(x.rows(), 2);
    for (int a = 0; a < 2; ++a)
      columns.col(a) = x.col(instance.support[static_cast<std::size_t>(a)]);
    const Eigen::VectorXd fit = columns.colPivHouseholderQr().solve(instance.response);
    Eigen::VectorXd target = Eigen::VectorXd::Zero(10), w = Eigen::VectorXd::Zero(10);
    for (int a = 0; a < 2; ++a) target[instance.support[static_cast<std::size_t>(a)]] = fit[a];
    for (const auto& c : solution["coefficients"])
      w[c["index"].get<Index>()] = c["value"].get<double>();
    EXPECT_NEAR(distance[t], (w - target).norm(), 1e-9 * (1 + target.norm())) << "t = " << t;
  }
}

TEST_F(BoundsCommand, ObjectiveGapsOfGreedySolversMatchTheTrace) {
  const CommandResult r =
      run("bounds --problem least-squares --synthetic --samples 40 --dimension 16 --planted 3 "
          "--seed 3 --solver omp --sparsity 3 --no-plot --output " +
          out().string());
  ASSERT_EQ(r.status, 0) << r.output;
  const auto summary = nlohmann::json::parse(read(out() / "summary.json"));
  EXPECT_EQ(summary["reference_objective"].get<double>(), 0.0);  // the planted vector
  std::vector<double> objectives;
  {
    std::ifstream trace(out() / "trace.csv");
    std::string line;
    std::getline(trace, line);
    while (std::getline(trace, line))
      objectives.push_back(std::stod(line.substr(line.find(',') + 1)));
  }
  ASSERT_EQ(objectives.size(), 4u);
  Index rows = 0;
  for (const CsvRow& row : read_bounds_csv(out() / "bounds.csv")) {
    ASSERT_TRUE(row.theorem == "ssz-sublinear" || row.theorem == "ssz-linear") << row.theorem;
    EXPECT_DOUBLE_EQ(row.empirical, objectives[static_cast<std::size_t>(row.iteration)]);
    EXPECT_EQ(row.applicable, 1);
    EXPECT_EQ(row.violated, 0);
    ++rows;
  }
  EXPECT_EQ(rows, 8);
  EXPECT_NE(r.output.find("ssz-sublinear"), std::string::npos) << r.output;
}

TEST_F(BoundsCommand, ABoundWhoseAssumptionsFailIsNeverAViolation) {
  // A step three times too long makes iht diverge, far above the (inapplicable) bounds.
  const CommandResult r =
      run("bounds --problem least-squares --synthetic --samples 60 --dimension 12 --planted 2 "
          "--seed 2 --solver iht --sparsity 2 --step 3 --max-iterations 15 --no-plot --output " +
          out().string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.find("VIOLATION"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not applicable"), std::string::npos) << r.output;
  const auto summary = nlohmann::json::parse(read(out() / "summary.json"));
  EXPECT_EQ(summary["violations"].get<int>(), 0);
  Index above = 0;
  for (const auto& t : summary["theorems"]) {
    EXPECT_NE(t["status"], "holds") << t["id"];
    EXPECT_FALSE(t["applicable"].get<bool>());
    if (t.contains("rows_above_bound")) above += t["rows_above_bound"].get<Index>();
  }
  EXPECT_GT(above, 0);  // the bounds are exceeded, but they do not apply
  for (const CsvRow& row : read_bounds_csv(out() / "bounds.csv")) {
    EXPECT_EQ(row.violated, 0);
    EXPECT_EQ(row.applicable, 0);
  }
}

TEST_F(BoundsCommand, CertifiedConstantsAreLabelledAndExactOnesCanBeRefused) {
  const std::string instance =
      "bounds --problem least-squares --synthetic --samples 100 --dimension 300 --planted 5 "
      "--solver omp --sparsity 5 --no-plot --quiet ";
  const CommandResult refused = run(instance + "--constants exact --output " + out().string());
  EXPECT_EQ(refused.status, 2) << refused.output;
  EXPECT_NE(refused.output.find("max-subsets"), std::string::npos) << refused.output;
  EXPECT_FALSE(fs::exists(out()));

  const CommandResult certified =
      run(instance + "--constants certified --output " + out().string());
  ASSERT_EQ(certified.status, 0) << certified.output;
  const auto summary = nlohmann::json::parse(read(out() / "summary.json"));
  for (const auto& c : summary["constants"]) EXPECT_EQ(c["rsc"]["kind"], "certified bound");
  for (const auto& t : summary["theorems"]) EXPECT_NE(t["constants_kind"], "exact") << t["id"];

  EXPECT_EQ(run(instance + "--constants guessed --output " + out("x").string()).status, 2);
  EXPECT_FALSE(fs::exists(out("x")));
}

TEST_F(BoundsCommand, LogisticUsesUniformCertifiedConstants) {
  const CommandResult r =
      run("bounds --problem logistic --synthetic --samples 300 --dimension 12 --planted 2 "
          "--seed 3 --ridge 0.1 --solver fcfgs --sparsity 2 --no-plot --output " +
          out().string());
  ASSERT_EQ(r.status, 0) << r.output;
  const auto summary = nlohmann::json::parse(read(out() / "summary.json"));
  ASSERT_EQ(summary["theorems"].size(), 2u);
  for (const auto& t : summary["theorems"]) {
    EXPECT_EQ(t["constants_kind"], "certified bound");
    EXPECT_EQ(t["status"], "holds") << t["id"];
    EXPECT_TRUE(t["violations"].empty());
  }
  EXPECT_EQ(run("bounds --problem logistic --synthetic --samples 50 --dimension 12 --solver omp "
                "--sparsity 2 --no-plot --output " +
                out("omp").string())
                .status,
            2);
  EXPECT_FALSE(fs::exists(out("omp")));
}

TEST_F(BoundsCommand, PlotsAreOptional) {
  const std::string args =
      "bounds --problem least-squares --synthetic --samples 40 --dimension 12 --planted 2 "
      "--solver omp --sparsity 2 --quiet --output ";
  const CommandResult missing = run(args + out("missing").string(), "CARDINAL_GNUPLOT=");
  ASSERT_EQ(missing.status, 0) << missing.output;
  EXPECT_NE(missing.output.find("warning: gnuplot not found"), std::string::npos) << missing.output;
  EXPECT_TRUE(fs::exists(out("missing") / "bounds.gp"));
  EXPECT_TRUE(fs::exists(out("missing") / "bounds.csv"));
  EXPECT_FALSE(fs::exists(out("missing") / "bounds.png"));

  if (std::system("gnuplot --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no gnuplot here";
  const CommandResult drawn = run(args + out("drawn").string());
  ASSERT_EQ(drawn.status, 0) << drawn.output;
  EXPECT_EQ(drawn.output.find("warning"), std::string::npos) << drawn.output;
  EXPECT_GT(fs::file_size(out("drawn") / "bounds.png"), 1000u);
  EXPECT_NE(read(out("drawn") / "bounds.svg").find("<svg"), std::string::npos);
}

}  // namespace
}  // namespace cardinal
