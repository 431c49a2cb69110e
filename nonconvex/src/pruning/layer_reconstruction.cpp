#include "cardinal/nonconvex/pruning/layer_reconstruction.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <string>

#include "cardinal/bridge/error.hpp"
#include "cardinal/convex/parallel.hpp"

namespace cardinal {
namespace {

/// H = H₀ + λI, B = H Wᵀ, cᵢ = ½ wᵢᵀHwᵢ.
CovarianceRows reconstruction_rows(const Eigen::MatrixXd& weights, const Eigen::MatrixXd& gram,
                                   double damping) {
  auto h = std::make_shared<Eigen::MatrixXd>(gram);
  h->diagonal().array() += damping;
  Eigen::MatrixXd b = *h * weights.transpose();
  const Eigen::VectorXd c = 0.5 * (weights.transpose().array() * b.array()).colwise().sum();
  return CovarianceRows(std::move(h), std::move(b), c);
}

/// The coordinates of w's nonzeros, completed to exactly k by the largest |trained| outside them.
CoordinateSpace::Support completed_support(const CoordinateSpace& space, const Eigen::VectorXd& w,
                                           const Eigen::VectorXd& trained, Index k,
                                           bool& completed) {
  CoordinateSpace::Support support = space.support_of(w);
  const Index size = space.size(support);
  require(size <= k, "pruning: the solver kept " + std::to_string(size) +
                         " weights of a row or layer whose budget is " + std::to_string(k));
  completed = size < k;
  if (completed) support = space.unite(support, space.largest_outside(trained, support, k - size));
  return support;
}

Eigen::VectorXd stacked(const Eigen::MatrixXd& weights) {
  const Eigen::MatrixXd transposed = weights.transpose();  // row i of W at [i·d_in, (i+1)·d_in)
  return Eigen::Map<const Eigen::VectorXd>(transposed.data(), transposed.size());
}

/// Every weight pruned.
PrunedLayer empty_layer(const LayerReconstruction& layer) {
  return {Eigen::MatrixXd::Zero(layer.rows(), layer.columns()),
          Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>::Constant(layer.rows(),
                                                                       layer.columns(), false)};
}

/// The coordinates row i may keep (all of them when `allowed` is empty), in increasing order.
std::vector<Index> allowed_in_row(const AllowedWeights& allowed, Index i, Index columns) {
  std::vector<Index> coordinates;
  coordinates.reserve(static_cast<std::size_t>(columns));
  for (Index j = 0; j < columns; ++j)
    if (allowed.size() == 0 || allowed(i, j)) coordinates.push_back(j);
  return coordinates;
}

/// Throws InvalidInput unless `allowed` is empty or the layer's shape, and every row's budget
/// fits in what it allows.
void check_allowed(const LayerReconstruction& layer, const std::vector<Index>& budgets,
                   const AllowedWeights& allowed) {
  if (allowed.size() == 0) return;
  require(allowed.rows() == layer.rows() && allowed.cols() == layer.columns(),
          "pruning: the allowed weights are " + std::to_string(allowed.rows()) + "×" +
              std::to_string(allowed.cols()) + " but the layer is " + std::to_string(layer.rows()) +
              "×" + std::to_string(layer.columns()));
  for (Index i = 0; i < layer.rows(); ++i) {
    const Index count = allowed.row(i).count();
    require(budgets[static_cast<std::size_t>(i)] <= count,
            "pruning: row " + std::to_string(i) + " has a budget of " +
                std::to_string(budgets[static_cast<std::size_t>(i)]) + " but allows only " +
                std::to_string(count) + " weights");
  }
}

}  // namespace

LayerReconstruction::LayerReconstruction(Eigen::MatrixXd weights, Eigen::MatrixXd gram,
                                         double damping)
    : weights_(std::move(weights)),
      gram_(std::move(gram)),
      damping_(damping),
      problems_(reconstruction_rows(weights_, gram_, damping_)) {
  require(std::isfinite(damping_) && damping_ >= 0.0,
          "layer reconstruction: the damping must be finite and non-negative");
}

LayerReconstruction LayerReconstruction::from_inputs(Eigen::MatrixXd weights,
                                                     const Eigen::MatrixXd& inputs,
                                                     double relative_ridge) {
  require(inputs.cols() == weights.cols(),
          "layer reconstruction: the inputs have " + std::to_string(inputs.cols()) +
              " features but the layer has " + std::to_string(weights.cols()) + " inputs");
  require(inputs.rows() > 0, "layer reconstruction: no calibration inputs");
  const Index d = inputs.cols();
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(d, d);
  gram.selfadjointView<Eigen::Lower>().rankUpdate(inputs.transpose(),
                                                  1.0 / static_cast<double>(inputs.rows()));
  gram.triangularView<Eigen::StrictlyUpper>() = gram.transpose();
  return from_gram(std::move(weights), std::move(gram), relative_ridge);
}

LayerReconstruction LayerReconstruction::from_gram(Eigen::MatrixXd weights, Eigen::MatrixXd gram,
                                                   double relative_ridge) {
  require(gram.rows() == weights.cols() && gram.cols() == weights.cols(),
          "layer reconstruction: H is " + std::to_string(gram.rows()) + "×" +
              std::to_string(gram.cols()) + " but the layer has " + std::to_string(weights.cols()) +
              " inputs");
  require(std::isfinite(relative_ridge) && relative_ridge >= 0.0,
          "the ridge must be finite and non-negative, got " + std::to_string(relative_ridge));
  const double damping = relative_ridge * gram.diagonal().mean();
  return LayerReconstruction(std::move(weights), std::move(gram), damping);
}

double LayerReconstruction::error(const Eigen::MatrixXd& pruned) const {
  const Eigen::MatrixXd difference = pruned - weights_;
  return 0.5 * (difference * gram_).cwiseProduct(difference).sum();
}

double LayerReconstruction::damped_error(const Eigen::MatrixXd& pruned) const {
  return error(pruned) + 0.5 * damping_ * (pruned - weights_).squaredNorm();
}

double LayerReconstruction::output_energy() const {
  return 0.5 * (weights_ * gram_).cwiseProduct(weights_).sum();
}

std::vector<Index> row_budgets(Index rows, Index columns, Index kept) {
  require(kept >= 0 && kept <= rows * columns, "pruning: a budget of " + std::to_string(kept) +
                                                   " weights for a layer of " +
                                                   std::to_string(rows * columns));
  std::vector<Index> budgets(static_cast<std::size_t>(rows), kept / rows);
  for (Index i = 0; i < kept % rows; ++i) ++budgets[static_cast<std::size_t>(i)];
  return budgets;
}

std::vector<Index> row_budgets(const std::vector<Index>& capacities, Index kept) {
  Index available = 0, widest = 0;
  for (Index c : capacities) {
    require(c >= 0, "pruning: a row capacity of " + std::to_string(c));
    available += c;
    widest = std::max(widest, c);
  }
  require(kept >= 0 && kept <= available, "pruning: a budget of " + std::to_string(kept) +
                                              " weights for rows that allow " +
                                              std::to_string(available));
  auto filled = [&](Index level) {
    Index sum = 0;
    for (Index c : capacities) sum += std::min(c, level);
    return sum;
  };
  // The largest level t with filled(t) ≤ kept (filled is nondecreasing, filled(0) = 0).
  Index low = 0, high = widest;
  while (low < high) {
    const Index middle = low + (high - low + 1) / 2;
    if (filled(middle) <= kept)
      low = middle;
    else
      high = middle - 1;
  }
  std::vector<Index> budgets(capacities.size());
  Index remainder = kept - filled(low);
  for (std::size_t i = 0; i < capacities.size(); ++i) {
    budgets[i] = std::min(capacities[i], low);
    if (remainder > 0 && capacities[i] > low) {
      ++budgets[i];
      --remainder;
    }
  }
  return budgets;
}

namespace {

/// Row i's solution at budget budgets[i] by `solve(problem, from, k)`, where `problem` is row i's
/// problem on its allowed coordinates and `from` row i of `start` there (zeros without a start),
/// completed by the largest |trained| to exactly k; assembled into a layer. The body of
/// prune_rows and refine_rows.
template <typename SolveRow>
PrunedLayer solve_rows_within(const LayerReconstruction& layer, const std::vector<Index>& budgets,
                              const Eigen::MatrixXd* start, int threads,
                              const AllowedWeights& allowed, const SolveRow& solve) {
  require(static_cast<Index>(budgets.size()) == layer.rows(),
          "pruning: " + std::to_string(budgets.size()) + " budgets for " +
              std::to_string(layer.rows()) + " rows");
  check_allowed(layer, budgets, allowed);
  struct Row {
    Eigen::VectorXd w;
    CoordinateSpace::Support support;
  };
  // Solves `problem` at budget k, completing its support by the largest |trained| to exactly k.
  auto solve_completed = [&solve](const CovarianceProblem& problem, const Eigen::VectorXd& from,
                                  const Eigen::VectorXd& trained, Index k) {
    if (k == 0) return Row{problem.space().zeros(), {}};
    Row row{solve(problem, from, k), {}};
    bool completed = false;
    row.support = completed_support(problem.space(), row.w, trained, k, completed);
    if (completed) row.w = problem.minimize_on(row.support, row.w);
    return row;
  };
  const std::vector<Row> rows = solve_rows(
      layer.problems(),
      [&](const CovarianceProblem& problem, Index i) {
        const Index k = budgets[static_cast<std::size_t>(i)];
        const Eigen::VectorXd trained = layer.weights().row(i).transpose();
        const Eigen::VectorXd from = start ? Eigen::VectorXd(start->row(i).transpose())
                                           : Eigen::VectorXd::Zero(layer.columns());
        const std::vector<Index> coordinates = allowed_in_row(allowed, i, layer.columns());
        if (static_cast<Index>(coordinates.size()) == layer.columns())
          return solve_completed(problem, from, trained, k);
        // The row's problem on its allowed coordinates: H and b = Hwᵢ restricted there.
        const CovarianceProblem restricted(
            Eigen::MatrixXd(problem.hessian()(coordinates, coordinates)),
            Eigen::VectorXd(problem.linear()(coordinates)), problem.constant());
        const Row sub = solve_completed(restricted, from(coordinates), trained(coordinates), k);
        Row row{problem.space().zeros(), {}};
        for (Index position : sub.support) {
          const Index j = coordinates[static_cast<std::size_t>(position)];
          row.w[j] = sub.w[position];
          row.support.push_back(j);
        }
        return row;
      },
      threads);
  PrunedLayer pruned = empty_layer(layer);
  for (Index i = 0; i < layer.rows(); ++i) {
    const Row& row = rows[static_cast<std::size_t>(i)];
    for (Index j : row.support) {
      pruned.keep(i, j) = true;
      pruned.weights(i, j) = row.w[j];
    }
  }
  return pruned;
}

}  // namespace

PrunedLayer prune_rows(const LayerReconstruction& layer, const std::vector<Index>& budgets,
                       const RowSolver& solve, int threads, const AllowedWeights& allowed) {
  return solve_rows_within(layer, budgets, nullptr, threads, allowed,
                           [&solve](const CovarianceProblem& problem, const Eigen::VectorXd&,
                                    Index k) { return solve(problem, k); });
}

PrunedLayer refine_rows(const LayerReconstruction& layer, const PrunedLayer& pruned,
                        const std::vector<Index>& budgets, const RowRefinement& refine, int threads,
                        const AllowedWeights& allowed) {
  require(pruned.weights.rows() == layer.rows() && pruned.weights.cols() == layer.columns(),
          "refine_rows: the pruned layer is not of the layer's shape");
  return solve_rows_within(layer, budgets, &pruned.weights, threads, allowed, refine);
}

PrunedLayer prune_layer(const LayerReconstruction& layer, Index kept, const LayerSolver& solve) {
  const CovarianceRows& problem = layer.problems();
  row_budgets(layer.rows(), layer.columns(), kept);  // validates kept
  PrunedLayer pruned = empty_layer(layer);
  if (kept == 0) return pruned;
  Eigen::VectorXd w = solve(problem, kept);
  bool completed = false;
  const auto support =
      completed_support(problem.space(), w, stacked(layer.weights()), kept, completed);
  if (completed) w = problem.minimize_on(support, w);
  for (Index index : support) {
    const Index i = index / layer.columns(), j = index % layer.columns();
    pruned.keep(i, j) = true;
    pruned.weights(i, j) = w[index];
  }
  return pruned;
}

Eigen::VectorXd optimal_brain_surgeon_row(Eigen::MatrixXd h_inverse, Eigen::VectorXd w, Index k,
                                          std::vector<bool>* kept, std::vector<double>* losses) {
  if (losses != nullptr) losses->clear();
  const Index p = w.size();
  // The remaining coordinates are kept compact in the leading m × m block: a removed one is
  // swapped with the last, so that every update touches the remaining weights only.
  std::vector<Index> alive(static_cast<std::size_t>(p));
  std::iota(alive.begin(), alive.end(), Index{0});
  auto original = [&alive](Index position) { return alive[static_cast<std::size_t>(position)]; };
  for (Index m = p; m > k; --m) {
    Index best = 0;
    double least = std::numeric_limits<double>::infinity();
    for (Index position = 0; position < m; ++position) {
      const double saliency = w[position] * w[position] / (2.0 * h_inverse(position, position));
      if (saliency < least || (saliency == least && original(position) < original(best))) {
        best = position;
        least = saliency;
      }
    }
    // δw = −(w_q / [H⁻¹]_qq) H⁻¹ e_q zeroes w_q and re-optimizes the others; H⁻¹ then becomes
    // the inverse of H without row and column q (on the remaining coordinates).
    if (losses != nullptr) losses->push_back(least);
    const double pivot = h_inverse(best, best);
    const Eigen::VectorXd column = h_inverse.col(best).head(m);
    w.head(m) -= (w[best] / pivot) * column;
    h_inverse.topLeftCorner(m, m).noalias() -= column * (column / pivot).transpose();
    const Index last = m - 1;
    if (best != last) {
      h_inverse.row(best).head(m) = h_inverse.row(last).head(m);
      h_inverse.col(best).head(m) = h_inverse.col(last).head(m);
      w[best] = w[last];
      alive[static_cast<std::size_t>(best)] = alive[static_cast<std::size_t>(last)];
    }
  }
  Eigen::VectorXd pruned = Eigen::VectorXd::Zero(p);
  if (kept != nullptr) kept->assign(static_cast<std::size_t>(p), false);
  for (Index position = 0; position < std::min(k, p); ++position) {
    pruned[original(position)] = w[position];
    if (kept != nullptr) (*kept)[static_cast<std::size_t>(original(position))] = true;
  }
  return pruned;
}

namespace {

Eigen::MatrixXd inverse_hessian(const LayerReconstruction& layer) {
  const Eigen::MatrixXd& h = layer.problems().hessian();
  const Eigen::LLT<Eigen::MatrixXd> llt(h);
  require(llt.info() == Eigen::Success,
          "obs: H = XᵀX/n + λI is singular (dead inputs); give a positive --ridge");
  return llt.solve(Eigen::MatrixXd::Identity(h.rows(), h.cols()));
}

/// OBS on row i of `layer` over `coordinates` (the row's allowed ones, in increasing order) down
/// to k weights: against `h_inverse` when they are every column, else against the inverse of H
/// restricted to them (the others are removed already). Returns the weights on `coordinates`, in
/// their order, with `kept` and `losses` as optimal_brain_surgeon_row gives them.
Eigen::VectorXd optimal_brain_surgeon_on(const LayerReconstruction& layer,
                                         const Eigen::MatrixXd& h_inverse, Index i,
                                         const std::vector<Index>& coordinates, Index k,
                                         std::vector<bool>* kept, std::vector<double>* losses) {
  const Eigen::VectorXd trained = layer.weights().row(i).transpose();
  const Index d = static_cast<Index>(coordinates.size());
  if (d == layer.columns()) return optimal_brain_surgeon_row(h_inverse, trained, k, kept, losses);
  if (d == 0) {
    if (kept != nullptr) kept->clear();
    if (losses != nullptr) losses->clear();
    return Eigen::VectorXd();
  }
  const Eigen::MatrixXd h_sub = layer.problems().hessian()(coordinates, coordinates);
  return optimal_brain_surgeon_row(
      Eigen::LLT<Eigen::MatrixXd>(h_sub).solve(Eigen::MatrixXd::Identity(d, d)),
      trained(coordinates), k, kept, losses);
}

}  // namespace

std::vector<Eigen::VectorXd> optimal_brain_surgeon_paths(const LayerReconstruction& layer,
                                                         int threads,
                                                         const AllowedWeights& allowed) {
  if (allowed.size() != 0)
    require(allowed.rows() == layer.rows() && allowed.cols() == layer.columns(),
            "obs paths: the allowed weights are " + std::to_string(allowed.rows()) + " × " +
                std::to_string(allowed.cols()) + ", the layer " + std::to_string(layer.rows()) +
                " × " + std::to_string(layer.columns()));
  const Eigen::MatrixXd h_inverse = inverse_hessian(layer);
  std::vector<Eigen::VectorXd> paths(static_cast<std::size_t>(layer.rows()));
  parallel_for(layer.rows(), threads, [&](Index i) {
    const std::vector<Index> coordinates = allowed_in_row(allowed, i, layer.columns());
    const Index d = static_cast<Index>(coordinates.size());
    std::vector<double> losses;
    optimal_brain_surgeon_on(layer, h_inverse, i, coordinates, 0, nullptr, &losses);
    // losses[m] is the removal that left d − m − 1 weights.
    Eigen::VectorXd& path = paths[static_cast<std::size_t>(i)];
    path = Eigen::VectorXd::Zero(d + 1);
    for (Index m = 0; m < d; ++m)
      path[d - m - 1] = path[d - m] + losses[static_cast<std::size_t>(m)];
  });
  return paths;
}

PrunedLayer prune_optimal_brain_surgeon(const LayerReconstruction& layer,
                                        const std::vector<Index>& budgets, int threads,
                                        const AllowedWeights& allowed) {
  require(static_cast<Index>(budgets.size()) == layer.rows(),
          "pruning: " + std::to_string(budgets.size()) + " budgets for " +
              std::to_string(layer.rows()) + " rows");
  check_allowed(layer, budgets, allowed);
  const Eigen::MatrixXd h_inverse = inverse_hessian(layer);
  PrunedLayer pruned = empty_layer(layer);
  parallel_for(layer.rows(), threads, [&](Index i) {
    const std::vector<Index> coordinates = allowed_in_row(allowed, i, layer.columns());
    std::vector<bool> kept;
    const Eigen::VectorXd w = optimal_brain_surgeon_on(
        layer, h_inverse, i, coordinates, budgets[static_cast<std::size_t>(i)], &kept, nullptr);
    for (std::size_t position = 0; position < coordinates.size(); ++position) {
      if (!kept[position]) continue;
      pruned.keep(i, coordinates[position]) = true;
      pruned.weights(i, coordinates[position]) = w[static_cast<Index>(position)];
    }
  });
  return pruned;
}

}  // namespace cardinal
