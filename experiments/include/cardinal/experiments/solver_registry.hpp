#pragma once

#include <array>
#include <string>
#include <string_view>

#include "cardinal/bridge/error.hpp"
#include "cardinal/bridge/solver.hpp"
#include "cardinal/convex/glm_problem.hpp"
#include "cardinal/convex/solvers/forward_greedy_selection.hpp"
#include "cardinal/convex/solvers/fully_corrective_greedy.hpp"
#include "cardinal/convex/solvers/gradient_support_pursuit.hpp"
#include "cardinal/convex/solvers/hard_thresholding_pursuit.hpp"
#include "cardinal/convex/solvers/iterative_hard_thresholding.hpp"
#include "cardinal/convex/solvers/l1_path.hpp"
#include "cardinal/convex/solvers/orthogonal_matching_pursuit.hpp"

namespace cardinal {

/// Settings shared by the solvers that the command line exposes; each solver reads the ones
/// that apply to it.
struct SolverSettings {
  StoppingCriteria stopping;
  double step = 0.0;  ///< 0: the solver's default (1/L estimated)
  Index replacement_steps = 0;
  bool debias = false;
  Index path_length = 100;
  double min_ratio = 1e-3;
};

struct SolverEntry {
  std::string_view name;
  std::string_view summary;
  bool least_squares_only;
};

/// Every solver reachable by name.
inline constexpr std::array kSolvers = {
    SolverEntry{"fgs", "forward greedy selection (Shalev-Shwartz, Srebro & Zhang 2010)", false},
    SolverEntry{"fcfgs",
                "fully-corrective forward greedy selection, with --replacement-steps "
                "(Shalev-Shwartz, Srebro & Zhang 2010)",
                false},
    SolverEntry{"omp", "orthogonal matching pursuit, incremental Cholesky (Pati et al. 1993)",
                true},
    SolverEntry{"iht", "iterative hard thresholding, fixed step (Blumensath & Davies 2009)", false},
    SolverEntry{"niht", "normalized iterative hard thresholding (Blumensath & Davies 2010)", false},
    SolverEntry{"htp", "hard thresholding pursuit (Foucart 2011)", false},
    SolverEntry{"cosamp", "compressive sampling matching pursuit (Needell & Tropp 2009)", true},
    SolverEntry{"grasp", "gradient support pursuit (Bahmani, Raj & Boufounos 2013)", false},
    SolverEntry{"lasso",
                "l1 regularization path by coordinate descent, stopped at the sparsity budget "
                "(Friedman, Hastie & Tibshirani 2010)",
                false},
};

/// A list of the solver names for messages and --help.
inline std::string solver_names() {
  std::string names;
  for (const SolverEntry& e : kSolvers) names += (names.empty() ? "" : ", ") + std::string(e.name);
  return names;
}

inline const SolverEntry& find_solver(std::string_view name) {
  for (const SolverEntry& e : kSolvers)
    if (e.name == name) return e;
  throw InvalidInput("unknown solver '" + std::string(name) + "' (known: " + solver_names() + ")");
}

/// Runs solver `name` on a convex problem with sparsity budget k.
template <class Loss>
SolverResult<GlmProblem<Loss>> run_solver(std::string_view name, const SolverSettings& settings,
                                          const GlmProblem<Loss>& problem, Index k) {
  const SolverEntry& entry = find_solver(name);
  if constexpr (!Loss::kQuadratic) {
    require(!entry.least_squares_only, "solver '" + std::string(name) +
                                           "' applies to least squares only (for " +
                                           std::string(Loss::kName) + " use grasp or fcfgs)");
  }
  const StoppingCriteria& stopping = settings.stopping;
  if (name == "fgs") return ForwardGreedySelection({.stopping = stopping}).minimize(problem, k);
  if (name == "fcfgs")
    return FullyCorrectiveGreedy(
               {.stopping = stopping, .replacement_steps = settings.replacement_steps})
        .minimize(problem, k);
  if (name == "iht" || name == "niht")
    return IterativeHardThresholding(
               {.stopping = stopping, .step = settings.step, .normalized = name == "niht"})
        .minimize(problem, k);
  if (name == "htp")
    return HardThresholdingPursuit({.stopping = stopping, .step = settings.step})
        .minimize(problem, k);
  if (name == "grasp") return GradientSupportPursuit({.stopping = stopping}).minimize(problem, k);
  if (name == "lasso") {
    L1PathOptions path;
    path.path_length = settings.path_length;
    path.min_ratio = settings.min_ratio;
    return LassoPathSelection({.path = path, .debias = settings.debias}).minimize(problem, k);
  }
  if constexpr (Loss::kQuadratic) {
    if (name == "omp")
      return OrthogonalMatchingPursuit({.stopping = stopping}).minimize(problem, k);
    if (name == "cosamp")
      return CompressiveSamplingMatchingPursuit({.stopping = stopping}).minimize(problem, k);
  }
  throw InvalidInput("solver '" + std::string(name) + "' is not available here");
}

}  // namespace cardinal
