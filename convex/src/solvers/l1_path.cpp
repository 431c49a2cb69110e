#include "cardinal/convex/solvers/l1_path.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

using Vector = Eigen::VectorXd;

/// Column operations on a dense design (double or float entries, widened to double), reading the
/// columns in place.
template <class Matrix>
class DenseColumns {
 public:
  DenseColumns(const Design& design, const Matrix& x) : design_(design), x_(x) {}

  double dot(Index j, const Vector& r) const { return column(j).dot(r); }
  /// r += t X_j.
  void add(Index j, double t, Vector& r) const { r.noalias() += t * column(j); }
  /// r += t (v ∘ X_j).
  void add_weighted(Index j, double t, const Vector& v, Vector& r) const {
    r.array() += t * (v.array() * column(j).array());
  }
  /// (Σᵢ vᵢ X_ij, Σᵢ vᵢ X_ij²).
  std::pair<double, double> weighted_moments(Index j, const Vector& v) const {
    const auto x = column(j).array();
    return {(x * v.array()).sum(), (x.square() * v.array()).sum()};
  }

  /// Xᵀr: one pass over the design (Design::transpose_multiply, at memory bandwidth and on
  /// every thread), cheaper than p separate column dot products.
  Vector correlations(const Vector& r) const { return design_.transpose_multiply(r); }

 private:
  /// X_j as doubles (for double entries, the column itself).
  auto column(Index j) const { return x_.col(j).template cast<double>(); }

  const Design& design_;
  const Matrix& x_;
};

/// The same operations on a compressed column-major sparse design.
class SparseColumns {
 public:
  SparseColumns(const Design& design, const Design::Sparse& x)
      : design_(design),
        outer_(x.outerIndexPtr()),
        inner_(x.innerIndexPtr()),
        values_(x.valuePtr()) {}

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
  std::pair<double, double> weighted_moments(Index j, const Vector& v) const {
    double first = 0.0, second = 0.0;
    for (Index k = outer_[j]; k < outer_[j + 1]; ++k) {
      const double weighted = values_[k] * v[inner_[k]];
      first += weighted;
      second += weighted * values_[k];
    }
    return {first, second};
  }
  Vector correlations(const Vector& r) const { return design_.transpose_multiply(r); }

 private:
  const Design& design_;
  const Index* outer_;
  const Index* inner_;
  const double* values_;
};

/// The covariance form f(w) = ½wᵀHw − bᵀw + c seen by the same coordinate descent: its
/// "samples" are the coordinates, with unit weight, response b and columns those of H, so that
/// the per-sample gradient s = Hw − b is the gradient itself (no ridge: H holds it; no
/// intercept). A coordinate's gradient is read in O(1) and a move costs one column of H, O(p),
/// whatever the number of examples behind H: glmnet's covariance updates (Friedman, Hastie &
/// Tibshirani 2010, §2.2), on the full H.
class CovarianceColumns {
 public:
  explicit CovarianceColumns(const CovarianceProblem& problem) : problem_(problem) {}

  double dot(Index j, const Vector& s) const { return s[j]; }
  void add(Index j, double t, Vector& r) const { r.noalias() += t * problem_.hessian().col(j); }
  /// (m_j, h_j) for the unit weights of the quadratic model: m_j is read only with an
  /// intercept, which this form does not have.
  std::pair<double, double> weighted_moments(Index j, const Vector&) const {
    return {0.0, problem_.hessian()(j, j)};
  }
  Vector correlations(const Vector& s) const { return s; }
  /// f(w) from z = Hw: ½wᵀz − bᵀw + c.
  double value(const Vector& w, const Vector& z) const {
    return 0.5 * w.dot(z) - problem_.linear().dot(w) + problem_.constant();
  }

 private:
  const CovarianceProblem& problem_;
};

/// What the path solver reads of a problem besides its columns.
struct PathData {
  const Vector& response;  ///< y, one entry per sample
  Index features;
  bool intercept;
  double ridge;
  double sample_weight;  ///< 1/n for a design (the loss is a mean), 1 for the covariance form
};

template <class Loss>
PathData path_data(const GlmProblem<Loss>& problem) {
  return {problem.response(), problem.features(), problem.options().intercept,
          problem.options().ridge, 1.0 / static_cast<double>(problem.samples())};
}

PathData path_data(const CovarianceProblem& problem) {
  return {problem.linear(), problem.features(), false, 0.0, 1.0};
}

void validate(const L1PathOptions& o) {
  require(o.path_length >= 1,
          "l1 path: path_length must be at least 1 (got " + std::to_string(o.path_length) + ")");
  require(o.min_ratio > 0.0 && o.min_ratio < 1.0,
          "l1 path: min_ratio must lie in (0, 1) (got " + std::to_string(o.min_ratio) + ")");
  require(std::isfinite(o.stopping.gradient_tolerance) && o.stopping.gradient_tolerance >= 0.0,
          "l1 path: gradient_tolerance must be a finite non-negative number");
  require(o.stopping.max_iterations >= 1,
          "l1 path: max_iterations (sweeps per lambda) must be at least 1");
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
/// The problem is read through `Columns` only (DenseColumns, SparseColumns, CovarianceColumns):
/// dot(j, r) = X_j·r, add(j, t, r): r += t X_j, add_weighted (logistic), weighted_moments(j, v) =
/// (Σ vᵢX_ij, Σ vᵢX_ij²), correlations(r) = Xᵀr, and, where the loss is not the mean of the
/// per-sample losses, value(w, z) = f(w) given z = Xw.
///
/// Every coordinate-descent pass works on a quadratic model of f in (c, cb) through the vector
/// s of per-sample model gradients: ∂q/∂c_j = X_j·s + λ₂ c_j, ∂q/∂cb = Σ s. For least squares
/// the model is f itself, s = (X c + cb − y)/n, and (c, cb) is (w, b). For logistic regression it
/// is the second-order expansion at the Newton center (w, b): s = g + v ∘ (X(c − w) + cb − b) with
/// gᵢ = ℓ'(zᵢ)/n and vᵢ = ℓ''(zᵢ)/n (for least squares, vᵢ = 1/n).
///
/// With an intercept, every coordinate update minimizes the model jointly in (c_j, cb): the
/// intercept is profiled out, so that cb stays at its optimum given c. A column with a large mean
/// is nearly collinear with the intercept's column of ones; updating them in turn, as plain
/// cyclic coordinate descent does, zigzags at the rate ρ² = m_j²/(h_j H) per sweep (m_j = Σ vᵢ
/// X_ij, H = Σ vᵢ), close to 1 for a binary feature present in most samples (a9a, w8a). glmnet
/// avoids it by centering the columns; the joint update is the same decoupling, exact for the
/// weights of every expansion, and keeps sparse columns sparse: the intercept's move is applied
/// to s lazily (s = stored + pending · v), once per sweep.
template <class Loss, class Columns>
class PathSolver {
 public:
  PathSolver(const PathData& data, const Columns& columns, const L1PathOptions& options,
             double intercept)
      : columns_(columns),
        options_(options),
        y_(data.response),
        n_(data.response.size()),
        p_(data.features),
        intercept_(data.intercept),
        ridge_(data.ridge),
        inv_n_(data.sample_weight),
        w_(Vector::Zero(data.features)),
        b_(intercept),
        z_(Vector::Constant(n_, intercept)),
        s_(n_),
        h_(data.features),
        m_(data.features),
        h_stamp_(static_cast<std::size_t>(data.features), -1),
        gradient_(data.features),
        is_active_(static_cast<std::size_t>(data.features), 0),
        in_working_set_(static_cast<std::size_t>(data.features), 0) {
    if constexpr (Loss::kQuadratic) {
      v_ = Vector::Constant(n_, inv_n_);
      intercept_curvature_ = 1.0;
    } else {
      g_.resize(n_);
      margin_sigmoid_.resize(n_);
      v_.resize(n_);
      u_.resize(n_);
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
    if constexpr (requires { columns_.value(w_, z_); })
      point.loss = columns_.value(w_, z_);
    else
      point.loss = smooth_value(z_, 0.5 * ridge_ * w_.squaredNorm());
    point.objective = point.loss + lambda * w_.lpNorm<1>();
    point.nonzeros = static_cast<Index>((w_.array() != 0.0).count());
    point.sweeps = sweeps;
    point.converged = converged;
    // A converged solve ended with a complete KKT check at (w, b): gradient_ holds ∇_w f there
    // and Σ s the intercept's derivative.
    if (converged) {
      point.gradient.resize(point.w.size());
      point.gradient.head(p_) = gradient_;
      if (intercept_) point.gradient[p_] = s_.sum();
    }
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
      // One exponential per sample: the derivative, the curvature and the line search's
      // Loss::change_given all follow from σ(−yᵢ zᵢ) (labels ±1).
      for (Index i = 0; i < n_; ++i) {
        const double p = Loss::margin_sigmoid(z_[i], y_[i]);
        margin_sigmoid_[i] = p;
        g_[i] = -y_[i] * p * inv_n_;
        v_[i] = p * (1.0 - p) * inv_n_;
      }
      s_ = g_;
      intercept_curvature_ = v_.sum();
      ++stamp_;
      expansion_current_ = true;
    }
    pending_intercept_ = 0.0;
    s_sum_ = s_.sum();
  }

  /// h_j = ∂²q/∂c_j² and m_j = ∂²q/∂c_j∂cb = Σᵢ vᵢ X_ij, computed lazily (for logistic regression
  /// they change with every expansion; for least squares they are computed once).
  void ensure_moments(Index j) {
    if (h_stamp_[static_cast<std::size_t>(j)] == stamp_) return;
    const auto [first, second] = columns_.weighted_moments(j, v_);
    m_[j] = first;
    h_[j] = second + ridge_;
    h_stamp_[static_cast<std::size_t>(j)] = stamp_;
  }

  /// ∂q/∂c_j at the current iterate, including the intercept's pending move.
  double coordinate_gradient(Index j, const Vector& c) {
    double gradient = columns_.dot(j, s_) + ridge_ * c[j];
    if (pending_intercept_ != 0.0) {
      ensure_moments(j);
      gradient += pending_intercept_ * m_[j];
    }
    return gradient;
  }

  /// Exact minimization of the model plus λ|c_j| in c_j, jointly with the intercept if there is
  /// one (profiled: curvature h_j − m_j²/H, gradient g_j − m_j ∂q/∂cb / H, then cb moves to its
  /// optimum given c_j). Returns the coordinate's curvature times |Δc_j|.
  double update(Index j, double lambda, Vector& c, double& cb) {
    const double old = c[j];
    double gradient = coordinate_gradient(j, c);
    if (old == 0.0 && !intercept_ && std::abs(gradient) <= lambda) return 0.0;
    ensure_moments(j);
    double h = h_[j];
    const double m = intercept_ ? m_[j] : 0.0;
    if (intercept_) {
      gradient -= m * s_sum_ / intercept_curvature_;
      if (old == 0.0 && std::abs(gradient) <= lambda) return 0.0;
      h -= m * m / intercept_curvature_;
    }
    // A column without curvature (all zero, or constant where the intercept absorbs it) and no
    // ridge: c_j does nothing the intercept cannot do, so its minimizer is 0.
    constexpr double kCollinear = 1e-12;
    const bool flat = !(h > kCollinear * h_[j]);
    const double a = h * old - gradient;
    const double next =
        flat ? 0.0 : (a > lambda ? (a - lambda) / h : (a < -lambda ? (a + lambda) / h : 0.0));
    const double delta = next - old;
    if (delta == 0.0) return 0.0;
    c[j] = next;
    if constexpr (Loss::kQuadratic) {
      columns_.add(j, delta * inv_n_, s_);
    } else {
      columns_.add_weighted(j, delta, v_, s_);
    }
    s_sum_ += m * delta;
    if (intercept_) move_intercept(-s_sum_ / intercept_curvature_, cb);
    if (!is_active_[static_cast<std::size_t>(j)]) {
      is_active_[static_cast<std::size_t>(j)] = 1;
      active_.push_back(j);
      active_grew_ = true;
    }
    return flat ? h_[j] * std::abs(delta) : h * std::abs(delta);
  }

  /// cb += delta, applied to s lazily (s = stored + pending · v).
  void move_intercept(double delta, double& cb) {
    if (delta == 0.0 || !std::isfinite(delta)) return;
    cb += delta;
    pending_intercept_ += delta;
    s_sum_ += intercept_curvature_ * delta;
  }

  /// Exact minimization of the model in the (unpenalized) intercept.
  double update_intercept(double& cb) {
    if (!intercept_) return 0.0;
    const double delta = -s_sum_ / intercept_curvature_;
    move_intercept(delta, cb);
    return std::isfinite(delta) ? intercept_curvature_ * std::abs(delta) : 0.0;
  }

  /// Applies the intercept's pending move to s and recomputes Σ s from it (no drift).
  void settle_intercept() {
    if (pending_intercept_ != 0.0) s_ += pending_intercept_ * v_;
    pending_intercept_ = 0.0;
    s_sum_ = s_.sum();
  }

  template <class Coordinates>
  double sweep(const Coordinates& coordinates, double lambda, Vector& c, double& cb) {
    double change = update_intercept(cb);
    for (Index j : coordinates) change = std::max(change, update(j, lambda, c, cb));
    change = std::max(change, update_intercept(cb));
    settle_intercept();
    return change;
  }

  double sweep_working_set(double lambda, Vector& c, double& cb) {
    return sweep(working_set_, lambda, c, cb);
  }

  double sweep_active(double lambda, Vector& c, double& cb) {
    return sweep(active_, lambda, c, cb);
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
    // The coordinates outside the working set are most of them: one correlation pass.
    const Vector all = columns_.correlations(s_);
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
      while (sweeps < options_.stopping.max_iterations) {
        ++sweeps;
        if (sweep_active(lambda, c, cb) <= change_tolerance) return;
      }
    };
    if (options_.active_set && !active_.empty()) converge_active_set();
    while (sweeps < options_.stopping.max_iterations) {
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
  /// sufficient-decrease test F(x + t d) − F(x) ≤ σ t Δ, Δ = ∇f·d + λ(‖c‖₁ − ‖w‖₁) (Tseng & Yun),
  /// so that F decreases monotonically whatever the curvature. The model is solved inexactly, to
  /// a fixed fraction of the current KKT violation (Lee, Sun & Saunders 2014; Byrd, Nocedal &
  /// Oztoprak 2016). Converged when the KKT violation of F at the Newton center is at most the
  /// threshold.
  ///
  /// The test sums the per-sample changes ℓ(zᵢ + t uᵢ) − ℓ(zᵢ) (Loss::change), never a difference
  /// of two values of F: a Newton step at KKT violation ε decreases F by about ε²/h, which falls
  /// below the rounding error of F itself (a sum of n terms) long before ε reaches the tolerance;
  /// comparing values then rejects good steps at random and the iteration crawls with t ≪ 1.
  bool proximal_newton(double lambda, Index& sweeps) {
    constexpr double kSufficientDecrease = 1e-4;
    constexpr int kMaxHalvings = 60;
    constexpr double kForcing = 0.1;
    // The computed change is accurate to a few ulps of its terms' magnitudes.
    constexpr double kRoundingSlack = 64.0 * std::numeric_limits<double>::epsilon();
    Vector c;
    while (true) {
      // The previous λ's last check (or gradient_max_norm) expanded at this very point.
      if (!expansion_current_) expand_at_current_point();
      expansion_current_ = false;
      const double violation = kkt_violation(lambda, w_, threshold_, true);
      if (violation <= threshold_) {
        expansion_current_ = true;  // kkt_violation leaves s = g: the expansion stands
        return true;
      }
      if (sweeps >= options_.stopping.max_iterations) return false;
      c = w_;
      double cb = b_;
      // Inexact Newton: the model is solved to a fraction of the current violation (forcing
      // term), and beyond the outer tolerance so that the last step brings F within it.
      const double inner_tolerance = std::max(0.5 * threshold_, kForcing * violation);
      // Coordinates outside the working set are checked on F itself, at the next center.
      coordinate_descent(lambda, c, cb, sweeps, inner_tolerance, false);

      // The step d = (c, cb) − (w, b); both c and w are supported on the ever-active set.
      double slope = 0.0;
      bool moved = false;
      u_.setZero();
      for (Index j : active_) {
        const double d = c[j] - w_[j];
        if (d == 0.0) continue;
        moved = true;
        columns_.add(j, d, u_);
        slope += ridge_ * w_[j] * d + lambda * (std::abs(c[j]) - std::abs(w_[j]));
      }
      const double db = cb - b_;
      if (intercept_ && db != 0.0) {
        moved = true;
        u_.array() += db;
      }
      // Coordinate descent cannot reduce a violation above its tolerance at the center: a
      // coordinate without curvature (the weights have underflowed), or the sweeps ran out.
      if (!moved) return false;
      const double decrease = slope + g_.dot(u_);

      double t = 1.0;
      bool accepted = full_step_certified(lambda, c, decrease, kSufficientDecrease);
      if (accepted) {
        for (Index j : active_) w_[j] += c[j] - w_[j];
        b_ += db;
        z_ += u_;
      }
      for (int halving = 0; halving <= kMaxHalvings && !accepted; ++halving, t *= 0.5) {
        double change = 0.0, magnitude = 0.0;
        for (Index j : active_) {
          const double wj = w_[j], d = c[j] - wj;
          if (d == 0.0) continue;
          const double term =
              ridge_ * t * d * (wj + 0.5 * t * d) + lambda * (std::abs(wj + t * d) - std::abs(wj));
          change += term;
          magnitude += std::abs(term);
        }
        double loss_change = 0.0, loss_magnitude = 0.0;
        for (Index i = 0; i < n_; ++i) {
          const double term = Loss::change_given(margin_sigmoid_[i], z_[i], t * u_[i], y_[i]);
          loss_change += term;
          loss_magnitude += std::abs(term);
        }
        change += loss_change * inv_n_;
        magnitude += loss_magnitude * inv_n_;
        if (change <= kSufficientDecrease * t * decrease + kRoundingSlack * magnitude) {
          accepted = true;
          for (Index j : active_) w_[j] += t * (c[j] - w_[j]);
          b_ += t * db;
          z_ += t * u_;
        }
      }
      if (!accepted) return false;  // no decrease along d: stalled
    }
  }

  /// Whether the full step to (c, ·), with u = X d + db already formed, passes the line search's
  /// sufficient-decrease test by the self-concordance bound alone: Σ(ℓ(zᵢ + uᵢ) − ℓ(zᵢ))/n ≤
  /// g·u + ψ(R‖u‖∞) Σ vᵢuᵢ² (see LogisticLoss::kSelfConcordance). The bound is above the exact
  /// change, so a step it accepts the exact test accepts too; near the solution, where steps are
  /// small, it nearly always decides, and the line search costs no exponential or logarithm.
  bool full_step_certified(double lambda, const Vector& c, double decrease,
                           double sufficient_decrease) const {
    if constexpr (requires { Loss::kSelfConcordance; }) {
      double penalty_change = 0.0;
      for (Index j : active_) {
        const double wj = w_[j], d = c[j] - wj;
        if (d == 0.0) continue;
        penalty_change += ridge_ * d * (wj + 0.5 * d) + lambda * (std::abs(c[j]) - std::abs(wj));
      }
      const double largest = u_.lpNorm<Eigen::Infinity>();
      const double curvature_term = (v_.array() * u_.array().square()).sum();
      const double bound =
          penalty_change + g_.dot(u_) +
          self_concordance_factor(Loss::kSelfConcordance * largest) * curvature_term;
      return std::isfinite(bound) && bound <= sufficient_decrease * decrease;
    } else {
      return false;
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
  const L1PathOptions& options_;
  const Vector& y_;
  Index n_, p_;
  bool intercept_;
  double ridge_, inv_n_;
  double threshold_ = 0.0;

  Vector w_;
  double b_;
  Vector z_;               ///< X w + b (the covariance form: H w)
  Vector s_;               ///< per-sample gradient of the model at the coordinate-descent iterate
  Vector g_;               ///< logistic: ℓ'(zᵢ)/n at the Newton center
  Vector margin_sigmoid_;  ///< logistic: σ(−yᵢ zᵢ) at the Newton center
  Vector v_;               ///< logistic: ℓ''(zᵢ)/n at the Newton center
  Vector u_;               ///< logistic: X d + db, the Newton step in predictor space
  Vector h_;               ///< coordinate curvatures ∂²q/∂c_j²
  Vector m_;               ///< ∂²q/∂c_j∂cb = Σᵢ vᵢ X_ij
  std::vector<Index> h_stamp_;  ///< the expansion h_j and m_j were computed for
  Index stamp_ = 0;
  bool expansion_current_ = false;    ///< logistic: g, v, s are the expansion at (w, b)
  double intercept_curvature_ = 1.0;  ///< H = ∂²q/∂cb² = Σᵢ vᵢ
  double pending_intercept_ = 0.0;    ///< intercept move not yet applied to s
  double s_sum_ = 0.0;                ///< Σᵢ sᵢ = ∂q/∂cb, including the pending move

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
        const Columns columns(problem.design(), x);
        PathSolver<Loss, Columns> solver(path_data(problem), columns, options, intercept);
        return run(solver);
      },
      problem.design().storage());
}

/// problem.minimize_on(a, w), except on an empty support (no intercept, no feature), where the
/// only candidate is zero.
template <class Problem>
Vector refit(const Problem& problem, const CoordinateSpace::Support& a, const Vector& w) {
  return a.empty() ? problem.space().zeros() : problem.minimize_on(a, w);
}

/// Follows the path of options (generated from λ_max, or options.lambdas) with warm starts.
template <class Solver>
L1Path follow_path(Solver& solver, const L1PathOptions& options,
                   const std::function<void(const L1PathPoint&)>& visit) {
  L1Path path;
  path.lambda_max = solver.gradient_max_norm();
  solver.set_threshold(options.stopping.gradient_tolerance *
                       (path.lambda_max > 0.0 ? path.lambda_max : 1.0));

  std::vector<double> lambdas = options.lambdas;
  if (lambdas.empty()) {
    const Index length = options.path_length;
    lambdas.resize(static_cast<std::size_t>(length));
    for (Index k = 0; k < length; ++k)
      lambdas[static_cast<std::size_t>(k)] =
          k == 0
              ? path.lambda_max
              : path.lambda_max * std::pow(options.min_ratio, static_cast<double>(k) /
                                                                  static_cast<double>(length - 1));
  }
  path.points.reserve(lambdas.size());
  for (double lambda : lambdas) {
    path.points.push_back(solver.solve(lambda));
    visit(path.points.back());
    if (options.max_nonzeros > 0 && path.points.back().nonzeros > options.max_nonzeros) break;
  }
  return path;
}

/// LassoPathSelection::minimize for a least-squares, logistic or covariance-form problem.
template <class Problem>
SolverResult<Problem> select_on_path(const Problem& problem, Index sparsity,
                                     const LassoPathSelectionOptions& options) {
  require_valid_sparsity(problem, sparsity);
  const Stopwatch clock;
  const CoordinateSpace& space = problem.space();
  L1PathOptions path_options = options.path;
  path_options.max_nonzeros = sparsity;

  SolverResult<Problem> result;
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
    ++result.evaluations.gradients;
    double f = point.loss;
    if (point.gradient.size() > 0)
      gradient = point.gradient;
    else
      f = problem.value_and_gradient(point.w, gradient);
    record(problem, result.trace, solved - 1, f, gradient, space.support_of(point.w), clock);
  });

  if (result.trace.rows.empty()) {  // even the first λ of an explicit path was over budget
    result.w = refit(problem, space.empty_support(), space.zeros());
    ++result.evaluations.restricted_solves;
    ++result.evaluations.gradients;
    const double f = problem.value_and_gradient(result.w, gradient);
    record(problem, result.trace, 0, f, gradient, space.empty_support(), clock);
  }
  result.support = space.support_of(result.w);
  if (options.debias) {
    result.w = refit(problem, result.support, result.w);
    ++result.evaluations.restricted_solves;
    ++result.evaluations.gradients;
    const double f = problem.value_and_gradient(result.w, gradient);
    record(problem, result.trace, result.trace.rows.back().iteration + 1, f, gradient,
           result.support, clock);
  }
  result.objective = result.trace.rows.back().objective;
  result.iterations = solved;
  result.reason = !kept_converged ? StopReason::kIterationLimit
                  : over_budget   ? StopReason::kBudgetReached
                                  : StopReason::kConverged;
  result.message = !kept_converged ? "the returned lambda ran out of sweeps (max_iterations " +
                                         std::to_string(path_options.stopping.max_iterations) +
                                         ") before its KKT violation reached gradient_tolerance"
                   : over_budget ? "the next lambda's solution has more than " +
                                       std::to_string(sparsity) + " nonzeros, the sparsity budget"
                                 : "the path ran to its last lambda";
  return result;
}

}  // namespace

L1Path lasso_path(const CovarianceProblem& problem, const L1PathOptions& options) {
  return lasso_path(problem, options, [](const L1PathPoint&) {});
}

L1Path lasso_path(const CovarianceProblem& problem, const L1PathOptions& options,
                  const std::function<void(const L1PathPoint&)>& visit) {
  validate(options);
  const CovarianceColumns columns(problem);
  PathSolver<SquaredLoss, CovarianceColumns> solver(path_data(problem), columns, options, 0.0);
  return follow_path(solver, options, visit);
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
  return with_solver(problem, options,
                     [&](auto& solver) { return follow_path(solver, options, visit); });
}

LassoPathSelection::LassoPathSelection(LassoPathSelectionOptions options)
    : options_(std::move(options)) {}

template <class Loss>
SolverResult<GlmProblem<Loss>> LassoPathSelection::minimize(const GlmProblem<Loss>& problem,
                                                            Index sparsity) const {
  return select_on_path(problem, sparsity, options_);
}

SolverResult<CovarianceProblem> LassoPathSelection::minimize(const CovarianceProblem& problem,
                                                             Index sparsity) const {
  return select_on_path(problem, sparsity, options_);
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
