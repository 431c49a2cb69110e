#pragma once

#include <Eigen/Core>
#include <memory>
#include <type_traits>
#include <vector>

#include "cardinal/bridge/problem.hpp"
#include "cardinal/convex/coordinate_space.hpp"
#include "cardinal/convex/covariance_problem.hpp"
#include "cardinal/convex/parallel.hpp"

namespace cardinal {

/// m least-squares problems in covariance form sharing one H (the rows of a network layer):
/// row i is f_i(w) = ½ wᵀHw − b_iᵀw + c_i, b_i the i-th column of B (p × m).
///
/// Two ways to solve them: one CovarianceProblem per row (`row(i)`, sharing H), each with its own
/// budget, in parallel (`solve_rows`); or as one problem over the stacked vector
/// (w_0, …, w_{m−1}) ∈ R^{mp} with f = Σ f_i and one budget for all rows (a layer budget), which
/// this class models itself (RestrictedProblem, LineSearchProblem, QuadraticProblem): coordinate
/// i·p + j is entry j of row i, the row-major order of an m × p weight matrix.
class CovarianceRows {
 public:
  using Space = CoordinateSpace;
  using Vector = Eigen::VectorXd;
  using Support = CoordinateSpace::Support;
  using LossType = SquaredLoss;

  /// Throws InvalidInput unless H is square, B has as many rows as H, c one entry per column of
  /// B, and every entry is finite.
  CovarianceRows(std::shared_ptr<const Eigen::MatrixXd> h, Eigen::MatrixXd b, Vector c);

  Index rows() const { return b_.cols(); }
  Index features() const { return b_.rows(); }
  const Eigen::MatrixXd& hessian() const { return *h_; }
  /// B: column i is the linear term of row i.
  const Eigen::MatrixXd& linear() const { return b_; }
  const Vector& constants() const { return c_; }

  /// Row i as a problem of its own (H shared, not copied).
  CovarianceProblem row(Index i) const;

  const Space& space() const { return space_; }
  double value(const Vector& w) const;
  double value_and_gradient(const Vector& w, Vector& g) const;
  /// Each row solved exactly on its part of `a` (CovarianceProblem::minimize_on).
  Vector minimize_on(const Support& a, const Vector& warm) const;
  double minimize_along(const Vector& w, const Vector& d) const;

 private:
  std::shared_ptr<const Eigen::MatrixXd> h_;
  std::shared_ptr<CovarianceProblem::SharedInverse> inverse_;
  Eigen::MatrixXd b_;
  Vector c_;
  Space space_;
};

static_assert(QuadraticProblem<CovarianceRows> && LineSearchProblem<CovarianceRows>);

/// solve(rows.row(i), i) for every row, on `threads` threads (0: configured_threads()), the
/// results in row order. Each row's result depends on that row alone, so it does not depend on
/// the number of threads.
template <class Solve>
auto solve_rows(const CovarianceRows& rows, const Solve& solve, int threads = 0) {
  using Result = std::invoke_result_t<const Solve&, const CovarianceProblem&, Index>;
  std::vector<Result> results(static_cast<std::size_t>(rows.rows()));
  parallel_for(rows.rows(), threads,
               [&](Index i) { results[static_cast<std::size_t>(i)] = solve(rows.row(i), i); });
  return results;
}

}  // namespace cardinal
