#pragma once

#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/pruning_step.hpp"
#include "cardinal/bridge/sacrifices.hpp"
#include "cardinal/bridge/solver_result.hpp"

namespace cardinal {

/// A view of a problem that counts the calls made through it and models exactly the concepts the
/// problem models. A solver runs on the view, so that its SolverResult reports what the run cost
/// on any problem (a network's batches, a GLM's passes over the design).
template <DifferentiableProblem P>
class CountingProblem {
 public:
  using Space = typename P::Space;

  explicit CountingProblem(const P& problem) : problem_(problem) {}

  decltype(auto) space() const { return problem_.space(); }

  double value(const VectorOf<P>& w) const {
    ++counts_.values;
    return problem_.value(w);
  }

  double value_and_gradient(const VectorOf<P>& w, VectorOf<P>& g) const {
    ++counts_.gradients;
    return problem_.value_and_gradient(w, g);
  }

  VectorOf<P> minimize_on(const SupportOf<P>& a,
                          const VectorOf<P>& w) const requires RestrictedProblem<P> {
    ++counts_.restricted_solves;
    return problem_.minimize_on(a, w);
  }

  double minimize_along(const VectorOf<P>& w,
                        const VectorOf<P>& d) const requires LineSearchProblem<P> {
    ++counts_.line_searches;
    return problem_.minimize_along(w, d);
  }

  Sacrifices<VectorOf<P>> sacrifices(const VectorOf<P>& w, const VectorOf<P>& g,
                                     const SupportOf<P>& a) const requires SacrificeProblem<P> {
    return problem_.sacrifices(w, g, a);
  }
  SupportOf<P> prune(VectorOf<P>& w, Index k) const requires PruningProblem<P> {
    return problem_.prune(w, k);
  }

  VectorOf<P> starting_point() const requires StartingPointProblem<P> {
    return problem_.starting_point();
  }

  const EvaluationCounts& counts() const { return counts_; }

 private:
  const P& problem_;
  mutable EvaluationCounts counts_;
};

}  // namespace cardinal
