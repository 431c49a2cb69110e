#include "cardinal/convex/design.hpp"

#include <cmath>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};

void require_finite(bool finite) {
  require(finite, "design matrix contains NaN or Inf");
}

}  // namespace

Design::Design(Dense x) : x_(std::move(x)) {
  require_finite(std::get<Dense>(x_).allFinite());
}

Design::Design(Sparse x) : x_(std::move(x)) {
  auto& s = std::get<Sparse>(x_);
  s.makeCompressed();
  const Eigen::Map<const Eigen::VectorXd> values(s.valuePtr(), s.nonZeros());
  require_finite(values.allFinite());
}

Index Design::rows() const {
  return std::visit([](const auto& x) { return static_cast<Index>(x.rows()); }, x_);
}

Index Design::cols() const {
  return std::visit([](const auto& x) { return static_cast<Index>(x.cols()); }, x_);
}

Index Design::nonzeros() const {
  return std::visit(Overloaded{[](const Dense& x) { return static_cast<Index>(x.size()); },
                               [](const Sparse& x) { return static_cast<Index>(x.nonZeros()); }},
                    x_);
}

Eigen::VectorXd Design::multiply(const Eigen::VectorXd& w) const {
  return std::visit([&w](const auto& x) -> Eigen::VectorXd { return x * w; }, x_);
}

Eigen::VectorXd Design::transpose_multiply(const Eigen::VectorXd& r) const {
  return std::visit([&r](const auto& x) -> Eigen::VectorXd { return x.transpose() * r; }, x_);
}

double Design::column_dot(Index j, const Eigen::VectorXd& r) const {
  return std::visit([&](const auto& x) -> double { return x.col(j).dot(r); }, x_);
}

void Design::add_column(Index j, double t, Eigen::VectorXd& z) const {
  std::visit(Overloaded{[&](const Dense& x) { z.noalias() += t * x.col(j); },
                        [&](const Sparse& x) {
                          for (Sparse::InnerIterator it(x, j); it; ++it)
                            z[it.index()] += t * it.value();
                        }},
             x_);
}

Eigen::VectorXd Design::column_squared_norms() const {
  return std::visit(
      Overloaded{[](const Dense& x) -> Eigen::VectorXd { return x.colwise().squaredNorm(); },
                 [](const Sparse& x) -> Eigen::VectorXd {
                   Eigen::VectorXd n(x.cols());
                   for (Index j = 0; j < x.cols(); ++j) n[j] = x.col(j).squaredNorm();
                   return n;
                 }},
      x_);
}

Design Design::columns(std::span<const Index> cols) const {
  return std::visit(Overloaded{[&](const Dense& x) { return Design(Dense(x(Eigen::all, cols))); },
                               [&](const Sparse& x) {
                                 Sparse sub(x.rows(), static_cast<Index>(cols.size()));
                                 Eigen::VectorX<Index> per_column(static_cast<Index>(cols.size()));
                                 for (std::size_t k = 0; k < cols.size(); ++k)
                                   per_column[static_cast<Index>(k)] = x.col(cols[k]).nonZeros();
                                 sub.reserve(per_column);
                                 for (std::size_t k = 0; k < cols.size(); ++k)
                                   for (Sparse::InnerIterator it(x, cols[k]); it; ++it)
                                     sub.insert(it.index(), static_cast<Index>(k)) = it.value();
                                 return Design(std::move(sub));
                               }},
                    x_);
}

Design::Dense Design::dense_columns(std::span<const Index> cols) const {
  return std::visit(Overloaded{[&](const Dense& x) -> Dense { return x(Eigen::all, cols); },
                               [&](const Sparse& x) -> Dense {
                                 Dense d = Dense::Zero(x.rows(), static_cast<Index>(cols.size()));
                                 for (std::size_t k = 0; k < cols.size(); ++k)
                                   for (Sparse::InnerIterator it(x, cols[k]); it; ++it)
                                     d(it.index(), static_cast<Index>(k)) = it.value();
                                 return d;
                               }},
                    x_);
}

Eigen::VectorXd Design::normalize_columns() {
  Eigen::VectorXd scale = column_squared_norms();
  const double target = static_cast<double>(rows());
  for (Index j = 0; j < scale.size(); ++j)
    scale[j] = scale[j] > 0.0 ? std::sqrt(scale[j] / target) : 1.0;
  std::visit(Overloaded{[&](Dense& x) { x *= scale.cwiseInverse().asDiagonal(); },
                        [&](Sparse& x) { x = x * scale.cwiseInverse().asDiagonal(); }},
             x_);
  return scale;
}

}  // namespace cardinal
