#include "cardinal/convex/glm_problem.hpp"

#include <Eigen/Cholesky>
#include <Eigen/QR>
#include <cmath>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/smooth_minimizer.hpp"

namespace cardinal {
namespace {

Eigen::VectorXd checked_labels(const Eigen::VectorXd& y, bool logistic) {
  require(y.allFinite(), "response contains NaN or Inf");
  if (!logistic) return y;
  const bool zero_one = ((y.array() == 0.0) || (y.array() == 1.0)).all();
  const bool plus_minus = ((y.array() == -1.0) || (y.array() == 1.0)).all();
  require(zero_one || plus_minus, "logistic labels must all be in {-1, +1} or all in {0, 1}");
  return zero_one ? Eigen::VectorXd(2.0 * y.array() - 1.0) : y;
}

/// X w. The iterates of sparsity-constrained solvers have few nonzeros: then only their columns
/// are read (n·|supp w| entries instead of all of X), which halves the cost of a gradient.
Eigen::VectorXd design_times(const Design& x, const Eigen::Ref<const Eigen::VectorXd>& w) {
  std::vector<Index> nonzero;
  for (Index j = 0; j < w.size(); ++j) {
    if (w[j] == 0.0) continue;
    nonzero.push_back(j);
    if (4 * static_cast<Index>(nonzero.size()) > w.size()) return x.multiply(w);
  }
  Eigen::VectorXd z = Eigen::VectorXd::Zero(x.rows());
  for (Index j : nonzero) x.add_column(j, w[j], z);
  return z;
}

}  // namespace

template <class Loss>
GlmProblem<Loss>::GlmProblem(Design x, Vector y, GlmOptions options)
    : GlmProblem(Trusted{}, std::move(x), std::move(y), options) {
  require(x_.rows() > 0, "design has no rows");
  require(x_.cols() > 0, "design has no columns");
  require(y_.size() == x_.rows(), "design has " + std::to_string(x_.rows()) +
                                      " rows but the response has " + std::to_string(y_.size()) +
                                      " entries");
  require(std::isfinite(options_.ridge) && options_.ridge >= 0.0,
          "ridge must be a finite non-negative number");
  y_ = checked_labels(y_, !Loss::kQuadratic);
}

template <class Loss>
GlmProblem<Loss>::GlmProblem(Trusted, Design x, Vector y, GlmOptions options)
    : x_(std::move(x)),
      y_(std::move(y)),
      options_(options),
      space_(x_.cols(), options.intercept ? 1 : 0) {}

template <class Loss>
auto GlmProblem<Loss>::linear_predictor(const Vector& w) const -> Vector {
  Vector z = design_times(x_, w.head(x_.cols()));
  if (options_.intercept) z.array() += w[x_.cols()];
  return z;
}

template <class Loss>
double GlmProblem<Loss>::value(const Vector& w) const {
  const Vector z = linear_predictor(w);
  double sum = 0.0;
  for (Index i = 0; i < z.size(); ++i) sum += Loss::value(z[i], y_[i]);
  return sum / static_cast<double>(samples()) +
         0.5 * options_.ridge * w.head(x_.cols()).squaredNorm();
}

template <class Loss>
double GlmProblem<Loss>::value_and_gradient(const Vector& w, Vector& g) const {
  const Vector z = linear_predictor(w);
  const double n = static_cast<double>(samples());
  Vector r(z.size());
  double sum = 0.0;
  for (Index i = 0; i < z.size(); ++i) {
    sum += Loss::value(z[i], y_[i]);
    r[i] = Loss::derivative(z[i], y_[i]) / n;
  }
  g.resize(space_.total_dimension());
  g.head(x_.cols()) = x_.transpose_multiply(r);
  if (options_.ridge != 0.0) g.head(x_.cols()) += options_.ridge * w.head(x_.cols());
  if (options_.intercept) g[x_.cols()] = r.sum();
  return sum / n + 0.5 * options_.ridge * w.head(x_.cols()).squaredNorm();
}

template <class Loss>
GlmProblem<Loss> GlmProblem<Loss>::restricted_to(const Support& cols) const {
  return GlmProblem(Trusted{}, x_.columns(cols), y_, options_);
}

template <class Loss>
auto GlmProblem<Loss>::minimize_on(const Support& a, const Vector& warm) const -> Vector {
  const Support cols = space_.constrained_part(a);
  const Index k = static_cast<Index>(cols.size());
  const Index q = space_.free_dimension();
  if (k + q == 0) return space_.zeros();
  Vector sub(k + q);
  for (Index j = 0; j < k; ++j) sub[j] = warm[cols[static_cast<std::size_t>(j)]];
  sub.tail(q) = warm.tail(q);

  if constexpr (Loss::kQuadratic) {
    // Normal equations of [X_S 1]: (AᵀA/n + λ₂ diag(1..1, 0)) v = Aᵀy/n.
    Eigen::MatrixXd a_s(samples(), k + q);
    a_s.leftCols(k) = x_.dense_columns(cols);
    if (q == 1) a_s.col(k).setOnes();
    const double n = static_cast<double>(samples());
    Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(k + q, k + q);
    gram.selfadjointView<Eigen::Lower>().rankUpdate(a_s.transpose(), 1.0 / n);
    gram.diagonal().head(k).array() += options_.ridge;
    const Vector rhs = a_s.transpose() * y_ / n;
    Eigen::LLT<Eigen::MatrixXd> llt(gram.selfadjointView<Eigen::Lower>());
    if (llt.info() == Eigen::Success) {
      sub = llt.solve(rhs);
    } else {  // rank-deficient support: the minimum-norm minimizer
      sub = a_s.completeOrthogonalDecomposition().solve(y_);
    }
  } else {
    const GlmProblem restricted = restricted_to(cols);
    // An unusable answer (a failed line search from a non-finite start) keeps the warm start.
    sub = minimize_smooth([&restricted](const Vector& v,
                                        Vector& g) { return restricted.value_and_gradient(v, g); },
                          std::move(sub))
              .x;
    // A line search on f cannot resolve the minimizer beyond ~sqrt(machine epsilon): near the
    // optimum, f no longer changes in floating point. A few Newton steps, which use only the
    // gradient, take the solution the rest of the way to the first-order optimality conditions.
    if (k + q <= kNewtonPolishMaxDimension) restricted.newton_polish(sub);
  }

  Vector w = space_.zeros();
  for (Index j = 0; j < k; ++j) w[cols[static_cast<std::size_t>(j)]] = sub[j];
  w.tail(q) = sub.tail(q);
  return w;
}

template <class Loss>
void GlmProblem<Loss>::newton_polish(Vector& v, int max_steps) const {
  const Index p = x_.cols(), q = space_.free_dimension();
  const double n = static_cast<double>(samples());
  Eigen::MatrixXd a(samples(), p + q);
  a.leftCols(p) = x_.dense_columns([p] {
    Support all(static_cast<std::size_t>(p));
    for (Index j = 0; j < p; ++j) all[static_cast<std::size_t>(j)] = j;
    return all;
  }());
  if (q == 1) a.col(p).setOnes();
  Vector g;
  double gradient_norm = (value_and_gradient(v, g), g.norm());
  for (int step = 0; step < max_steps && gradient_norm > 0.0; ++step) {
    const Vector z = linear_predictor(v);
    Vector c(z.size());
    for (Index i = 0; i < z.size(); ++i) c[i] = Loss::curvature(z[i], y_[i]) / n;
    Eigen::MatrixXd h = a.transpose() * c.asDiagonal() * a;
    h.diagonal().head(p).array() += options_.ridge;
    Eigen::LDLT<Eigen::MatrixXd> ldlt(h);
    if (ldlt.info() != Eigen::Success) return;
    const Vector candidate = v - ldlt.solve(g);
    Vector candidate_gradient;
    value_and_gradient(candidate, candidate_gradient);
    if (!(candidate_gradient.norm() < gradient_norm)) return;
    v = candidate;
    g = candidate_gradient;
    gradient_norm = g.norm();
  }
}

template <class Loss>
double GlmProblem<Loss>::minimize_along(const Vector& w, const Vector& d) const {
  const Index p = x_.cols();
  const Vector z = linear_predictor(w);
  Vector u = design_times(x_, d.head(p));
  if (options_.intercept) u.array() += d[p];
  const double n = static_cast<double>(samples());
  const double ww = w.head(p).dot(d.head(p)), dd = d.head(p).squaredNorm();
  if (u.squaredNorm() == 0.0 && (options_.ridge == 0.0 || dd == 0.0)) return 0.0;

  // φ(η) = (1/n) Σ ℓ(zᵢ + η uᵢ) + (λ₂/2)‖w + η d‖² is convex: Newton's method from η = 0,
  // with step halving whenever a full step would increase φ (the logistic curvature vanishes
  // far from the data, where pure Newton overshoots).
  auto phi = [&](double eta) {
    double v = 0.5 * options_.ridge * (eta * eta * dd + 2.0 * eta * ww);
    for (Index i = 0; i < z.size(); ++i) v += Loss::value(z[i] + eta * u[i], y_[i]) / n;
    return v;
  };
  double eta = 0.0, current = phi(0.0);
  for (int iteration = 0; iteration < 100; ++iteration) {
    double d1 = options_.ridge * (ww + eta * dd), d2 = options_.ridge * dd;
    for (Index i = 0; i < z.size(); ++i) {
      const double zi = z[i] + eta * u[i];
      d1 += Loss::derivative(zi, y_[i]) * u[i] / n;
      d2 += Loss::curvature(zi, y_[i]) * u[i] * u[i] / n;
    }
    if (!(d2 > 0.0) || !std::isfinite(d2)) break;
    double step = d1 / d2;
    if (Loss::kQuadratic) return eta - step;
    double candidate = phi(eta - step);
    for (int halving = 0; halving < 60 && candidate > current; ++halving) {
      step *= 0.5;
      candidate = phi(eta - step);
    }
    if (candidate > current) break;
    eta -= step;
    current = candidate;
    if (std::abs(step) <= 1e-14 * (1.0 + std::abs(eta))) break;
  }
  return eta;
}

template class GlmProblem<SquaredLoss>;
template class GlmProblem<LogisticLoss>;

}  // namespace cardinal
