#pragma once

#include <Eigen/Core>
#include <functional>
#include <string>

namespace cardinal {

/// Options of the unconstrained smooth minimization behind non-quadratic restricted solves.
struct SmoothMinimizerOptions {
  /// Stop when ‖∇f‖∞ falls below this.
  double gradient_tolerance = 1e-12;
  int max_iterations = 2000;
  /// Dense BFGS up to this dimension, L-BFGS above.
  int dense_bfgs_max_dimension = 400;
};

/// Value and gradient of f at x; returns f(x) and writes ∇f(x) into g.
using ValueAndGradient = std::function<double(const Eigen::VectorXd& x, Eigen::VectorXd& g)>;

/// What minimize_smooth found.
struct SmoothMinimum {
  /// The final point when usable; otherwise the starting point, unchanged.
  Eigen::VectorXd x;
  /// Whether Ceres' summary says the solution is usable (Summary::IsSolutionUsable: converged,
  /// or stopped by an iteration or time limit); false when it failed, e.g. on a non-finite
  /// objective at the starting point.
  bool usable = false;
  /// Ceres' one-line reason for stopping (Summary::message).
  std::string message;
};

/// Minimizes a smooth function from `x0` with Ceres Solver's line-search minimizer
/// (ceres::GradientProblemSolver).
SmoothMinimum minimize_smooth(const ValueAndGradient& f, Eigen::VectorXd x0,
                              const SmoothMinimizerOptions& options = {});

/// Whether Ceres Solver may print its warnings (through glog, on stderr) for this process; on by
/// default. `cardinal COMMAND --quiet` turns them off.
void set_minimizer_warnings(bool enabled);

}  // namespace cardinal
