#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>

#include "cardinal/bridge/error.hpp"

namespace cardinal {

/// Which solver an entry of the registry runs.
enum class SolverId {
  kFgs,
  kFcfgs,
  kOmp,
  kIht,
  kNiht,
  kHtp,
  kCosamp,
  kGrasp,
  kSplicing,
  kLasso,
  kGmp,
  kDpf,
  kAcdc,
  kRigl,
  kSet
};

/// Where a solver runs: on every problem of the bridge concepts, on GLMs (convex) only, or on
/// least squares only.
enum class SolverScope { kAnyProblem, kConvexOnly, kLeastSquaresOnly };

/// How a solver uses --step.
enum class StepUse {
  kNone,  ///< no step, or one it finds itself (niht's line search; --step is only its fallback)
  /// A fixed step, or with --step 0 one derived from the curvature (1/L, backtracking, a line
  /// search): the theorems assume 1/L, and a network, whose stochastic curvature is not
  /// estimated, needs --step > 0.
  kFixedOrCurvature,
  kRequired,  ///< the step of every gradient step, with no default (the dynamic methods)
};

/// What the callers of the registry need to know about a solver without running it.
struct SolverTraits {
  SolverScope scope = SolverScope::kAnyProblem;
  /// Grows its support from the starting point's by forward steps (fgs, fcfgs, omp): a
  /// network's starting point must fit in the budget, and objective_level stops it early.
  bool greedy = false;
  /// Adds --coordinates-per-step coordinates per forward step (fcfgs).
  bool grows_in_blocks = false;
  StepUse step = StepUse::kNone;
  /// Starts from the fit of the free coordinates (the intercept-only fit), not from zero.
  bool starts_from_free_fit = false;
  /// Trains a network by gradient steps (gmp, dpf, acdc, rigl): no use on a convex layer
  /// problem.
  bool trains = false;
  /// Runs on a single problem only, not on the rows of a layer as one problem (omp, lasso).
  bool single_problem_only = false;
  /// The theorems `cardinal bounds` checks a run against (docs/theory.md §5), and, where none of
  /// them can be checked, why.
  std::span<const std::string_view> theorems;
  std::string_view theorems_missing;
};

struct SolverEntry {
  std::string_view name;
  SolverId id;
  std::string_view summary;
  SolverTraits traits;
};

namespace solver_theorems {
inline constexpr std::string_view kFullyCorrectiveGreedy[] = {"ssz-sublinear", "ssz-linear"};
inline constexpr std::string_view kForwardGreedy[] = {"ssz-sublinear"};
inline constexpr std::string_view kIht[] = {"blumensath-davies", "iht-contraction",
                                            "jain-tewari-kar"};
inline constexpr std::string_view kNormalizedIht[] = {"blumensath-davies-2010"};
inline constexpr std::string_view kHtp[] = {"foucart"};
inline constexpr std::string_view kSupportPursuit[] = {"needell-tropp", "bahmani-raj-boufounos"};
}  // namespace solver_theorems

/// Every solver reachable by name, with its traits: the one place that says what a solver is.
inline constexpr std::array kSolvers = {
    SolverEntry{"fgs",
                SolverId::kFgs,
                "forward greedy selection (Shalev-Shwartz, Srebro & Zhang 2010)",
                {.greedy = true,
                 .starts_from_free_fit = true,
                 .theorems = solver_theorems::kForwardGreedy,
                 .theorems_missing = "plain forward greedy selection is not fully corrective: "
                                     "<∇f(w_t), w_t> ≠ 0"}},
    SolverEntry{"fcfgs",
                SolverId::kFcfgs,
                "fully-corrective forward greedy selection, with --replacement-steps and "
                "--coordinates-per-step (Shalev-Shwartz, Srebro & Zhang 2010)",
                {.greedy = true,
                 .grows_in_blocks = true,
                 .starts_from_free_fit = true,
                 .theorems = solver_theorems::kFullyCorrectiveGreedy}},
    SolverEntry{"omp",
                SolverId::kOmp,
                "orthogonal matching pursuit, incremental Cholesky (Pati et al. 1993)",
                {.scope = SolverScope::kLeastSquaresOnly,
                 .greedy = true,
                 .starts_from_free_fit = true,
                 .single_problem_only = true,
                 .theorems = solver_theorems::kFullyCorrectiveGreedy}},
    SolverEntry{"iht",
                SolverId::kIht,
                "iterative hard thresholding, fixed step, --iht-schedule (Blumensath & Davies "
                "2009)",
                {.step = StepUse::kFixedOrCurvature, .theorems = solver_theorems::kIht}},
    SolverEntry{"niht",
                SolverId::kNiht,
                "normalized iterative hard thresholding (Blumensath & Davies 2010)",
                {.theorems = solver_theorems::kNormalizedIht,
                 .theorems_missing = "the guarantee of normalized IHT is not implemented "
                                     "(docs/theory.md §5.3)"}},
    SolverEntry{"htp",
                SolverId::kHtp,
                "hard thresholding pursuit (Foucart 2011)",
                {.step = StepUse::kFixedOrCurvature,
                 .starts_from_free_fit = true,
                 .theorems = solver_theorems::kHtp}},
    SolverEntry{"cosamp",
                SolverId::kCosamp,
                "compressive sampling matching pursuit (Needell & Tropp 2009)",
                {.scope = SolverScope::kLeastSquaresOnly,
                 .starts_from_free_fit = true,
                 .theorems = solver_theorems::kSupportPursuit}},
    SolverEntry{"grasp",
                SolverId::kGrasp,
                "gradient support pursuit (Bahmani, Raj & Boufounos 2013)",
                {.starts_from_free_fit = true, .theorems = solver_theorems::kSupportPursuit}},
    SolverEntry{"splicing",
                SolverId::kSplicing,
                "support splicing: exchanges of up to --max-exchange coordinates ranked by their "
                "sacrifices, kept while they lower f (Zhu et al. 2020)",
                {.starts_from_free_fit = true}},
    SolverEntry{"lasso",
                SolverId::kLasso,
                "l1 regularization path by coordinate descent, stopped at the sparsity budget "
                "(Friedman, Hastie & Tibshirani 2010)",
                {.scope = SolverScope::kConvexOnly,
                 .starts_from_free_fit = true,
                 .single_problem_only = true}},
    SolverEntry{"gmp",
                SolverId::kGmp,
                "gradual magnitude pruning (Zhu & Gupta 2017)",
                {.step = StepUse::kRequired, .trains = true}},
    SolverEntry{"dpf",
                SolverId::kDpf,
                "dynamic pruning with feedback (Lin et al. 2020)",
                {.step = StepUse::kRequired, .trains = true}},
    SolverEntry{"acdc",
                SolverId::kAcdc,
                "alternating compressed/decompressed training (Peste et al. 2021)",
                {.step = StepUse::kRequired, .trains = true}},
    SolverEntry{"rigl",
                SolverId::kRigl,
                "dynamic sparse training at a fixed budget, drop by magnitude and grow by "
                "gradient every --update-period steps, --drop-fraction (Evci et al. 2020)",
                {.step = StepUse::kRequired, .trains = true}},
    SolverEntry{"set",
                SolverId::kSet,
                "rigl with random growth instead of gradient growth, seeded by --seed "
                "(Mocanu et al. 2018)",
                {.step = StepUse::kRequired, .trains = true}},
};

/// A list of the solver names for messages and --help.
inline std::string solver_names() {
  std::string names;
  for (const SolverEntry& e : kSolvers) names += (names.empty() ? "" : ", ") + std::string(e.name);
  return names;
}

/// The names of the solvers whose traits satisfy `keep`, for messages.
template <class Predicate>
std::string solver_names(Predicate keep) {
  std::string names;
  for (const SolverEntry& e : kSolvers)
    if (keep(e.traits)) names += (names.empty() ? "" : ", ") + std::string(e.name);
  return names;
}

/// The entry of solver `name`. Throws InvalidInput naming the known solvers for any other name.
inline const SolverEntry& find_solver(std::string_view name) {
  for (const SolverEntry& e : kSolvers)
    if (e.name == name) return e;
  throw InvalidInput("unknown solver '" + std::string(name) + "' (known: " + solver_names() + ")");
}

/// Whether `traits` lists theorem `id`.
inline bool covers(const SolverTraits& traits, std::string_view id) {
  for (std::string_view t : traits.theorems)
    if (t == id) return true;
  return false;
}

}  // namespace cardinal
