#include "cardinal/convex/covariance_problem.hpp"

#include <Eigen/Cholesky>
#include <Eigen/QR>
#include <cmath>
#include <mutex>
#include <string>
#include <vector>

#include "cardinal/bridge/error.hpp"

namespace cardinal {

struct CovarianceProblem::SharedInverse {
  std::once_flag formed;
  /// Empty when H is not positive definite, or so badly conditioned (reciprocal condition
  /// number below kMinimumReciprocalCondition) that the multiplier's route would lose the digits
  /// that the Cholesky factor of H_aa keeps.
  Eigen::MatrixXd matrix;
  static constexpr double kMinimumReciprocalCondition = 1e-8;

  const Eigen::MatrixXd& of(const Eigen::MatrixXd& h) {
    std::call_once(formed, [&] {
      const Eigen::LLT<Eigen::MatrixXd> llt(h);
      if (llt.info() == Eigen::Success && llt.rcond() >= kMinimumReciprocalCondition)
        matrix = llt.solve(Eigen::MatrixXd::Identity(h.rows(), h.cols()));
    });
    return matrix;
  }
};

std::shared_ptr<CovarianceProblem::SharedInverse> CovarianceProblem::no_inverse_yet() {
  return std::make_shared<SharedInverse>();
}

CovarianceProblem::CovarianceProblem(Trusted, std::shared_ptr<const Eigen::MatrixXd> h,
                                     std::shared_ptr<SharedInverse> inverse, Vector b, double c)
    : h_(std::move(h)), inverse_(std::move(inverse)), b_(std::move(b)), c_(c), space_(b_.size()) {}

CovarianceProblem::CovarianceProblem(std::shared_ptr<const Eigen::MatrixXd> h, Vector b, double c)
    : CovarianceProblem(Trusted{}, std::move(h), no_inverse_yet(), std::move(b), c) {
  require(h_ != nullptr, "covariance problem: H is missing");
  require(h_->rows() == h_->cols(), "covariance problem: H is " + std::to_string(h_->rows()) +
                                        " x " + std::to_string(h_->cols()) + ", not square");
  require(h_->rows() == b_.size(), "covariance problem: H has " + std::to_string(h_->rows()) +
                                       " rows but b has " + std::to_string(b_.size()) + " entries");
  require(b_.size() > 0, "covariance problem: no coordinates");
  require(h_->allFinite() && b_.allFinite() && std::isfinite(c_),
          "covariance problem: H, b and c must be finite");
}

CovarianceProblem::CovarianceProblem(Eigen::MatrixXd h, Vector b, double c)
    : CovarianceProblem(std::make_shared<const Eigen::MatrixXd>(std::move(h)), std::move(b), c) {}

CovarianceProblem CovarianceProblem::from_design(const LeastSquaresProblem& problem) {
  require(!problem.options().intercept,
          "covariance problem: a least-squares problem with an intercept has no covariance form "
          "here (center the data instead)");
  const Index p = problem.features();
  const double n = static_cast<double>(problem.samples());
  std::vector<Index> all(static_cast<std::size_t>(p));
  for (Index j = 0; j < p; ++j) all[static_cast<std::size_t>(j)] = j;
  const Eigen::MatrixXd x = problem.design().dense_columns(all);
  Eigen::MatrixXd h = Eigen::MatrixXd::Zero(p, p);
  h.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose(), 1.0 / n);
  h.triangularView<Eigen::StrictlyUpper>() = h.transpose();
  h.diagonal().array() += problem.options().ridge;
  Vector b = problem.design().transpose_multiply(problem.response()) / n;
  return CovarianceProblem(std::move(h), std::move(b), 0.5 * problem.response().squaredNorm() / n);
}

auto CovarianceProblem::hessian_times(const Vector& w) const -> Vector {
  std::vector<Index> nonzero;
  for (Index j = 0; j < w.size(); ++j) {
    if (w[j] == 0.0) continue;
    nonzero.push_back(j);
    if (4 * static_cast<Index>(nonzero.size()) > w.size()) return *h_ * w;
  }
  Vector u = Vector::Zero(w.size());
  for (Index j : nonzero) u.noalias() += w[j] * h_->col(j);
  return u;
}

double CovarianceProblem::value(const Vector& w) const {
  Vector g;
  return value_and_gradient(w, g);
}

double CovarianceProblem::value_and_gradient(const Vector& w, Vector& g) const {
  g = hessian_times(w) - b_;
  // ½ wᵀHw − bᵀw = ½ wᵀ(Hw − b) − ½ bᵀw.
  return 0.5 * w.dot(g - b_) + c_;
}

auto CovarianceProblem::minimize_on(const Support& a, const Vector&) const -> Vector {
  const Index p = features();
  const Index k = static_cast<Index>(a.size());
  const Index m = p - k;
  // Flop counts of the two routes, up to the same constant.
  const double cholesky = static_cast<double>(k) * k * k / 3.0 + static_cast<double>(k) * k;
  const double complement = static_cast<double>(p) * p + static_cast<double>(p) * m +
                            static_cast<double>(m) * m * m / 3.0;
  if (k == 0 || complement >= cholesky) return minimize_with_cholesky(a);
  const Eigen::MatrixXd& h_inverse = inverse_->of(*h_);
  if (h_inverse.size() == 0) return minimize_with_cholesky(a);

  Vector w = h_inverse * b_;
  if (m == 0) return w;
  std::vector<bool> in_a(static_cast<std::size_t>(p), false);
  for (Index i : a) in_a[static_cast<std::size_t>(i)] = true;
  std::vector<Index> c;
  c.reserve(static_cast<std::size_t>(m));
  for (Index j = 0; j < p; ++j)
    if (!in_a[static_cast<std::size_t>(j)]) c.push_back(j);
  const Eigen::MatrixXd inverse_c = h_inverse(Eigen::all, c);  // the columns c of H⁻¹
  const Eigen::LLT<Eigen::MatrixXd> llt(inverse_c(c, Eigen::all));
  if (llt.info() != Eigen::Success) return minimize_with_cholesky(a);
  w.noalias() -= inverse_c * llt.solve(Vector(w(c)));
  w(c).setZero();
  return w;
}

auto CovarianceProblem::minimize_with_cholesky(const Support& a) const -> Vector {
  const Index k = static_cast<Index>(a.size());
  Vector w = space_.zeros();
  if (k == 0) return w;
  const Eigen::MatrixXd h_aa = (*h_)(a, a);
  const Vector b_a = b_(a);
  Eigen::LLT<Eigen::MatrixXd> llt(h_aa);
  w(a) = llt.info() == Eigen::Success ? Vector(llt.solve(b_a))
                                      : Vector(h_aa.completeOrthogonalDecomposition().solve(b_a));
  return w;
}

double CovarianceProblem::minimize_along(const Vector& w, const Vector& d) const {
  const double curvature = d.dot(hessian_times(d));
  if (!(curvature > 0.0)) return 0.0;
  Vector g;
  value_and_gradient(w, g);
  return -g.dot(d) / curvature;
}

auto CovarianceProblem::sacrifices(const Vector& w, const Vector& g, const Support& a) const
    -> Sacrifices<Vector> {
  const Index p = features();
  const Index k = static_cast<Index>(a.size());
  Sacrifices<Vector> s{Vector::Zero(p), Vector::Zero(p)};
  std::vector<bool> in_a(static_cast<std::size_t>(p), false);
  for (Index i : a) in_a[static_cast<std::size_t>(i)] = true;
  const auto diagonal = [&] {
    for (Index j = 0; j < p; ++j) {
      const double h = (*h_)(j, j);
      if (in_a[static_cast<std::size_t>(j)])
        s.backward[j] = 0.5 * h * w[j] * w[j];
      else if (h > 0.0)
        s.forward[j] = 0.5 * g[j] * g[j] / h;
    }
    return s;
  };
  if (k == 0) return diagonal();

  const Eigen::MatrixXd h_a = (*h_)(a, Eigen::all);  // the rows a of H
  const Eigen::LLT<Eigen::MatrixXd> llt(h_a(Eigen::all, a));
  if (llt.info() != Eigen::Success) return diagonal();

  // [H_aa⁻¹]_ii = ‖column i of L⁻¹‖², since H_aa⁻¹ = L⁻ᵀL⁻¹.
  const Eigen::MatrixXd l_inverse = llt.matrixL().solve(Eigen::MatrixXd::Identity(k, k));
  for (Index i = 0; i < k; ++i) {
    const Index q = a[static_cast<std::size_t>(i)];
    s.backward[q] = 0.5 * w[q] * w[q] / l_inverse.col(i).squaredNorm();
  }
  const Eigen::MatrixXd z = llt.matrixL().solve(h_a);
  for (Index j = 0; j < p; ++j) {
    if (in_a[static_cast<std::size_t>(j)]) continue;
    const double h = (*h_)(j, j);
    const double schur = h - z.col(j).squaredNorm();
    if (schur > 1e-12 * h) s.forward[j] = 0.5 * g[j] * g[j] / schur;
  }
  return s;
}

}  // namespace cardinal
