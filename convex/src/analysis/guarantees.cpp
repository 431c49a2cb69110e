#include "cardinal/convex/analysis/guarantees.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <limits>
#include <numbers>
#include <sstream>

#include "cardinal/bridge/error.hpp"

namespace cardinal {
namespace {

using Kind = RestrictedConstant::Kind;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

std::string number(double x) {
  std::ostringstream out;
  out.precision(6);
  out << x;
  return out.str();
}

std::string described(const RestrictedConstant& c) {
  return number(c.value) + " (" + std::string(to_string(c.kind)) + ")";
}

/// The weakest of the kinds; a certified bound and an estimate cannot be combined.
Kind weakest(std::initializer_list<Kind> kinds) {
  bool certified = false, estimate = false;
  for (Kind kind : kinds) {
    certified = certified || kind == Kind::kCertifiedBound;
    estimate = estimate || kind == Kind::kEstimate;
  }
  require(!(certified && estimate),
          "a guarantee cannot combine certified bounds with estimates: compute all its "
          "constants of one kind");
  return estimate ? Kind::kEstimate : certified ? Kind::kCertifiedBound : Kind::kExact;
}

Kind kind_of(const RestrictedConstants& c) {
  return weakest({c.rsc.kind, c.rss.kind});
}

/// For a quantity theory needs small (β, κ, δ): is it ≤ (or <) threshold?
AssumptionStatus at_most(const RestrictedConstant& c, double threshold, bool strict) {
  const bool below = strict ? c.value < threshold : c.value <= threshold;
  switch (c.kind) {
    case Kind::kExact:
      return below ? AssumptionStatus::kHolds : AssumptionStatus::kFails;
    case Kind::kCertifiedBound:  // an upper bound
      return below ? AssumptionStatus::kHolds : AssumptionStatus::kUnverified;
    case Kind::kEstimate:  // a lower estimate
      return below ? AssumptionStatus::kUnverified : AssumptionStatus::kFails;
  }
  return AssumptionStatus::kUnverified;
}

/// For ρ: is it > (or ≥) threshold?
AssumptionStatus at_least(const RestrictedConstant& c, double threshold, bool strict) {
  const bool above = strict ? c.value > threshold : c.value >= threshold;
  switch (c.kind) {
    case Kind::kExact:
      return above ? AssumptionStatus::kHolds : AssumptionStatus::kFails;
    case Kind::kCertifiedBound:  // a lower bound
      return above ? AssumptionStatus::kHolds : AssumptionStatus::kUnverified;
    case Kind::kEstimate:  // an upper estimate
      return above ? AssumptionStatus::kUnverified : AssumptionStatus::kFails;
  }
  return AssumptionStatus::kUnverified;
}

/// A smoothness constant used as an upper bound is valid when exact or certified.
AssumptionStatus valid_upper_bound(const RestrictedConstant& c) {
  if (!(c.value > 0.0) || !std::isfinite(c.value)) return AssumptionStatus::kFails;
  return c.kind == Kind::kEstimate ? AssumptionStatus::kUnverified : AssumptionStatus::kHolds;
}

AssumptionStatus all_of(std::initializer_list<AssumptionStatus> statuses) {
  AssumptionStatus result = AssumptionStatus::kHolds;
  for (AssumptionStatus s : statuses) {
    if (s == AssumptionStatus::kFails) return AssumptionStatus::kFails;
    if (s == AssumptionStatus::kUnverified) result = AssumptionStatus::kUnverified;
  }
  return result;
}

void require_level(const RestrictedConstants& c, Index needed, const std::string& what) {
  require(c.k >= needed, what + " needs restricted constants at k ≥ " + std::to_string(needed) +
                             " (got k = " + std::to_string(c.k) + ")");
}

void require_common(Index sparsity, Index iterations, double initial_distance,
                    const std::string& what) {
  require(sparsity >= 1, what + ": sparsity must be at least 1");
  require(iterations >= 0, what + ": iterations must be non-negative");
  require(std::isfinite(initial_distance) && initial_distance >= 0.0,
          what + ": initial_distance must be finite and non-negative");
}

void require_nonnegative(double value, const std::string& what) {
  require(std::isfinite(value) && value >= 0.0, what + " must be finite and non-negative");
}

void require_step(double step, const std::string& what) {
  require(std::isfinite(step) && step > 0.0, what + ": step must be positive");
}

/// b₀ = start, b_{t+1} = rate·b_t + offset, for t = 0..iterations.
std::vector<double> affine_recursion(double start, double rate, double offset, Index iterations) {
  std::vector<double> bound(static_cast<std::size_t>(iterations + 1));
  bound[0] = start;
  for (std::size_t t = 1; t < bound.size(); ++t) bound[t] = rate * bound[t - 1] + offset;
  return bound;
}

/// 2^(−t)·start + limit·(1 − 2^(−t)), t = 0..iterations.
std::vector<double> halving(double start, double limit, Index iterations) {
  std::vector<double> bound(static_cast<std::size_t>(iterations + 1));
  for (std::size_t t = 0; t < bound.size(); ++t) {
    const double h = std::ldexp(1.0, -static_cast<int>(std::min<std::size_t>(t, 2000)));
    bound[t] = h * start + limit * (1.0 - h);
  }
  return bound;
}

}  // namespace

std::string_view to_string(AssumptionStatus status) {
  switch (status) {
    case AssumptionStatus::kHolds:
      return "holds";
    case AssumptionStatus::kFails:
      return "fails";
    case AssumptionStatus::kUnverified:
      return "unverified";
  }
  return "unknown";
}

GuaranteeBound fcfgs_sublinear_bound(const FcfgsSublinearInputs& in) {
  require(in.iterations >= 0, "fcfgs_sublinear_bound: iterations must be non-negative");
  require_nonnegative(in.reference_l1_norm, "fcfgs_sublinear_bound: reference_l1_norm");
  require(std::isfinite(in.initial_gap), "fcfgs_sublinear_bound: initial_gap must be finite");
  const double beta = in.coordinate_smoothness.value;
  GuaranteeBound g;
  g.theorem =
      "Shalev-Shwartz, Srebro & Zhang 2010 (SIAM J. Optim. 20(6)), fully-corrective forward "
      "greedy selection on a convex, coordinate-wise β-smooth f";
  g.quantity = "f(w_t) − f(w̄)";
  g.assumption = "f convex; β = " + described(in.coordinate_smoothness) +
                 " bounds the curvature along every coordinate; w_t minimizes f on its support";
  g.status = valid_upper_bound(in.coordinate_smoothness);
  g.constants_kind = in.coordinate_smoothness.kind;
  const double c = 2.0 * beta * in.reference_l1_norm * in.reference_l1_norm;
  g.bound.resize(static_cast<std::size_t>(in.iterations + 1));
  for (std::size_t t = 0; t < g.bound.size(); ++t) {
    const double e0 = in.initial_gap;
    if (e0 <= 0.0) {
      g.bound[t] = e0;  // f(w_t) is non-increasing
    } else if (c == 0.0) {
      g.bound[t] = t == 0 ? e0 : 0.0;
    } else {
      g.bound[t] = e0 * c / (c + static_cast<double>(t) * e0);
    }
  }
  g.caveat =
      "the paper states the iteration count t ≥ 2β‖w̄‖₁²/ε; the per-iteration sequence is the "
      "recursion ε_{t+1} ≤ ε_t − ε_t²/(2β‖w̄‖₁²) of the proof, re-derived in docs/theory.md";
  return g;
}

GuaranteeBound fcfgs_linear_bound(const FcfgsLinearInputs& in) {
  require(in.iterations >= 0, "fcfgs_linear_bound: iterations must be non-negative");
  require(in.reference_sparsity >= 1, "fcfgs_linear_bound: reference_sparsity must be >= 1");
  require(in.dimension >= in.reference_sparsity,
          "fcfgs_linear_bound: dimension must be at least reference_sparsity");
  require(std::isfinite(in.initial_gap), "fcfgs_linear_bound: initial_gap must be finite");
  const Index needed =
      std::min(std::max<Index>(in.iterations - 1, 0) + in.reference_sparsity, in.dimension);
  require_level(in.restricted, needed, "fcfgs_linear_bound");
  const double beta = in.coordinate_smoothness.value, rho = in.restricted.rsc.value;
  const double s = static_cast<double>(in.reference_sparsity);

  GuaranteeBound g;
  g.theorem =
      "Shalev-Shwartz, Srebro & Zhang 2010 (SIAM J. Optim. 20(6)), fully-corrective forward "
      "greedy selection under restricted strong convexity";
  g.quantity = "f(w_t) − f(w̄)";
  g.assumption =
      "f convex, coordinate-wise β-smooth with β = " + described(in.coordinate_smoothness) +
      "; ρ_" + std::to_string(in.restricted.k) + " = " + described(in.restricted.rsc) +
      " > 0 on supports of size t + ‖w̄‖₀ (‖w̄‖₀ = " + std::to_string(in.reference_sparsity) + ")";
  g.status =
      all_of({valid_upper_bound(in.coordinate_smoothness), at_least(in.restricted.rsc, 0.0, true)});
  g.constants_kind = weakest({in.coordinate_smoothness.kind, in.restricted.rsc.kind});
  const double rate = rho > 0.0 && beta > 0.0 ? std::clamp(1.0 - rho / (beta * s), 0.0, 1.0) : 1.0;
  g.bound = in.initial_gap <= 0.0
                ? std::vector<double>(static_cast<std::size_t>(in.iterations + 1), in.initial_gap)
                : affine_recursion(in.initial_gap, rate, 0.0, in.iterations);
  g.caveat =
      "theorem number and constants of the paper not verified against its text; the rate "
      "(1 − ρ/(β‖w̄‖₀))^t is proved in docs/theory.md (the paper's form is exp(−tρ/(β‖w̄‖₀)) up "
      "to constants)";
  return g;
}

GuaranteeBound iht_blumensath_davies_bound(const BlumensathDaviesInputs& in) {
  const std::string what = "iht_blumensath_davies_bound";
  require_common(in.sparsity, in.iterations, in.initial_distance, what);
  require_step(in.step, what);
  require_nonnegative(in.residual_norm, what + ": residual_norm");
  require_level(in.restricted, 3 * in.sparsity, what);
  const RestrictedConstant delta = isometry_constant(in.restricted, in.step);
  const double threshold = 1.0 / std::sqrt(32.0);

  GuaranteeBound g;
  g.theorem =
      "Blumensath & Davies 2009 (Appl. Comput. Harmon. Anal. 27(3)), Theorem 1, s-sparse target";
  g.quantity = "‖w_t − w*‖₂";
  g.assumption = "δ_3s(μ) = max(1 − μρ_3s, μβ_3s − 1) = " + described(delta) +
                 " < 1/√32 = " + number(threshold) + " at step μ = " + number(in.step);
  g.status = at_most(delta, threshold, true);
  g.constants_kind = kind_of(in.restricted);
  const double noise = 5.0 * std::sqrt(in.step) * in.residual_norm;
  g.bound.resize(static_cast<std::size_t>(in.iterations + 1));
  for (std::size_t t = 0; t < g.bound.size(); ++t)
    g.bound[t] =
        std::ldexp(in.initial_distance, -static_cast<int>(std::min<std::size_t>(t, 2000))) + noise;
  return g;
}

GuaranteeBound iht_contraction_bound(const IhtContractionInputs& in) {
  const std::string what = "iht_contraction_bound";
  require_common(in.sparsity, in.iterations, in.initial_distance, what);
  require(in.target_sparsity >= 1 && in.target_sparsity <= in.sparsity,
          what + ": target_sparsity must lie between 1 and sparsity");
  require_step(in.step, what);
  require_nonnegative(in.gradient_norm, what + ": gradient_norm");
  require_level(in.restricted, 2 * in.sparsity + in.target_sparsity, what);
  const RestrictedConstant delta = isometry_constant(in.restricted, in.step);

  GuaranteeBound g;
  g.theorem =
      "restricted contraction of IHT (docs/theory.md; the argument of Blumensath & Davies 2009 "
      "and Jain, Tewari & Kar 2014)";
  g.quantity = "‖w_t − w*‖₂";
  g.assumption = "δ_{2s+s*}(μ) = " + described(delta) + " < 1/2 at step μ = " + number(in.step);
  g.status = at_most(delta, 0.5, true);
  g.constants_kind = kind_of(in.restricted);
  g.bound = affine_recursion(in.initial_distance, 2.0 * delta.value,
                             2.0 * in.step * in.gradient_norm, in.iterations);
  return g;
}

GuaranteeBound iht_jain_tewari_kar_assumptions(const JainTewariKarInputs& in) {
  const std::string what = "iht_jain_tewari_kar_assumptions";
  require(in.target_sparsity >= 1 && in.target_sparsity <= in.sparsity,
          what + ": target_sparsity must lie between 1 and sparsity");
  require_step(in.step, what);
  require_level(in.restricted, 2 * in.sparsity + in.target_sparsity, what);
  const double kappa_limit = std::sqrt(static_cast<double>(in.sparsity) /
                                       (32.0 * static_cast<double>(in.target_sparsity)));
  const RestrictedConstant& beta = in.restricted.rss;
  const double prescribed = 2.0 / (3.0 * beta.value);
  AssumptionStatus step_status = AssumptionStatus::kUnverified;
  if (beta.kind == Kind::kExact) {
    step_status = std::abs(in.step - prescribed) <= 1e-9 * prescribed ? AssumptionStatus::kHolds
                                                                      : AssumptionStatus::kFails;
  }
  GuaranteeBound g;
  g.theorem =
      "Jain, Tewari & Kar 2014 (NIPS 27), Theorem 1: f(w_t) − f(w*) ≤ ε after "
      "O(κ·log(f(w₀)/ε)) iterations";
  g.quantity = "f(w_t) − f(w*)";
  g.assumption = "s ≥ 32κ²s*, i.e. κ_{2s+s*} = " + described(in.restricted.condition) +
                 " ≤ √(s/(32s*)) = " + number(kappa_limit) + "; step μ = " + number(in.step) +
                 " equal to 2/(3β_{2s+s*}) = " + number(prescribed) + " (β " +
                 std::string(to_string(beta.kind)) + ")";
  g.status = all_of({at_most(in.restricted.condition, kappa_limit, false), step_status});
  g.constants_kind = kind_of(in.restricted);
  g.caveat =
      "the theorem's iteration count has no explicit constant, so no bound sequence is given; "
      "iht_contraction_bound gives a numeric per-iteration bound";
  return g;
}

GuaranteeBound htp_foucart_bound(const FoucartHtpInputs& in) {
  const std::string what = "htp_foucart_bound";
  require_common(in.sparsity, in.iterations, in.initial_distance, what);
  require_step(in.step, what);
  require_nonnegative(in.residual_norm, what + ": residual_norm");
  require_level(in.restricted_3s, 3 * in.sparsity, what);
  if (in.restricted_2s) require_level(*in.restricted_2s, 2 * in.sparsity, what);
  const RestrictedConstant delta3 = isometry_constant(in.restricted_3s, in.step);
  RestrictedConstant delta2 =
      in.restricted_2s ? isometry_constant(*in.restricted_2s, in.step) : delta3;
  const double threshold = 1.0 / std::sqrt(3.0);

  GuaranteeBound g;
  g.theorem =
      "Foucart 2011 (SIAM J. Numer. Anal. 49(6)), hard thresholding pursuit, s-sparse target";
  g.quantity = "‖w_t − w*‖₂";
  g.assumption = "δ_3s(μ) = " + described(delta3) + " < 1/√3 = " + number(threshold) +
                 " at step μ = " + number(in.step) + "; δ_2s(μ) = " + described(delta2) +
                 (in.restricted_2s ? "" : " (δ_2s ≤ δ_3s used)");
  g.status = at_most(delta3, threshold, true);
  g.constants_kind = in.restricted_2s
                         ? weakest({kind_of(in.restricted_3s), kind_of(*in.restricted_2s)})
                         : kind_of(in.restricted_3s);
  const double d2 = delta2.value, d3 = delta3.value;
  double rate = kInfinity, tau = kInfinity;
  if (d2 < 1.0) {
    rate = std::sqrt(2.0 * d3 * d3 / (1.0 - d2 * d2));
    tau = (std::sqrt(2.0 * (1.0 - d2)) + std::sqrt(1.0 + d2)) / (1.0 - d2);
  }
  g.bound = affine_recursion(
      in.initial_distance, rate,
      in.residual_norm == 0.0 ? 0.0 : tau * std::sqrt(in.step) * in.residual_norm, in.iterations);
  g.caveat =
      "the rate r is Foucart's; the noise constant τ is re-derived in docs/theory.md (with δ_s "
      "replaced by the larger δ_2s)";
  return g;
}

GuaranteeBound cosamp_needell_tropp_bound(const CosampInputs& in) {
  const std::string what = "cosamp_needell_tropp_bound";
  require_common(in.sparsity, in.iterations, in.initial_distance, what);
  require_nonnegative(in.residual_norm, what + ": residual_norm");
  require_level(in.restricted, 4 * in.sparsity, what);
  const double rho = in.restricted.rsc.value, beta = in.restricted.rss.value;
  const RestrictedConstant best = best_isometry_constant(in.restricted);
  // The smallest scaling μ with δ_4s(μ) ≤ 0.1 minimizes the noise term √μ‖e‖; it exists iff
  // κ_4s ≤ 11/9. Otherwise report the best scaling.
  double step = 1.0;
  if (rho > 0.0) step = beta * 0.9 / rho <= 1.1 ? 0.9 / rho : 2.0 / (rho + beta);

  GuaranteeBound g;
  g.theorem =
      "Needell & Tropp 2009 (Appl. Comput. Harmon. Anal. 26(3)), CoSaMP iteration invariant, "
      "s-sparse target";
  g.quantity = "‖w_t − w*‖₂";
  g.assumption =
      "δ_4s ≤ 0.1 for the best scaling of the design: min_μ δ_4s(μ) = " + described(best) +
      ", applied at μ = " + number(step);
  g.status = at_most(best, 0.1, false);
  g.constants_kind = kind_of(in.restricted);
  g.bound = halving(in.initial_distance, 20.0 * std::sqrt(step) * in.residual_norm, in.iterations);
  g.caveat =
      "constants 0.5 and 10 (per iteration) as recalled from the paper's iteration invariant "
      "(Theorem 2.1), not re-derived here";
  return g;
}

GuaranteeBound grasp_bahmani_bound(const GraspInputs& in) {
  const std::string what = "grasp_bahmani_bound";
  require_common(in.sparsity, in.iterations, in.initial_distance, what);
  require_nonnegative(in.gradient_norm, what + ": gradient_norm");
  require_level(in.restricted, 4 * in.sparsity, what);
  const double limit = (1.0 + std::sqrt(3.0)) / 2.0;
  const double rho = in.restricted.rsc.value;

  GuaranteeBound g;
  g.theorem =
      "Bahmani, Raj & Boufounos 2013 (J. Mach. Learn. Res. 14), Theorem 1, GraSP, s-sparse "
      "target";
  g.quantity = "‖w_t − w*‖₂";
  g.assumption = "μ_4s = κ_4s = " + described(in.restricted.condition) +
                 " ≤ (1 + √3)/2 = " + number(limit) + "; ρ_4s = " + described(in.restricted.rsc) +
                 " > 0";
  g.status = all_of(
      {at_most(in.restricted.condition, limit, false), at_least(in.restricted.rsc, 0.0, true)});
  g.constants_kind = kind_of(in.restricted);
  const double noise = in.gradient_norm == 0.0 ? 0.0
                       : rho > 0.0 ? (6.0 + 2.0 * std::sqrt(3.0)) * in.gradient_norm / rho
                                   : kInfinity;
  g.bound.resize(static_cast<std::size_t>(in.iterations + 1));
  for (std::size_t t = 0; t < g.bound.size(); ++t)
    g.bound[t] =
        std::ldexp(in.initial_distance, -static_cast<int>(std::min<std::size_t>(t, 2000))) + noise;
  g.caveat =
      "constant (6 + 2√3) as recalled from the paper, not re-derived here; for a non-quadratic f "
      "the constants must hold at every 4s-sparse point the iterates visit";
  return g;
}

double least_squares_residual_norm(const LeastSquaresProblem& problem, const Eigen::VectorXd& w) {
  require(w.size() == problem.space().total_dimension(),
          "least_squares_residual_norm: the point has the wrong size");
  return std::sqrt(2.0 * std::max(problem.value(w), 0.0));
}

double largest_entries_norm(const Eigen::VectorXd& v, Index m) {
  require(m >= 0, "largest_entries_norm: m must be non-negative");
  std::vector<double> squares(v.data(), v.data() + v.size());
  for (double& x : squares) x *= x;
  const auto count = static_cast<std::ptrdiff_t>(std::min<Index>(m, v.size()));
  if (count == 0) return 0.0;
  std::nth_element(squares.begin(), squares.begin() + (count - 1), squares.end(), std::greater<>());
  double sum = 0.0;
  for (std::ptrdiff_t i = 0; i < count; ++i) sum += squares[static_cast<std::size_t>(i)];
  return std::sqrt(sum);
}

BoundComparison compare_with_bound(std::span<const double> empirical, std::span<const double> bound,
                                   const BoundCheckOptions& options) {
  require(options.relative_slack >= 0.0 && options.absolute_slack >= 0.0,
          "compare_with_bound: slacks must be non-negative");
  BoundComparison result;
  const std::size_t length = std::min(empirical.size(), bound.size());
  result.ratio.resize(length);
  for (std::size_t t = 0; t < length; ++t) {
    const double e = empirical[t], b = bound[t];
    const double ratio = b != 0.0 ? e / b : (e > 0.0 ? kInfinity : 0.0);
    result.ratio[t] = ratio;
    if (!std::isnan(ratio)) result.max_ratio = std::max(result.max_ratio, ratio);
    const bool violated =
        !std::isfinite(e) || e > b + options.relative_slack * std::max(std::abs(b), std::abs(e)) +
                                     options.absolute_slack;
    if (violated) result.violations.push_back({static_cast<Index>(t), e, b});
  }
  return result;
}

std::vector<double> objective_gaps(const Trace& trace, double reference) {
  std::vector<double> gaps;
  gaps.reserve(trace.rows.size());
  for (const TraceRow& row : trace.rows) gaps.push_back(row.objective - reference);
  return gaps;
}

}  // namespace cardinal
