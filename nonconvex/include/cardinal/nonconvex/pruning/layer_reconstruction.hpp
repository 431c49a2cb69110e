#pragma once

#include <Eigen/Core>
#include <functional>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/convex/covariance_problem.hpp"
#include "cardinal/convex/covariance_rows.hpp"

namespace cardinal {

/// The layer-wise reconstruction problem of one linear layer (docs/pruning.md): with trained
/// weights W (d_out × d_in) and calibration inputs X (n × d_in), find Ŵ with the budgeted number
/// of nonzeros minimizing
///
///   ‖X Ŵᵀ − X Wᵀ‖²_F / (2n) + (λ/2) ‖Ŵ − W‖²_F = Σᵢ ½ (ŵᵢ − wᵢ)ᵀ H (ŵᵢ − wᵢ),
///
/// H = XᵀX/n + λI. The rows decouple and share H: row i is the covariance-form least-squares
/// problem ½ŵᵀHŵ − (H wᵢ)ᵀŵ + ½wᵢᵀHwᵢ (`rows()`), whose minimum over a support is the
/// reconstruction-optimal weights there, not the trained ones.
class LayerReconstruction {
 public:
  /// From the inputs: H₀ = XᵀX/n and λ = relative_ridge · mean(diag H₀) (the damping of
  /// OBC/SparseGPT, scale-free). Throws InvalidInput unless X has d_in columns, at least one row,
  /// and relative_ridge is finite and non-negative.
  static LayerReconstruction from_inputs(Eigen::MatrixXd weights, const Eigen::MatrixXd& inputs,
                                         double relative_ridge);
  /// From H₀ = XᵀX/n with λ = relative_ridge · mean(diag H₀), as from_inputs.
  static LayerReconstruction from_gram(Eigen::MatrixXd weights, Eigen::MatrixXd gram,
                                       double relative_ridge);
  /// From H₀ = XᵀX/n directly, with an absolute damping λ.
  LayerReconstruction(Eigen::MatrixXd weights, Eigen::MatrixXd gram, double damping);

  const Eigen::MatrixXd& weights() const { return weights_; }
  /// H₀ = XᵀX/n (undamped).
  const Eigen::MatrixXd& gram() const { return gram_; }
  double damping() const { return damping_; }
  Index rows() const { return weights_.rows(); }
  Index columns() const { return weights_.cols(); }

  /// The d_out problems sharing H = H₀ + λI (also one problem over the whole layer).
  const CovarianceRows& problems() const { return problems_; }

  /// The reconstruction error ‖X(Ŵ − W)ᵀ‖²_F/(2n) = ½ Σᵢ (ŵᵢ − wᵢ)ᵀH₀(ŵᵢ − wᵢ) of `pruned`.
  double error(const Eigen::MatrixXd& pruned) const;
  /// The damped objective the row solvers minimize, summed over the rows:
  /// ½ Σᵢ (ŵᵢ − wᵢ)ᵀH(ŵᵢ − wᵢ) = error(pruned) + (λ/2)‖Ŵ − W‖²_F.
  double damped_error(const Eigen::MatrixXd& pruned) const;
  /// ‖XWᵀ‖²_F/(2n): the error of pruning every weight (the scale of relative errors).
  double output_energy() const;

 private:
  Eigen::MatrixXd weights_;
  Eigen::MatrixXd gram_;
  double damping_;
  CovarianceRows problems_;
};

/// A pruned layer: the new weights (zero exactly where not kept) and which weights are kept.
struct PrunedLayer {
  Eigen::MatrixXd weights;
  Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic> keep;
};

/// The budgets of `rows` rows sharing `kept` weights: ⌊kept/rows⌋ each, one more for the first
/// kept mod rows rows. Throws InvalidInput unless 0 ≤ kept ≤ rows · columns.
std::vector<Index> row_budgets(Index rows, Index columns, Index kept);

/// The budgets of rows that may keep at most capacities[i] weights each, sharing `kept`, as
/// evenly as the capacities allow (water-filling): row i gets min(capacities[i], t) for the
/// largest t with Σᵢ min(capacities[i], t) ≤ kept, and the remainder goes one weight each to the
/// first rows whose capacity exceeds t. With every capacity equal to the row length this is
/// row_budgets(rows, columns, kept). Throws InvalidInput unless 0 ≤ kept ≤ Σ capacities and
/// every capacity is non-negative.
std::vector<Index> row_budgets(const std::vector<Index>& capacities, Index kept);

/// Which weights of a layer a pruner may keep (true), e.g. those an earlier pruning round kept;
/// an empty array allows every weight.
using AllowedWeights = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>;

/// A sparse solver for one row's problem (its iterate w) and for the whole layer's.
using RowSolver = std::function<Eigen::VectorXd(const CovarianceProblem&, Index)>;
using LayerSolver = std::function<Eigen::VectorXd(const CovarianceRows&, Index)>;

/// Each row i solved by `solve` at budget budgets[i], in parallel over the rows (`threads`, 0:
/// configured_threads(); the result does not depend on it). A row whose solution has fewer
/// nonzeros than its budget keeps, in addition, its largest trained weights |wᵢⱼ| outside that
/// support and is re-solved exactly on the completed support: every row keeps exactly its
/// budget. Throws InvalidInput if a solution has more nonzeros than the budget.
///
/// With `allowed` (rows × columns, non-empty), row i is solved on the coordinates it allows only:
/// the problem ½(ŵ − wᵢ)ᵀH(ŵ − wᵢ) over ŵ supported there, i.e. the covariance problem with H and
/// b = Hwᵢ restricted to those coordinates (the reconstruction target stays wᵢ), completed within
/// them. Throws InvalidInput if a budget exceeds the row's allowed count.
PrunedLayer prune_rows(const LayerReconstruction& layer, const std::vector<Index>& budgets,
                       const RowSolver& solve, int threads = 0, const AllowedWeights& allowed = {});

/// A solver for one row's problem that starts from a given point of it (at most k nonzeros):
/// the refinement of another method's row, e.g. support splicing from OBS's support.
using RowRefinement =
    std::function<Eigen::VectorXd(const CovarianceProblem&, const Eigen::VectorXd& start, Index)>;

/// Each row of `pruned` (a solution of `layer` at `budgets`, within `allowed`) refined by
/// `refine` from that row, on the same coordinates and budgets and completed in the same way
/// as prune_rows.
PrunedLayer refine_rows(const LayerReconstruction& layer, const PrunedLayer& pruned,
                        const std::vector<Index>& budgets, const RowRefinement& refine,
                        int threads = 0, const AllowedWeights& allowed = {});

/// The whole layer as one problem with one budget `kept` (CovarianceRows), completed in the
/// same way to exactly `kept` weights.
PrunedLayer prune_layer(const LayerReconstruction& layer, Index kept, const LayerSolver& solve);

/// Optimal Brain Surgeon per row (Hassibi & Stork 1993; row by row as in OBC, Frantar & Alistarh
/// 2022): row i removes one weight at a time until budgets[i] remain, each time the q of least
/// saliency wq² / (2 [H⁻¹]qq), updating the remaining weights by −(wq/[H⁻¹]qq) H⁻¹e_q and H⁻¹ by
/// the inverse of H with row and column q removed. Needs λ > 0 or a nonsingular H₀. With
/// `allowed`, row i starts from the inverse of H restricted to the coordinates it allows (the
/// others are removed already) and removes weights among those.
PrunedLayer prune_optimal_brain_surgeon(const LayerReconstruction& layer,
                                        const std::vector<Index>& budgets, int threads = 0,
                                        const AllowedWeights& allowed = {});

/// One OBS row: w pruned to k weights against H⁻¹ (`h_inverse`, positive definite). Returns the
/// new weights, exactly zero on the removed coordinates, (in `kept`, when given) which
/// coordinates remain, and (in `losses`, when given) the saliency of each removal in order: the
/// rise of ½(ŵ − w)ᵀH(ŵ − w) it caused. Ties in saliency go to the smaller index.
Eigen::VectorXd optimal_brain_surgeon_row(Eigen::MatrixXd h_inverse, Eigen::VectorXd w, Index k,
                                          std::vector<bool>* kept = nullptr,
                                          std::vector<double>* losses = nullptr);

/// Each row's OBS error path: paths[i][k] = ½(ŵ − wᵢ)ᵀH(ŵ − wᵢ) at the OBS solution of row i
/// with k weights, k = 0, …, d_in (the sum of the saliencies of the d_in − k removals; 0 at
/// k = d_in, ½wᵢᵀHwᵢ at k = 0). One full OBS pass per row, O(d_in³), in parallel over the rows.
/// Needs λ > 0 or a nonsingular H₀ (InvalidInput otherwise). With `allowed`, row i's path runs
/// over the coordinates it allows only (as prune_optimal_brain_surgeon's restricted rows: the
/// others are removed already), paths[i][k] for k = 0, …, its allowed count.
std::vector<Eigen::VectorXd> optimal_brain_surgeon_paths(const LayerReconstruction& layer,
                                                         int threads = 0,
                                                         const AllowedWeights& allowed = {});

}  // namespace cardinal
