#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <span>
#include <variant>

#include "cardinal/bridge/index.hpp"

namespace cardinal {

/// A design matrix X (n samples × p features), dense or sparse, behind one interface.
/// Solvers only see the products below, so either storage runs every solver.
class Design {
 public:
  using Dense = Eigen::MatrixXd;
  using Sparse = Eigen::SparseMatrix<double, Eigen::ColMajor, Index>;

  explicit Design(Dense x);
  explicit Design(Sparse x);

  Index rows() const;
  Index cols() const;
  bool is_sparse() const { return std::holds_alternative<Sparse>(x_); }
  /// Stored entries (n·p for a dense design).
  Index nonzeros() const;

  /// X w.
  Eigen::VectorXd multiply(const Eigen::VectorXd& w) const;
  /// Xᵀ r.
  Eigen::VectorXd transpose_multiply(const Eigen::VectorXd& r) const;
  /// X_j · r.
  double column_dot(Index j, const Eigen::VectorXd& r) const;
  /// z += t X_j.
  void add_column(Index j, double t, Eigen::VectorXd& z) const;
  /// ‖X_j‖² for every column.
  Eigen::VectorXd column_squared_norms() const;
  /// The columns `cols` (in that order) as a new design of the same storage kind.
  Design columns(std::span<const Index> cols) const;
  /// The columns `cols` as a dense n × |cols| matrix.
  Dense dense_columns(std::span<const Index> cols) const;

  /// Scales every column to Euclidean norm sqrt(n) (all-zero columns are left alone) and returns
  /// the factors s_j with X_new = X_old diag(1/s_j). A coefficient β fitted on the scaled design
  /// is β_j / s_j in the original units.
  Eigen::VectorXd normalize_columns();

  const std::variant<Dense, Sparse>& storage() const { return x_; }

 private:
  std::variant<Dense, Sparse> x_;
};

}  // namespace cardinal
