#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/convex/design.hpp"
#include "cardinal/convex/glm_problem.hpp"

namespace cardinal {

/// One restricted constant, labelled with what kind of number it is (docs/theory.md).
///
/// The direction of a bound is fixed by the quantity: theory needs ρ_k large and β_k, κ_k, δ_k
/// small, so a certified bound is always on the safe side (ρ_k from below, the others from above)
/// and an estimate always on the optimistic side (ρ_k from above, the others from below).
struct RestrictedConstant {
  enum class Kind {
    kExact,           ///< computed over all C(p, k) supports (up to eigensolver rounding)
    kCertifiedBound,  ///< provably on the safe side of the exact value
    kEstimate,        ///< attained by some supports found by search: on the optimistic side
  };
  double value = 0.0;
  Kind kind = Kind::kEstimate;
  /// How the value was obtained (e.g. "Gershgorin on k×k principal submatrices").
  std::string method;
};

std::string_view to_string(RestrictedConstant::Kind kind);

/// The restricted constants of a symmetric p × p curvature matrix H at sparsity level k:
///   ρ_k = min_{|S|=k} λ_min(H_SS)   (restricted strong convexity),
///   β_k = max_{|S|=k} λ_max(H_SS)   (restricted smoothness),
///   κ_k = β_k / ρ_k,                δ_k = max(1 − ρ_k, β_k − 1)   (restricted isometry).
/// All four have the same kind, except that exact combined with certified gives certified and
/// exact combined with estimate gives estimate.
struct RestrictedConstants {
  Index k = 0;
  RestrictedConstant rsc;        ///< ρ_k
  RestrictedConstant rss;        ///< β_k
  RestrictedConstant condition;  ///< κ_k (+∞ when ρ_k ≤ 0)
  /// δ_k of H as it is, i.e. the restricted isometry constant of any A with AᵀA = H (for
  /// f = ‖Xw − y‖²/(2n): A = X/√n). It is the classical RIC only when H has unit diagonal on
  /// average (columns of norm √n); see isometry_constant() for other scalings.
  RestrictedConstant isometry;
  /// Supports attaining ρ_k and β_k (exact and estimated constants; empty for certified bounds).
  std::vector<Index> rsc_support, rss_support;
  /// tr(H)/p: 1/mean_diagonal is the step that gives H unit diagonal on average (0 when the
  /// constants were not computed from one matrix, e.g. uniform logistic bounds).
  double mean_diagonal = 0.0;
  /// Which matrix the constants are of (e.g. "XᵀX/n + λ₂I of a least-squares problem").
  std::string matrix;
};

/// Assembles RestrictedConstants from ρ_k and β_k, deriving κ_k and δ_k with the right kind.
/// Throws InvalidInput when a certified bound is combined with an estimate (they bound from
/// opposite sides, so the derived constants would be neither).
RestrictedConstants make_restricted_constants(Index k, RestrictedConstant rsc,
                                              RestrictedConstant rss, std::string matrix = {});

/// δ_k(μ) = max(1 − μρ_k, μβ_k − 1): the restricted isometry constant of √μ·A, the design seen
/// by a gradient step of size μ (IHT with step μ on A is IHT with step 1 on √μ·A). Same kind as
/// the inputs, by the convention of RestrictedConstant.
RestrictedConstant isometry_constant(const RestrictedConstants& constants, double step);

/// min over μ of δ_k(μ) = (κ_k − 1)/(κ_k + 1), at μ = 2/(ρ_k + β_k): the RIC of the best scaling
/// of the design, which scale-invariant algorithms (CoSaMP, GraSP, OMP) effectively see.
RestrictedConstant best_isometry_constant(const RestrictedConstants& constants);

struct RestrictedConstantsOptions {
  /// Exact enumeration refuses (InvalidInput) when C(p, k) exceeds this. Each support costs a
  /// k × k Cholesky test, and an eigensolve when it might improve on the best so far: about 10⁶
  /// supports a second for k ≈ 8, ten times fewer when most supports need the eigensolve.
  Index max_subsets = 2'000'000;
  /// The curvature matrix is formed densely (8p² bytes, and O(p³) for its extreme
  /// eigenvalues): p above this is refused.
  Index max_dimension = 3000;
  /// Random supports drawn by the estimator.
  Index random_supports = 500;
  /// Greedy searches for extreme supports, each followed by a swap local search.
  Index greedy_starts = 8;
  /// Swap rounds of each local search.
  Index swap_rounds = 50;
  std::uint64_t seed = 1;
};

/// Why exact constants at level k of a p × p matrix are refused: C(p, k) exceeds
/// options.max_subsets (the message says how many supports that would be); none when they are
/// not. Ask this first to choose between exact and certified constants.
std::optional<std::string> enumeration_refusal(Index p, Index k,
                                               const RestrictedConstantsOptions& options = {});

/// Exact ρ_k and β_k by enumeration of all C(p, k) supports (eigenvalues of every H_SS that a
/// Cholesky test cannot dismiss), up to rounding (relative 10⁻¹⁴ or so).
/// Throws InvalidInput when enumeration_refusal(p, k, options) refuses.
RestrictedConstants exact_restricted_constants(const Eigen::MatrixXd& h, Index k,
                                               const RestrictedConstantsOptions& options = {});

/// Certified bounds without enumeration: the tightest of
///   Gershgorin on k × k principal submatrices:
///     β_k ≤ max_i (H_ii + sum of the k−1 largest |H_ij|, j ≠ i),
///     ρ_k ≥ min_i (H_ii − sum of the k−1 largest |H_ij|, j ≠ i);
///   interlacing: β_k ≤ λ_max(H), ρ_k ≥ λ_min(H);
///   trace: β_k ≤ (sum of the k largest H_ii) − (k−1)·λ_min(H),
///          ρ_k ≥ (sum of the k smallest H_ii) − (k−1)·λ_max(H);
/// each widened outwards by 16·p·ε·‖H‖_∞ so that rounding cannot put it on the wrong side.
RestrictedConstants certified_restricted_constants(const Eigen::MatrixXd& h, Index k,
                                                   const RestrictedConstantsOptions& options = {});

/// Estimates from supports actually evaluated: random supports and greedy searches (grow by the
/// 2 × 2 Rayleigh–Ritz score, then improve by single swaps) for the extreme ones. β_k is
/// estimated from below and ρ_k from above. Deterministic for a fixed options.seed.
RestrictedConstants estimated_restricted_constants(const Eigen::MatrixXd& h, Index k,
                                                   const RestrictedConstantsOptions& options = {});

/// The three kinds side by side, never mixed.
struct RestrictedConstantsReport {
  std::optional<RestrictedConstants> exact;  ///< absent when enumeration was refused
  std::string exact_refusal;                 ///< why it was refused
  RestrictedConstants certified;
  RestrictedConstants estimated;
};

RestrictedConstantsReport restricted_constants_report(
    const Eigen::MatrixXd& h, Index k, const RestrictedConstantsOptions& options = {});

/// (1/n) Σᵢ dᵢ (xᵢ − m)(xᵢ − m)ᵀ with weights d ≥ 0 (all ones when `weights` is empty), where
/// m = 0 without centering and the d-weighted mean of the rows with it. Exactly symmetric.
/// Refuses p > max_dimension.
Eigen::MatrixXd weighted_gram(const Design& x, const Eigen::VectorXd& weights, bool centered,
                              Index max_dimension = RestrictedConstantsOptions{}.max_dimension);

/// H = XᵀX/n + λ₂I of a least-squares problem. With an intercept, the Hessian of the profiled
/// objective w ↦ min_b f(w, b): the Schur complement of the intercept, i.e. X centered.
Eigen::MatrixXd curvature_matrix(const LeastSquaresProblem& problem,
                                 Index max_dimension = RestrictedConstantsOptions{}.max_dimension);

/// H(w) = Xᵀ D(w) X/n + λ₂I of a logistic problem at the point w (intercept last when
/// present), D = diag(σ'(zᵢ)), z = Xw + b. With an intercept, the Schur complement (the rows
/// centered at their D-weighted mean), as for least squares.
Eigen::MatrixXd curvature_matrix(const LogisticProblem& problem, const Eigen::VectorXd& w,
                                 Index max_dimension = RestrictedConstantsOptions{}.max_dimension);

/// All three kinds for a least-squares problem (H = curvature_matrix(problem)).
RestrictedConstantsReport restricted_constants(const LeastSquaresProblem& problem, Index k,
                                               const RestrictedConstantsOptions& options = {});

/// All three kinds for a logistic problem AT THE POINT w only (H = curvature_matrix(problem, w)).
RestrictedConstantsReport restricted_constants_at(const LogisticProblem& problem,
                                                  const Eigen::VectorXd& w, Index k,
                                                  const RestrictedConstantsOptions& options = {});

/// A region of parameter space for uniform logistic constants: the points (w, b) with
/// ‖w‖₂ ≤ l2_radius, ‖w‖_∞ ≤ linf_radius, |b| ≤ intercept_radius (when the problem has an
/// intercept) and, if support_size > 0, at most support_size nonzero entries in w.
struct LogisticRegion {
  double l2_radius = std::numeric_limits<double>::infinity();
  double linf_radius = std::numeric_limits<double>::infinity();
  double intercept_radius = std::numeric_limits<double>::infinity();
  Index support_size = 0;
};

/// Logistic constants valid uniformly: β_k at every point, ρ_k over a region.
struct UniformLogisticConstants {
  /// rss: certified upper bound 0.25·β_k(G) + λ₂, valid at every w;
  /// rsc: certified lower bound max(σ'(M)·ρ_k(G), 0) + λ₂, valid at every point of the region.
  RestrictedConstants constants;
  /// The constants of G = XᵀX/n (centered with an intercept) used above: exact when
  /// C(p, k) ≤ max_subsets, certified otherwise.
  RestrictedConstants design;
  /// M ≥ |xᵢ·w + b| for every sample and every point of the region (+∞ if unbounded).
  double margin_bound = 0.0;
  /// σ'(M) = σ(M)(1 − σ(M)) ≤ σ'(zᵢ) on the region.
  double curvature_floor = 0.0;
};

UniformLogisticConstants uniform_restricted_constants(
    const LogisticProblem& problem, Index k, const LogisticRegion& region = {},
    const RestrictedConstantsOptions& options = {});

}  // namespace cardinal
