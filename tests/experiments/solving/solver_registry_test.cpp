#include "cardinal/experiments/solving/solver_registry.hpp"

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <memory>
#include <set>
#include <string>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/analysis/bound_check.hpp"
#include "cardinal/convex/covariance_rows.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"

namespace cardinal {
namespace {

// The traits table is the single description of the solvers: these tests check it against what
// the dispatch and the solvers actually do, so that a trait that lies fails here.

SyntheticInstance instance() {
  return make_synthetic({.samples = 40, .features = 12, .sparsity = 3, .seed = 5});
}

SolverSettings quick_settings() {
  SolverSettings settings;
  settings.stopping.max_iterations = 20;
  settings.step = 0.05;
  settings.path_length = 10;
  return settings;
}

TEST(SolverRegistry, NamesAreUniqueAndEveryEntryIsDescribed) {
  std::set<std::string_view> names;
  std::set<SolverId> ids;
  for (const SolverEntry& e : kSolvers) {
    EXPECT_TRUE(names.insert(e.name).second) << e.name;
    EXPECT_TRUE(ids.insert(e.id).second) << e.name;
    EXPECT_FALSE(e.summary.empty()) << e.name;
    EXPECT_EQ(&find_solver(e.name), &e);
    if (e.traits.grows_in_blocks) EXPECT_TRUE(e.traits.greedy) << e.name;
    if (!e.traits.theorems_missing.empty()) EXPECT_FALSE(e.traits.theorems.empty()) << e.name;
  }
  EXPECT_THROW(find_solver("simplex"), InvalidInput);
}

TEST(SolverRegistry, EveryTheoremItListsIsCheckedOrSaysWhyNot) {
  const std::set<std::string_view> checked(checked_theorems().begin(), checked_theorems().end());
  EXPECT_EQ(checked.size(), 8u);
  for (const SolverEntry& entry : kSolvers) {
    if (!entry.traits.theorems_missing.empty()) continue;
    for (std::string_view t : entry.traits.theorems)
      EXPECT_TRUE(checked.count(t)) << entry.name << ": " << t;
  }
}

TEST(SolverRegistry, ScopeSaysWhichProblemsASolverRunsOn) {
  const SyntheticInstance data = instance();
  const LeastSquaresProblem least_squares(data.design, data.response);
  Eigen::VectorXd labels = data.response.unaryExpr([](double y) { return y > 0 ? 1.0 : -1.0; });
  const LogisticProblem logistic(data.design, labels);
  const SolverSettings settings = quick_settings();
  for (const SolverEntry& e : kSolvers) {
    const std::string name(e.name);
    EXPECT_NO_THROW(run_solver(name, settings, least_squares, 3)) << name;
    if (e.traits.scope == SolverScope::kLeastSquaresOnly)
      EXPECT_THROW(run_solver(name, settings, logistic, 3), InvalidInput) << name;
    else
      EXPECT_NO_THROW(run_solver(name, settings, logistic, 3)) << name;
    // The generic dispatch (a network's) runs exactly the solvers of any problem.
    if (e.traits.scope == SolverScope::kAnyProblem)
      EXPECT_NO_THROW(run_generic_solver(name, settings, least_squares, 3)) << name;
    else
      EXPECT_THROW(run_generic_solver(name, settings, least_squares, 3), InvalidInput) << name;
  }
}

TEST(SolverRegistry, ARequiredStepIsRefusedWhenMissing) {
  const SyntheticInstance data = instance();
  const LeastSquaresProblem problem(data.design, data.response);
  SolverSettings settings = quick_settings();
  settings.step = 0.0;
  for (const SolverEntry& e : kSolvers) {
    if (e.traits.step == StepUse::kRequired)
      EXPECT_THROW(run_solver(std::string(e.name), settings, problem, 3), InvalidInput) << e.name;
    else
      EXPECT_NO_THROW(run_solver(std::string(e.name), settings, problem, 3)) << e.name;
  }
}

TEST(SolverRegistry, GreedySolversAreTheOnesTheObjectiveLevelStops) {
  const SyntheticInstance data = instance();
  const LeastSquaresProblem problem(data.design, data.response);
  SolverSettings settings = quick_settings();
  settings.stopping.objective_level = 1e300;  // met by the starting point
  for (const SolverEntry& e : kSolvers) {
    const SolverResult<LeastSquaresProblem> result =
        run_solver(std::string(e.name), settings, problem, 3);
    if (e.traits.greedy) {
      EXPECT_EQ(result.reason, StopReason::kConverged) << e.name;
      EXPECT_EQ(result.iterations, 0) << e.name;
      EXPECT_NE(result.message.find("objective_level"), std::string::npos) << result.message;
    } else {
      // It went on past its start: an iteration, or (splicing) a round of exchanges tried.
      EXPECT_EQ(result.message.find("objective_level"), std::string::npos) << result.message;
      EXPECT_GT(result.evaluations.gradients, 1) << e.name;
    }
  }
}

TEST(SolverRegistry, SingleProblemSolversRefuseTheRowsOfALayer) {
  auto h = std::make_shared<const Eigen::MatrixXd>(Eigen::MatrixXd::Identity(4, 4));
  const CovarianceRows rows(h, Eigen::MatrixXd::Ones(4, 2), Eigen::VectorXd::Ones(2));
  const SolverSettings settings = quick_settings();
  for (const SolverEntry& e : kSolvers) {
    if (e.traits.trains) continue;  // a layer problem is convex: nothing to train
    if (e.traits.single_problem_only)
      EXPECT_THROW(run_solver(std::string(e.name), settings, rows, 2), InvalidInput) << e.name;
    else
      EXPECT_NO_THROW(run_solver(std::string(e.name), settings, rows, 2)) << e.name;
  }
}

TEST(SolverRegistry, EveryResultSaysWhyItStoppedAndWhatItCost) {
  const SyntheticInstance data = instance();
  const LeastSquaresProblem problem(data.design, data.response);
  for (const SolverEntry& e : kSolvers) {
    const SolverResult<LeastSquaresProblem> result =
        run_solver(std::string(e.name), quick_settings(), problem, 3);
    EXPECT_FALSE(result.message.empty()) << e.name;
    EXPECT_EQ(result.message.find('\n'), std::string::npos) << e.name;
    EXPECT_GT(result.evaluations.gradients, 0) << e.name;
  }
}

TEST(SolverRegistry, SpliceRefinesAnySolversResultAndContinuesItsTrace) {
  const SyntheticInstance data = make_synthetic(
      {.samples = 40, .features = 30, .sparsity = 5, .correlation = 0.8, .noise = 0.3, .seed = 3});
  const LeastSquaresProblem problem(data.design, data.response);
  for (const char* name : {"omp", "iht", "cosamp"}) {
    SCOPED_TRACE(name);
    SolverSettings settings = quick_settings();
    settings.step = 0.0;
    const auto plain = run_solver(name, settings, problem, 5);
    settings.splice = true;
    const auto spliced = run_solver(name, settings, problem, 5);
    EXPECT_LE(spliced.objective, plain.objective + 1e-12 * plain.objective);
    EXPECT_EQ(spliced.message.rfind("then splicing: ", 0), 0u) << spliced.message;
    ASSERT_EQ(
        spliced.trace.rows.size(),
        plain.trace.rows.size() + static_cast<std::size_t>(spliced.iterations - plain.iterations));
    for (std::size_t t = 0; t < plain.trace.rows.size(); ++t)
      EXPECT_EQ(spliced.trace.rows[t].objective, plain.trace.rows[t].objective);
    EXPECT_GT(spliced.evaluations.restricted_solves, plain.evaluations.restricted_solves);
    // The same as splicing from the solver's result directly.
    const auto direct = SupportSplicing().minimize_from(problem, plain.w, 5);
    EXPECT_EQ(spliced.support, direct.support);
    EXPECT_EQ(spliced.objective, direct.objective);
  }
}

}  // namespace
}  // namespace cardinal
