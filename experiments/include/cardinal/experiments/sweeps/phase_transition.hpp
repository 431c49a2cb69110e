#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cardinal/bridge/index.hpp"
#include "cardinal/experiments/solving/solver_registry.hpp"

namespace cardinal {

/// An empirical phase transition: in every cell of a grid over δ = n/p and ρ = s/n, each solver
/// runs on `trials` noiseless Gaussian least-squares instances with sparsity budget s; a trial
/// succeeds when the solver's nonzeros are exactly the planted support.
struct PhaseTransitionSettings {
  Index dimension = 0;  ///< p
  std::vector<double> deltas, rhos;
  Index trials = 0;
  std::vector<std::string> solvers;
  double signal = 1.0;  ///< planted nonzeros are ±signal (0: N(0, 1))
  std::uint64_t seed = 1;
  SolverSettings solver;

  /// Everything that changes the results (not threads, output or progress): the run's settings.
  nlohmann::json to_json() const;
};

/// One cell of the grid: indices into deltas and rhos, and the sizes they give at p.
struct PhaseCell {
  Index delta_index = 0, rho_index = 0;
  Index samples = 0, sparsity = 0;
};

/// The cells, δ slowest: n = round(δ·p), s = round(ρ·n) clamped to [1, n]. InvalidInput when a
/// δ gives no samples.
std::vector<PhaseCell> phase_cells(const PhaseTransitionSettings& settings);

/// The instance seed of a trial: a function of the problem sizes, not of the grid, so that a
/// cell's instances do not change when other cells are added.
std::uint64_t trial_seed(std::uint64_t base, Index p, Index n, Index s, Index trial);

/// Successes per solver (in settings.solvers order) over the cell's trials.
std::vector<Index> cell_successes(const PhaseTransitionSettings& settings, const PhaseCell& cell);

/// The successes of every finished cell, by (delta_index, rho_index).
using PhaseResults = std::map<std::pair<Index, Index>, std::vector<Index>>;

/// The record of a finished cell in the sweep's RecordLog, and the successes a record holds
/// when it belongs to one of `cells` under `settings` (none otherwise, or for a cell already in
/// `done`; nlohmann::json::exception for a record without the fields, as RecordLog expects).
nlohmann::json cell_record(const PhaseTransitionSettings& settings, const PhaseCell& cell,
                           const std::vector<Index>& successes);
std::optional<std::vector<Index>> successes_of_record(const PhaseTransitionSettings& settings,
                                                      const std::vector<PhaseCell>& cells,
                                                      const PhaseResults& done,
                                                      const nlohmann::json& record);

/// Computes `pending` cells on `jobs` threads, calling `on_cell` (serialized) with each cell and
/// its successes as it finishes; the first error stops the workers and is rethrown.
void run_phase_cells(const PhaseTransitionSettings& settings,
                     const std::vector<const PhaseCell*>& pending, Index jobs,
                     const std::function<void(const PhaseCell&, std::vector<Index>)>& on_cell);

/// ρ where the success probability first falls from ≥ 1/2 to < 1/2 along increasing ρ, by
/// linear interpolation; none when it never is ≥ 1/2 at the first ρ or never falls below.
std::optional<double> half_crossing(const std::vector<double>& rhos,
                                    const std::vector<double>& probability);

}  // namespace cardinal
