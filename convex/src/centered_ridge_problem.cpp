#include "cardinal/convex/centered_ridge_problem.hpp"

#include <Eigen/Cholesky>
#include <Eigen/QR>
#include <cmath>
#include <string>

#include "cardinal/bridge/error.hpp"

namespace cardinal {

CenteredRidgeProblem::CenteredRidgeProblem(Design g, Vector center, double ridge)
    : g_(std::move(g)), center_(std::move(center)), ridge_(ridge), space_(center_.size()) {
  require(g_.cols() == center_.size(), "centered ridge problem: G has " +
                                           std::to_string(g_.cols()) + " columns but w̄ has " +
                                           std::to_string(center_.size()) + " entries");
  require(g_.rows() > 0 && g_.cols() > 0, "centered ridge problem: G is empty");
  require(center_.allFinite(), "centered ridge problem: w̄ must be finite");
  require(std::isfinite(ridge_) && ridge_ >= 0.0,
          "centered ridge problem: λ must be finite and non-negative");
  g_center_ = g_.multiply(center_);
  linear_ = g_.transpose_multiply(g_center_) / static_cast<double>(samples()) + ridge_ * center_;
}

auto CenteredRidgeProblem::hessian_times(const Vector& v) const -> Vector {
  return g_.transpose_multiply(g_.multiply(v)) / static_cast<double>(samples()) + ridge_ * v;
}

double CenteredRidgeProblem::value(const Vector& w) const {
  const double n = static_cast<double>(samples());
  return 0.5 * (g_.multiply(w) - g_center_).squaredNorm() / n +
         0.5 * ridge_ * (w - center_).squaredNorm();
}

double CenteredRidgeProblem::value_and_gradient(const Vector& w, Vector& g) const {
  const Vector offset = w - center_;
  const Vector residual = g_.multiply(w) - g_center_;  // G(w − w̄)
  const double n = static_cast<double>(samples());
  g = g_.transpose_multiply(residual) / n + ridge_ * offset;
  return 0.5 * residual.squaredNorm() / n + 0.5 * ridge_ * offset.squaredNorm();
}

auto CenteredRidgeProblem::minimize_on(const Support& a, const Vector&) const -> Vector {
  const Index k = static_cast<Index>(a.size());
  Vector w = space_.zeros();
  if (k == 0) return w;
  const Eigen::MatrixXd g_a = g_.dense_columns(a);
  Vector b_a(k);
  for (Index i = 0; i < k; ++i) b_a[i] = linear_[a[static_cast<std::size_t>(i)]];
  const double n = static_cast<double>(samples());
  Vector v;
  if (k > samples() && ridge_ > 0.0) {
    // Woodbury: H_aa⁻¹ b = (b − G_aᵀ (nλI + G_aG_aᵀ)⁻¹ G_a b)/λ.
    Eigen::MatrixXd inner = Eigen::MatrixXd::Zero(samples(), samples());
    inner.selfadjointView<Eigen::Lower>().rankUpdate(g_a);
    inner.diagonal().array() += n * ridge_;
    const Eigen::LLT<Eigen::MatrixXd> llt(inner.selfadjointView<Eigen::Lower>());
    v = (b_a - g_a.transpose() * llt.solve(g_a * b_a)) / ridge_;
  } else {
    Eigen::MatrixXd h_aa = Eigen::MatrixXd::Zero(k, k);
    h_aa.selfadjointView<Eigen::Lower>().rankUpdate(g_a.transpose(), 1.0 / n);
    h_aa.diagonal().array() += ridge_;
    h_aa.triangularView<Eigen::StrictlyUpper>() = h_aa.transpose();
    Eigen::LLT<Eigen::MatrixXd> llt(h_aa);
    v = llt.info() == Eigen::Success ? Vector(llt.solve(b_a))
                                     : Vector(h_aa.completeOrthogonalDecomposition().solve(b_a));
  }
  for (Index i = 0; i < k; ++i) w[a[static_cast<std::size_t>(i)]] = v[i];
  return w;
}

double CenteredRidgeProblem::minimize_along(const Vector& w, const Vector& d) const {
  const double n = static_cast<double>(samples());
  const double curvature = g_.multiply(d).squaredNorm() / n + ridge_ * d.squaredNorm();
  if (!(curvature > 0.0)) return 0.0;
  Vector g;
  value_and_gradient(w, g);
  return -g.dot(d) / curvature;
}

}  // namespace cardinal
