// The bound checker on runs fabricated to break a bound: a violation is reported exactly where
// an applicable theorem's bound is exceeded, and never where its assumptions are not proved.
#include "cardinal/convex/analysis/bound_check.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "cardinal/convex/analysis/guarantees.hpp"
#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"
#include "cardinal/solvers/fully_corrective_greedy.hpp"
#include "cardinal/solvers/iterative_hard_thresholding.hpp"

namespace cardinal {
namespace {

const std::vector<std::string> kFullyCorrective = {"ssz-sublinear", "ssz-linear"};

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
  const SolverResult<LeastSquaresProblem> honest =
      OrthogonalMatchingPursuit(OrthogonalMatchingPursuitOptions{}).minimize(problem, 2);
  BoundsRun run{
      .solver = "omp", .theorems = kFullyCorrective, .sparsity = 2, .trace = honest.trace};
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
  const BoundsOptions exact{.constants = ConstantsChoice::kExact};
  // k = 6: supports of 3 and 6, T = 2, level (T − 1)·3 + 2 = 5. k = 10: supports of 3, 6, 9 and
  // 10, T = 4, level 3·3 + 2 = 11, capped at p = 10. (One coordinate per step would give 3 and 5.)
  for (const auto& [k, level] : {std::pair<Index, Index>{6, 5}, std::pair<Index, Index>{10, 10}}) {
    const SolverResult<LeastSquaresProblem> result =
        FullyCorrectiveGreedy({.coordinates_per_step = 3}).minimize(problem, k);
    BoundsRun run{.solver = "fcfgs",
                  .theorems = kFullyCorrective,
                  .coordinates_per_step = 3,
                  .sparsity = k,
                  .trace = result.trace};
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
  // H ≈ I for this design, so δ(1) is small.
  auto iht = [&](Index iterations) {
    IterativeHardThresholdingOptions options{.step = 1.0};
    if (iterations >= 0) options.stopping.max_iterations = iterations;
    return IterativeHardThresholding(options).minimize(problem, 2);
  };
  const SolverResult<LeastSquaresProblem> result = iht(-1);
  ASSERT_GE(result.iterations, 4);
  auto honest_iterate = [&](Index row) { return iht(row).w; };
  BoundsRun run{.solver = "iht",
                .theorems = {"blumensath-davies", "iht-contraction", "jain-tewari-kar"},
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
