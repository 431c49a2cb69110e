#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "cardinal/bridge/index.hpp"

namespace cardinal {

/// The parameter space R^(p+q) of a convex problem: p constrained coordinates [0, p) followed by
/// q free ones [p, p+q) (an unpenalized intercept). Supports are sorted index vectors.
/// Models the ParameterSpace concept.
class CoordinateSpace {
 public:
  using Vector = Eigen::VectorXd;
  using Support = std::vector<Index>;

  explicit CoordinateSpace(Index constrained, Index free = 0)
      : constrained_(constrained), free_(free) {}

  Index dimension() const { return constrained_; }
  Index free_dimension() const { return free_; }
  Index total_dimension() const { return constrained_ + free_; }
  bool is_free(Index i) const { return i >= constrained_; }

  Vector zeros() const { return Vector::Zero(total_dimension()); }
  double dot(const Vector& x, const Vector& y) const { return x.dot(y); }
  void axpy(double t, const Vector& x, Vector& y) const { y.noalias() += t * x; }

  Support empty_support() const;
  Support support_of(const Vector& x) const;
  Support largest(const Vector& x, Index k) const;
  Support largest_in(const Vector& x, const Support& a, Index k) const;
  Support largest_outside(const Vector& x, const Support& a, Index k) const;
  Support unite(const Support& a, const Support& b) const;
  Index size(const Support& a) const;
  void restrict(Vector& y, const Support& a) const;
  double norm_on(const Vector& x, const Support& a) const;
  double norm_off(const Vector& x, const Support& a) const;

  /// RandomParameterSpace: entry i (constrained) is the top 53 bits of
  /// splitmix64(seed ⊕ splitmix64(i)) scaled to [0, 1); free entries are 0.
  Vector uniform(std::uint64_t seed) const;

  /// The constrained coordinates of `a`, without the free ones.
  Support constrained_part(const Support& a) const;

 private:
  /// free ∪ the k candidates of largest |x_i| (ties towards the smaller index).
  Support select(const Vector& x, std::vector<Index> candidates, Index k) const;

  Index constrained_;
  Index free_;
};

}  // namespace cardinal
