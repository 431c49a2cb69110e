#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <concepts>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "cardinal/bridge/index.hpp"

namespace cardinal {

/// The floating-point type a dense design stores its entries in.
enum class Precision {
  kFloat64,  ///< double
  kFloat32,  ///< float: half the bytes per entry, so half the memory traffic of a pass over X
};

/// "float64" or "float32".
std::string_view to_string(Precision precision);
/// The precision to_string names `text`, or nullopt for any other text.
std::optional<Precision> parse_precision(std::string_view text);

/// A design matrix X (n samples × p features), dense or sparse, behind one interface.
/// Solvers only see the products below, so every storage kind runs every solver.
///
/// A dense design may store its entries in float (DenseFloat). Only the storage is single
/// precision: every product converts the stored entries to double (exactly) and multiplies and
/// accumulates in double, with vectors in double. A solver run on a float design therefore solves
/// exactly the problem whose design is the stored float matrix, and every product of a float
/// design is bit-identical to the same product of the Dense design holding the same (widened)
/// entries. Compared with the double matrix it was rounded from, each entry carries a relative
/// error of at most 2⁻²⁴ (absolute at most 2⁻¹⁵⁰ below the normal float range, |x| < 2⁻¹²⁶).
///
/// Dense products (both precisions) are deterministic: the same for any number of threads
/// (configured_threads) and with or without AVX2.
class Design {
 public:
  using Dense = Eigen::MatrixXd;
  using DenseFloat = Eigen::MatrixXf;
  using Sparse = Eigen::SparseMatrix<double, Eigen::ColMajor, Index>;
  using Storage = std::variant<Dense, Sparse, DenseFloat>;

  explicit Design(Dense x);
  explicit Design(Sparse x);
  /// Float storage. Takes exactly a DenseFloat (a template only so that a double expression such
  /// as Dense::Identity(n, n) still converts to Dense alone); build one with x.cast<float>() or
  /// use with_precision.
  template <class Matrix>
  requires std::same_as<std::remove_cvref_t<Matrix>, DenseFloat>
  explicit Design(Matrix&& x) : Design(FloatTag{}, DenseFloat(std::forward<Matrix>(x))) {}

  Index rows() const;
  Index cols() const;
  bool is_sparse() const { return std::holds_alternative<Sparse>(x_); }
  /// kFloat32 for DenseFloat storage, kFloat64 otherwise.
  Precision precision() const;
  /// This design with its entries stored in `precision`. To kFloat32: every entry rounded to the
  /// nearest float; throws InvalidInput for a sparse design (float storage is dense only) and for
  /// an entry beyond the float range (|x| > FLT_MAX). To kFloat64: a DenseFloat design widened
  /// exactly to Dense; a Dense or Sparse design unchanged. Same precision: a copy.
  Design with_precision(Precision precision) const;
  /// Stored entries (n·p for a dense design).
  Index nonzeros() const;

  /// X w. Dense storage, row by row: the products x_ij w_j are summed over blocks of consecutive
  /// columns, s = ((0 + x_ia w_a) + x_ib w_b) + … within a block, and z_i = ((0 + s₁) + s₂) + …
  /// over the blocks in order. A block holds every column when p < 128, otherwise 16 columns (4
  /// when n ≥ 4000): the blocking of Eigen's matrix–vector product, so that a Dense design keeps
  /// the results of Eigen's x * w (built without fused multiply–add, n > 1).
  Eigen::VectorXd multiply(const Eigen::VectorXd& w) const;
  /// Xᵀ r.
  Eigen::VectorXd transpose_multiply(const Eigen::VectorXd& r) const;
  /// X_j · r. Dense storage: bit-identical to transpose_multiply(r)[j].
  double column_dot(Index j, const Eigen::VectorXd& r) const;
  /// z += t X_j.
  void add_column(Index j, double t, Eigen::VectorXd& z) const;
  /// ‖X_j‖² for every column. Dense storage: bit-identical to column_dot(j, X_j).
  Eigen::VectorXd column_squared_norms() const;
  /// The columns `cols` (in that order) as a new design of the same storage kind (and precision).
  Design columns(std::span<const Index> cols) const;
  /// The columns `cols` as a dense n × |cols| double matrix (float entries widened exactly).
  Dense dense_columns(std::span<const Index> cols) const;

  /// Scales every column to Euclidean norm sqrt(n) (all-zero columns are left alone) and returns
  /// the factors s_j with X_new = X_old diag(1/s_j). A coefficient β fitted on the scaled design
  /// is β_j / s_j in the original units. Float storage: s_j comes from the double norms of the
  /// stored entries and each new entry is x_ij · (1/s_j) computed in double, then rounded to
  /// float (so the new norms are sqrt(n) to within the float rounding, relative 2⁻²⁴).
  Eigen::VectorXd normalize_columns();

  const Storage& storage() const { return x_; }

 private:
  struct FloatTag {};
  Design(FloatTag, DenseFloat x);

  Storage x_;
};

}  // namespace cardinal
