#include "cardinal/bridge/interruption.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "cardinal/convex/data/synthetic.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"
#include "cardinal/solvers/iterative_hard_thresholding.hpp"

namespace cardinal {
namespace {

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

int calls = 0;
int interrupt_at = 0;
void count_and_interrupt() {
  if (++calls == interrupt_at) throw Interrupted();
}
void other_check() {}

LeastSquaresProblem planted(Index n, Index p) {
  SyntheticInstance s = make_synthetic(
      {.samples = n, .features = p, .sparsity = 5, .noise = 0.1, .logistic = false, .seed = 4});
  return LeastSquaresProblem(std::move(s.design), std::move(s.response));
}

TEST(Interruption, ACheckThatThrowsStopsTheSolveAtThatIteration) {
  const LeastSquaresProblem problem = planted(60, 100);
  const IterativeHardThresholding iht(
      {.stopping = {.max_iterations = 500, .relative_decrease = 0.0, .step_tolerance = 0.0}});
  calls = 0;
  interrupt_at = 0;
  {
    ScopedInterruptionCheck check(count_and_interrupt);
    const auto full = iht.minimize(problem, 5);
    EXPECT_EQ(calls, static_cast<int>(full.trace.rows.size()));  // one check per trace row
    calls = 0;
    interrupt_at = 7;
    EXPECT_THROW(iht.minimize(problem, 5), Interrupted);
    EXPECT_EQ(calls, 7);
  }
  EXPECT_EQ(current_interruption_check, nullptr);
}

TEST(Interruption, ReachesTheSolversOfTheConvexLibrary) {
  const LeastSquaresProblem problem = planted(60, 100);
  calls = 0;
  interrupt_at = 3;
  ScopedInterruptionCheck check(count_and_interrupt);
  EXPECT_THROW(OrthogonalMatchingPursuit().minimize(problem, 10), Interrupted);
}

TEST(Interruption, GuardsNestAndChecksBelongToTheirThread) {
  ScopedInterruptionCheck outer(other_check);
  {
    ScopedInterruptionCheck inner(count_and_interrupt);
    EXPECT_EQ(current_interruption_check, &count_and_interrupt);
    InterruptionCheck seen = &other_check;
    std::thread([&seen] { seen = current_interruption_check; }).join();
    EXPECT_EQ(seen, nullptr);
  }
  EXPECT_EQ(current_interruption_check, &other_check);
}

}  // namespace
}  // namespace cardinal
