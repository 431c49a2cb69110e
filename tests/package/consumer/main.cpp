#include <cardinal/convex/data/synthetic.hpp>
#include <cardinal/convex/glm_problem.hpp>

int main() {
  auto instance = cardinal::make_synthetic({.samples = 30, .features = 8, .sparsity = 2});
  const cardinal::LogisticProblem problem(instance.design,
                                          (instance.response.array() > 0).cast<double>().matrix());
  const auto w = problem.minimize_on({0, 1}, problem.space().zeros());
  return problem.value(w) < problem.value(problem.space().zeros()) ? 0 : 1;
}
