#pragma once

#include "cardinal/bridge/problem.hpp"

namespace cardinal {

/// How much the minimum of f over a support changes when one coordinate leaves or enters it,
/// at w = argmin { f(v) : supp v ⊆ a } with gradient g (Zhu, Wen, Zhu, Zhang & Wang 2020 call
/// them the backward and forward sacrifices).
///
///  - `backward[i]`, i ∈ a constrained: the increase of the minimum when i is removed,
///    min { f : supp ⊆ a \ {i} } − f(w);
///  - `forward[j]`, j ∉ a constrained: the decrease when j is added,
///    f(w) − min { f : supp ⊆ a ∪ {j} }.
///
/// Entries elsewhere are zero. Exact for a quadratic f; a problem may document an approximation.
template <class Vector>
struct Sacrifices {
  Vector backward;
  Vector forward;
};

/// A restricted problem that computes its sacrifices: `p.sacrifices(w, g, a)` with w the
/// restricted minimizer on `a` and g = ∇f(w). Splicing (support_splicing.hpp) exchanges the
/// coordinates of least backward and largest forward sacrifice; without this concept it ranks by
/// |w_i| and |g_j|, the sacrifices of a problem whose curvature is the same in every coordinate.
template <class P>
concept SacrificeProblem = RestrictedProblem<P> &&
    requires(const P& p, const VectorOf<P>& w, const SupportOf<P>& a) {
  { p.sacrifices(w, w, a) } -> std::same_as<Sacrifices<VectorOf<P>>>;
};

}  // namespace cardinal
