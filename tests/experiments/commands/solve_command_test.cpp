// End-to-end tests of `cardinal solve`: the binary is run as a user would run it.
#include <gtest/gtest.h>

#include <algorithm>

#include "experiments/command_runner.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace {
namespace fs = std::filesystem;
using cardinal::test::CommandResult;

class SolveCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cardinal-cli-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CommandResult run(const std::string& args) { return cardinal::test::run_cardinal(args); }

  std::string out() const { return (dir_ / "out").string(); }
  static std::string read(const fs::path& p) { return cardinal::test::read_file(p); }
  // Nothing but the files a test created itself may remain: no output directory, no staging.
  void expect_no_output() const {
    for (const auto& entry : fs::directory_iterator(dir_))
      EXPECT_EQ(entry.path().filename().string().find("out"), std::string::npos)
          << "left behind: " << entry.path();
  }

  fs::path dir_;
};

TEST_F(SolveCommand, RecoversAPlantedSupportAndWritesTraceAndSolution) {
  const CommandResult r =
      run("solve --problem least-squares --synthetic --samples 100 --dimension 200 "
          "--planted 5 --seed 4 --solver omp --sparsity 5 --output " +
          out());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("recovered       yes"), std::string::npos) << r.output;
  const auto solution = nlohmann::json::parse(read(fs::path(out()) / "solution.json"));
  EXPECT_TRUE(solution["support_recovered"].get<bool>());
  EXPECT_EQ(solution["nonzeros"].get<int>(), 5);
  EXPECT_LT(solution["objective"].get<double>(), 1e-20);
  const std::string trace = read(fs::path(out()) / "trace.csv");
  EXPECT_EQ(trace.substr(0, trace.find('\n')),
            "iteration,objective,support_size,gradient_norm_on,gradient_norm_off,seconds");
  EXPECT_EQ(std::count(trace.begin(), trace.end(), '\n'), 1 + 6);  // header, start, 5 steps
}

TEST_F(SolveCommand, EverySolverRunsOnBothLosses) {
  for (const std::string problem : {"least-squares", "logistic"}) {
    for (const std::string solver :
         {"fgs", "fcfgs", "omp", "iht", "niht", "htp", "cosamp", "grasp", "lasso"}) {
      const bool ls_only = solver == "omp" || solver == "cosamp";
      const CommandResult r =
          run("solve --problem " + problem +
              " --synthetic --samples 120 --dimension 40 "
              "--planted 3 --signal 2 --ridge 0.001 --intercept --solver " +
              solver + " --sparsity 3 --max-iterations 200 --overwrite --quiet --output " + out());
      if (problem == "logistic" && ls_only) {
        EXPECT_EQ(r.status, 2) << solver;
        EXPECT_NE(r.output.find("least squares only"), std::string::npos) << r.output;
        continue;
      }
      ASSERT_EQ(r.status, 0) << problem << ' ' << solver << '\n' << r.output;
      const auto solution = nlohmann::json::parse(read(fs::path(out()) / "solution.json"));
      EXPECT_LE(solution["nonzeros"].get<int>(), 3) << problem << ' ' << solver;
      EXPECT_TRUE(solution.contains("intercept"));
    }
  }
}

TEST_F(SolveCommand, LassoPathTakesGradientToleranceAndMaxIterations) {
  // --max-iterations caps the sweeps at each λ and --gradient-tolerance is the KKT tolerance: a
  // point at 0.01·λmax needs more than three sweeps to reach 1e-10 but not to reach 0.5.
  auto stop_reason = [&](const std::string& options) {
    const CommandResult r = run(
        "solve --problem logistic --synthetic --samples 200 --dimension 30 --planted 5 --seed 3 "
        "--intercept --solver lasso --sparsity 30 --path-length 2 --min-ratio 0.01 --overwrite "
        "--quiet " +
        options + " --output " + out());
    EXPECT_EQ(r.status, 0) << r.output;
    return nlohmann::json::parse(read(fs::path(out()) / "solution.json"))["stop_reason"]
        .get<std::string>();
  };
  EXPECT_EQ(stop_reason("--max-iterations 3"), "iteration_limit");
  EXPECT_EQ(stop_reason("--max-iterations 3 --gradient-tolerance 0.5"), "converged");
  EXPECT_EQ(stop_reason("--max-iterations 1000"), "converged");
}

TEST_F(SolveCommand, ConfigFileSuppliesOptionsAndTheCommandLineWins) {
  {
    std::ofstream cfg(dir_ / "solve.cfg");
    cfg << "# a Boost.Program_options config file\nproblem = least-squares\nsynthetic = true\n"
           "samples = 80\ndimension = 100\nplanted = 4\nsolver = iht\nsparsity = 4\n";
  }
  const CommandResult r = run("solve --config " + (dir_ / "solve.cfg").string() +
                              " --solver htp --quiet --output " + out());
  ASSERT_EQ(r.status, 0) << r.output;
  const auto solution = nlohmann::json::parse(read(fs::path(out()) / "solution.json"));
  EXPECT_EQ(solution["solver"], "htp");
  EXPECT_EQ(solution["features"], 100);
}

struct BadInvocation {
  std::string args;
  std::string message;  // must appear in the error
};

TEST_F(SolveCommand, BadInputFailsClearlyAndLeavesNothingBehind) {
  {
    std::ofstream bad(dir_ / "bad.svm");
    bad << "+1 1:0.5 3:1\n-1 2:0.25\n+1 4:x\n";
    std::ofstream empty(dir_ / "empty.svm");
  }
  const std::string synthetic = "--problem least-squares --synthetic --dimension 50 ";
  const std::vector<BadInvocation> cases = {
      {synthetic + "--solver omp --sparsity 5 --no-such-flag", "no-such-flag"},
      {synthetic + "--solver magic --sparsity 5", "unknown solver 'magic'"},
      {synthetic + "--solver omp --sparsity 0", "sparsity"},
      {synthetic + "--solver omp --sparsity 51", "exceeds the dimension 50"},
      {"--problem ridge --synthetic --solver omp --sparsity 5", "unknown --problem 'ridge'"},
      {"--problem least-squares --solver omp --sparsity 5", "--data FILE"},
      {"--problem least-squares --solver omp --sparsity 1 --data " + (dir_ / "bad.svm").string(),
       ":3:"},
      {"--problem least-squares --solver omp --sparsity 1 --data " + (dir_ / "empty.svm").string(),
       "empty.svm"},
      {"--problem least-squares --solver omp --sparsity 1 --data " + (dir_ / "none.svm").string(),
       "none.svm"},
      {synthetic + "--solver omp", "sparsity"},
      {synthetic + "--solver omp --sparsity 5 --ridge nan", "ridge"},
  };
  for (const BadInvocation& c : cases) {
    const CommandResult r = run("solve " + c.args + " --output " + out());
    EXPECT_EQ(r.status, 2) << c.args << '\n' << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << '\n' << r.output;
    expect_no_output();
  }
}

// --precision float32 stores the dense design in float: the problem solved is the one with every
// entry rounded, so the objective moves by about the rounding (relative 2^-24 per entry) and the
// planted support is still found.
TEST_F(SolveCommand, Float32PrecisionSolvesTheProblemWithTheDesignRoundedToFloat) {
  const std::string synthetic =
      "solve --problem least-squares --synthetic --samples 120 --dimension 300 --planted 6 "
      "--noise 0.01 --seed 5 --solver omp --sparsity 6 --quiet ";
  const std::vector<BadInvocation> bad = {
      {"--precision float16", "unknown --precision 'float16' (known: float64, float32)"},
      {"--precision FLOAT32", "unknown --precision 'FLOAT32'"},
      {"--sparse-design --precision float32",
       "--precision float32 applies to dense designs only, and --sparse-design gives a sparse one"},
  };
  for (const BadInvocation& c : bad) {
    const CommandResult r = run(synthetic + c.args + " --output " + out());
    EXPECT_EQ(r.status, 2) << c.args << '\n' << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << '\n' << r.output;
    expect_no_output();
  }

  ASSERT_EQ(run(synthetic + "--output " + out() + "64").status, 0);
  ASSERT_EQ(run(synthetic + "--precision float64 --output " + out() + "64-explicit").status, 0);
  const CommandResult r = run(synthetic + "--precision float32 --output " + out() + "32");
  ASSERT_EQ(r.status, 0) << r.output;
  auto solution = [&](const std::string& suffix) {
    auto s = nlohmann::json::parse(read(fs::path(out() + suffix) / "solution.json"));
    s.erase("seconds");
    return s;
  };
  const auto f64 = solution("64"), f32 = solution("32");
  EXPECT_EQ(solution("64-explicit"), f64);  // float64 is the default
  EXPECT_TRUE(f32["support_recovered"].get<bool>());
  EXPECT_EQ(f32["support"], f64["support"]);
  EXPECT_EQ(f64["precision"], "float64");
  EXPECT_EQ(f32["precision"], "float32");
  const double a = f64["objective"].get<double>(), b = f32["objective"].get<double>();
  EXPECT_NE(a, b);  // the rounded design was used
  EXPECT_NEAR(b, a, 1e-5 * a);
}

TEST_F(SolveCommand, AnExistingOutputIsKeptUnlessOverwriteIsGiven) {
  fs::create_directories(out());
  { std::ofstream(fs::path(out()) / "keep.txt") << "precious"; }
  const std::string args =
      "solve --problem least-squares --synthetic --dimension 30 --solver omp "
      "--sparsity 3 --quiet --output " +
      out();
  const CommandResult refused = run(args);
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.output.find("already exists"), std::string::npos);
  EXPECT_EQ(read(fs::path(out()) / "keep.txt"), "precious");
  ASSERT_EQ(run(args + " --overwrite").status, 0);
  EXPECT_FALSE(fs::exists(fs::path(out()) / "keep.txt"));
  EXPECT_TRUE(fs::exists(fs::path(out()) / "solution.json"));
}

TEST_F(SolveCommand, HelpDescribesTheOptionsAndUnknownCommandsFail) {
  const CommandResult help = run("solve --help");
  EXPECT_EQ(help.status, 0);
  for (const char* flag :
       {"--problem", "--data", "--synthetic", "--solver", "--sparsity", "--config"})
    EXPECT_NE(help.output.find(flag), std::string::npos) << flag;
  EXPECT_EQ(run("--help").status, 0);
  EXPECT_EQ(run("frobnicate").status, 2);
}

TEST_F(SolveCommand, WithoutOutputRunsOfOtherSettingsWriteToOtherDirectories) {
  // The README's sequence: a logistic run, then another problem, both without --output.
  const std::string in_dir = "cd " + dir_.string() + " &&";
  const CommandResult logistic = cardinal::test::run_cardinal(
      "solve --problem logistic --synthetic --samples 100 --dimension 30 --planted 3 "
      "--solver fcfgs --sparsity 3",
      in_dir);
  ASSERT_EQ(logistic.status, 0) << logistic.output;
  const CommandResult squares = cardinal::test::run_cardinal(
      "solve --problem least-squares --synthetic --samples 100 --dimension 30 --planted 3 "
      "--solver fcfgs --sparsity 3",
      in_dir);
  ASSERT_EQ(squares.status, 0) << squares.output;
  std::vector<std::string> outputs;
  for (const auto& entry : fs::directory_iterator(dir_ / "cardinal-solve")) {
    outputs.push_back(entry.path().filename().string());
    EXPECT_TRUE(fs::exists(entry.path() / "trace.csv")) << entry.path();
  }
  std::sort(outputs.begin(), outputs.end());
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[0].rfind("least-squares-fcfgs-", 0), 0u) << outputs[0];
  EXPECT_EQ(outputs[1].rfind("logistic-fcfgs-", 0), 0u) << outputs[1];
  EXPECT_NE(logistic.output.find("cardinal-solve/" + outputs[1]), std::string::npos)
      << logistic.output;
  // The same command names the same directory: kept unless --overwrite.
  EXPECT_EQ(cardinal::test::run_cardinal(
                "solve --problem logistic --synthetic --samples 100 --dimension 30 --planted 3 "
                "--solver fcfgs --sparsity 3",
                in_dir)
                .status,
            2);
}

TEST_F(SolveCommand, HelpListsOnlyTheProblemsEachCommandTakes) {
  const CommandResult solve = run("solve --help");
  EXPECT_NE(solve.output.find("least-squares | logistic | network"), std::string::npos)
      << solve.output;
  const CommandResult bounds = run("bounds --help");
  EXPECT_EQ(bounds.status, 0);
  EXPECT_EQ(bounds.output.find("network"), std::string::npos) << bounds.output;
  EXPECT_EQ(bounds.output.find("0000000"), std::string::npos) << bounds.output;
}

TEST_F(SolveCommand, RerunsAreBitIdentical) {
  const std::string args =
      "solve --problem logistic --synthetic --samples 150 --dimension 60 "
      "--planted 4 --signal 3 --ridge 0.01 --solver fcfgs --sparsity 4 --quiet "
      "--output ";
  ASSERT_EQ(run(args + out() + "1").status, 0);
  ASSERT_EQ(run(args + out() + "2").status, 0);
  auto a = nlohmann::json::parse(read(fs::path(out() + "1") / "solution.json"));
  auto b = nlohmann::json::parse(read(fs::path(out() + "2") / "solution.json"));
  a.erase("seconds");
  b.erase("seconds");
  EXPECT_EQ(a, b);
}

}  // namespace
