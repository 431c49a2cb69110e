#pragma once

#include <concepts>
#include <cstdint>

#include "cardinal/bridge/index.hpp"

namespace cardinal {

/// What a sparsity-constrained solver needs from the space its iterates live in.
///
/// A parameter space has two associated types:
///  - `Vector`: an iterate or a gradient (an Eigen vector for convex problems, the list of
///    prunable tensors for a network);
///  - `Support`: a set of active coordinates (sorted indices, or one mask per tensor).
///
/// Both are value types: a copy is deep, so `Vector y = x;` followed by `s.axpy(t, z, y)` or
/// `s.restrict(y, a)` leaves x unchanged (TensorList copies its tensors). Solvers rely on it and
/// copy vectors plainly.
///
/// Coordinates are either *constrained* (they count against the sparsity budget) or *free*
/// (an intercept, a bias, a layer left dense): every support returned by the selection
/// operations below contains all free coordinates, and `size` counts constrained ones only.
///
/// Required operations, with `s` a space, `x` and `y` vectors, `a` and `b` supports, `t` a scalar
/// and `k` a count:
///
/// | expression                     | meaning                                                  |
/// |--------------------------------|----------------------------------------------------------|
/// | `s.dimension()`                | number of constrained coordinates                        |
/// | `s.zeros()`                    | the zero vector                                          |
/// | `s.dot(x, y)`                  | Euclidean inner product                                  |
/// | `s.axpy(t, x, y)`              | `y += t * x`                                             |
/// | `s.empty_support()`            | the support holding the free coordinates only            |
/// | `s.support_of(x)`              | free coordinates and the constrained nonzeros of `x`     |
/// | `s.largest(x, k)`              | free ∪ the k constrained coordinates of largest `|x_i|`  |
/// | `s.largest_in(x, a, k)`        | free ∪ the k largest `|x_i|` among constrained `i ∈ a`   |
/// | `s.largest_outside(x, a, k)`   | free ∪ the k largest `|x_i|` among constrained `i ∉ a`   |
/// | `s.unite(a, b)`                | union                                                    |
/// | `s.size(a)`                    | number of constrained coordinates in `a`                 |
/// | `s.restrict(y, a)`             | sets `y_i = 0` for every `i ∉ a` (hard thresholding)     |
/// | `s.norm_on(x, a)`              | Euclidean norm of `x` restricted to `a`                  |
/// | `s.norm_off(x, a)`             | Euclidean norm of `x` restricted to the complement of `a`|
///
/// Selections are deterministic: ties in `|x_i|` are broken towards the smaller index, so a
/// solver is bit-identical across reruns. When fewer than `k` candidates exist, all are taken.
template <class S>
concept ParameterSpace = std::copy_constructible<S> && std::copyable<typename S::Vector> &&
    std::copyable<typename S::Support> &&
    requires(const S& s, typename S::Vector& y, const typename S::Vector& x,
             const typename S::Support& a, double t, Index k) {
  typename S::Vector;
  typename S::Support;
  { s.dimension() } -> std::convertible_to<Index>;
  { s.zeros() } -> std::same_as<typename S::Vector>;
  { s.dot(x, x) } -> std::convertible_to<double>;
  s.axpy(t, x, y);
  { s.empty_support() } -> std::same_as<typename S::Support>;
  { s.support_of(x) } -> std::same_as<typename S::Support>;
  { s.largest(x, k) } -> std::same_as<typename S::Support>;
  { s.largest_in(x, a, k) } -> std::same_as<typename S::Support>;
  { s.largest_outside(x, a, k) } -> std::same_as<typename S::Support>;
  { s.unite(a, a) } -> std::same_as<typename S::Support>;
  { s.size(a) } -> std::convertible_to<Index>;
  s.restrict(y, a);
  { s.norm_on(x, a) } -> std::convertible_to<double>;
  { s.norm_off(x, a) } -> std::convertible_to<double>;
};

/// A ParameterSpace whose constrained coordinates are partitioned into blocks (a network's
/// layers), for solvers that keep a budget per block (dynamic sparse training keeps each
/// layer's count). With `b` a block index in [0, s.block_count()):
///
/// | expression                              | meaning                                          |
/// |-----------------------------------------|--------------------------------------------------|
/// | `s.block_count()`                       | number of blocks                                 |
/// | `s.size_in_block(a, b)`                 | constrained coordinates of `a` in block `b`      |
/// | `s.largest_in_block(x, a, b, k)`        | free ∪ the k largest `|x_i|`, i ∈ a in block b   |
/// | `s.largest_outside_in_block(x, a, b, k)`| free ∪ the k largest `|x_i|`, i ∉ a in block b   |
///
/// Ties and short candidate lists as for `largest_in`.
template <class S>
concept BlockedParameterSpace = ParameterSpace<S> &&
    requires(const S& s, const typename S::Vector& x, const typename S::Support& a, Index b,
             Index k) {
  { s.block_count() } -> std::convertible_to<Index>;
  { s.size_in_block(a, b) } -> std::convertible_to<Index>;
  { s.largest_in_block(x, a, b, k) } -> std::same_as<typename S::Support>;
  { s.largest_outside_in_block(x, a, b, k) } -> std::same_as<typename S::Support>;
};

/// A ParameterSpace that draws random vectors: `uniform(seed)` has independent U(0, 1) entries
/// on the constrained coordinates and zeros on the free ones, the same for the same seed on
/// every machine and device. Ranking by it selects uniformly at random (random growth, SET).
template <class S>
concept RandomParameterSpace = ParameterSpace<S> && requires(const S& s, std::uint64_t seed) {
  { s.uniform(seed) } -> std::same_as<typename S::Vector>;
};

/// Whether supports `a` and `b` hold the same coordinates (expressed through the concept's
/// operations, so it needs nothing of the Support type itself).
template <ParameterSpace S>
bool same_support(const S& space, const typename S::Support& a, const typename S::Support& b) {
  const Index united = space.size(space.unite(a, b));
  return united == space.size(a) && united == space.size(b);
}

}  // namespace cardinal
