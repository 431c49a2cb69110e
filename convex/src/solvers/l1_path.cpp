#include "cardinal/convex/solvers/l1_path.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include <Eigen/Cholesky>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

using Vector = Eigen::VectorXd;

/// Column operations on a dense design (double or float entries, widened to double), reading the
/// columns in place.
template <class Matrix>
class DenseColumns {
 public:
  explicit DenseColumns(const Matrix& x) : x_(x) {}

  double dot(Index j, const Vector& r) const { return column(j).dot(r); }
  /// r += t X_j.
  void add(Index j, double t, Vector& r) const { r.noalias() += t * column(j); }
  /// r += t (v ∘ X_j).
  void add_weighted(Index j, double t, const Vector& v, Vector& r) const {
    r.array() += t * (v.array() * column(j).array());
  }
  /// Σᵢ vᵢ X_ij².
  double weighted_squared_norm(Index j, const Vector& v) const {
    return (column(j).array().square() * v.array()).sum();
  }

 private:
  /// X_j as doubles (for double entries, the column itself).
  auto column(Index j) const { return x_.col(j).template cast<double>(); }

  const Matrix& x_;
};

/// The same operations on a compressed column-major sparse design.
class SparseColumns {
 public:
  explicit SparseColumns(const Design::Sparse& x)
      : outer_(x.outerIndexPtr()), inner_(x.innerIndexPtr()), values_(x.valuePtr()) {}

  double dot(Index j, const Vector& r) const {
    double sum = 0.0;
    for (Index k = outer_[j]; k < outer_[j + 1]; ++k) sum += values_[k] * r[inner_[k]];
    return sum;
  }
  void add(Index j, double t, Vector& r) const {
    for (Index k = outer_[j]; k < outer_[j + 1]; ++k) r[inner_[k]] += t * values_[k];
  }
  void add_weighted(Index j, double t, const Vector& v, Vector& r) const {
    for (Index k = outer_[j]; k < outer_[j + 1]; ++k) {
      const Index i = inner_[k];
      r[i] += t * (v[i] * values_[k]);
    }
  }
  double weighted_squared_norm(Index j, const Vector& v) const {
    double sum = 0.0;
    for (Index k = outer_[j]; k < outer_[j + 1]; ++k) sum += values_[k] * values_[k] * v[inner_[k]];
    return sum;
  }

 private:
  const Index* outer_;
  const Index* inner_;
  const double* values_;
};

void validate(const L1PathOptions& o) {
  require(o.path_length >= 1,
          "l1 path: path_length must be at least 1 (got " + std::to_string(o.path_length) + ")");
  require(o.min_ratio > 0.0 && o.min_ratio < 1.0,
          "l1 path: min_ratio must lie in (0, 1) (got " + std::to_string(o.min_ratio) + ")");
  require(std::isfinite(o.tolerance) && o.tolerance >= 0.0,
          "l1 path: tolerance must be a finite non-negative number");
  require(o.max_sweeps >= 1, "l1 path: max_sweeps must be at least 1");
  require(o.max_nonzeros >= 0, "l1 path: max_nonzeros must be non-negative");
  for (double lambda : o.lambdas)
    require(std::isfinite(lambda) && lambda >= 0.0,
            "l1 path: every lambda must be finite and non-negative (got " + std::to_string(lambda) +
                ")");
}

/// The intercept-only fit b₀ (0 without intercept), in closed form.
template <class Loss>
double intercept_only_fit(const GlmProblem<Loss>& problem) {
  if (!problem.options().intercept) return 0.0;
  const Vector& y = problem.response();
  if constexpr (Loss::kQuadratic) {
    return y.sum() / static_cast<double>(y.size());
  } else {
    const auto positives = static_cast<double>((y.array() > 0.0).count());
    const double negatives = static_cast<double>(y.size()) - positives;
    require(positives > 0.0 && negatives > 0.0,
            "l1 path: all logistic labels are in one class, so the intercept diverges");
    return std::log(positives / negatives);
  }
}

/// Coordinate descent along the path for one loss and one storage kind. The state (w, b) is
/// carried from one λ to the next (warm start), and so is the ever-active set.
///
/// Every coordinate-descent pass works on a quadratic model of f in (c, cb) through the vector
/// s of per-sample model gradients: ∂q/∂c_j = X_j·s + λ₂ c_j, ∂q/∂cb = Σ s. For least squares
/// the model is f itself, s = (X c + cb − y)/n, and (c, cb) is (w, b). For logistic regression it
/// is the second-order expansion at the Newton center (w, b): s = g + v ∘ (X(c − w) + cb − b) with
/// gᵢ = ℓ'(zᵢ)/n and vᵢ = ℓ''(zᵢ)/n.
template <class Loss, class Columns>
class PathSolver {
 public:
  PathSolver(const GlmProblem<Loss>& problem, const Columns& columns, const L1PathOptions& options,
             double intercept)
      : columns_(columns),
        design_(problem.design()),
        options_(options),
        y_(problem.response()),
        n_(problem.samples()),
        p_(problem.features()),
        intercept_(problem.options().intercept),
        ridge_(problem.options().ridge),
        inv_n_(1.0 / static_cast<double>(problem.samples())),
        w_(Vector::Zero(problem.features())),
        b_(intercept),
        z_(Vector::Constant(problem.samples(), intercept)),
        s_(problem.samples()),
        gradient_(problem.features()),
        is_active_(static_cast<std::size_t>(problem.features()), 0),
        in_working_set_(static_cast<std::size_t>(problem.features()), 0) {
    if constexpr (Loss::kQuadratic) {
      h_ = problem.design().column_squared_norms() * inv_n_;
      h_.array() += ridge_;
      intercept_curvature_ = 1.0;
    } else {
      g_.resize(n_);
      v_.resize(n_);
      u_.resize(n_);
      h_.resize(p_);
      h_stamp_.assign(static_cast<std::size_t>(p_), -1);
    }
  }

  /// ‖∇_w f‖∞ at the starting point, computed exactly as the coordinate updates compute it, so
  /// that the first λ of the path leaves w = 0 bit for bit. Call once, before `solve`.
  double gradient_max_norm() {
    expand_at_current_point();
    double largest = 0.0;
    for (Index j = 0; j < p_; ++j) {
      gradient_[j] = columns_.dot(j, s_) + ridge_ * w_[j];
      largest = std::max(largest, std::abs(gradient_[j]));
    }
    previous_lambda_ = largest;
    return largest;
  }

  void set_threshold(double threshold) { threshold_ = threshold; }

  L1PathPoint solve(double lambda) {
    screen(lambda);
    Index sweeps = 0;
    bool converged = false;
    if constexpr (Loss::kQuadratic) {
      expand_at_current_point();
      converged = coordinate_descent(lambda, w_, b_, sweeps, threshold_, true);
    } else {
      converged = proximal_newton(lambda, sweeps);
    }
    refresh_predictor();
    previous_lambda_ = lambda;

    L1PathPoint point;
    point.lambda = lambda;
    point.w.resize(p_ + (intercept_ ? 1 : 0));
    point.w.head(p_) = w_;
    if (intercept_) point.w[p_] = b_;
    point.loss = smooth_value(z_, 0.5 * ridge_ * w_.squaredNorm());
    point.objective = point.loss + lambda * w_.lpNorm<1>();
    point.nonzeros = static_cast<Index>((w_.array() != 0.0).count());
    point.sweeps = sweeps;
    point.converged = converged;
    return point;
  }

 private:
  /// The working set at λ: the ever-active coordinates and, with the sequential strong rule
  /// (Tibshirani et al. 2012), those with |∇_j f| ≥ 2λ − λ_prev at the previous solution; without
  /// it, every coordinate. Coordinates outside are zero; the KKT check brings in any that violate.
  void screen(double lambda) {
    working_set_.clear();
    const double cutoff = 2.0 * lambda - previous_lambda_;
    for (Index j = 0; j < p_; ++j) {
      const bool in = !options_.strong_rule || is_active_[static_cast<std::size_t>(j)] ||
                      std::abs(gradient_[j]) >= cutoff;
      in_working_set_[static_cast<std::size_t>(j)] = in;
      if (in) working_set_.push_back(j);
    }
  }

  /// Sets s (and, for logistic regression, the expansion g, v) at the current (w, b).
  void expand_at_current_point() {
    if constexpr (Loss::kQuadratic) {
      s_ = (z_ - y_) * inv_n_;
    } else {
      for (Index i = 0; i < n_; ++i) {
        g_[i] = Loss::derivative(z_[i], y_[i]) * inv_n_;
        v_[i] = Loss::curvature(z_[i], y_[i]) * inv_n_;
      }
      s_ = g_;
      intercept_curvature_ = v_.sum();
      ++stamp_;
    }
  }

  /// h_j = ∂²q/∂c_j², computed lazily for logistic regression (it changes with every expansion).
  double curvature(Index j) {
    if constexpr (!Loss::kQuadratic) {
      if (h_stamp_[static_cast<std::size_t>(j)] != stamp_) {
        h_[j] = columns_.weighted_squared_norm(j, v_) + ridge_;
        h_stamp_[static_cast<std::size_t>(j)] = stamp_;
      }
    }
    return h_[j];
  }

  /// Exact minimization of the model plus λ|c_j| in c_j. Returns h_j |Δc_j|.
  double update(Index j, double lambda, Vector& c) {
    const double old = c[j];
    const double gradient = columns_.dot(j, s_) + ridge_ * old;
    if (old == 0.0 && std::abs(gradient) <= lambda) return 0.0;
    const double h = curvature(j);
    if (!(h > 0.0)) return 0.0;  // an all-zero column without ridge: c_j is irrelevant
    const double a = h * old - gradient;
    const double next = a > lambda ? (a - lambda) / h : (a < -lambda ? (a + lambda) / h : 0.0);
    const double delta = next - old;
    if (delta == 0.0) return 0.0;
    c[j] = next;
    if constexpr (Loss::kQuadratic) {
      columns_.add(j, delta * inv_n_, s_);
    } else {
      columns_.add_weighted(j, delta, v_, s_);
    }
    if (!is_active_[static_cast<std::size_t>(j)]) {
      is_active_[static_cast<std::size_t>(j)] = 1;
      active_.push_back(j);
      active_grew_ = true;
    }
    return h * std::abs(delta);
  }

  /// Exact minimization of the model in the (unpenalized) intercept.
  double update_intercept(double& cb) {
    if (!intercept_) return 0.0;
    const double delta = -s_.sum() / intercept_curvature_;
    if (delta == 0.0 || !std::isfinite(delta)) return 0.0;
    cb += delta;
    if constexpr (Loss::kQuadratic) {
      s_.array() += delta * inv_n_;
    } else {
      s_ += delta * v_;
    }
    return intercept_curvature_ * std::abs(delta);
  }

  double sweep_working_set(double lambda, Vector& c, double& cb) {
    double change = 0.0;
    for (Index j : working_set_) change = std::max(change, update(j, lambda, c));
    return std::max(change, update_intercept(cb));
  }

  double sweep_active(double lambda, Vector& c, double& cb) {
    double change = 0.0;
    for (Index j : active_) change = std::max(change, update(j, lambda, c));
    return std::max(change, update_intercept(cb));
  }

  /// The largest violation of the optimality conditions of the model plus λ‖c‖₁ at (c, cb), in
  /// gradient units: |∂_j q + λ sign(c_j)| where c_j ≠ 0, (|∂_j q| − λ)₊ where c_j = 0, and
  /// |∂q/∂cb| for the intercept. At the expansion point of the model this is the KKT violation of
  /// the true objective. The working set is checked first; only if it meets `tolerance` (and
  /// `outside` is set) are the other coordinates checked, and those violating it join the working
  /// set. A complete check leaves every ∂_j q in gradient_, for the strong rule at the next λ.
  double kkt_violation(double lambda, const Vector& c, double tolerance, bool outside) {
    auto violation_of = [lambda](double gradient, double cj) {
      return cj > 0.0   ? std::abs(gradient + lambda)
             : cj < 0.0 ? std::abs(gradient - lambda)
                        : std::abs(gradient) - lambda;
    };
    double violation = intercept_ ? std::abs(s_.sum()) : 0.0;
    for (Index j : working_set_) {
      gradient_[j] = columns_.dot(j, s_) + ridge_ * c[j];
      violation = std::max(violation, violation_of(gradient_[j], c[j]));
    }
    if (!outside || violation > tolerance) return violation;
    working_set_grew_ = false;
    // The coordinates outside the working set are most of them: one correlation pass over the
    // design (Design::transpose_multiply, at memory bandwidth and on every thread) is cheaper
    // than as many separate column dot products.
    const Vector all = design_.transpose_multiply(s_);
    for (Index j = 0; j < p_; ++j) {
      if (in_working_set_[static_cast<std::size_t>(j)]) continue;
      gradient_[j] = all[j];  // c_j = 0 outside the working set
      const double v = violation_of(gradient_[j], 0.0);
      violation = std::max(violation, v);
      if (v > tolerance) {
        in_working_set_[static_cast<std::size_t>(j)] = 1;
        working_set_.push_back(j);
        working_set_grew_ = true;
      }
    }
    if (working_set_grew_) std::sort(working_set_.begin(), working_set_.end());
    return violation;
  }

  /// Minimizes the current model plus λ‖c‖₁ from (c, cb) until its KKT violation is at most
  /// `tolerance` (on the working set only, unless `outside`). The KKT check runs only after a
  /// sweep of the working set in which no coordinate moved by more than the current change
  /// tolerance (h_j |Δc_j|); when the check fails inside the working set, that tolerance is
  /// tightened, as on ill-conditioned problems small steps do not yet mean a small gradient.
  /// Returns whether it converged within the sweeps left.
  bool coordinate_descent(double lambda, Vector& c, double& cb, Index& sweeps, double tolerance,
                          bool outside) {
    double change_tolerance = tolerance;
    auto converge_active_set = [&] {
      while (sweeps < options_.max_sweeps) {
        ++sweeps;
        if (sweep_active(lambda, c, cb) <= change_tolerance) return;
      }
    };
    if (options_.active_set && !active_.empty()) converge_active_set();
    while (sweeps < options_.max_sweeps) {
      ++sweeps;
      active_grew_ = false;
      const double change = sweep_working_set(lambda, c, cb);
      if (active_grew_) std::sort(active_.begin(), active_.end());
      if (change <= change_tolerance) {
        working_set_grew_ = false;
        const double violation = kkt_violation(lambda, c, tolerance, outside);
        if (violation <= tolerance) return true;
        if (!working_set_grew_) change_tolerance = 0.1 * std::min(change_tolerance, violation);
      }
      if (options_.active_set) converge_active_set();
    }
    return false;
  }

  /// glmnet's outer loop for logistic regression: coordinate descent on the quadratic model at
  /// (w, b), then a backtracking line search along the step to the model's minimizer with the
  /// sufficient-decrease test F(x + t d) ≤ F(x) + σ t Δ, Δ = ∇f·d + λ(‖c‖₁ − ‖w‖₁) (Tseng & Yun),
  /// so that F decreases monotonically whatever the curvature. The model is solved inexactly, to
  /// a fixed fraction of the current KKT violation (Lee, Sun & Saunders 2014; Byrd, Nocedal &
  /// Oztoprak 2016). Converged when the KKT violation of F at the Newton center is at most the
  /// threshold.
  bool proximal_newton(double lambda, Index& sweeps) {
    constexpr double kSufficientDecrease = 1e-4;
    constexpr int kMaxHalvings = 60;
    constexpr double kForcing = 0.1;
    // Below this predicted decrease, F cannot tell the step from rounding error.
    constexpr double kRoundingSlack = 64.0 * std::numeric_limits<double>::epsilon();
    double value = smooth_value(z_, 0.5 * ridge_ * w_.squaredNorm()) + lambda * w_.lpNorm<1>();
    Vector c;
    while (true) {
      expand_at_current_point();
      const double violation = kkt_violation(lambda, w_, threshold_, true);
      if (violation <= threshold_) return true;
      if (sweeps >= options_.max_sweeps) return false;
      c = w_;
      double cb = b_;
      // Inexact Newton: the model is solved to a fraction of the current violation (forcing
      // term), and beyond the outer tolerance so that the last step brings F within it.
      const double inner_tolerance = std::max(0.5 * threshold_, kForcing * violation);
      // Coordinates outside the working set are checked on F itself, at the next center.
      coordinate_descent(lambda, c, cb, sweeps, inner_tolerance, false);

      // The step d = (c, cb) − (w, b); both c and w are supported on the ever-active set.
      double slope = 0.0, l1_change = 0.0;
      bool moved = false;
      u_.setZero();
      for (Index j : active_) {
        const double d = c[j] - w_[j];
        if (d == 0.0) continue;
        moved = true;
        columns_.add(j, d, u_);
        slope += ridge_ * w_[j] * d;
        l1_change += std::abs(c[j]) - std::abs(w_[j]);
      }
      const double db = cb - b_;
      if (intercept_ && db != 0.0) {
        moved = true;
        u_.array() += db;
      }
      // Coordinate descent cannot reduce a violation above its tolerance at the center: a
      // coordinate without curvature (the weights have underflowed), or the sweeps ran out.
      if (!moved) return false;
      const double decrease = slope + g_.dot(u_) + lambda * l1_change;

      double t = 1.0;
      bool accepted = false;
      for (int halving = 0; halving <= kMaxHalvings && !accepted; ++halving, t *= 0.5) {
        double ridge_term = 0.0, l1 = 0.0;
        for (Index j : active_) {
          const double wj = w_[j] + t * (c[j] - w_[j]);
          ridge_term += wj * wj;
          l1 += std::abs(wj);
        }
        double sum = 0.0;
        for (Index i = 0; i < n_; ++i) sum += Loss::value(z_[i] + t * u_[i], y_[i]);
        const double trial = sum * inv_n_ + 0.5 * ridge_ * ridge_term + lambda * l1;
        if (trial <=
            value + kSufficientDecrease * t * decrease + kRoundingSlack * std::abs(value)) {
          accepted = true;
          value = trial;
          for (Index j : active_) w_[j] += t * (c[j] - w_[j]);
          b_ += t * db;
          z_ += t * u_;
        }
      }
      if (!accepted) return false;  // no decrease along d: stalled
    }
  }

  /// z = X w + b, recomputed from scratch (it drifts when updated incrementally).
  void refresh_predictor() {
    z_.setConstant(b_);
    for (Index j : active_)
      if (w_[j] != 0.0) columns_.add(j, w_[j], z_);
  }

  /// (1/n) Σᵢ ℓ(zᵢ, yᵢ) + ridge_term.
  double smooth_value(const Vector& z, double ridge_term) const {
    double sum = 0.0;
    for (Index i = 0; i < n_; ++i) sum += Loss::value(z[i], y_[i]);
    return sum * inv_n_ + ridge_term;
  }

  const Columns& columns_;
  const Design& design_;
  const L1PathOptions& options_;
  const Vector& y_;
  Index n_, p_;
  bool intercept_;
  double ridge_, inv_n_;
  double threshold_ = 0.0;

  Vector w_;
  double b_;
  Vector z_;  ///< X w + b
  Vector s_;  ///< per-sample gradient of the model at the coordinate-descent iterate
  Vector g_;  ///< logistic: ℓ'(zᵢ)/n at the Newton center
  Vector v_;  ///< logistic: ℓ''(zᵢ)/n at the Newton center
  Vector u_;  ///< logistic: X d + db, the Newton step in predictor space
  Vector h_;  ///< coordinate curvatures ∂²q/∂c_j²
  std::vector<Index> h_stamp_;  ///< logistic: the expansion h_j was computed for
  Index stamp_ = 0;
  double intercept_curvature_ = 1.0;

  Vector gradient_;  ///< ∇_w f at the last complete KKT check (the strong rule's input)
  double previous_lambda_ = 0.0;

  std::vector<Index> active_;  ///< coordinates that have ever been nonzero, sorted after growth
  std::vector<char> is_active_;
  bool active_grew_ = false;
  std::vector<Index> working_set_;  ///< sorted; contains active_
  std::vector<char> in_working_set_;
  bool working_set_grew_ = false;
};

template <class Loss, class Run>
auto with_solver(const GlmProblem<Loss>& problem, const L1PathOptions& options, Run run) {
  const double intercept = intercept_only_fit(problem);
  return std::visit(
      [&](const auto& x) {
        using Storage = std::decay_t<decltype(x)>;
        using Columns = std::conditional_t<std::is_same_v<Storage, Design::Sparse>, SparseColumns,
                                           DenseColumns<Storage>>;
        const Columns columns(x);
        PathSolver<Loss, Columns> solver(problem, columns, options, intercept);
        return run(solver);
      },
      problem.design().storage());
}

/// problem.minimize_on(a, w), except on an empty support (no intercept, no feature), where the
/// only candidate is zero.
template <class Loss>
Vector refit(const GlmProblem<Loss>& problem, const CoordinateSpace::Support& a, const Vector& w) {
  return a.empty() ? problem.space().zeros() : problem.minimize_on(a, w);
}

/// The square-root design of a covariance problem (see lasso_path(const CovarianceProblem&))
/// and the constant f − f̃ between the two objectives.
struct SquareRootForm {
  LeastSquaresProblem problem;
  double shift;
};

SquareRootForm square_root_form(const CovarianceProblem& covariance) {
  const Eigen::LLT<Eigen::MatrixXd> llt(covariance.hessian());
  require(llt.info() == Eigen::Success, "l1 path: H is not positive definite (add a ridge to H)");
  const Index p = covariance.features();
  const double root = std::sqrt(static_cast<double>(p));
  const Vector u = llt.matrixL().solve(covariance.linear());  // L⁻¹b
  Design x(Eigen::MatrixXd(root * Eigen::MatrixXd(llt.matrixU())));
  return {LeastSquaresProblem(std::move(x), root * u),
          covariance.constant() - 0.5 * u.squaredNorm()};
}

}  // namespace

L1Path lasso_path(const CovarianceProblem& problem, const L1PathOptions& options) {
  return lasso_path(problem, options, [](const L1PathPoint&) {});
}

L1Path lasso_path(const CovarianceProblem& problem, const L1PathOptions& options,
                  const std::function<void(const L1PathPoint&)>& visit) {
  const SquareRootForm form = square_root_form(problem);
  L1Path path = lasso_path(form.problem, options, [&](const L1PathPoint& point) {
    L1PathPoint shifted = point;
    shifted.loss += form.shift;
    shifted.objective += form.shift;
    visit(shifted);
  });
  for (L1PathPoint& point : path.points) {
    point.loss += form.shift;
    point.objective += form.shift;
  }
  return path;
}

template <class Loss>
double l1_lambda_max(const GlmProblem<Loss>& problem) {
  const L1PathOptions options;
  return with_solver(problem, options, [](auto& solver) { return solver.gradient_max_norm(); });
}

template <class Loss>
L1Path lasso_path(const GlmProblem<Loss>& problem, const L1PathOptions& options) {
  return lasso_path(problem, options, [](const L1PathPoint&) {});
}

template <class Loss>
L1Path lasso_path(const GlmProblem<Loss>& problem, const L1PathOptions& options,
                  const std::function<void(const L1PathPoint&)>& visit) {
  validate(options);
  return with_solver(problem, options, [&](auto& solver) {
    L1Path path;
    path.lambda_max = solver.gradient_max_norm();
    solver.set_threshold(options.tolerance * (path.lambda_max > 0.0 ? path.lambda_max : 1.0));

    std::vector<double> lambdas = options.lambdas;
    if (lambdas.empty()) {
      const Index length = options.path_length;
      lambdas.resize(static_cast<std::size_t>(length));
      for (Index k = 0; k < length; ++k)
        lambdas[static_cast<std::size_t>(k)] =
            k == 0 ? path.lambda_max
                   : path.lambda_max *
                         std::pow(options.min_ratio,
                                  static_cast<double>(k) / static_cast<double>(length - 1));
    }
    path.points.reserve(lambdas.size());
    for (double lambda : lambdas) {
      path.points.push_back(solver.solve(lambda));
      visit(path.points.back());
      if (options.max_nonzeros > 0 && path.points.back().nonzeros > options.max_nonzeros) break;
    }
    return path;
  });
}

LassoPathSelection::LassoPathSelection(LassoPathSelectionOptions options)
    : options_(std::move(options)) {}

template <class Loss>
SolverResult<GlmProblem<Loss>> LassoPathSelection::minimize(const GlmProblem<Loss>& problem,
                                                            Index sparsity) const {
  require_valid_sparsity(problem, sparsity);
  const Stopwatch clock;
  const CoordinateSpace& space = problem.space();
  L1PathOptions path_options = options_.path;
  path_options.max_nonzeros = sparsity;

  SolverResult<GlmProblem<Loss>> result;
  Index solved = 0;
  bool kept_converged = true, over_budget = false;
  Vector gradient;
  lasso_path(problem, path_options, [&](const L1PathPoint& point) {
    ++solved;
    if (point.nonzeros > sparsity) {
      over_budget = true;
      return;
    }
    result.w = point.w;
    kept_converged = point.converged;
    const double f = problem.value_and_gradient(point.w, gradient);
    record(problem, result.trace, solved - 1, f, gradient, space.support_of(point.w), clock);
  });

  if (result.trace.rows.empty()) {  // even the first λ of an explicit path was over budget
    result.w = refit(problem, space.empty_support(), space.zeros());
    const double f = problem.value_and_gradient(result.w, gradient);
    record(problem, result.trace, 0, f, gradient, space.empty_support(), clock);
  }
  result.support = space.support_of(result.w);
  if (options_.debias) {
    result.w = refit(problem, result.support, result.w);
    const double f = problem.value_and_gradient(result.w, gradient);
    record(problem, result.trace, result.trace.rows.back().iteration + 1, f, gradient,
           result.support, clock);
  }
  result.objective = result.trace.rows.back().objective;
  result.iterations = solved;
  result.reason = !kept_converged ? StopReason::kIterationLimit
                  : over_budget   ? StopReason::kBudgetReached
                                  : StopReason::kConverged;
  return result;
}

SolverResult<CovarianceProblem> LassoPathSelection::minimize(const CovarianceProblem& problem,
                                                             Index sparsity) const {
  require_valid_sparsity(problem, sparsity);
  const SquareRootForm form = square_root_form(problem);
  SolverResult<LeastSquaresProblem> root = minimize(form.problem, sparsity);
  SolverResult<CovarianceProblem> result;
  result.w = std::move(root.w);
  result.support = std::move(root.support);
  result.objective = root.objective + form.shift;
  result.iterations = root.iterations;
  result.reason = root.reason;
  result.trace = std::move(root.trace);
  for (TraceRow& row : result.trace.rows) row.objective += form.shift;
  return result;
}

template double l1_lambda_max(const GlmProblem<SquaredLoss>&);
template double l1_lambda_max(const GlmProblem<LogisticLoss>&);
template L1Path lasso_path(const GlmProblem<SquaredLoss>&, const L1PathOptions&);
template L1Path lasso_path(const GlmProblem<LogisticLoss>&, const L1PathOptions&);
template L1Path lasso_path(const GlmProblem<SquaredLoss>&, const L1PathOptions&,
                           const std::function<void(const L1PathPoint&)>&);
template L1Path lasso_path(const GlmProblem<LogisticLoss>&, const L1PathOptions&,
                           const std::function<void(const L1PathPoint&)>&);
template SolverResult<LeastSquaresProblem> LassoPathSelection::minimize(const LeastSquaresProblem&,
                                                                        Index) const;
template SolverResult<LogisticProblem> LassoPathSelection::minimize(const LogisticProblem&,
                                                                    Index) const;

}  // namespace cardinal
