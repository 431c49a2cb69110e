#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/trace.hpp"

namespace cardinal {

OrthogonalMatchingPursuit::OrthogonalMatchingPursuit(OrthogonalMatchingPursuitOptions options)
    : options_(options) {
  require(options_.dependence_tolerance >= 0.0 && options_.dependence_tolerance < 1.0,
          "dependence_tolerance must lie in [0, 1)");
}

SolverResult<LeastSquaresProblem> OrthogonalMatchingPursuit::minimize(
    const LeastSquaresProblem& problem, Index sparsity) const {
  require_valid_sparsity(problem, sparsity);
  const Stopwatch clock;
  const CoordinateSpace& space = problem.space();
  const StoppingCriteria& stopping = options_.stopping;
  const Design& x = problem.design();
  const Eigen::VectorXd& y = problem.response();
  const Index p = problem.features();
  const double n = static_cast<double>(problem.samples());
  const double ridge = problem.options().ridge;
  const bool intercept = problem.options().intercept;

  // Columns of A in factor order: the all-ones column first (with an intercept), then the selected
  // features in the order they entered. chol is the lower Cholesky factor L of
  // AᵀA/n + λ₂ diag(0, 1, …, 1); z solves L z = Aᵀy/n; the coefficients v solve Lᵀ v = z.
  const Index offset = intercept ? 1 : 0;
  const Index capacity = std::min(sparsity, std::max<Index>(0, stopping.max_iterations)) + offset;
  Eigen::MatrixXd chol = Eigen::MatrixXd::Zero(capacity, capacity);
  Eigen::VectorXd z = Eigen::VectorXd::Zero(capacity);
  std::vector<Index> order;
  Index size = 0;
  if (intercept) {
    chol(0, 0) = 1.0;  // 1ᵀ1/n
    z[0] = y.sum() / n;
    size = 1;
  }

  SolverResult<LeastSquaresProblem> result;
  CoordinateSpace::Support support = space.empty_support();
  Eigen::VectorXd w = space.zeros();
  Eigen::VectorXd g = space.zeros();
  Eigen::VectorXd residual = y;
  auto refit = [&] {
    const Eigen::VectorXd v = chol.topLeftCorner(size, size)
                                  .transpose()
                                  .triangularView<Eigen::Upper>()
                                  .solve(z.head(size));
    residual = y;
    if (intercept) {
      w[p] = v[0];
      residual.array() -= v[0];
    }
    for (std::size_t i = 0; i < order.size(); ++i) {
      const double coefficient = v[offset + static_cast<Index>(i)];
      w[order[i]] = coefficient;
      x.add_column(order[i], -coefficient, residual);
    }
  };
  refit();

  double objective = 0.0;
  Index iteration = 0;
  while (true) {
    // f and ∇f from the residual: one pass over the design.
    g.head(p) = x.transpose_multiply(residual) / -n;
    if (ridge != 0.0) g.head(p) += ridge * w.head(p);
    if (intercept) g[p] = -residual.sum() / n;
    objective = 0.5 * residual.squaredNorm() / n + 0.5 * ridge * w.head(p).squaredNorm();
    record(problem, result.trace, iteration, objective, g, support, clock);

    if (space.size(support) >= sparsity) {
      result.reason = StopReason::kBudgetReached;
      break;
    }
    if (objective <= stopping.tolerance) {
      result.reason = StopReason::kConverged;
      break;
    }
    if (space.norm_off(g, support) == 0.0) {
      result.reason = StopReason::kStalled;
      break;
    }
    if (iteration >= stopping.max_iterations) {
      result.reason = StopReason::kIterationLimit;
      break;
    }

    const CoordinateSpace::Support pick = space.largest_outside(g, support, 1);
    const Index j = space.constrained_part(pick).front();
    const Eigen::VectorXd column = x.dense_columns(std::vector<Index>{j}).col(0);

    // New row (lᵀ, d) of L: L l = A_Fᵀ x_j / n, d² = x_jᵀx_j/n + λ₂ − ‖l‖².
    Eigen::VectorXd l(size);
    if (intercept) l[0] = column.sum() / n;
    for (std::size_t i = 0; i < order.size(); ++i)
      l[offset + static_cast<Index>(i)] = x.column_dot(order[i], column) / n;
    chol.topLeftCorner(size, size).triangularView<Eigen::Lower>().solveInPlace(l);
    const double diagonal = column.squaredNorm() / n + ridge;
    const double pivot = diagonal - l.squaredNorm();
    if (!(pivot > options_.dependence_tolerance * diagonal)) {
      result.reason = StopReason::kStalled;
      break;
    }
    const double d = std::sqrt(pivot);
    chol.row(size).head(size) = l.transpose();
    chol(size, size) = d;
    z[size] = (x.column_dot(j, y) / n - l.dot(z.head(size))) / d;
    ++size;
    order.push_back(j);
    support = space.unite(support, pick);
    refit();
    ++iteration;
  }

  result.support = std::move(support);
  result.w = std::move(w);
  result.objective = objective;
  result.iterations = iteration;
  return result;
}

}  // namespace cardinal
