#pragma once

#include <Eigen/Core>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/bridge/trace.hpp"
#include "cardinal/convex/analysis/restricted_constants.hpp"
#include "cardinal/convex/glm_problem.hpp"

namespace cardinal {

/// Whether a theorem's assumptions are met, decided from the kinds of the constants: an exact
/// value decides either way, a certified bound can only prove them, an estimate (which is on the
/// optimistic side) can only disprove them.
enum class AssumptionStatus {
  kHolds,       ///< proved from exact values or certified bounds
  kFails,       ///< disproved from exact values or estimates
  kUnverified,  ///< neither
};

std::string_view to_string(AssumptionStatus status);

/// A convergence guarantee evaluated on concrete constants (docs/theory.md states each one).
struct GuaranteeBound {
  std::string theorem;     ///< reference and statement
  std::string quantity;    ///< what bound[t] bounds, e.g. "‖w_t − w*‖₂"
  std::string assumption;  ///< the assumptions with the numbers plugged in
  AssumptionStatus status = AssumptionStatus::kUnverified;
  /// The weakest kind among the constants used. With certified bounds the bound is only looser
  /// than with the exact constants; with estimates it may be too tight to be valid.
  RestrictedConstant::Kind constants_kind = RestrictedConstant::Kind::kEstimate;
  /// bound[t] for t = 0, 1, …, iterations (row t of a solver trace, row 0 the starting point).
  /// Evaluated whatever the status; it is implied by the theorem only when the assumptions hold.
  std::vector<double> bound;
  /// What was not verified against the paper, if anything.
  std::string caveat;

  bool assumptions_hold() const { return status == AssumptionStatus::kHolds; }
  /// The assumptions are proved and the constants are exact or certified: bound[t] is a bound.
  bool guaranteed() const {
    return assumptions_hold() && constants_kind != RestrictedConstant::Kind::kEstimate;
  }
};

/// Shalev-Shwartz, Srebro & Zhang (2010), fully-corrective forward greedy selection (also OMP on
/// least squares), convex f with coordinate-wise smoothness β: for any reference w̄,
///   ε_t ≤ ε₀·C/(C + t·ε₀) ≤ C/t,   C = 2β‖w̄‖₁²,   ε_t = f(w_t) − f(w̄).
struct FcfgsSublinearInputs {
  /// β ≥ ∂²f along every coordinate: β₁ = max_j H_jj (the rss of constants at k = 1).
  RestrictedConstant coordinate_smoothness;
  double reference_l1_norm = 0.0;  ///< ‖w̄‖₁
  double initial_gap = 0.0;        ///< ε₀ = f(w₀) − f(w̄)
  Index iterations = 0;
};
GuaranteeBound fcfgs_sublinear_bound(const FcfgsSublinearInputs& inputs);

/// Shalev-Shwartz, Srebro & Zhang (2010), fully-corrective forward greedy selection under
/// restricted strong convexity ρ on supports of size t + ‖w̄‖₀:
///   ε_t ≤ ε₀·(1 − ρ/(β·‖w̄‖₀))^t ≤ ε₀·exp(−tρ/(β‖w̄‖₀)).
struct FcfgsLinearInputs {
  RestrictedConstant coordinate_smoothness;  ///< β, as above
  /// ρ at sparsity k ≥ min(iterations − 1 + reference_sparsity, dimension).
  RestrictedConstants restricted;
  Index reference_sparsity = 0;  ///< ‖w̄‖₀
  Index dimension = 0;           ///< p
  double initial_gap = 0.0;      ///< ε₀ = f(w₀) − f(w̄)
  Index iterations = 0;
};
GuaranteeBound fcfgs_linear_bound(const FcfgsLinearInputs& inputs);

/// Blumensath & Davies (2009), Theorem 1 for an s-sparse target w*: IHT with step μ on
/// f = ‖Xw − y‖²/(2n) is IHT with step 1 on A = √(μ/n)·X, and if δ_3s(A) < 1/√32,
///   ‖w_t − w*‖₂ ≤ 2^(−t)·‖w₀ − w*‖₂ + 5·√μ·‖e‖₂,   ‖e‖₂ = least_squares_residual_norm(w*).
struct BlumensathDaviesInputs {
  RestrictedConstants restricted;  ///< of H, at k ≥ 3s
  Index sparsity = 0;              ///< s
  double step = 1.0;               ///< μ
  double initial_distance = 0.0;   ///< ‖w₀ − w*‖₂ (= ‖w*‖₂ from zero)
  double residual_norm = 0.0;      ///< ‖y − Xw*‖/√n (ridge included: √(2f(w*)))
  Index iterations = 0;
};
GuaranteeBound iht_blumensath_davies_bound(const BlumensathDaviesInputs& inputs);

/// Restricted contraction of IHT (derived in docs/theory.md; it is the argument behind Blumensath
/// & Davies and Jain, Tewari & Kar, for any smooth f): with δ = δ_{2s+s*}(μ),
///   ‖w_{t+1} − w*‖ ≤ 2δ·‖w_t − w*‖ + 2μ·‖∇f(w*)‖_(s+s*),
/// where ‖v‖_(m) is the norm of the m largest |v_i| and w* is any s*-sparse target, s* ≤ s.
/// For a non-quadratic f, the constants must hold along the segments [w*, w_t] (uniform ones).
struct IhtContractionInputs {
  RestrictedConstants restricted;  ///< at k ≥ 2s + s*
  Index sparsity = 0;              ///< s, the sparsity IHT runs with
  Index target_sparsity = 0;       ///< s*
  double step = 1.0;               ///< μ
  double initial_distance = 0.0;   ///< ‖w₀ − w*‖₂
  double gradient_norm = 0.0;      ///< ‖∇f(w*)‖_(s+s*) (largest_entries_norm)
  Index iterations = 0;
};
GuaranteeBound iht_contraction_bound(const IhtContractionInputs& inputs);

/// Jain, Tewari & Kar (2014), Theorem 1: IHT with sparsity s ≥ 32κ²s*, κ = β/ρ at 2s + s*, and
/// step 2/(3β) reaches f(w_t) − f(w*) ≤ ε after O(κ·log(f(w₀)/ε)) iterations. Only the
/// assumptions are evaluated: the statement has no explicit constant, so `bound` is empty.
struct JainTewariKarInputs {
  RestrictedConstants restricted;  ///< at k ≥ 2s + s*
  Index sparsity = 0;              ///< s
  Index target_sparsity = 0;       ///< s*
  double step = 0.0;               ///< μ (the theorem prescribes 2/(3β))
};
GuaranteeBound iht_jain_tewari_kar_assumptions(const JainTewariKarInputs& inputs);

/// Foucart (2011), hard thresholding pursuit with step μ for an s-sparse target, if
/// δ_3s < 1/√3 (δ at step μ):
///   ‖w_{t+1} − w*‖ ≤ r·‖w_t − w*‖ + τ·√μ‖e‖,   r = √(2δ_3s²/(1 − δ_2s²)),
///   τ = (√(2(1 − δ_2s)) + √(1 + δ_2s))/(1 − δ_2s).
struct FoucartHtpInputs {
  RestrictedConstants restricted_3s;                 ///< at k ≥ 3s
  std::optional<RestrictedConstants> restricted_2s;  ///< at k ≥ 2s; δ_2s ≤ δ_3s is used if absent
  Index sparsity = 0;
  double step = 1.0;
  double initial_distance = 0.0;
  double residual_norm = 0.0;
  Index iterations = 0;
};
GuaranteeBound htp_foucart_bound(const FoucartHtpInputs& inputs);

/// Needell & Tropp (2009), CoSaMP for an s-sparse target, if δ_4s ≤ 0.1:
///   ‖w_{t+1} − w*‖ ≤ 0.5·‖w_t − w*‖ + 10·‖e‖, so ‖w_t − w*‖ ≤ 2^(−t)‖w₀ − w*‖ + 20‖e‖.
/// CoSaMP is invariant to scaling the design, so the theorem is applied to √μ·A with the μ that
/// makes it tightest (docs/theory.md).
struct CosampInputs {
  RestrictedConstants restricted;  ///< at k ≥ 4s
  Index sparsity = 0;
  double initial_distance = 0.0;
  double residual_norm = 0.0;
  Index iterations = 0;
};
GuaranteeBound cosamp_needell_tropp_bound(const CosampInputs& inputs);

/// Bahmani, Raj & Boufounos (2013), Theorem 1, GraSP for an s-sparse target: if f has a stable
/// restricted Hessian with μ_4s = β_4s/ρ_4s ≤ (1 + √3)/2,
///   ‖w_t − w*‖ ≤ 2^(−t)·‖w₀ − w*‖ + (6 + 2√3)/ρ_4s · ‖∇f(w*)‖_(3s).
struct GraspInputs {
  RestrictedConstants restricted;  ///< at k ≥ 4s
  Index sparsity = 0;
  double initial_distance = 0.0;
  double gradient_norm = 0.0;  ///< ‖∇f(w*)‖_(3s): the 3s largest entries
  Index iterations = 0;
};
GuaranteeBound grasp_bahmani_bound(const GraspInputs& inputs);

/// ‖y − Xw − b‖₂/√n with the ridge term included, i.e. √(2 f(w)): the norm of the noise e in the
/// compressed-sensing form ‖Aw − ỹ‖²/2 of the problem (A = X/√n stacked on √λ₂·I).
double least_squares_residual_norm(const LeastSquaresProblem& problem, const Eigen::VectorXd& w);

/// Euclidean norm of the m entries of v of largest magnitude (pass the constrained part, e.g.
/// g.head(p), when the problem has an intercept).
double largest_entries_norm(const Eigen::VectorXd& v, Index m);

/// One iteration where the empirical value exceeded the bound (beyond the slack).
struct BoundViolation {
  Index iteration = 0;
  double empirical = 0.0;
  double bound = 0.0;
};

struct BoundCheckOptions {
  /// empirical[t] violates the bound when
  ///   empirical[t] > bound[t] + relative_slack·max(|bound[t]|, |empirical[t]|) + absolute_slack.
  /// 1e-9 is far above the rounding of either side (O(10⁻¹³) relative) and far below any
  /// meaningful excess.
  double relative_slack = 1e-9;
  /// For objective gaps f(w_t) − f(w̄), which lose absolute accuracy ε·|f(w̄)| to cancellation:
  /// use about 1e-12·max(1, |f(w̄)|).
  double absolute_slack = 0.0;
};

struct BoundComparison {
  /// empirical[t]/bound[t] over the common length; where bound[t] = 0, 0 if empirical[t] ≤ 0
  /// and +∞ otherwise.
  std::vector<double> ratio;
  std::vector<BoundViolation> violations;  ///< NaN or ±∞ empirical values count as violations
  double max_ratio = 0.0;  ///< the largest ratio (NaN ratios ignored), 0 if none is larger
  bool holds() const { return violations.empty(); }
};

/// Compares a solver's per-iteration values (objective gaps or distances, index t = trace row)
/// with a bound sequence, over the shorter of the two lengths.
BoundComparison compare_with_bound(std::span<const double> empirical, std::span<const double> bound,
                                   const BoundCheckOptions& options = {});

/// f(w_t) − reference for every row of a trace.
std::vector<double> objective_gaps(const Trace& trace, double reference);

}  // namespace cardinal
