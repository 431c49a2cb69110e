// `cardinal bounds` end to end, and the bound checker on runs fabricated to break a bound.
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

#include "cardinal/convex/analysis/guarantees.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/experiments/bound_check.hpp"
#include "cardinal/experiments/solver_registry.hpp"

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

// --- The checker on fabricated runs -------------------------------------------------------

SyntheticInstance well_conditioned_instance() {
  return make_synthetic({.samples = 3000, .features = 10, .sparsity = 2, .noise = 0.05, .seed = 5});
}

BoundsReference planted_fit(const LeastSquaresProblem& problem, const SyntheticInstance& instance) {
  const auto& space = problem.space();
  return {problem.minimize_on(space.unite(space.empty_support(), instance.support), space.zeros()),
          "restricted minimizer on the planted support"};
}

TEST(BoundChecker, CatchesAGreedySolverWhoseObjectiveDoesNotDecreaseEnough) {
  const SyntheticInstance instance = well_conditioned_instance();
  const LeastSquaresProblem problem(instance.design, instance.response);
  const BoundsReference reference = planted_fit(problem, instance);
  const SolverSettings settings;
  const SolverResult<LeastSquaresProblem> honest = run_solver("omp", settings, problem, 2);
  BoundsRun run{.solver = "omp", .settings = settings, .sparsity = 2, .trace = honest.trace};
  const BoundsOptions exact{.constants = ConstantsChoice::kExact};

  const BoundsReport clean = check_bounds(problem, run, reference, reference, exact);
  ASSERT_EQ(clean.checks.size(), 2u);
  for (const TheoremCheck& c : clean.checks) EXPECT_TRUE(c.applicable()) << c.id;
  EXPECT_EQ(clean.violation_count(), 0);
  EXPECT_TRUE(violation_messages(clean).empty());

  // A broken solver whose first step gains nothing: the sublinear bound at t = 1 is
  // ε₀·C/(C + ε₀) < ε₀, so the first row must be caught.
  run.trace.rows[1].objective = run.trace.rows[0].objective;
  const BoundsReport broken = check_bounds(problem, run, reference, reference, exact);
  EXPECT_GT(broken.violation_count(), 0);
  bool sublinear_caught = false;
  for (const TheoremCheck& c : broken.checks) {
    for (const BoundViolation& v : c.violations()) {
      EXPECT_EQ(v.iteration, 1) << c.id;
      EXPECT_GT(v.empirical, v.bound);
      sublinear_caught = sublinear_caught || c.id == "ssz-sublinear";
    }
  }
  EXPECT_TRUE(sublinear_caught);
  const std::string messages = violation_messages(broken);
  EXPECT_EQ(messages.rfind("VIOLATION: ssz-sublinear at iteration 1: ", 0), 0u) << messages;
  EXPECT_NE(bounds_csv(broken).find("\n1,ssz-sublinear,"), std::string::npos);
  const std::string csv = bounds_csv(broken);
  const std::size_t row = csv.find("\n1,ssz-sublinear,");
  EXPECT_EQ(csv.substr(csv.find('\n', row + 1) - 4, 4), ",1,1");  // violated, applicable
}

TEST(BoundChecker, LinearRateOfSeveralCoordinatesPerStepUsesTheSupportItGrowsTo) {
  const SyntheticInstance instance = well_conditioned_instance();  // p = 10, ‖w̄‖₀ = 2
  const LeastSquaresProblem problem(instance.design, instance.response);
  const BoundsReference reference = planted_fit(problem, instance);
  SolverSettings settings;
  settings.coordinates_per_step = 3;
  const BoundsOptions exact{.constants = ConstantsChoice::kExact};
  // k = 6: supports of 3 and 6, T = 2, level (T − 1)·3 + 2 = 5. k = 10: supports of 3, 6, 9 and
  // 10, T = 4, level 3·3 + 2 = 11, capped at p = 10. (One coordinate per step would give 3 and 5.)
  for (const auto& [k, level] : {std::pair<Index, Index>{6, 5}, std::pair<Index, Index>{10, 10}}) {
    const SolverResult<LeastSquaresProblem> result = run_solver("fcfgs", settings, problem, k);
    BoundsRun run{.solver = "fcfgs", .settings = settings, .sparsity = k, .trace = result.trace};
    const BoundsReport report = check_bounds(problem, run, reference, reference, exact);
    std::set<Index> levels;
    for (const RestrictedConstants& c : report.constants) levels.insert(c.k);
    EXPECT_EQ(levels, (std::set<Index>{1, level})) << k;
    EXPECT_EQ(report.violation_count(), 0) << k;
  }
}

TEST(BoundChecker, CatchesIteratesThatStrayFromTheContraction) {
  const SyntheticInstance instance = well_conditioned_instance();
  const LeastSquaresProblem problem(instance.design, instance.response);
  const BoundsReference target = planted_fit(problem, instance);
  SolverSettings settings;
  settings.step = 1.0;  // H ≈ I for this design, so δ(1) is small
  const SolverResult<LeastSquaresProblem> result = run_solver("iht", settings, problem, 2);
  ASSERT_GE(result.iterations, 4);
  auto honest_iterate = [&](Index row) {
    SolverSettings capped = settings;
    capped.stopping.max_iterations = row;
    return run_solver("iht", capped, problem, 2).w;
  };
  BoundsRun run{.solver = "iht",
                .settings = settings,
                .sparsity = 2,
                .step = 1.0,
                .trace = result.trace,
                .iterate = honest_iterate};
  const BoundsOptions exact{.constants = ConstantsChoice::kExact};
  const BoundsReport clean = check_bounds(problem, run, target, target, exact);
  Index applicable = 0;
  for (const TheoremCheck& c : clean.checks) applicable += c.applicable() ? 1 : 0;
  EXPECT_EQ(applicable, 2);  // Blumensath–Davies and the restricted contraction
  EXPECT_EQ(clean.violation_count(), 0);

  // A broken solver: its third iterate is pushed away from the target.
  run.iterate = [&](Index row) {
    Eigen::VectorXd w = honest_iterate(row);
    if (row == 3) w[instance.support[0]] += 0.5;
    return w;
  };
  const BoundsReport broken = check_bounds(problem, run, target, target, exact);
  std::set<std::string> caught;
  for (const TheoremCheck& c : broken.checks)
    for (const BoundViolation& v : c.violations()) {
      EXPECT_EQ(v.iteration, 3) << c.id;
      caught.insert(c.id);
    }
  EXPECT_EQ(caught, (std::set<std::string>{"blumensath-davies", "iht-contraction"}));
}

TEST(BoundChecker, OnlyABoundWithProvedAssumptionsAndSafeConstantsCanBeViolated) {
  GuaranteeBound g;
  g.quantity = "‖w_t − w*‖₂";
  g.bound = {1.0, 0.5, 0.25};
  g.constants_kind = RestrictedConstant::Kind::kExact;
  const std::vector<double> empirical = {1.0, 0.9, 0.2};

  for (AssumptionStatus status : {AssumptionStatus::kUnverified, AssumptionStatus::kFails}) {
    g.status = status;
    const TheoremCheck c =
        check_theorem("made-up", BoundQuantity::kDistance, g, {0, 1, 2}, {0, 1, 2}, empirical);
    EXPECT_FALSE(c.applicable());
    EXPECT_EQ(c.comparison.violations.size(), 1u);  // exceeded at t = 1 ...
    EXPECT_TRUE(c.violations().empty());            // ... but not a violation
  }

  g.status = AssumptionStatus::kHolds;
  g.constants_kind = RestrictedConstant::Kind::kEstimate;  // optimistic constants prove nothing
  EXPECT_TRUE(check_theorem("made-up", BoundQuantity::kDistance, g, {0, 1, 2}, {0, 1, 2}, empirical)
                  .violations()
                  .empty());

  g.constants_kind = RestrictedConstant::Kind::kCertifiedBound;
  // Rows are matched to the bound by trace row, and reported by trace iteration number.
  BoundsReport report;
  report.checks.push_back(
      check_theorem("made-up", BoundQuantity::kDistance, g, {0, 1, 2}, {10, 11, 12}, empirical));
  const std::vector<BoundViolation> violations = report.checks[0].violations();
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].iteration, 11);
  EXPECT_EQ(violations[0].empirical, 0.9);
  EXPECT_EQ(violations[0].bound, 0.5);
  EXPECT_EQ(report.violation_count(), 1);
  EXPECT_EQ(bounds_csv(report),
            "iteration,theorem,empirical,bound,ratio,violated,applicable\n"
            "10,made-up,1,1,1,0,1\n"
            "11,made-up,0.90000000000000002,0.5,1.8,1,1\n"
            "12,made-up,0.20000000000000001,0.25,0.80000000000000004,0,1\n");
  EXPECT_NE(violation_messages(report).find("VIOLATION: made-up at iteration 11"),
            std::string::npos);
}

}  // namespace
}  // namespace cardinal
