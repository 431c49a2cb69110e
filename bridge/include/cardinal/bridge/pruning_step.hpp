#pragma once

#include <concepts>

#include "cardinal/bridge/index.hpp"
#include "cardinal/bridge/problem.hpp"

namespace cardinal {

/// A problem with a pruning step of its own: `p.prune(w, k)` replaces w by a point with at most
/// k nonzero coordinates and returns its support. Hard thresholding (keep the k largest |wᵢ|,
/// zero the rest) is the pruning step of every other problem; a network that prunes by solving
/// its layers' reconstruction problems (NetworkProblem with a pruning step) chooses other
/// coordinates and gives them other values.
///
/// The solvers that prune a dense iterate along the way (the dynamic hard thresholding family:
/// gradual magnitude pruning, DPF, AC/DC) prune through prune_to, so that one flag moves the
/// same schedule from magnitude pruning to a convex pruner.
template <typename P>
concept PruningProblem = DifferentiableProblem<P> && requires(const P& p, VectorOf<P>& w, Index k) {
  { p.prune(w, k) } -> std::same_as<SupportOf<P>>;
};

/// `problem.prune(w, k)` for a PruningProblem; otherwise hard thresholding: the support of the
/// k largest |wᵢ| (the space's `largest`), with w set to zero off it.
template <DifferentiableProblem P>
SupportOf<P> prune_to(const P& problem, VectorOf<P>& w, Index k) {
  if constexpr (PruningProblem<P>) {
    return problem.prune(w, k);
  } else {
    SupportOf<P> support = problem.space().largest(w, k);
    problem.space().restrict(w, support);
    return support;
  }
}

}  // namespace cardinal
