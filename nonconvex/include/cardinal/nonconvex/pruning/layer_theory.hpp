#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/convex/analysis/guarantees.hpp"
#include "cardinal/convex/analysis/restricted_constants.hpp"
#include "cardinal/nonconvex/pruning/layer_reconstruction.hpp"

namespace cardinal {

/// Shalev-Shwartz, Srebro & Zhang's sublinear bound (fcfgs_sublinear_bound) on one row pruned
/// by a fully-corrective forward greedy solver, with the dense row wᵢ as the reference w̄.
struct GreedyRowBound {
  Index row = 0;
  Index kept = 0;            ///< t = ‖ŵᵢ‖₀, the forward steps the bound is evaluated at
  double initial_gap = 0.0;  ///< ε₀ = fᵢ(0) − fᵢ(wᵢ)
  double gap = 0.0;          ///< ε_t = fᵢ(ŵᵢ) − fᵢ(wᵢ)
  double bound = 0.0;        ///< ε₀C/(C + t·ε₀), C = 2β₁‖wᵢ‖₁²
  /// ε_t ≤ bound, up to the rounding of the two objective values.
  bool holds() const;
  /// ε_t / bound; NaN where the bound is not positive.
  double ratio() const;
};

/// The bound on every row of a layer. It needs no restricted constant, only the coordinate
/// curvature β₁ = max_j H_jj (exact), so unlike the RIP-type theorems it covers every layer;
/// what the rows show is how loose it is.
struct GreedyRowsCheck {
  std::string theorem;
  double coordinate_smoothness = 0.0;  ///< β₁
  std::vector<GreedyRowBound> rows;

  Index violations() const;
  /// ε_t / bound over the rows with a positive bound: the largest and the median.
  double largest_ratio() const;
  double median_ratio() const;
};

/// The convergence theory on one layer's reconstruction problem (docs/pruning.md): every row is
/// least squares with the same H = XᵀX/n + λI, so the restricted constants of H at the levels the
/// theorems need, s, 2s, 3s and 4s for s the largest row budget, decide which theorems apply to
/// every row at once.
struct LayerTheory {
  std::string layer;
  Index dimension = 0;  ///< p = d_in
  Index sparsity = 0;   ///< s, the largest row budget
  /// The constants of H at the levels s, 2s, 3s, 4s that do not exceed p (in that order):
  /// exact where C(p, k) ≤ options.max_subsets, certified bounds elsewhere (labelled by kind).
  std::vector<RestrictedConstants> constants;
  /// At each level where `constants` holds certified bounds, estimates from supports found by
  /// search (estimated_restricted_constants): attained values, so ρ_k from above and β_k, κ_k,
  /// δ_k from below. Certified bounds can only prove an assumption, these only refute it.
  std::vector<RestrictedConstants> estimates;
  /// The theorems evaluated at the step that makes each tightest where it has one: assumptions
  /// with the numbers plugged in and their status (no trace: `bound` is empty). A theorem left
  /// unverified by the certified bounds is evaluated again on the estimates (exact constants
  /// where there are some); when they refute it, that evaluation is the one reported (status
  /// fails, constants kind estimate). The refutation holds at every step: the true δ_k(μ) is at
  /// least the estimated one at each μ, and the best step's value grows with κ_k.
  std::vector<GuaranteeBound> theorems;
  /// Theorems whose level exceeds p, with the reason.
  std::vector<std::string> not_covered;
  /// Set when the rows were pruned by OMP or FCFGS (check_greedy_rows).
  std::optional<GreedyRowsCheck> greedy_rows;
};

/// Shalev-Shwartz, Srebro & Zhang's bound checked on each row of `pruned`, the layer's weights
/// after row-wise pruning by a fully-corrective forward greedy solver (OMP or FCFGS on the row
/// problem, optionally refined by exchanges that never increase fᵢ and end fully corrected, such
/// as splicing). The bound holds for t forward steps and decreases in t; it is evaluated at
/// t = ‖ŵᵢ‖₀, which is at most the steps taken (a row the solver left short is completed and
/// re-solved, which does not increase fᵢ). Throws InvalidInput if `pruned` has another shape.
GreedyRowsCheck check_greedy_rows(const LayerReconstruction& layer, const Eigen::MatrixXd& pruned);

/// The theory of `layer` at row budget `sparsity` ≥ 1: constants of layer.problems().hessian()
/// and the assumptions of Blumensath–Davies (IHT), Foucart (HTP), Needell–Tropp (CoSaMP) and
/// Bahmani–Raj–Boufounos (GraSP). Throws InvalidInput for a sparsity outside [1, p]. The
/// estimates come from one greedy search per constant with at most two swap rounds and no
/// random supports (`options` can only lower these).
LayerTheory layer_theory(const std::string& name, const LayerReconstruction& layer, Index sparsity,
                         const RestrictedConstantsOptions& options = {});

}  // namespace cardinal
