#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "cardinal/bridge/counting_problem.hpp"
#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/sacrifices.hpp"
#include "cardinal/bridge/solver_result.hpp"
#include "cardinal/bridge/trace.hpp"

namespace cardinal {

/// Options of SupportSplicing (see docs/solvers/support-splicing.md).
struct SupportSplicingOptions {
  /// Read: max_iterations caps the number of accepted exchanges (splicing rounds).
  StoppingCriteria stopping;
  /// The largest number of coordinates exchanged in one round (C_max): a round tries every
  /// c = 1, …, max_exchange and keeps the best.
  Index max_exchange = 2;
};

/// Splicing (Zhu, Wen, Zhu, Zhang & Wang 2020, "A polynomial algorithm for best-subset
/// selection problem"): a local search over supports of exactly k coordinates. With w the
/// minimizer of f on the support a and g = ∇f(w), a round computes the sacrifices
/// (sacrifices.hpp), and for c = 1, …, max_exchange forms the support that drops the c
/// coordinates of a of least backward sacrifice and adds the c outside it of largest forward
/// sacrifice, minimizes f on it (problem.minimize_on), and moves to the best of these if it
/// lowers f (by more than a relative kMargin). Every accepted round lowers f, so the search ends,
/// at a support no exchange of up to max_exchange coordinates (as ranked by the sacrifices)
/// improves (kConverged), or at the iteration cap.
///
/// `minimize` starts from the support of the problem's starting point (or of zero), filled up
/// to k by the largest forward sacrifices; `minimize_from` starts from the support of any
/// iterate, e.g. another solver's result, and so refines it: the result is never worse than the
/// minimizer of f on that support. On a SacrificeProblem the sacrifices are exact (a
/// CovarianceProblem: the OBS saliency w_i² / (2 [H_aa⁻¹]_ii) leaving, the Schur-complement gain
/// g_j² / (2 (H_jj − H_ja H_aa⁻¹ H_aj)) entering); otherwise coordinates are ranked by |w_i| and
/// |g_j|.
class SupportSplicing {
 public:
  /// Relative margin by which an exchange must lower f to be accepted: rounding error in the
  /// restricted solves cannot make the search swap back and forth.
  static constexpr double kMargin = 1e-12;

  explicit SupportSplicing(SupportSplicingOptions options = {}) : options_(options) {
    require(options_.max_exchange >= 1, "splicing: max_exchange must be at least 1");
    require(options_.stopping.max_iterations >= 0, "splicing: max_iterations must be non-negative");
  }

  const SupportSplicingOptions& options() const { return options_; }

  /// Splicing from the support of the starting point. Throws InvalidInput unless
  /// 1 <= k <= dimension and the starting point has at most k constrained nonzeros.
  template <RestrictedProblem P>
  SolverResult<P> minimize(const P& problem, Index sparsity) const {
    return minimize_from(problem, starting_point(problem), sparsity);
  }

  /// Splicing from the support of `start` (at most k constrained nonzeros).
  template <RestrictedProblem P>
  SolverResult<P> minimize_from(const P& problem, const VectorOf<P>& start, Index sparsity) const;

 private:
  SupportSplicingOptions options_;
};

namespace splicing_detail {

template <class P>
Sacrifices<VectorOf<P>> sacrifices(const P& problem, const VectorOf<P>& w, const VectorOf<P>& g,
                                   const SupportOf<P>& a) {
  if constexpr (SacrificeProblem<P>)
    return problem.sacrifices(w, g, a);
  else
    return {w, g};
}

}  // namespace splicing_detail

template <RestrictedProblem P>
SolverResult<P> SupportSplicing::minimize_from(const P& original, const VectorOf<P>& start,
                                               Index sparsity) const {
  require_valid_sparsity(original, sparsity);
  const Stopwatch clock;
  const CountingProblem problem(original);
  const auto& space = problem.space();
  const Index dimension = space.dimension();

  SolverResult<P> result;
  SupportOf<P> support = greedy_start_support(problem, start, sparsity);
  VectorOf<P> w = problem.minimize_on(support, start);
  VectorOf<P> g = space.zeros();
  double objective = problem.value_and_gradient(w, g);
  if (const Index missing = sparsity - space.size(support); missing > 0) {
    const Sacrifices<VectorOf<P>> s = splicing_detail::sacrifices(problem, w, g, support);
    support = space.unite(support, space.largest_outside(s.forward, support, missing));
    w = problem.minimize_on(support, w);
    objective = problem.value_and_gradient(w, g);
  }
  Index iteration = 0;
  record(problem, result.trace, iteration, objective, g, support, clock);

  const Index exchange_limit =
      std::min({options_.max_exchange, sparsity, dimension - space.size(support)});
  result.reason = StopReason::kConverged;
  result.message = exchange_limit == 0 ? "the support holds every coordinate"
                                       : "no exchange of up to " + std::to_string(exchange_limit) +
                                             " coordinates lowers f";
  while (exchange_limit > 0) {
    if (iteration >= options_.stopping.max_iterations) {
      result.reason = StopReason::kIterationLimit;
      result.message =
          "max_iterations " + std::to_string(options_.stopping.max_iterations) + " exchanges";
      break;
    }
    const Sacrifices<VectorOf<P>> s = splicing_detail::sacrifices(problem, w, g, support);
    const Index size = space.size(support);
    double best = objective - kMargin * std::abs(objective);
    bool improved = false;
    SupportOf<P> best_support;
    VectorOf<P> best_w;
    VectorOf<P> best_g;
    for (Index c = 1; c <= exchange_limit; ++c) {
      SupportOf<P> candidate = space.unite(space.largest_in(s.backward, support, size - c),
                                           space.largest_outside(s.forward, support, c));
      VectorOf<P> v = problem.minimize_on(candidate, w);
      VectorOf<P> gv = space.zeros();
      const double value = problem.value_and_gradient(v, gv);
      if (value < best) {
        best = value;
        improved = true;
        best_support = std::move(candidate);
        best_w = std::move(v);
        best_g = std::move(gv);
      }
    }
    if (!improved) break;
    support = std::move(best_support);
    w = std::move(best_w);
    g = std::move(best_g);
    objective = best;
    ++iteration;
    record(problem, result.trace, iteration, objective, g, support, clock);
  }

  result.iterations = iteration;
  return finish_result(std::move(result), std::move(w), std::move(support), objective, problem);
}

}  // namespace cardinal
