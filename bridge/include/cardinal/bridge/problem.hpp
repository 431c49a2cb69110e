#pragma once

#include <concepts>

#include "cardinal/bridge/parameter_space.hpp"

namespace cardinal {

/// A smooth objective over a parameter space (ensmallen's DifferentiableFunctionType, with the
/// space made explicit).
///
/// | expression                        | meaning                                           |
/// |-----------------------------------|---------------------------------------------------|
/// | `P::Space`                        | a ParameterSpace                                  |
/// | `p.space()`                       | the space of the iterates                         |
/// | `p.value(w)`                      | f(w)                                              |
/// | `p.value_and_gradient(w, g)`      | returns f(w) and writes ∇f(w) into `g`            |
template <class P>
concept DifferentiableProblem = ParameterSpace<typename P::Space> &&
    requires(const P& p, const typename P::Space::Vector& w, typename P::Space::Vector& g) {
  { p.space() } -> std::convertible_to<const typename P::Space&>;
  { p.value(w) } -> std::convertible_to<double>;
  { p.value_and_gradient(w, g) } -> std::convertible_to<double>;
};

/// A problem that can be minimized over a fixed support: the fully-corrective step.
///
/// `p.minimize_on(a, w)` returns an (exact or approximate, as the problem documents) minimizer of
/// f over vectors supported on `a`, started from `w`. The result is zero outside `a`.
template <class P>
concept RestrictedProblem = DifferentiableProblem<P> &&
    requires(const P& p, const typename P::Space::Support& a, const typename P::Space::Vector& w) {
  { p.minimize_on(a, w) } -> std::same_as<typename P::Space::Vector>;
};

/// A problem with a one-dimensional minimization along a direction:
/// `p.minimize_along(w, d)` returns argmin_η f(w + η d).
template <class P>
concept LineSearchProblem = DifferentiableProblem<P> &&
    requires(const P& p, const typename P::Space::Vector& w, const typename P::Space::Vector& d) {
  { p.minimize_along(w, d) } -> std::convertible_to<double>;
};

/// A problem whose objective is quadratic, recognized by its loss (`P::LossType::kQuadratic`,
/// e.g. LeastSquaresProblem): the problems CoSaMP is defined for.
template <class P>
concept QuadraticProblem = RestrictedProblem<P> && requires {
  requires P::LossType::kQuadratic;
};

template <class P>
using VectorOf = typename P::Space::Vector;
template <class P>
using SupportOf = typename P::Space::Support;

/// A problem that names the point solvers start from. A network must start from its
/// initialization: at w = 0 every hidden unit is dead and every weight gradient vanishes, so no
/// gradient-driven selection could ever leave zero. Problems without it start from zero.
///
/// `p.starting_point()` returns that point. Iterative solvers (IHT, HTP, the dynamic
/// thresholding family) start there; greedy solvers start from its support, which must then fit
/// in the sparsity budget.
template <class P>
concept StartingPointProblem = DifferentiableProblem<P> && requires(const P& p) {
  { p.starting_point() } -> std::same_as<VectorOf<P>>;
};

/// `p.starting_point()` for a StartingPointProblem, the zero vector otherwise.
template <DifferentiableProblem P>
VectorOf<P> starting_point(const P& problem) {
  if constexpr (StartingPointProblem<P>)
    return problem.starting_point();
  else
    return problem.space().zeros();
}

}  // namespace cardinal
