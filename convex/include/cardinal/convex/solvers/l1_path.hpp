#pragma once

#include <Eigen/Core>
#include <functional>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/bridge/solver_result.hpp"
#include "cardinal/convex/covariance_problem.hpp"
#include "cardinal/convex/glm_problem.hpp"

namespace cardinal {

/// Options of the ℓ1 regularization path (see docs/solvers/l1-path.md).
struct L1PathOptions {
  /// Number of λ values of the generated path (ignored when `lambdas` is given). At least 1.
  Index path_length = 100;
  /// λ_min / λ_max of the generated geometric path, in (0, 1). glmnet's default is data-dependent
  /// (1e-4 when n > p, 1e-2 otherwise); a fixed 1e-3 is used here so that the path does not change
  /// with the shape of the data. Pass glmnet's value (or glmnet's λs) to reproduce its path. With
  /// p > n, small ratios approach interpolation (least squares) or separation (logistic), where
  /// coordinate descent needs many sweeps: that is why glmnet stops at 1e-2 there.
  double min_ratio = 1e-3;
  /// Read: max_iterations, the coordinate-descent sweeps (full or active-set) allowed per λ,
  /// summed over the Newton steps; gradient_tolerance, convergence at each λ on the KKT
  /// conditions in gradient units: the solution is accepted when max_j |∇_j f + λ sign(w_j)|
  /// (w_j ≠ 0), max_j (|∇_j f| − λ)₊ (w_j = 0) and |∂f/∂b| are all at most gradient_tolerance ·
  /// λ_max (gradient_tolerance alone when λ_max = 0). The check costs one gradient pass; it runs
  /// once a sweep has moved no coordinate by more than that amount in the same units
  /// (h_j |Δw_j|, h_j the coordinate curvature). Logistic regression applies it to the true
  /// objective at each proximal-Newton iterate.
  StoppingCriteria stopping{.max_iterations = 10000};
  /// glmnet's strategy: sweep only the coordinates that have ever been nonzero until they
  /// converge, then one sweep over the working set (all coordinates, or the strong set) to see
  /// whether others enter; repeated until that sweep changes nothing. false: every sweep visits
  /// the working set.
  bool active_set = true;
  /// Screen with the sequential strong rule (Tibshirani et al. 2012): at λ_k, sweeps visit only
  /// the coordinates with |∇_j f(w(λ_{k−1}))| ≥ 2λ_k − λ_{k−1} (and those ever nonzero); the
  /// final KKT check covers every coordinate and brings in any that the rule wrongly discarded,
  /// so the solutions do not depend on this option, only the cost does.
  bool strong_rule = true;
  /// Stop the path after the first solution with more than this many nonzeros (that solution is
  /// still returned), like glmnet's dfmax. 0: no limit.
  Index max_nonzeros = 0;
  /// An explicit path, solved in the given order with warm starts (decreasing order is the
  /// efficient one). Overrides path_length and min_ratio. Each λ must be finite and >= 0.
  std::vector<double> lambdas;
};

/// The solution at one λ of the path.
struct L1PathPoint {
  double lambda = 0.0;
  /// The full parameter vector (w, b): the intercept, if any, is last, as in the problem.
  Eigen::VectorXd w;
  /// f(w, b) + λ‖w‖₁.
  double objective = 0.0;
  /// f(w, b), the GlmProblem objective (including its ridge term).
  double loss = 0.0;
  /// Nonzero constrained coordinates (the intercept is not counted).
  Index nonzeros = 0;
  /// Coordinate-descent sweeps (full or active-set) spent on this λ, summed over the Newton steps
  /// for logistic regression. KKT checks are not counted.
  Index sweeps = 0;
  /// Whether the KKT tolerance was met: false when the sweeps ran out (or, for logistic
  /// regression, no step along the Newton direction decreased the objective) before.
  bool converged = false;
  /// ∇f(w, b) (intercept last), from the solver's final optimality check; empty when the solve
  /// did not converge.
  Eigen::VectorXd gradient;
};

struct L1Path {
  std::vector<L1PathPoint> points;
  /// ‖∇_w f(0, b₀)‖∞ with b₀ the intercept-only fit: the smallest λ whose solution is w = 0.
  double lambda_max = 0.0;
};

/// λ_max = ‖∇_w f(0, b₀)‖∞, b₀ the intercept-only fit (0 without intercept). Throws InvalidInput
/// for logistic regression with an intercept when all labels are in one class (b₀ = ±∞).
template <class Loss>
double l1_lambda_max(const GlmProblem<Loss>& problem);

/// Minimizes f(w, b) + λ‖w‖₁ along a decreasing path of λ (geometric from λ_max down to
/// min_ratio·λ_max, or options.lambdas) by cyclic coordinate descent with warm starts, in the
/// manner of glmnet (Friedman, Hastie & Tibshirani 2010). f is the problem's objective: its ridge
/// term makes this the elastic net; the intercept is unpenalized. Least squares: exact
/// soft-threshold coordinate updates on a maintained residual. Logistic: proximal Newton (the
/// IRLS quadratic model, coordinate descent on it, then a backtracking line search with a
/// sufficient-decrease test). Deterministic. Throws InvalidInput for invalid options.
template <class Loss>
L1Path lasso_path(const GlmProblem<Loss>& problem, const L1PathOptions& options = {});

/// The same, calling `visit(point)` as soon as each point is solved.
template <class Loss>
L1Path lasso_path(const GlmProblem<Loss>& problem, const L1PathOptions& options,
                  const std::function<void(const L1PathPoint&)>& visit);

/// The ℓ1 path of a CovarianceProblem f(w) = ½wᵀHw − bᵀw + c, by the same coordinate descent
/// with covariance updates (glmnet's, on the full H): the gradient Hw − b is kept, so a
/// coordinate's visit costs O(1) and a move one column of H, O(p), whatever the number of
/// samples behind H. The iterates are those of the design form for H = XᵀX/n + λ₂I, b = Xᵀy/n
/// (up to rounding). H need only be positive semidefinite: a coordinate with H_jj = 0 stays 0.
L1Path lasso_path(const CovarianceProblem& problem, const L1PathOptions& options = {});
L1Path lasso_path(const CovarianceProblem& problem, const L1PathOptions& options,
                  const std::function<void(const L1PathPoint&)>& visit);

struct LassoPathSelectionOptions {
  /// The path that is followed. Its max_nonzeros is replaced by the sparsity budget.
  L1PathOptions path;
  /// Refit the selected support without the ℓ1 penalty (problem.minimize_on).
  bool debias = false;
};

/// The ℓ1 path as a sparsity-constrained solver: follows the path with warm starts and returns
/// the solution at the last λ with at most k nonzeros (the path stops at the first solution with
/// more), optionally refit on its support.
///
/// Result: `objective` is the smooth f(w) (the ℓ1 term is not included, so that it compares with
/// the other solvers). Trace: one row per λ kept, iteration = path index (row 0 is λ_max, whose
/// solution is the intercept-only starting point of the other solvers), objective = f(w); with
/// debias, one more row for the refit. If even the first λ of an explicit path has more than k
/// nonzeros, the intercept-only fit is returned with a single row. `iterations` counts the path
/// points solved. Reason: kBudgetReached when the path was stopped by the budget, kConverged when
/// it ran to its end, kIterationLimit when the returned point ran out of sweeps.
class LassoPathSelection {
 public:
  explicit LassoPathSelection(LassoPathSelectionOptions options = {});

  template <class Loss>
  SolverResult<GlmProblem<Loss>> minimize(const GlmProblem<Loss>& problem, Index sparsity) const;
  /// By the covariance updates of lasso_path(const CovarianceProblem&).
  SolverResult<CovarianceProblem> minimize(const CovarianceProblem& problem, Index sparsity) const;

  const LassoPathSelectionOptions& options() const { return options_; }

 private:
  LassoPathSelectionOptions options_;
};

}  // namespace cardinal
