#pragma once

#include <cmath>
#include <limits>

#include "cardinal/bridge/problem.hpp"
#include "cardinal/bridge/smoothness.hpp"

namespace cardinal {

/// How IHT and HTP choose the step μ of the selection w̃ = H_k(w − μ ∇f(w)) when no fixed step
/// is given.
enum class StepRule {
  /// A step adapted at every iteration to the curvature along the sparse directions the iterates
  /// move in, which for logistic regression is far below the global bound L. IHT: backtracking on
  /// the restricted majorization (BacktrackingThresholdStep). HTP: the exact line search along the
  /// coordinate of the largest gradient entry (after a refit, the best coordinate that may enter),
  /// halved while the refit does not lower f.
  kAdaptive,
  /// μ = 1/L, L = estimate_smoothness at the start point, for every iteration: the step the
  /// convergence theorems of IHT and HTP assume (`cardinal bounds` runs with it).
  kInverseSmoothness,
};

/// The step at the start: 1/L with L = estimate_smoothness(problem, at), or 1 when the estimate
/// is not a positive finite number (zero curvature along every direction built from `at`).
template <DifferentiableProblem P>
double inverse_smoothness_step(const P& problem, const VectorOf<P>& at) {
  const double curvature = estimate_smoothness(problem, at);
  return curvature > 0.0 && std::isfinite(curvature) ? 1.0 / curvature : 1.0;
}

/// The backtracking hard-threshold step (projected gradient with Beck & Teboulle's backtracking,
/// on the k-sparse set). From μ = kGrowth · (the previous iteration's μ), it halves μ until
///   f(w̃) ≤ f(w) + ⟨g, w̃ − w⟩ + ‖w̃ − w‖² / (2μ),   w̃ = H_k(w − μ g),
/// at most kMaxHalvings times. The test holds once 1/μ bounds the curvature of f along w̃ − w, a
/// direction with at most 2k constrained nonzeros, so the accepted μ follows the restricted
/// smoothness rather than the global one. Since w̃ minimizes the right side over k-sparse points
/// and w is one of them, every accepted step decreases f. f(w̃) is evaluated with problem.value,
/// on the same data as the gradient g (a network's current batch).
template <DifferentiableProblem P>
class BacktrackingThresholdStep {
 public:
  static constexpr double kGrowth = 2.0;
  static constexpr int kMaxHalvings = 50;

  /// μ of the first trial, before growth.
  explicit BacktrackingThresholdStep(double initial_step) : step_(initial_step / kGrowth) {}

  /// Sets `candidate` = w̃ and `kept` = its constrained support for the accepted μ; returns
  /// f(w̃) as problem.value computes it.
  double take(const P& problem, const VectorOf<P>& w, double value, const VectorOf<P>& gradient,
              Index budget, VectorOf<P>& candidate, SupportOf<P>& kept) {
    const auto& space = problem.space();
    // Rounding in f(w̃) − f(w) must not reject the step a vanishing gradient asks for.
    const double slack = 64.0 * std::numeric_limits<double>::epsilon() * std::abs(value);
    step_ *= kGrowth;
    double candidate_value = value;
    for (int halving = 0;; ++halving) {
      candidate = w;
      space.axpy(-step_, gradient, candidate);
      kept = space.largest(candidate, budget);
      space.restrict(candidate, kept);
      candidate_value = problem.value(candidate);
      VectorOf<P> difference = candidate;
      space.axpy(-1.0, w, difference);
      const double bound = value + space.dot(gradient, difference) +
                           space.dot(difference, difference) / (2.0 * step_) + slack;
      if (candidate_value <= bound || halving == kMaxHalvings) return candidate_value;
      step_ *= 0.5;
    }
  }

  /// The μ of the last step taken.
  double step() const { return step_; }

 private:
  double step_;
};

}  // namespace cardinal
