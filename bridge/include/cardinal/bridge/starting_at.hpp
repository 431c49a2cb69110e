#pragma once

#include <utility>

#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/pruning_step.hpp"
#include "cardinal/bridge/sacrifices.hpp"

namespace cardinal {

/// A view of a problem that starts from a given point: a StartingPointProblem whose
/// starting_point() is `start`, and otherwise the problem itself (it models exactly the concepts
/// the problem models, and its LossType). The iterative solvers start there; the greedy solvers
/// start from its support, which must fit in their budget.
///
/// Why: on an ill-conditioned quadratic centered at w̄, such as a network's Fisher model
/// (rank n ≪ p, damped by a small λ), IHT with step 1/L leaves w = 0 at the rate λ/L along the
/// directions G does not see, and stays far from w̄ for any practical iteration count. Started at
/// the k largest entries of w̄ (magnitude pruning, which is IHT's first iterate from w̄ itself), it
/// only improves on that.
template <DifferentiableProblem P>
class StartingAt {
 public:
  using Space = typename P::Space;
  using LossType = typename P::LossType;

  StartingAt(const P& problem, VectorOf<P> start) : problem_(problem), start_(std::move(start)) {}

  decltype(auto) space() const { return problem_.space(); }
  const P& problem() const { return problem_; }
  VectorOf<P> starting_point() const { return start_; }

  double value(const VectorOf<P>& w) const { return problem_.value(w); }
  double value_and_gradient(const VectorOf<P>& w, VectorOf<P>& g) const {
    return problem_.value_and_gradient(w, g);
  }
  VectorOf<P> minimize_on(const SupportOf<P>& a,
                          const VectorOf<P>& w) const requires RestrictedProblem<P> {
    return problem_.minimize_on(a, w);
  }
  double minimize_along(const VectorOf<P>& w,
                        const VectorOf<P>& d) const requires LineSearchProblem<P> {
    return problem_.minimize_along(w, d);
  }
  Sacrifices<VectorOf<P>> sacrifices(const VectorOf<P>& w, const VectorOf<P>& g,
                                     const SupportOf<P>& a) const requires SacrificeProblem<P> {
    return problem_.sacrifices(w, g, a);
  }
  SupportOf<P> prune(VectorOf<P>& w, Index k) const requires PruningProblem<P> {
    return problem_.prune(w, k);
  }

 private:
  const P& problem_;
  VectorOf<P> start_;
};

}  // namespace cardinal
