#include "cardinal/convex/covariance_rows.hpp"

#include <string>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

/// The m × p matrix view of a stacked vector (row i = entries [i·p, (i+1)·p)): column i of the
/// p × m column-major map.
Eigen::Map<const Eigen::MatrixXd> as_columns(const Eigen::VectorXd& w, Index p) {
  return {w.data(), p, w.size() / p};
}

}  // namespace

CovarianceRows::CovarianceRows(std::shared_ptr<const Eigen::MatrixXd> h, Eigen::MatrixXd b,
                               Vector c)
    : h_(std::move(h)),
      inverse_(CovarianceProblem::no_inverse_yet()),
      b_(std::move(b)),
      c_(std::move(c)),
      space_(b_.rows() * b_.cols()) {
  require(h_ != nullptr, "covariance rows: H is missing");
  require(h_->rows() == h_->cols() && h_->rows() == b_.rows(),
          "covariance rows: H is " + std::to_string(h_->rows()) + " x " +
              std::to_string(h_->cols()) + " but B has " + std::to_string(b_.rows()) + " rows");
  require(c_.size() == b_.cols(), "covariance rows: " + std::to_string(b_.cols()) +
                                      " right-hand sides but " + std::to_string(c_.size()) +
                                      " constants");
  require(b_.size() > 0, "covariance rows: no coordinates");
  require(h_->allFinite() && b_.allFinite() && c_.allFinite(),
          "covariance rows: H, B and c must be finite");
}

CovarianceProblem CovarianceRows::row(Index i) const {
  return CovarianceProblem(CovarianceProblem::Trusted{}, h_, inverse_, b_.col(i), c_[i]);
}

double CovarianceRows::value(const Vector& w) const {
  Vector g;
  return value_and_gradient(w, g);
}

double CovarianceRows::value_and_gradient(const Vector& w, Vector& g) const {
  const Index p = features();
  g.resize(w.size());
  Eigen::Map<Eigen::MatrixXd> gradient(g.data(), p, rows());
  gradient.noalias() = *h_ * as_columns(w, p);
  gradient -= b_;
  return 0.5 * w.dot(g - Eigen::Map<const Vector>(b_.data(), b_.size())) + c_.sum();
}

auto CovarianceRows::minimize_on(const Support& a, const Vector& warm) const -> Vector {
  const Index p = features();
  Vector w = space_.zeros();
  auto begin = a.begin();
  for (Index i = 0; i < rows(); ++i) {
    Support part;
    for (; begin != a.end() && *begin < (i + 1) * p; ++begin) part.push_back(*begin - i * p);
    if (part.empty()) continue;
    w.segment(i * p, p) = row(i).minimize_on(part, warm.segment(i * p, p));
  }
  return w;
}

double CovarianceRows::minimize_along(const Vector& w, const Vector& d) const {
  const Eigen::MatrixXd hd = *h_ * as_columns(d, features());
  const double curvature = Eigen::Map<const Vector>(hd.data(), hd.size()).dot(d);
  if (!(curvature > 0.0)) return 0.0;
  Vector g;
  value_and_gradient(w, g);
  return -g.dot(d) / curvature;
}

}  // namespace cardinal
