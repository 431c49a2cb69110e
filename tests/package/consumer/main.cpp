#include <cardinal/convex/data/synthetic.hpp>
#include <cardinal/convex/glm_problem.hpp>
#include <cardinal/solvers/fully_corrective_greedy.hpp>

int main() {
  auto instance = cardinal::make_synthetic({.samples = 30, .features = 8, .sparsity = 2});
  const cardinal::LogisticProblem problem(instance.design,
                                          (instance.response.array() > 0).cast<double>().matrix());
  const auto result = cardinal::FullyCorrectiveGreedy().minimize(problem, 2);
  return result.objective < problem.value(problem.space().zeros()) ? 0 : 1;
}
